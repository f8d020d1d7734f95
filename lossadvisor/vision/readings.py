"""Plain-words readings of the vision facts ("2.1 % foreground: tiny", "31 % small objects")."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lossadvisor.facts import FactValue
from lossadvisor.profile.readings import _level, _num

# fact -> how to read it; the cut points are the ones the rules in data.yaml use.
_READINGS: dict[str, Callable[[float], str]] = {
    "foreground_ratio": lambda v: (
        f"{v:.2%} of labelled pixels are foreground: "
        + _level(v, (0.01, 0.1), ("tiny", "small", "substantial"))
    ),
    "empty_mask_ratio": lambda v: (
        f"{v:.1%} of masks have no foreground: " + _level(v, (0.05, 0.3), ("few", "some", "many"))
    ),
    "pixel_imbalance_ratio": lambda v: (
        f"1:{v:.3g} between the largest and smallest class — "
        + _level(v, (10, 100), ("mild", "imbalanced", "severely imbalanced"))
    ),
    "small_object_ratio": lambda v: (
        f"{v:.1%} of objects are under 32² pixels: "
        + _level(v, (0.1, 0.3), ("few", "some", "many"))
    ),
    "boundary_ratio": lambda v: (
        f"{v:.1%} of foreground pixels lie on a boundary: "
        + _level(v, (0.2, 0.5), ("compact regions", "mixed", "thin structures"))
    ),
    "label_overlap_ratio": lambda v: f"{v:.1%} of foreground pixels carry several labels",
    "ignore_ratio": lambda v: f"{v:.2%} of pixels are ignored (not trained on)",
    "instance_imbalance_ratio": lambda v: (
        f"1:{v:.3g} between the most and least frequent class — "
        + _level(v, (3, 10), ("balanced", "moderately imbalanced", "severely imbalanced"))
    ),
    "small_box_ratio": lambda v: (
        f"{v:.1%} of boxes are COCO-small (< 32² px): "
        + _level(v, (0.1, 0.3), ("few", "some", "many"))
    ),
    "crowd_ratio": lambda v: f"{v:.1%} crowd boxes (COCO evaluation ignores them)",
    "empty_image_ratio": lambda v: f"{v:.1%} of images have no box (pure background)",
    "box_aspect_spread": lambda v: f"the middle 80 % of boxes span a {v:.3g}× range of shapes",
}


def vision_readings(facts: Mapping[str, FactValue]) -> dict[str, str]:
    """fact name -> a short reading, for the vision facts that have one."""
    out = {}
    for name, read in _READINGS.items():
        value = _num(facts, name)
        if value is not None:
            out[name] = read(value)
    return out
