"""Commands over the knowledge base: `rules list|show|check|test`, `losses`, `explain`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lossadvisor.errors import unknown_name
from lossadvisor.facts import LOSS_FAMILIES

if TYPE_CHECKING:
    from lossadvisor.rules.schema import RuleBase

RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra rule file (repeatable); loads after the built-ins."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def check(
    files: Annotated[list[Path], typer.Argument(help="Rule files to check.", metavar="FILE")],
    as_json: JsonOption = False,
) -> None:
    """Check rule files; list every problem as file:line: rule-id: message.

    Exit 0 when every file is valid, 2 otherwise (with --json too: the document on stdout,
    schema docs/schemas/rules_check.schema.json).

    Example: lossadvisor rules check rules/*.yaml my_rules.yaml
    """
    if as_json:
        from lossadvisor.rules.check_report import check_report

        report = check_report(files)
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        if not report.valid:
            raise typer.Exit(2)
        return
    from lossadvisor.rules.load import check_files

    problems = check_files(files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {len(files)} file(s).", file=sys.stderr)
        raise typer.Exit(2)
    print(f"{len(files)} file(s) valid.", file=sys.stderr)


def test_rules(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Rule files whose examples to run (default: the built-ins).", metavar="FILE"
        ),
    ] = None,
    require: Annotated[
        bool, typer.Option("--require", help="A rule without a fires and a silent example fails.")
    ] = False,
) -> None:
    """Run every rule's examples: each `fires` example must fire it, each `silent` one not.

    Lists every failing example as file:line: rule-id: message; exit 0 when all pass, 2
    otherwise. FILE is loaded after the built-in rules, as --rules is.

    Example: lossadvisor rules test my_rules.yaml
    """
    from lossadvisor.rules.examples import base_with, check_examples

    base = base_with(files or [])
    count, problems = check_examples(base, files or None, require=require)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} failing example(s) of {count}.", file=sys.stderr)
        raise typer.Exit(2)
    print(f"{count} example(s) passed.", file=sys.stderr)


def _load(rules: list[Path] | None) -> RuleBase:
    from lossadvisor.rules.load import load_rulebase

    return load_rulebase(rules or ())


def _print(renderable: Any) -> None:
    from rich.console import Console

    Console().print(renderable)


def list_rules(
    table: Annotated[
        str | None, typer.Option("--table", help="Only this table (task, data, ...).")
    ] = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the rules: id, table, article rows covered, effects.

    Example: lossadvisor rules list --table robustness
    """
    from lossadvisor.render.rules import rule_data, rules_table

    base = _load(rules)
    tables = list(dict.fromkeys(r.table for r in base.rules))  # user tables too
    if table is not None and table not in tables:
        raise unknown_name("table", table, tables, where="--table")
    chosen = [r for r in base.rules if table is None or r.table == table]
    if as_json:
        _print_json([rule_data(r) for r in chosen])
        return
    _print(rules_table(chosen))


def show_rule(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. data.outliers.robust.")],
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one rule: what it does, when it fires, its effects, why, and its source.

    Example: lossadvisor rules show data.outliers.robust
    """
    from lossadvisor.render.rules import rule_data, rule_page

    base = _load(rules)
    rule = base.rule(rule_id)
    if rule is None:
        raise unknown_name("rule", rule_id, [r.id for r in base.rules])
    if as_json:
        _print_json(rule_data(rule))
        return
    _print(rule_page(rule, base))


def losses(
    family: Annotated[
        str | None, typer.Option("--family", help="Only this family (regression, ...).")
    ] = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """The loss catalog as a table: family, expected output, outlier sensitivity, gradient, cost.

    Example: lossadvisor losses --family segmentation
    """
    base = _load(rules)
    if family is not None and family not in LOSS_FAMILIES:
        raise unknown_name("family", family, LOSS_FAMILIES, where="--family")
    chosen = [s for s in base.losses.values() if family is None or s.family == family]
    if as_json:
        _print_json([s.model_dump(mode="json") for s in chosen])
        return
    from rich.console import Console

    from lossadvisor.render.rules import losses_table

    console = Console()
    console.print(losses_table(chosen, width=console.width))


def explain(
    loss: Annotated[str, typer.Argument(help="A loss id from `lossadvisor losses`.")],
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Explain a loss: formula, gradient, properties, hyperparameters, the rules for and
    against it, and its names in real frameworks.

    Example: lossadvisor explain huber
    """
    from lossadvisor.render.rules import loss_data, loss_page
    from lossadvisor.rules.frameworks import loss_forms

    base = _load(rules)
    spec = base.losses.get(loss)
    if spec is None:
        raise unknown_name("loss", loss, base.losses)
    frameworks = loss_forms(loss)
    if as_json:
        _print_json(loss_data(spec, base, frameworks))
        return
    _print(loss_page(spec, base, frameworks))
