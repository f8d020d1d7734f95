"""Rich views of the knowledge base: the rule list, a rule page, the loss catalog, a loss page.

Functions here build renderables or plain dicts (for --json); the CLI prints them. Pages follow
ruff's rule pages: what it does, when, why, and the references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lossadvisor.render.format import signed
from lossadvisor.rules.condition import build, show_value
from lossadvisor.rules.frameworks import Entry, Framework
from lossadvisor.rules.schema import LossSpec, MethodAdvice, Rule, RuleBase


def describe_condition(condition: Mapping[str, Any]) -> str:
    """A `when` mapping in words: 'task = regression and outlier_ratio > 0.01'."""
    return build(condition).describe()


def _advice_summary(name: str, advice: MethodAdvice | None) -> list[str]:
    if advice is None:
        return []
    parts = [f"{m} {signed(d)}" for m, d in advice.score.items()]
    parts += [f"{m} settings" for m in advice.settings]  # the values: `rules show`
    return [f"{name} " + ", ".join(parts)] if parts else []


def effect_summary(rule: Rule) -> str:
    """Every effect of a rule on one line: 'huber +3, mse −3; exclude bce; ...'."""
    parts: list[str] = []
    if rule.score:
        parts.append(", ".join(f"{loss} {signed(d)}" for loss, d in rule.score.items()))
    if rule.exclude:
        parts.append("exclude " + ", ".join(rule.exclude))
    if rule.params:
        parts.append(
            "params "
            + ", ".join(f"{loss}.{p}" for loss, params in rule.params.items() for p in params)
        )
    parts += _advice_summary("optimizer", rule.optimizer)
    parts += _advice_summary("balancing", rule.balancing)
    if rule.caution:
        parts.append("caution")
    return "; ".join(parts)


def rules_table(rules: Sequence[Rule]) -> RenderableType:
    """The rule list: id, table, covers, effects."""
    table = Table(title=f"{len(rules)} rules", title_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("table")
    table.add_column("covers")
    table.add_column("effects")
    for rule in rules:
        table.add_row(rule.id, rule.table, ", ".join(rule.covers), effect_summary(rule))
    return table


def _heading(text: str) -> Text:
    return Text(f"\n{text}", style="bold underline")


def rule_page(rule: Rule, base: RuleBase) -> RenderableType:
    """One rule in the rhythm of a ruff rule page: what, when, effects, why, source."""
    info = base.tables.get(rule.table)
    title = info.title if info else rule.table
    parts: list[RenderableType] = [
        Text(f"{rule.id}", style="bold"),
        Text(f"table: {rule.table} — {title}; covers {', '.join(rule.covers) or 'no article row'}"),
        Text(f"defined at {rule.file}:{rule.line}", style="dim"),
        _heading("What it does"),
        Text(effect_summary(rule)),
        _heading("When"),
        Text(rule.condition.describe()),
    ]
    effects = Table(show_header=True, box=None, pad_edge=False)
    effects.add_column("effect")
    effects.add_column("on")
    effects.add_column("value")
    for loss, delta in rule.score.items():
        effects.add_row("score", _loss_label(loss, base), signed(delta))
    for loss, reason in rule.exclude.items():
        effects.add_row("exclude", _loss_label(loss, base), reason)
    for loss, params in rule.params.items():
        for param, value in params.items():
            effects.add_row("param", f"{loss}.{param}", show_value(value))
    for kind, advice in (("optimizer", rule.optimizer), ("balancing", rule.balancing)):
        if advice is None:
            continue
        for method, delta in advice.score.items():
            effects.add_row(kind, method, signed(delta))
        for method, settings in advice.settings.items():
            effects.add_row(f"{kind} settings", method, show_value(settings))
    parts += [_heading("Effects"), effects]
    if rule.caution:
        parts += [_heading("Caution"), Text(rule.caution)]
    parts += [_heading("Why"), Text(rule.because), _heading("Source"), Text(rule.source)]
    if rule.examples is not None:
        # as ruff's "Example" section: facts it fires on, and facts it stays silent on
        parts.append(_heading("Examples (run by `lossadvisor rules test`)"))
        for kind, cases in (("fires", rule.examples.fires), ("silent", rule.examples.silent)):
            parts += [Text(f"{kind}: {show_value(facts)}") for facts in cases]
    return Group(*parts)


def _loss_label(loss_id: str, base: RuleBase) -> str:
    spec = base.losses.get(loss_id)
    return f"{loss_id} ({spec.name})" if spec else loss_id


def rule_data(rule: Rule) -> dict[str, Any]:
    """A rule as plain JSON-able data (its YAML plus table, file and line)."""
    return rule.model_dump(mode="json", exclude_none=True)


# The catalog's columns, most useful first: ids and short vocabulary never wrap; the prose
# columns (name, complexity) are kept only while they fit (`explain ID` shows them whole).
_LOSS_COLUMNS = ("id", "family", "output", "outliers", "gradient", "name", "complexity")
_PROSE = {"name": 14, "complexity": 18}  # the narrowest width at which a prose column helps


def _loss_row(loss: LossSpec) -> dict[str, str]:
    props = loss.properties
    return {
        "id": loss.id,
        "name": loss.name,
        "family": loss.family,
        "output": loss.output,
        "outliers": props.outlier_sensitivity,
        "gradient": props.gradient_continuity + (", bounded" if props.gradient_bounded else ""),
        "complexity": props.time_complexity,
    }


def fitting_columns(rows: Sequence[Mapping[str, str]], width: int) -> list[str]:
    """The catalog columns that fit `width` (a rich table spends 3 cells a column, plus 1),
    in priority order; short columns at their widest value, prose at its minimum width."""
    chosen: list[str] = []
    used = 1
    for column in _LOSS_COLUMNS:
        widest = max([len(column), *(len(row[column]) for row in rows)])
        need = min(widest, _PROSE.get(column, widest)) + 3
        if column == "id" or used + need <= width:
            chosen.append(column)
            used += need
    return chosen


def losses_table(losses: Sequence[LossSpec], width: int = 200) -> RenderableType:
    """The catalog: id, family, output, outlier sensitivity, gradient, name, complexity, with
    the low-value columns dropped when `width` is too narrow for them."""
    rows = [_loss_row(loss) for loss in losses]
    columns = fitting_columns(rows, width)
    dropped = [c for c in _LOSS_COLUMNS if c not in columns]
    table = Table(title=f"{len(losses)} losses", title_justify="left")
    for column in columns:
        prose = column in _PROSE
        table.add_column(column, style="bold" if column == "id" else "", no_wrap=not prose)
    for row in rows:
        table.add_row(*(row[column] for column in columns))
    if not dropped:
        return table
    note = f"not shown at this width: {', '.join(dropped)} (see `lossadvisor explain ID`)"
    return Group(table, Text(note, style="dim"))


def rules_about(loss_id: str, base: RuleBase) -> tuple[list[Rule], list[Rule]]:
    """(rules that favour the loss, rules that disfavour or exclude it), in load order."""
    favour = [r for r in base.rules if r.score.get(loss_id, 0) > 0]
    against = [r for r in base.rules if r.score.get(loss_id, 0) < 0 or loss_id in r.exclude]
    return favour, against


def framework_names(entries: Mapping[Framework, Entry]) -> dict[str, str]:
    """framework -> what it calls the loss (its target, objective or class_name)."""
    return {
        framework: entry.target or entry.objective or entry.class_name or "(no name given)"
        for framework, entry in entries.items()
    }


def _rule_rows(title: str, rules: Sequence[Rule], loss_id: str) -> RenderableType:
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("rule", style="bold", no_wrap=True)
    table.add_column("effect", max_width=36)
    table.add_column("when", min_width=24, ratio=1)
    for rule in rules:
        effect = (
            f"excluded: {rule.exclude[loss_id]}"
            if loss_id in rule.exclude
            else signed(rule.score[loss_id])
        )
        table.add_row(rule.id, effect, rule.condition.describe())
    if not rules:
        table.add_row("(none)", "", "")
    return table


def loss_page(
    loss: LossSpec, base: RuleBase, frameworks: Mapping[Framework, Entry]
) -> RenderableType:
    """`explain LOSS`: what it is, properties, hyperparameters, rules for and against, names."""
    props = loss.properties
    parts: list[RenderableType] = [
        Text(f"{loss.name} ({loss.id})", style="bold"),
        Text(f"family {loss.family}; expects {loss.output}; tasks {', '.join(loss.tasks)}"),
        _heading("What it is"),
        Text(f"formula:  {loss.formula}"),
        Text(f"gradient: {loss.gradient}"),
    ]
    if loss.estimates:
        parts.append(Text(f"estimates: {loss.estimates}"))
    properties = Table(show_header=False, box=None, pad_edge=False)
    properties.add_column("property", style="bold")
    properties.add_column("value")
    for name, value in props.model_dump().items():
        properties.add_row(name.replace("_", " "), show_value(value))
    if loss.target_types:
        properties.add_row("target types", ", ".join(loss.target_types))
    parts += [_heading("Properties"), properties, _heading("Hyperparameters")]
    if loss.params:
        params = Table(box=None, pad_edge=False)
        params.add_column("name", style="bold")
        params.add_column("default")
        params.add_column("range")
        params.add_column("meaning")
        for name, spec in loss.params.items():
            params.add_row(name, show_value(spec.default), spec.range_text(), spec.meaning)
        parts.append(params)
    else:
        parts.append(Text("none"))
    favour, against = rules_about(loss.id, base)
    parts += [
        _heading("When it wins and when it hurts"),
        _rule_rows("favoured by", favour, loss.id),
        _rule_rows("disfavoured by", against, loss.id),
        _heading("In frameworks"),
    ]
    names = framework_names(frameworks)
    if names:
        fw = Table(show_header=False, box=None, pad_edge=False)
        fw.add_column("framework", style="bold")
        fw.add_column("name")
        for framework, name in names.items():
            fw.add_row(framework, name)
        parts.append(fw)
    else:
        parts.append(Text("no framework names recorded"))
    parts += [_heading("Sources"), *(Text(f"- {s}") for s in loss.sources)]
    return Group(*parts)


def loss_data(
    loss: LossSpec, base: RuleBase, frameworks: Mapping[Framework, Entry]
) -> dict[str, Any]:
    """`explain --json`: the catalog entry, the rules for and against, framework names."""
    favour, against = rules_about(loss.id, base)
    data = loss.model_dump(mode="json")
    data["favoured_by"] = [
        {"rule": r.id, "delta": r.score[loss.id], "when": r.condition.describe()} for r in favour
    ]
    data["disfavoured_by"] = [
        {
            "rule": r.id,
            "delta": r.score.get(loss.id, 0.0),
            "excluded": r.exclude.get(loss.id),
            "when": r.condition.describe(),
        }
        for r in against
    ]
    data["frameworks"] = framework_names(frameworks)
    return data
