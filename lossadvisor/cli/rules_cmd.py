"""Commands over the knowledge base: `rules list|show|check`, `losses`, `explain`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lossadvisor.cli.app import app

rules_app = typer.Typer(
    name="rules",
    help="List, show and check the rules behind every recommendation.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")

RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra rule file (repeatable); loads after the built-ins."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@rules_app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Rule files to check.")],
) -> None:
    """Check rule files; list every problem as file:line: rule-id: message.

    Exit 0 when every file is valid, 2 otherwise.

    Example: lossadvisor rules check rules/*.yaml my_rules.yaml
    """
    from lossadvisor.rules.load import check_files

    problems = check_files(files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {len(files)} file(s).", file=sys.stderr)
        raise typer.Exit(2)
    print(f"{len(files)} file(s) valid.", file=sys.stderr)
