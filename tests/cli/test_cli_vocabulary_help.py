"""Help strings do not copy the vocabularies the rule files define (issue 9: a copied list goes
stale when a catalog grows, and is wrong for a user's own --rules files).

A help may give an example or two and point to the command that lists the words; the ids are
read here from the shipped YAML itself, not from lossadvisor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
import yaml

from lossadvisor.facts import TARGET_TYPES, TASKS

ROOT = Path(__file__).resolve().parents[2]
MOST = 3  # ids of one vocabulary a help may name as examples


def _ids(file: str, *sections: str) -> dict[str, set[str]]:
    data = yaml.safe_load((ROOT / "rules" / file).read_text(encoding="utf-8"))
    return {f"{file}:{s}": {str(e["id"]) for e in data.get(s) or []} for s in sections}


VOCABULARIES = {
    **_ids("methods.yaml", "optimizers", "balancing"),
    **_ids("tasks.yaml", "families", "head_tasks", "architectures", "metrics"),
    **_ids("losses.yaml", "losses"),
}


# The target types and tasks are facts.py's own closed vocabularies, which a help joins from
# facts.py (cli/options.words) and never copies; the family ids reuse those words.
FIXED = set(TARGET_TYPES) | set(TASKS)


def _helps() -> list[tuple[str, str]]:
    from lossadvisor.cli.app import app

    found: list[tuple[str, str]] = []
    stack: list[tuple[str, object]] = [("lossadvisor", typer.main.get_command(app))]
    while stack:
        name, command = stack.pop()
        for sub, child in getattr(command, "commands", {}).items():
            stack.append((f"{name} {sub}", child))
        for param in getattr(command, "params", []):
            text = getattr(param, "help", None)
            if text:
                found.append((f"{name} {param.opts[0]}", text))
    return sorted(found)


def test_the_vocabularies_are_read_from_the_shipped_files() -> None:
    assert {"adamw", "sgd"} <= VOCABULARIES["methods.yaml:optimizers"]
    assert len(_helps()) > 50


@pytest.mark.parametrize(("option", "text"), _helps())
def test_no_help_copies_a_vocabulary_of_the_rule_files(option: str, text: str) -> None:
    words = set(re.findall(r"[a-z][a-z0-9_]+", text))
    for vocabulary, ids in VOCABULARIES.items():
        named = sorted((words & ids) - FIXED)
        assert len(named) <= MOST, f"{option} lists {vocabulary} ids {named}: {text!r}"
