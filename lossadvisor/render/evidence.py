"""Rich rendering of `validate` and `tune` results: a table per result, then the verdict."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lossadvisor.evidence.results import LossEvidence, TuneResult, ValidationResult

SHOWN_TRIALS = 15


def _cell(e: LossEvidence, metric: str) -> str:
    if not e.folds_done:
        return "—"
    return f"{e.mean[metric]:.4g} ± {e.std[metric]:.2g}"


def _params(e: LossEvidence) -> str:
    shown = []
    for name, used in e.params.items():
        value = "per fold" if used.value is None else f"{used.value:.4g}"
        shown.append(f"{name}={value}")
    return ", ".join(shown)


def validation_view(result: ValidationResult) -> RenderableType:
    """Per-loss mean ± std over folds of every panel metric, the winner marked, the verdict."""
    arrow = "↑" if result.higher_is_better else "↓"
    repeats = f" × {result.repeats} repeats" if result.repeats > 1 else ""
    title = (
        f"'{result.target}' ({result.task}, {result.n_rows:,} rows, {result.n_features} "
        f"features): {result.n_folds}-fold cross-validation{repeats}, seed {result.seed}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("loss")
    table.add_column("params")
    for metric in result.panel:
        mark = f" {arrow}" if metric == result.metric else ""
        table.add_column(metric + mark, justify="right")
    table.add_column("folds", justify="right")
    for e in result.losses:
        name = Text(e.loss, style="bold green") if e.loss == result.winner else Text(e.loss)
        table.add_row(
            name,
            _params(e),
            *[_cell(e, m) for m in result.panel],
            str(e.folds_done),
        )
    parts: list[RenderableType] = [table, Text(result.verdict)]
    if result.engine:
        parts.append(Text(f"  every loss: {result.engine}", style="dim"))
    for e in result.losses:
        sources = {f"{n}: {u.source}" for n, u in e.params.items()}
        tail = " — " + "; ".join(sorted(sources)) if sources else ""
        parts.append(Text(f"  {e.loss}: {e.model}{tail}"))
    if result.stopped_by_budget:
        parts.append(Text("Stopped by --time-budget; not measured:", style="yellow"))
    for item in result.skipped:
        parts.append(Text(f"  {item}", style="yellow"))
    if result.constant_log_loss is not None:
        parts.append(
            Text(
                f"  constant prediction (training-fold class prior): log_loss "
                f"{result.constant_log_loss:.4g}",
                style="dim",
            )
        )
    for caution in result.cautions:
        parts.append(Text(f"  caution: {caution}", style="yellow"))
    for note in result.notes:
        parts.append(Text(f"  note: {note}", style="dim"))
    return Group(*parts)


def tune_view(result: TuneResult) -> RenderableType:
    """The trials, best first, with the default setting marked, then the verdict."""
    arrow = "↑" if result.higher_is_better else "↓"
    title = (
        f"tuning {result.loss} on '{result.target}' ({result.search} search, "
        f"{len(result.trials)} settings, {result.n_folds} folds, seed {result.seed})"
    )
    # The rate is a column only where it was searched (the MLP's is fixed: `result.engine`).
    rates = {trial.learning_rate for trial in result.trials}
    searched = len(rates) > 1
    table = Table(title=title, title_justify="left")
    table.add_column("setting")
    if searched:
        table.add_column("learning rate", justify="right")
    table.add_column(f"{result.metric} {arrow}", justify="right")
    ordered = sorted(result.trials, key=lambda t: t.mean, reverse=result.higher_is_better)
    for trial in ordered[:SHOWN_TRIALS]:
        setting = ", ".join(f"{k}={v:.4g}" for k, v in trial.params.items()) or "(no parameter)"
        if trial == result.default:
            setting += "  [default]"
        style = "bold green" if trial == result.best else ""
        rate = [f"{trial.learning_rate:.3g}"] if searched else []
        table.add_row(Text(setting, style=style), *rate, f"{trial.mean:.4g} ± {trial.std:.2g}")
    parts: list[RenderableType] = [table]
    hidden = len(ordered) - SHOWN_TRIALS
    if hidden > 0:
        parts.append(
            Text(
                f"  {SHOWN_TRIALS} best of {len(ordered)} settings shown, {hidden} hidden "
                f"(--json lists all)",
                style="dim",
            )
        )
    if not searched and rates:
        fixed = f"  every setting trained at learning rate {next(iter(rates)):.3g}"
        parts.append(Text(fixed, style="dim"))
    if result.engine:
        parts.append(Text(f"  engine: {result.engine}", style="dim"))
    parts.append(Text(result.verdict))
    if result.exported:
        parts.append(Text(f"  --export: {result.exported}"))
    for name, source in result.default_sources.items():
        parts.append(Text(f"  default {name}: {source}", style="dim"))
    return Group(*parts)
