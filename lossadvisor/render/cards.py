"""Compact HTML cards for Jupyter (`_repr_html_`): the gist of a result, escaped, no scripts.

A card is a small <div> with inline styles (a notebook strips <style> blocks unevenly); the
whole document is `to_dict()` / `lossadvisor report`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

_BOX = (
    "font-family:system-ui,sans-serif;font-size:13px;border:1px solid #ccc;"
    "border-radius:6px;padding:8px 12px;max-width:760px"
)
_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid #eee;vertical-align:top"


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An escaped HTML table."""
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{escape(_text(c))}</td>' for c in row) + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse"><tr>{head}</tr>{body}</table>'


def _box(title: str, *parts: str) -> str:
    return f'<div style="{_BOX}"><b>{escape(title)}</b>{"".join(parts)}</div>'


def profile_card(profile: Any) -> str:
    parts = []
    for target in profile.targets:
        rows = [
            (name, value, target.readings.get(name, ""))
            for name, value in target.facts.items()
            if value is not None
        ]
        parts.append(
            f"<p>target <code>{escape(target.name)}</code>: {escape(target.target_type)} — "
            f"{escape(target.type_reason)}</p>" + table(("fact", "value", "reading"), rows)
        )
    return _box(f"Profile of {profile.source} ({profile.n_rows:,} rows)", *parts)


def recommendation_card(rec: Any, top: int = 5) -> str:
    candidates = [r for r in rec.ranking if r.verdict != "excluded"][:top]
    rows = [
        (i, r.loss, f"{r.score:+g}", r.verdict, "; ".join(r.reasons[:2]))
        for i, r in enumerate(candidates, start=1)
    ]
    best = candidates[0] if candidates else None
    params = ""
    if best is not None and best.params:
        rows_p = ((k, v.value, v.derivation) for k, v in best.params.items())
        params = table(("param", "value", "derivation"), rows_p)
    opt = rec.optimizer
    settings = ", ".join(f"{k} = {_text(v)}" for k, v in opt.settings.items())
    return _box(
        f"Recommended loss: {best.loss if best else 'none'}",
        table(("#", "loss", "score", "verdict", "why"), rows),
        params,
        f"<p>optimizer <b>{escape(opt.name)}</b>: {escape(settings)}</p>",
    )


def validation_card(result: Any) -> str:
    metric = result.metric
    rows = [
        (
            e.loss + (" (winner)" if e.loss == result.winner else ""),
            e.model,
            e.mean.get(metric, float("nan")),
            e.std.get(metric, float("nan")),
            e.folds_done,
        )
        for e in result.losses
    ]
    return _box(
        f"Validation of {len(rows)} losses on '{result.target}' ({metric})",
        table(("loss", "proxy", f"{metric} mean", "std", "folds"), rows),
        f"<p>{escape(result.verdict)}</p>",
    )


def generic_card(model: Any) -> str:
    data = model.model_dump(mode="json")
    rows = [(k, v if not isinstance(v, dict | list) else "…") for k, v in data.items()]
    return _box(type(model).__name__, table(("field", "value"), rows))


def card(model: Any) -> str:
    """The card for any lossadvisor model (by class name, so nothing heavy is imported)."""
    kind = type(model).__name__
    if kind == "DatasetProfile":
        return profile_card(model)
    if kind == "Recommendation":
        return recommendation_card(model)
    if kind == "ValidationResult":
        return validation_card(model)
    return generic_card(model)
