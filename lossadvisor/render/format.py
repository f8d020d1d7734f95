"""How values read for people: one place for the views' number and value formats.

fact_text(value)          a fact or setting in a recommendation view (3 significant digits)
profile_value(name, v)    a profile fact in `lossadvisor profile` (shares as %, 4 digits)
signed(delta)             a score contribution with its sign (+3, −1.5)
"""

from __future__ import annotations

from lossadvisor.facts import FactValue

# Facts that are shares of rows, pixels, boxes or images: shown as percentages.
PERCENT = frozenset(
    {
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
)


def fact_text(value: object) -> str:
    """A fact or setting value for people: 3 significant digits, lists and dicts inline."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e6 else f"{value:.3e}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fact_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fact_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def profile_value(name: str, value: FactValue) -> str:
    """A fact value for people: percentages for shares, 4 significant digits for numbers."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if name in PERCENT:
            return f"{value:.2%}"
        return f"{value:.4g}"
    return str(value)


def signed(delta: float) -> str:
    """+3 / −1.5: a score contribution with its sign."""
    return f"{delta:+g}".replace("-", "−")
