"""Rich rendering of a DatasetProfile: one table per target (fact, value, reading)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from lossadvisor.models import DatasetProfile, TargetProfile
from lossadvisor.render.format import profile_value

_MAX_CLASSES_SHOWN = 12


def target_table(target: TargetProfile) -> Table:
    """The fact / value / reading table of one target."""
    title = f"target '{target.name}': {target.target_type} — {target.type_reason}"
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("fact")
    table.add_column("value", justify="right")
    table.add_column("reading")
    for name, value in target.facts.items():
        if name == "target_type":
            continue
        mark = " *" if name in target.estimated else ""
        table.add_row(name + mark, profile_value(name, value), target.readings.get(name, ""))
    if target.quantiles:
        quantiles = "  ".join(f"{k}={v:.4g}" for k, v in target.quantiles.items())
        mark = " *" if "quantiles" in target.estimated else ""
        table.add_row("quantiles" + mark, "", quantiles)
    if target.class_counts:
        items = list(target.class_counts.items())
        shown = ", ".join(f"{k}: {v:,}" for k, v in items[:_MAX_CLASSES_SHOWN])
        more = (
            f", … ({len(items) - _MAX_CLASSES_SHOWN} more)"
            if len(items) > _MAX_CLASSES_SHOWN
            else ""
        )
        table.add_row("class counts", "", shown + more)
    return table


def render_profile(profile: DatasetProfile) -> Group:
    """Everything `lossadvisor profile` shows for people."""
    parts: list[Table | Text] = [
        Text(
            f"{profile.source} ({profile.format}): {profile.n_rows:,} rows; "
            f"target: {profile.target_choice}"
        )
    ]
    for target in profile.targets:
        parts.append(target_table(target))
        if target.conditional is not None:
            parts.append(Text(_conditional_note(target), style="dim"))
        if target.estimated:
            parts.append(Text(_estimate_note(target), style="dim"))
    return Group(*parts)


def _conditional_note(target: TargetProfile) -> str:
    """Which distribution the resid_* facts describe: the baseline, its rows and features."""
    info = target.conditional
    assert info is not None
    if info.model is None:
        return f"conditional facts: none ({info.note})"
    text = (
        f"conditional facts (resid_*, variance_power, ...): {info.resampling} residuals of "
        f"{info.model} on {len(info.features)} feature(s); {info.note}"
    )
    if info.excluded:
        text += "; excluded: " + ", ".join(f"{k} ({v})" for k, v in info.excluded.items())
    if info.exposure:
        text += f"; exposure column '{info.exposure}' used as an offset"
    return text


def _estimate_note(target: TargetProfile) -> str:
    rows = int(target.facts.get("n_rows") or 0)
    notes = []
    if target.sample_size is not None and "n_files" in target.facts:
        files = int(target.facts.get("n_files") or 0)
        notes.append(f"from a seeded uniform sample of {target.sample_size:,} of {files:,} files")
    elif target.sample_size is not None:
        notes.append(f"from a uniform sample of {target.sample_size:,} of {rows:,} rows")
    if "medcouple" in target.estimated:
        notes.append("medcouple on a seeded subsample of 2,000 values")
    if "n_unique" in target.estimated:
        notes.append("n_unique from a distinct-count sketch (about 2 % error)")
    return "* estimated: " + "; ".join(notes)


__all__ = ["render_profile", "target_table"]
