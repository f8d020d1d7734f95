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


def run_tour(folder: Path) -> list[str]:
    """Run every step once, in order, in `folder`; one message per step that failed."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    failures = []
    for step in STEPS:
        argv = shlex.split(step.command, comments=True)
        run = subprocess.run(
            [sys.executable, "-m", "lossadvisor", *argv[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        where = f"README.md:{step.line}: {step.command}"
        if run.returncode != 0:
            failures.append(f"{where}: exit {run.returncode}: {run.stderr.strip()}")
            continue
        printed = _squeeze(run.stdout)
        missing = [line for line in step.shown if _squeeze(line) not in printed]
        if missing:
            failures.append(f"{where}: shows {missing[0]!r}; it printed:\n{run.stdout}")
    return failures


# One test, not one per step: the steps depend on each other (rec.yaml), and pytest-xdist
# would run a shared fixture once per worker.
@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    failures = run_tour(tmp_path)
    assert not failures, "\n".join(failures)


def test_console_steps_reads_commands_and_shown_output() -> None:
    text = "intro\n```console\n$ lossadvisor a  # note\nout 1\n...\n$ lossadvisor b\n```\n"
    text += "```sh\n$ not run\n```\n"
    steps = console_steps(text)
    assert [(s.command, s.shown) for s in steps] == [
        ("lossadvisor a  # note", ["out 1"]),
        ("lossadvisor b", []),
    ]
