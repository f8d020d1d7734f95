"""Rich views of a Recommendation: ranking, rationale, parameters, optimizer, heads, cautions.

Functions here build renderables; the CLI prints them. Only facts that a shown rule cited are
displayed (the profile itself is `lossadvisor profile`'s business).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lossadvisor.facts import FACTS, FactValue
from lossadvisor.models import Contribution, ParamAdvice, RankedLoss, Recommendation
from lossadvisor.render.format import fact_text, signed


def brief(text: str, limit: int = 110) -> str:
    """A reason shortened for the ranking table: its first clause, at most `limit` characters
    (the rationale and --json keep the full text)."""
    for stop in ("; ", ". ", ": "):
        head, sep, _ = text.partition(stop)
        if sep and 20 <= len(head) <= limit:
            return head
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cited_facts(ledgers: Iterable[Sequence[Contribution]]) -> dict[str, FactValue]:
    """Every measured or given fact the contributions read, with its value (first seen wins).

    Facts that were read but absent (None), and the stage facts recommend sets itself (the
    chosen loss, for the optimizer table), are left out.
    """
    out: dict[str, FactValue] = {}
    for ledger in ledgers:
        for contribution in ledger:
            for name, value in contribution.facts.items():
                spec = FACTS.get(name)
                if value is None or (spec is not None and spec.origin == "stage"):
                    continue
                out.setdefault(name, value)
    return out


def facts_view(facts: Mapping[str, FactValue]) -> RenderableType:
    """The facts behind the ranking: name = value, in alphabetical order."""
    table = Table(title="Facts the rules used", title_justify="left", show_header=False, box=None)
    table.add_column("fact", style="bold")
    table.add_column("value")
    for name in sorted(facts):
        table.add_row(name, fact_text(facts[name]))
    return table


def why_text(reason: str, limit: int = 90) -> Text:
    """A signed reason for the ranking table: '+4 rule.id' kept whole (bold), then its `because`
    shortened by `brief` (the ledger below and --json keep the full text)."""
    head, sep, because = reason.partition(": ")
    if not sep or " " not in head or head.count(" ") > 1:
        return Text(brief(reason, limit))  # not a signed reason ('no rule about it', exclusions)
    return Text.assemble((head, "bold"), ": ", brief(because, limit))


def _id_width(reasons: Iterable[str]) -> int:
    """The widest '+4 rule.id:' prefix, so that a narrow why column never folds a rule id."""
    return max((len(r.partition(": ")[0]) + 1 for r in reasons if ": " in r), default=10)


VERDICT_STYLES = {
    "recommended": "green",
    "alternative": "cyan",
    "weaker": "default",
    "avoid": "yellow",
    "excluded": "red",
}


def ranking_view(ranking: Sequence[RankedLoss], top: int, explain: bool) -> RenderableType:
    """The ranked table: rank, loss, score, verdict and the strongest signed reasons."""
    candidates = [r for r in ranking if r.verdict != "excluded"]
    excluded = [r for r in ranking if r.verdict == "excluded"]
    shown = candidates if explain else candidates[:top]
    reasons = [reason for item in shown for reason in item.reasons[:2]]
    table = Table(title="Ranking", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("loss", style="bold", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("why", min_width=min(_id_width(reasons), 40))
    for rank, item in enumerate(shown, start=1):
        table.add_row(
            str(rank),
            item.loss,
            signed(item.score),
            Text(item.verdict, style=VERDICT_STYLES[item.verdict]),
            Text("\n").join(why_text(reason) for reason in item.reasons[:2]),
        )
    if explain:
        for item in excluded:
            table.add_row(
                "–", item.loss, signed(item.score), Text("excluded", "red"), item.reasons[0]
            )
    parts: list[RenderableType] = [table]
    hidden = len(candidates) - len(shown)
    if hidden > 0:
        parts.append(Text(f"{hidden} more candidate(s) not shown (--top {top}; --explain for all)"))
    if excluded and not explain:
        names = ", ".join(item.loss for item in excluded)
        parts.append(Text(f"excluded: {names} (--explain says why)", style="dim"))
    return Group(*parts)


def ledger_view(title: str, ledger: Sequence[Contribution]) -> RenderableType:
    """Every contribution: rule id, table, delta, because, and the facts it cites with values."""
    table = Table(title=title, title_justify="left")
    table.add_column("rule", no_wrap=True)
    table.add_column("table", no_wrap=True)
    table.add_column("Δ", justify="right", no_wrap=True)
    table.add_column("because")
    table.add_column("facts")
    for c in ledger:
        cited = ", ".join(
            f"{k} = {fact_text(v)}" if v is not None else f"{k} not given"
            for k, v in sorted(c.facts.items())
        )
        table.add_row(c.rule_id, c.table, signed(c.delta), c.because, cited)
    return table


def params_view(title: str, params: Mapping[str, ParamAdvice]) -> RenderableType:
    """Hyperparameters with their derivations and the rule that asked for them."""
    table = Table(title=title, title_justify="left")
    table.add_column("param", style="bold", no_wrap=True)
    table.add_column("value", no_wrap=True)
    table.add_column("derivation")
    table.add_column("rule", no_wrap=True)
    for name, advice in params.items():
        table.add_row(name, fact_text(advice.value), advice.derivation, advice.rule_id or "")
    return table


def _settings(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {fact_text(v)}" for k, v in settings.items())


def optimizer_view(rec: Recommendation) -> RenderableType:
    """The optimizer, its settings and schedule, and why."""
    opt = rec.optimizer
    how = "your choice" if opt.requested else "recommended"
    lines = [Text.assemble(("Optimizer: ", "bold"), f"{opt.name} ({how})")]
    lines.append(Text(f"  settings: {_settings(opt.settings)}"))
    if opt.schedule:
        lines.append(Text(f"  schedule: {_settings(opt.schedule)}"))
    lines += [Text(f"  - {reason}") for reason in opt.reasons]
    return Group(*lines)


def heads_view(rec: Recommendation) -> RenderableType:
    """One line per head, then the balancing method with its settings and reasons."""
    table = Table(title="Heads", title_justify="left")
    table.add_column("head", style="bold")
    table.add_column("task")
    table.add_column("loss")
    table.add_column("weight", justify="right")
    table.add_column("params")
    table.add_column("why")
    for head in rec.heads:
        params = ", ".join(f"{k} = {fact_text(v.value)}" for k, v in head.params.items())
        table.add_row(
            head.name, head.task, head.loss, fact_text(head.weight), params, "\n".join(head.reasons)
        )
    parts: list[RenderableType] = [table]
    if rec.balancing is not None:
        bal = rec.balancing
        parts.append(Text.assemble(("Balancing: ", "bold"), bal.method))
        if bal.settings:
            parts.append(Text(f"  settings: {_settings(bal.settings)}"))
        parts += [Text(f"  - {reason}") for reason in bal.reasons]
    return Group(*parts)


def cautions_view(rec: Recommendation) -> RenderableType:
    """Warnings of the fired rules, with their rule ids."""
    lines = [Text("Cautions", style="bold yellow")]
    for caution in rec.cautions:
        about = f"about {', '.join(caution.losses)}; " if caution.losses else ""
        lines.append(Text(f"  ! {caution.text} ({about}{caution.rule_id})"))
    return Group(*lines)


def _task_text(rec: Recommendation) -> str:
    if not rec.task_inferred:
        return str(rec.task)
    return f"{rec.task} (inferred from target_type {rec.facts.get('target_type')})"


def recommendation_view(rec: Recommendation, top: int = 5, explain: bool = False) -> Group:
    """The whole report: facts, ranking, the top choice's rationale and parameters, optimizer,
    heads, cautions; with `explain` the full ledger and parameters of every candidate."""
    candidates = [r for r in rec.ranking if r.verdict != "excluded"]
    best = candidates[0]
    shown = candidates if explain else candidates[:top]
    ledgers = [r.ledger for r in shown] + [rec.optimizer.ledger]
    if rec.balancing is not None:
        ledgers.append(rec.balancing.ledger)
    parts: list[RenderableType] = [
        facts_view({**cited_facts(ledgers), "task": _task_text(rec)}),
        Text(""),
        ranking_view(rec.ranking, top, explain),
        Text(""),
        ledger_view(f"Why {best.loss}: every rule that fired", best.ledger),
    ]
    if best.params:
        parts += [Text(""), params_view(f"{best.loss} hyperparameters", best.params)]
    parts += [Text(""), optimizer_view(rec)]
    if rec.heads:
        parts += [Text(""), heads_view(rec)]
    if rec.cautions:
        parts += [Text(""), cautions_view(rec)]
    if explain:
        for item in candidates[1:]:
            parts += [Text(""), ledger_view(f"{item.loss}: score ledger", item.ledger)]
            if item.params:
                parts.append(params_view(f"{item.loss} hyperparameters", item.params))
        parts += [Text(""), ledger_view("optimizer ledger", rec.optimizer.ledger)]
        if rec.balancing is not None:
            parts.append(ledger_view("balancing ledger", rec.balancing.ledger))
    return Group(*parts)
