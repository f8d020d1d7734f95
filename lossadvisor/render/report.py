"""`lossadvisor report`: one self-contained HTML page (or Markdown with PNGs) per target.

The page needs nothing from the network when opened: figures are inline SVG (matplotlib, the
`report` extra), the styles are one inline <style> block, there are no scripts. Sections: the
target and its facts; its distribution with the candidate families fitted to it; its tail
and a Q–Q plot against the top loss's family (numeric targets) or the class balance (labels);
the conditional baseline's residuals against its out-of-fold fit, with the mean–variance bins; the
ranking with every rule's signed contribution; the top loss's hyperparameters with their
derivations; the optimizer; cautions; with --validate, the fold scores with intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from lossadvisor.render import plots
from lossadvisor.render.format import signed

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lossadvisor.evidence.results import ValidationResult
    from lossadvisor.models import DatasetProfile, Recommendation, TargetProfile

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:60rem;
color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #e4e4e4;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pos{color:#1a7f37}.neg{color:#b42318}.muted{color:#666}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}
code{font-size:.9em}
"""


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report: a stable id (file name for Markdown), caption, drawing."""

    id: str
    caption: str
    figure: Figure


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def figures(
    target: TargetProfile,
    values: Any | None,
    rec: Recommendation,
    validation: ValidationResult | None = None,
) -> list[ReportFigure]:
    """Every figure that applies to this target, in page order."""
    drawing = plots.target_figure(target, values, rec)
    out = [ReportFigure("target", _target_caption(target), drawing)]
    if values is not None and len(values) > 0 and not target.class_counts:
        if int((values > 0).sum()) >= 10:
            out.append(
                ReportFigure(
                    "tail",
                    "Tail: the empirical survival function on log–log axes; a straight line "
                    "is a power-law (heavy) tail, the red curve the Gaussian of the same mean "
                    "and sd.",
                    plots.tail_figure(target, values),
                )
            )
        family = plots.qq_family(rec)
        out.append(
            ReportFigure(
                "qq",
                _qq_caption(family, rec.ranking[0].loss),
                plots.qq_figure(target, values, family),
            )
        )
    residuals = plots.residual_figure(target, rec)
    if residuals is not None:
        model = target.conditional.model if target.conditional is not None else "the baseline"
        out.append(
            ReportFigure(
                "residuals",
                f"Out-of-fold residuals of {model}: a funnel is a spread that changes with the "
                "fit (heteroscedasticity); the right panel's slope is the variance power the "
                "rules read.",
                residuals,
            )
        )
    if validation is not None and validation.losses:
        out.append(
            ReportFigure(
                "validation",
                "Cross-validated score of each loss: one dot per fold, the mean with its 95 % "
                "t interval over folds.",
                plots.validation_figure(validation),
            )
        )
    return out


def _qq_caption(family: str, loss: str) -> str:
    if plots.QQ_FAMILY.get(loss) == family:
        why = f"the family whose likelihood {loss} corresponds to"
    else:
        why = f"a reference only: {loss} has no closed-form family in this plot"
    return f"Q–Q plot against a {family} fitted to the target ({why}); points on the line fit."


def _target_caption(target: TargetProfile) -> str:
    if target.class_counts:
        return f"Class balance of '{target.name}' (rows per class)."
    return (
        f"Distribution of '{target.name}' with the candidate families fitted to it by the "
        "method of moments (Laplace: median and mean absolute deviation)."
    )


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _ranking(rec: Recommendation, top: int) -> str:
    rows = []
    candidates = [r for r in rec.ranking if r.verdict != "excluded"][:top]
    for rank, item in enumerate(candidates, start=1):
        parts = []
        for c in sorted(item.ledger, key=lambda c: -abs(c.delta)):
            cls = "pos" if c.delta > 0 else "neg"
            parts.append(
                f'<span class="{cls}">{escape(signed(c.delta))}</span> '
                f"<code>{escape(c.rule_id)}</code>: {escape(c.because)}"
            )
        rows.append(
            (
                str(rank),
                f"<b>{escape(item.loss)}</b><br><span class=muted>{escape(item.name)}</span>",
                escape(signed(item.score)),
                escape(item.verdict),
                "<br>".join(parts) or "no rule about it",
            )
        )
    table = _table(("#", "loss", "score", "verdict", "signed contributions"), rows, (0, 2))
    excluded = [r for r in rec.ranking if r.verdict == "excluded"]
    note = ""
    if excluded:
        items = "".join(
            f"<li><code>{escape(r.loss)}</code>: {escape(r.excluded_because or '')}</li>"
            for r in excluded
        )
        note = f"<details><summary>{len(excluded)} excluded</summary><ul>{items}</ul></details>"
    return f'<div id="ranking">{table}{note}</div>'


def _params(rec: Recommendation) -> str:
    best = next(r for r in rec.ranking if r.verdict != "excluded")
    if not best.params:
        return f"<p>{escape(best.loss)} has no hyperparameters.</p>"
    rows = [
        (
            f"<code>{escape(k)}</code>",
            escape(_fmt(v.value)),
            escape(v.derivation),
            escape(v.rule_id or ""),
        )
        for k, v in best.params.items()
    ]
    return _table(("param", "value", "derivation", "rule"), rows, (1,))


def _optimizer(rec: Recommendation) -> str:
    opt = rec.optimizer
    how = "your choice" if opt.requested else "recommended"
    rows = [(f"<code>{escape(k)}</code>", escape(_fmt(v))) for k, v in opt.settings.items()]
    rows += [
        (f"schedule <code>{escape(k)}</code>", escape(_fmt(v))) for k, v in opt.schedule.items()
    ]
    reasons = "".join(f"<li>{escape(r)}</li>" for r in opt.reasons)
    return (
        f"<p><b>{escape(opt.name)}</b> ({how})</p>"
        + _table(("setting", "value"), rows, (1,))
        + f"<ul>{reasons}</ul>"
    )


def _facts(target: TargetProfile) -> str:
    rows = [
        (f"<code>{escape(k)}</code>", escape(_fmt(v)), escape(target.readings.get(k, "")))
        for k, v in target.facts.items()
        if v is not None
    ]
    return _table(("fact", "value", "reading"), rows, (1,))


def _validation(result: ValidationResult) -> str:
    metric = result.metric
    rows = []
    for e in result.losses:
        mark = " (winner)" if e.loss == result.winner else ""
        rows.append(
            (
                escape(e.loss + mark),
                escape(e.model),
                escape(_fmt(e.mean.get(metric))),
                escape(_fmt(e.std.get(metric))),
                str(e.folds_done),
            )
        )
    table = _table(("loss", "proxy", f"{metric} mean", "std", "folds"), rows, (2, 3, 4))
    return table + f"<p>{escape(result.verdict)}</p>"


def html_report(
    dataset: DatasetProfile,
    target: TargetProfile,
    rec: Recommendation,
    drawn: Sequence[ReportFigure],
    validation: ValidationResult | None = None,
    top: int = 10,
    svg: Callable[[Figure], str] = plots.svg,
) -> str:
    """The whole page as one HTML document."""
    by_id = {f.id: f for f in drawn}

    def fig(key: str) -> str:
        if key not in by_id:
            return ""
        f = by_id[key]
        return (
            f'<figure id="fig-{key}" class="plot">{svg(f.figure)}'
            f"<figcaption>{escape(f.caption)}</figcaption></figure>"
        )

    best = next(r for r in rec.ranking if r.verdict != "excluded")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>lossadvisor report: {escape(target.name)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Which loss for <code>{escape(target.name)}</code>: {escape(best.loss)}</h1>",
        f"<p class=muted>{escape(dataset.source)} ({escape(dataset.format)}, "
        f"{dataset.n_rows:,} rows); target type {escape(target.target_type)}: "
        f"{escape(target.type_reason)}</p>",
        "<h2>The target</h2>",
        fig("target"),
        fig("tail"),
        fig("qq"),
        fig("residuals"),
        "<details><summary>Every measured fact</summary>",
        _facts(target),
        "</details>",
        "<h2>Ranking</h2>",
        _ranking(rec, top),
        f"<h2>Hyperparameters of {escape(best.loss)}</h2>",
        _params(rec),
        "<h2>Optimizer</h2>",
        _optimizer(rec),
    ]
    if rec.cautions:
        items = "".join(
            f"<li>{escape(c.text)} <span class=muted>({escape(c.rule_id)})</span></li>"
            for c in rec.cautions
        )
        parts += ["<h2>Cautions</h2>", f"<ul>{items}</ul>"]
    if validation is not None:
        parts += ["<h2>Evidence: cross-validation</h2>", fig("validation"), _validation(validation)]
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


def markdown_report(
    dataset: DatasetProfile,
    target: TargetProfile,
    rec: Recommendation,
    drawn: Sequence[ReportFigure],
    image_dir: str,
    validation: ValidationResult | None = None,
    top: int = 10,
) -> str:
    """The report as Markdown; figure i is `image_dir/<id>.png` (written by the caller)."""
    best = next(r for r in rec.ranking if r.verdict != "excluded")
    lines = [
        f"# Which loss for `{target.name}`: {best.loss}",
        "",
        f"{dataset.source} ({dataset.format}, {dataset.n_rows:,} rows); target type "
        f"{target.target_type}: {target.type_reason}",
        "",
        "## The target",
        "",
    ]
    for f in drawn:
        if f.id != "validation":
            lines += [f"![{f.caption}]({image_dir}/{f.id}.png)", "", f"*{f.caption}*", ""]
    lines += ["## Ranking", "", "| # | loss | score | verdict | signed contributions |"]
    lines.append("|---:|---|---:|---|---|")
    candidates = [r for r in rec.ranking if r.verdict != "excluded"][:top]
    for rank, item in enumerate(candidates, start=1):
        why = "<br>".join(
            f"{signed(c.delta)} `{c.rule_id}`: {c.because.replace('|', '/')}"
            for c in sorted(item.ledger, key=lambda c: -abs(c.delta))
        )
        lines.append(
            f"| {rank} | {item.loss} | {signed(item.score)} | {item.verdict} | "
            f"{why or 'no rule about it'} |"
        )
    lines += ["", f"## Hyperparameters of {best.loss}", ""]
    if best.params:
        lines += ["| param | value | derivation |", "|---|---:|---|"]
        for k, v in best.params.items():
            lines.append(f"| `{k}` | {_fmt(v.value)} | {v.derivation.replace('|', '/')} |")
    else:
        lines.append("none")
    opt = rec.optimizer
    settings = ", ".join(f"{k} = {_fmt(v)}" for k, v in opt.settings.items())
    lines += ["", "## Optimizer", "", f"**{opt.name}**: {settings}", ""]
    lines += [f"- {r}" for r in opt.reasons]
    if rec.cautions:
        lines += ["", "## Cautions", ""] + [f"- {c.text} ({c.rule_id})" for c in rec.cautions]
    if validation is not None:
        lines += ["", "## Evidence: cross-validation", ""]
        if any(f.id == "validation" for f in drawn):
            lines += [f"![fold scores]({image_dir}/validation.png)", ""]
        lines += [validation.verdict]
    return "\n".join(lines) + "\n"
