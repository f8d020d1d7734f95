"""Rich rendering of a DatasetProfile: one table per target (fact, value, reading)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from lossadvisor.facts import FACTS, FactValue
from lossadvisor.models import DatasetProfile, TargetProfile

_PERCENT = {
    "missing_ratio",
    "infinite_ratio",
    "minority_ratio",
    "outlier_ratio",
    "outlier_ratio_iqr",
    "zero_ratio",
    "low_density_ratio",
    "outlier_ratio_adjusted",
    "resid_outlier_ratio",
    # vision shares (lossadvisor.vision)
    "foreground_ratio",
    "image_foreground_mean",
    "image_foreground_p10",
    "image_foreground_p50",
    "image_foreground_p90",
    "empty_mask_ratio",
    "rarest_class_pixel_ratio",
    "small_object_ratio",
    "boundary_ratio",
    "label_overlap_ratio",
    "ignore_ratio",
    "small_box_ratio",
    "medium_box_ratio",
    "large_box_ratio",
    "crowd_ratio",
    "empty_image_ratio",
}
_MAX_CLASSES_SHOWN = 12


def format_value(name: str, value: FactValue) -> str:
    """A fact value for people: percentages for shares, 4 significant digits for numbers."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if name in _PERCENT:
            return f"{value:.2%}"
        return f"{value:.4g}"
    return str(value)


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
        table.add_row(name + mark, format_value(name, value), target.readings.get(name, ""))
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


def print_profile(profile: DatasetProfile, console: Console) -> None:
    console.print(render_profile(profile))


__all__ = ["FACTS", "format_value", "print_profile", "render_profile", "target_table"]
