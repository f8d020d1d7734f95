"""The CLI's layers: one registry of commands, shared options declared once, checked at parse.

Expected values come from outside the CLI: the command names `--help` prints, the export
registry, the click objects typer builds, and the messages the library's own checks give.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "lossadvisor" / "cli"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True, text=True, env=env, timeout=120, input=stdin,
    )  # fmt: skip


def test_every_listed_command_comes_from_the_registry() -> None:
    from lossadvisor.cli.commands import COMMANDS, GROUPS

    listed = re.findall(r"^  (\w+) ", run("--help").stdout.split("Commands:")[1], re.M)
    expected = [c.name for c in COMMANDS if c.group is None] + list(GROUPS)
    assert listed == expected
    rules = re.findall(r"^  (\w+) ", run("rules", "--help").stdout.split("Commands:")[1], re.M)
    assert rules == [c.name for c in COMMANDS if c.group == "rules"]


def test_no_command_module_registers_itself() -> None:
    """Registration happens in one place (cli/app.py over cli/commands.py), not on import."""
    for path in sorted(CLI.glob("*.py")):
        if path.name in ("app.py", "commands.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^@\w+\.command\(", text, re.M), path.name
        assert "add_typer(" not in text, path.name


def test_help_names_the_export_formats_of_the_registry_in_order() -> None:
    from lossadvisor.cli.options import EXPORT_FORMATS
    from lossadvisor.export.registry import REGISTRY

    assert tuple(REGISTRY) == EXPORT_FORMATS


def _options(*path: str) -> dict[str, object]:
    from lossadvisor.cli.app import app

    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {p.opts[0]: p for p in command.params if p.opts}


SHARED = {
    "--json": [("recommend",), ("profile",), ("validate",), ("tune",)],
    "--format": [("recommend",), ("export",), ("tune",)],
    "--seed": [("profile",), ("validate",), ("tune",)],
    "--threads": [("validate",), ("tune",)],
    "--time-budget": [("validate",), ("tune",)],
    "--folds": [("validate",), ("tune",)],
    "--export": [("recommend",), ("tune",)],
    "--target": [("recommend",), ("profile",), ("validate",)],  # tune: one target (TargetOption)
}


@pytest.mark.parametrize("flag", sorted(SHARED))
def test_a_shared_option_reads_the_same_everywhere(flag: str) -> None:
    params = [_options(*command)[flag] for command in SHARED[flag]]
    helps = {getattr(p, "help", None) for p in params}
    assert len(helps) == 1 and None not in helps, helps
    assert len({tuple(p.opts) for p in params}) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.csv", "-t", "y", "--threads", "-1"],
         "--threads must be an integer >= 0. Got -1 instead."),
        (["validate", "missing.csv", "-t", "y", "--folds", "51"],
         "--folds must be an integer in [2, 50]. Got 51 instead."),
        (["tune", "missing.csv", "-t", "y", "--loss", "mse", "--time-budget", "-2"],
         "--time-budget must be a number of seconds > 0. Got -2.0 instead."),
        (["profile", "missing.csv", "--seed", "-3"], "--seed must be an integer >= 0."),
        (["recommend", "missing.csv", "--top", "0"], "--top must be an integer >= 1."),
    ],
)
def test_ranges_are_checked_while_parsing_before_any_file_is_read(
    args: list[str], message: str
) -> None:
    """The data file does not exist: a range error first proves the check runs at parse."""
    done = run(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lossadvisor: error: "), done.stderr
    assert message in lines[0]
    assert "missing.csv" not in done.stderr


def test_validate_reads_stdin_through_the_one_spool() -> None:
    csv = "x,y\n" + "".join(f"{i},{(i * 7) % 11 + 0.5 * i}\n" for i in range(60))
    done = run("validate", "-", "-t", "y", "--losses", "mse,mae", "--folds", "2", "--json",
               stdin=csv)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"n_rows": 60' in done.stdout
