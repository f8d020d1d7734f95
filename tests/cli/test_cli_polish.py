"""The CLI's manners: --version, completion, metavars in words, help and tables at 80 columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    [],
    ["profile"],
    ["recommend"],
    ["export"],
    ["validate"],
    ["tune"],
    ["losses"],
    ["explain"],
    ["rules"],
    ["rules", "list"],
    ["rules", "show"],
    ["rules", "check"],
]


def run(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_version_is_the_package_version() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    out = run("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"lossadvisor {meta['project']['version']}"


def test_completion_is_offered() -> None:
    out = run("--help")
    assert "--install-completion" in out.stdout and "--show-completion" in out.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "top" for c in COMMANDS])
def test_help_fits_80_columns_with_metavars_in_words(command: list[str]) -> None:
    out = run(*command, "--help")
    assert out.returncode == 0, out.stderr
    wide = [line for line in out.stdout.splitlines() if len(line) > 80]
    assert not wide, wide
    # No Python types (<str>, <list[str]>) and no {data}-style placeholders.
    assert not re.search(r"<(str|int|float|path|list\[[a-z]+\])>", out.stdout), out.stdout
    assert not re.search(r"\{[a-z_]+\}", out.stdout.split("\n\n")[0]), out.stdout


def test_common_metavars() -> None:
    text = run("recommend", "--help").stdout + run("profile", "--help").stdout
    for phrase in ("[DATA]", "--target COL", "--profile FILE", "--top N", "-o, --output FILE"):
        assert phrase in text, phrase


def _loss_ids() -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "rules" / "losses.yaml").read_text(encoding="utf-8"))
    return [entry["id"] for entry in data["losses"]]


def test_losses_at_80_columns_keeps_every_cell_whole() -> None:
    out = run("losses")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "…" not in out.stdout
    cells = {cell.strip() for line in lines for cell in line.split("│")}
    missing = [loss for loss in _loss_ids() if loss not in cells]
    assert not missing, missing


def test_ranking_at_80_columns_keeps_rule_ids_and_scores_whole() -> None:
    out = run("recommend", "examples/regression_outliers.csv", "-t", "y", "--top", "6")
    assert out.returncode == 0, out.stderr
    assert all(len(line) <= 80 for line in out.stdout.splitlines())
    # Every '+4 rule.id:' reason prefix sits on one line, with a rule id the rule base knows.
    rules = run("rules", "list", "--json").stdout
    prefixes = re.findall(r"([+−]\d+(?:\.\d+)?) ([a-z0-9_.]+):", out.stdout)
    assert prefixes
    for _, rule_id in prefixes:
        assert f'"id": "{rule_id}"' in rules, rule_id
