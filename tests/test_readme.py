"""Every command of the README's tour runs as written, and prints what the README shows.

The README's ```console blocks are parsed: a `$ lossadvisor ...` line is a command, the lines
after it (up to the next command) are output the README promises, `...` marks an elision.
The commands run in order in one scratch folder holding a copy of examples/ (a later command
may read what an earlier one wrote, as a reader following the tour would), at 80 columns.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@dataclass
class Step:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)


def console_steps(text: str) -> list[Step]:
    """The `$ ...` commands of every ```console block, with the output lines shown under them."""
    steps: list[Step] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            steps.append(Step(number, line[2:].strip()))
        elif steps and line.strip() and line.strip() != "...":
            steps[-1].shown.append(line)
    return steps


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


STEPS = console_steps(README.read_text(encoding="utf-8"))


def test_the_readme_has_a_tour() -> None:
    assert len(STEPS) >= 12, [s.command for s in STEPS]
    assert all(s.command.startswith("lossadvisor ") for s in STEPS), "only lossadvisor commands"


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> dict[int, subprocess.CompletedProcess[str]]:
    """Run every step once, in order, in a scratch copy of examples/."""
    folder = tmp_path_factory.mktemp("tour")
    shutil.copytree(ROOT / "examples", folder / "examples")
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    runs = {}
    for step in STEPS:
        argv = shlex.split(step.command, comments=True)
        runs[step.line] = subprocess.run(
            [sys.executable, "-m", "lossadvisor", *argv[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=[s.command for s in STEPS])
def test_readme_command(step: Step, tour: dict[int, subprocess.CompletedProcess[str]]) -> None:
    run = tour[step.line]
    where = f"README.md:{step.line}: {step.command}"
    assert run.returncode == 0, f"{where}: exit {run.returncode}: {run.stderr.strip()}"
    printed = _squeeze(run.stdout)
    for line in step.shown:
        assert _squeeze(line) in printed, f"{where}: shows {line!r}; it printed:\n{run.stdout}"


def test_console_steps_reads_commands_and_shown_output() -> None:
    text = "intro\n```console\n$ lossadvisor a  # note\nout 1\n...\n$ lossadvisor b\n```\n"
    text += "```sh\n$ not run\n```\n"
    steps = console_steps(text)
    assert [(s.command, s.shown) for s in steps] == [
        ("lossadvisor a  # note", ["out 1"]),
        ("lossadvisor b", []),
    ]
