"""`lossadvisor tasks`: the task families and the words that name them (rules/tasks.yaml)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lossadvisor.errors import InputError, unknown_name

SECTIONS = ("families", "heads", "architectures", "metrics", "outputs")


def tasks(
    word: Annotated[
        str | None,
        typer.Argument(
            help="Show only the family this word names (a synonym works).", metavar="WORD"
        ),
    ] = None,
    section: Annotated[
        str,
        typer.Option(
            "--list",
            help="What to list: families, heads, architectures, metrics or outputs.",
            metavar="WHAT",
        ),
    ] = "families",
    rules: Annotated[
        list[Path] | None,
        typer.Option("--rules", help="Extra rule file (repeatable); loads after the built-ins."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """List the task families with their synonyms (what --task accepts), or the head tasks,
    architectures, metrics and model outputs with theirs.

    Example: lossadvisor tasks object-detection
    """
    from lossadvisor.rules.load import load_rulebase

    if section not in SECTIONS:
        raise unknown_name("list", section, SECTIONS, where="--list")
    vocabulary = load_rulebase(rules or ()).vocabulary
    rows = _rows(vocabulary, section)
    if word is not None:
        if section != "families":
            raise InputError("tasks: WORD only works with --list families.")
        family = vocabulary.resolve_task(word, where="tasks")
        rows = [r for r in rows if r["id"] == family.id]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    from lossadvisor.render.tasks import vocabulary_table

    Console().print(vocabulary_table(rows, section))


def _rows(vocabulary: Any, section: str) -> list[dict[str, Any]]:
    if section == "families":
        return [
            {
                "id": f.id,
                "name": f.name,
                "group": f.group,
                "task": f.task,
                "parent": f.parent,
                "synonyms": list(f.synonyms),
                "architectures": list(f.architectures),
                "presets": [p.name for p in f.presets],
                "description": f.description,
            }
            for f in vocabulary.families
        ]
    if section == "heads":
        return [
            {"id": h.id, "name": h.name, "task": h.task, "synonyms": list(h.synonyms)}
            for h in vocabulary.head_tasks
        ]
    terms = {
        "architectures": vocabulary.architectures,
        "metrics": vocabulary.metrics,
        "outputs": vocabulary.model_outputs,
    }[section]
    return [{"id": t.id, "name": t.name, "synonyms": list(t.synonyms)} for t in terms]
