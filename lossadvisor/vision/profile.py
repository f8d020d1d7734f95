"""profile_vision: DATA (mask folder, COCO file, YOLO / VOC folder) -> DatasetProfile.

One file at a time: read, fold into the accumulator, drop. A file that cannot be read is
skipped and reported (path + reason) at the end; bad annotations are tallied by kind. With
`sample_files` a seeded uniform subset of the files (COCO: of the images) is read and every
fact is labelled an estimate from that many.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lossadvisor.errors import InputError, out_of_range
from lossadvisor.models import DatasetProfile, TargetProfile
from lossadvisor.vision.box_readers import (
    Problems,
    coco_images,
    load_coco,
    voc_image,
    yolo_classes,
    yolo_image,
)
from lossadvisor.vision.box_stats import BoxStats
from lossadvisor.vision.mask_stats import MaskStats
from lossadvisor.vision.masks import FileProblem, need, read_masks
from lossadvisor.vision.pairing import ImageIndex
from lossadvisor.vision.readings import vision_readings
from lossadvisor.vision.sources import Source, resolve
from lossadvisor.vision.summary import Summary, box_summary, mask_summary

Progress = Callable[[int, int], None]  # (files done, files in all)
TASK_OF_KIND = {
    "masks": "segmentation",
    "coco": "detection",
    "yolo": "detection",
    "voc": "detection",
}
FORMAT_OF_KIND = {"masks": "masks", "coco": "coco", "yolo": "yolo", "voc": "voc"}
DEFAULT_SEED = 0


@dataclass(frozen=True)
class VisionProfile:
    """The profile, the task the data implies, and the lines about what was skipped."""

    profile: DatasetProfile
    task: str
    skipped: list[str] = field(default_factory=list)


def profile_vision(
    source: str,
    task: str | None = None,
    sample_files: int | None = None,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    images: str | None = None,
) -> VisionProfile:
    """Profile masks (task segmentation) or box annotations (task detection).

    `images`: a folder of the images the masks label; a mask whose size differs from its image
    (same file stem) is skipped and reported.

    Raises InputError (one line) when DATA holds nothing usable or contradicts `task`.
    """
    if task not in (None, "segmentation", "detection"):
        raise InputError(
            f"--task {task}: {source} holds masks or box annotations; "
            "use --task segmentation or --task detection."
        )
    if sample_files is not None and sample_files < 1:
        raise out_of_range("file sample", "an integer >= 1", sample_files, "--sample-files")
    found = resolve(source, task)
    _needs(found.kind)
    implied = TASK_OF_KIND[found.kind]
    if task is not None and task != implied:
        raise InputError(
            f"--task {task} contradicts {source}: it holds {found.reason}, data for {implied}."
        )
    if images is not None and found.kind != "masks":
        raise InputError("--images applies to mask folders (the images the masks label).")
    if found.kind == "masks":
        index = ImageIndex(images) if images is not None else None
        return _profile_masks(found, sample_files, seed, progress, index)
    return _profile_boxes(found, sample_files, seed, progress)


def _needs(kind: str) -> None:
    """Pillow and scipy (the `vision` extra) before the first file, not at the first mask."""
    if kind == "masks":
        need("PIL.Image", "reading masks")
        need("scipy.ndimage", "counting objects in masks")
    elif kind == "yolo":
        need("PIL.Image", "reading YOLO image sizes")


def _sample(items: Sequence[Any], n: int | None, seed: int) -> list[Any]:
    if n is None or n >= len(items):
        return list(items)
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(items), size=n, replace=False))
    return [items[int(i)] for i in picked]


def _mark(done: int, total: int, progress: Progress | None) -> None:
    if progress is not None:
        progress(done, total)


def _profile_masks(
    found: Source,
    sample_files: int | None,
    seed: int,
    progress: Progress | None,
    images: ImageIndex | None = None,
) -> VisionProfile:
    files = _sample(found.files, sample_files, seed)
    stats = MaskStats()
    skipped: list[str] = []
    for i, path in enumerate(files, start=1):
        try:
            for mask in read_masks(path):
                mismatch = images.problem(path, mask.shape) if images is not None else None
                if mismatch is not None:
                    raise FileProblem(mismatch)
                stats.add(mask)
        except FileProblem as err:
            skipped.append(f"{path}: skipped: {err}")
        except MemoryError:
            skipped.append(f"{path}: skipped: too large to read into memory")
        _mark(i, len(files), progress)
    if stats.n_images == 0:
        why = f" ({len(skipped)} unreadable; first: {skipped[0]})" if skipped else ""
        raise InputError(f"{found.where}: no readable mask among {len(files):,} files{why}.")
    summary = mask_summary(stats)
    return VisionProfile(
        profile=_dataset(found, summary, len(found.files), sample_files, "mask"),
        task="segmentation",
        skipped=skipped,
    )


def _profile_boxes(
    found: Source, sample_files: int | None, seed: int, progress: Progress | None
) -> VisionProfile:
    stats = BoxStats()
    problems = Problems()
    skipped: list[str] = []
    if found.kind == "coco":
        coco = load_coco(found.files[0])
        image_ids = _sample(list(coco.images), sample_files, seed)
        for i, image in enumerate(coco_images(coco, image_ids, problems), start=1):
            stats.add(image)
            _mark(i, len(image_ids), progress)
        classes, n_found = coco.classes, len(coco.images)
    else:
        files = _sample(found.files, sample_files, seed)
        classes = (yolo_classes(found.files) if found.kind == "yolo" else None) or []
        for i, path in enumerate(files, start=1):
            try:
                if found.kind == "yolo":
                    stats.add(yolo_image(path, classes or None, problems))
                else:
                    stats.add(voc_image(path, problems))
            except FileProblem as err:
                skipped.append(f"{path}: skipped: {err}")
            _mark(i, len(files), progress)
        n_found = len(found.files)
        if not classes:
            classes = _numeric_order(stats.instances) if found.kind == "yolo" else []
    if stats.n_images == 0:
        why = f" (first: {skipped[0]})" if skipped else ""
        raise InputError(f"{found.where}: no readable annotation{why}.")
    if stats.n_boxes == 0 and not problems.counts:
        raise InputError(f"{found.where}: {stats.n_images:,} images and not one box.")
    summary = box_summary(stats, classes)
    where = found.files[0] if found.kind == "coco" else found.where
    skipped += problems.lines(where)
    if stats.images_without_size and found.kind != "masks":
        skipped.append(
            f"{where}: {stats.images_without_size:,} images without a known size: their boxes "
            "are left out of the small/medium/large shares"
        )
    return VisionProfile(
        profile=_dataset(found, summary, n_found, sample_files, "boxes"),
        task="detection",
        skipped=skipped,
    )


def _numeric_order(counts: dict[str, int]) -> list[str]:
    return sorted(
        counts, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0, name)
    )


def _dataset(
    found: Source, summary: Summary, n_found: int, sample_files: int | None, target: str
) -> DatasetProfile:
    facts = {**summary.facts, "n_files": n_found}
    n_images = int(facts["n_images"] or 0)
    sampled = sample_files is not None and sample_files < n_found
    estimated = sorted(k for k in facts if k not in ("n_files",)) if sampled else []
    profile = TargetProfile(
        name=target,
        target_type=summary.target_type,
        type_reason=summary.type_reason,
        facts=facts,
        class_counts=summary.class_counts or None,
        class_order=list(summary.class_counts) if found.kind != "masks" else None,
        class_images=summary.class_images or None,
        class_image_pixels=summary.class_image_pixels or None,
        estimated=estimated,
        sample_size=n_images if sampled else None,
        readings=vision_readings(facts),
    )
    return DatasetProfile(
        source=found.where,
        format=FORMAT_OF_KIND[found.kind],
        n_rows=n_images,
        target_choice=found.reason + (f"; a seeded sample of {sample_files:,}" if sampled else ""),
        targets=[profile],
    )
