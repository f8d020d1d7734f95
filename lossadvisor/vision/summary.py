"""From finished accumulators to named facts (`lossadvisor.facts`, docs/vision.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lossadvisor.facts import FactValue
from lossadvisor.params import num
from lossadvisor.vision.box_stats import BoxStats
from lossadvisor.vision.mask_stats import MaskStats

RARE_INSTANCES = 10


@dataclass
class Summary:
    target_type: str
    type_reason: str
    facts: dict[str, FactValue]
    class_counts: dict[str, int]
    class_images: dict[str, int] = field(default_factory=dict)
    class_image_pixels: dict[str, int] = field(default_factory=dict)
    quantiles: dict[str, float] = field(default_factory=dict)


def _quantile(values: np.ndarray, q: float) -> float:
    return num(float(np.quantile(values, q))) if values.size else 0.0


def mask_summary(stats: MaskStats) -> Summary:
    """Facts of a mask folder (labels mode: class = label; channels mode: class = channel)."""
    classes = stats.classes()
    pixels = {str(c): int(stats.pixels[c]) for c in classes}
    foreground, valid = stats.per_image()
    shares = np.divide(
        foreground, valid, out=np.zeros(foreground.size, dtype=np.float64), where=valid > 0
    )
    sizes = np.asarray(stats.sizes, dtype=np.int64)
    total_valid = int(valid.sum())
    facts: dict[str, FactValue] = {
        "n_images": stats.n_images,
        "mask_ndim": max(stats.ndims),
        "image_pixels_min": int(sizes.min()),
        "image_pixels_median": num(float(np.median(sizes))),
        "image_pixels_max": int(sizes.max()),
        "n_classes": len(classes),
        "foreground_ratio": num(float(foreground.sum()) / total_valid) if total_valid else 0.0,
        "image_foreground_mean": num(float(shares.mean())),
        "image_foreground_p10": _quantile(shares, 0.1),
        "image_foreground_p50": _quantile(shares, 0.5),
        "image_foreground_p90": _quantile(shares, 0.9),
        "empty_mask_ratio": num(float((foreground == 0).mean())),
    }
    counted = [n for n in pixels.values() if n > 0]
    if len(counted) >= 2:
        facts["pixel_imbalance_ratio"] = num(max(counted) / min(counted))
        facts["rarest_class_pixel_ratio"] = num(min(counted) / sum(counted))
    present = np.asarray(stats.classes_present, dtype=np.float64)
    if stats.mode == "labels" and stats.ignore_value != 255:
        present = present + (np.asarray(stats.at_255) > 0)
    facts["classes_per_image_mean"] = num(float(present.mean()))
    objects = stats.object_groups()
    per_image = np.asarray(objects.per_image, dtype=np.int64)
    facts["objects_per_image_mean"] = num(float(per_image.mean()))
    facts["objects_per_image_max"] = int(per_image.max())
    if objects.n:
        sample = objects.sizes.values
        facts["object_size_p10"] = _quantile(sample, 0.1)
        facts["object_size_median"] = _quantile(sample, 0.5)
        facts["object_size_p90"] = _quantile(sample, 0.9)
        facts["small_object_ratio"] = num(objects.n_small / objects.n)
    fg_classes = [c for c in classes if stats.mode == "channels" or c != 0]
    fg_pixels = sum(int(stats.pixels[c]) for c in fg_classes)
    if fg_pixels:
        facts["boundary_ratio"] = num(sum(int(stats.edges[c]) for c in fg_classes) / fg_pixels)
    if stats.mode == "channels":
        overlap = int(np.asarray(stats.overlap).sum())
        fg_any = int(foreground.sum())
        facts["label_overlap_ratio"] = num(overlap / fg_any) if fg_any else 0.0
    ignore = stats.ignore_value
    if ignore is not None:
        ignored = int(sizes.sum()) - total_valid
        facts["ignore_value"] = ignore
        facts["ignore_ratio"] = num(ignored / int(sizes.sum()))
    kind, reason = _mask_type(stats, classes)
    return Summary(
        target_type=kind,
        type_reason=reason,
        facts=facts,
        class_counts=pixels,
        class_images={str(c): int(stats.images[c]) for c in classes},
        class_image_pixels={str(c): int(stats.image_pixels[c]) for c in classes},
    )


def _mask_type(stats: MaskStats, classes: list[int]) -> tuple[str, str]:
    if stats.mode == "channels":
        return "multilabel", "multi-channel masks whose channels may overlap (one sigmoid each)"
    shown = ", ".join(map(str, classes[:8])) + (", …" if len(classes) > 8 else "")
    ignore = stats.ignore_value
    note = f"; {ignore} read as ignore" if ignore is not None else ""
    if len(classes) <= 2:
        return "binary", f"label maps with classes {shown}{note}"
    return "multiclass", f"label maps with {len(classes)} classes ({shown}){note}"


def box_summary(stats: BoxStats, classes: list[str]) -> Summary:
    """Facts of a detection set; `classes` is the declared order (others follow, sorted)."""
    order = list(dict.fromkeys([*classes, *sorted(stats.instances)]))
    counts = {name: stats.instances.get(name, 0) for name in order}
    per_image = np.asarray(stats.per_image, dtype=np.float64)
    with_any = [n for n in counts.values() if n > 0]
    facts: dict[str, FactValue] = {
        "n_images": stats.n_images,
        "n_classes": len(order),
        "n_instances": stats.n_boxes,
        "rare_classes": sum(1 for n in counts.values() if n < RARE_INSTANCES),
        "classes_without_instances": sum(1 for n in counts.values() if n == 0),
        "boxes_per_image_mean": num(float(per_image.mean())),
        "boxes_per_image_p50": _quantile(per_image, 0.5),
        "boxes_per_image_p90": _quantile(per_image, 0.9),
        "boxes_per_image_max": int(per_image.max()),
        "empty_image_ratio": num(float((per_image == 0).mean())),
    }
    if len(with_any) >= 2:
        facts["instance_imbalance_ratio"] = num(max(with_any) / min(with_any))
    if stats.n_boxes:
        facts["crowd_ratio"] = num(stats.n_crowd / stats.n_boxes)
        aspects = stats.aspects.values
        facts["box_aspect_spread"] = num(
            float(np.quantile(aspects, 0.9) / np.quantile(aspects, 0.1))
        )
    if stats.n_sized:
        facts["small_box_ratio"] = num(stats.n_small / stats.n_sized)
        facts["medium_box_ratio"] = num(stats.n_medium / stats.n_sized)
        facts["large_box_ratio"] = num(stats.n_large / stats.n_sized)
        facts["box_area_median"] = _quantile(stats.areas.values, 0.5)
    if stats.relative.seen:
        facts["box_relative_size_median"] = _quantile(stats.relative.values, 0.5)
    if len(order) <= 1:
        kind, reason = "binary", "one object class: each box is that class or background"
    else:
        kind, reason = (
            "multiclass",
            f"{len(order)} object classes, one label per box (softmax or per-class sigmoid)",
        )
    return Summary(
        target_type=kind,
        type_reason=reason,
        facts=facts,
        class_counts=counts,
        class_images={name: stats.images_with.get(name, 0) for name in order},
    )
