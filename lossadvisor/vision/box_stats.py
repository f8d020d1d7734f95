"""Detection statistics folded in one image at a time.

Exact counters (instances per class, boxes per image, COCO's small / medium / large split,
crowd boxes) plus fixed-size reservoirs for the box area, relative size and aspect ratio
quantiles, so memory is bounded by the classes and the sample, not by the box count.

COCO's split (cocodataset.org/#detection-eval): small area < 32², medium 32²..96², large
> 96², in pixels of the annotation's `area` (the mask area when COCO has one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lossadvisor.profile.sketch import Reservoir
from lossadvisor.vision.box_readers import ImageBoxes

SMALL_AREA = 32.0**2
LARGE_AREA = 96.0**2
BOX_SAMPLE = 100_000


def _empty() -> Reservoir:
    return Reservoir(BOX_SAMPLE, 0, np.zeros(0))


@dataclass
class BoxStats:
    instances: dict[str, int] = field(default_factory=dict)
    images_with: dict[str, int] = field(default_factory=dict)
    per_image: list[int] = field(default_factory=list)
    n_boxes: int = 0
    n_crowd: int = 0
    n_sized: int = 0  # boxes whose pixel area is known
    n_small: int = 0
    n_medium: int = 0
    n_large: int = 0
    areas: Reservoir = field(default_factory=_empty)
    relative: Reservoir = field(default_factory=_empty)
    aspects: Reservoir = field(default_factory=_empty)
    images_without_size: int = 0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0x105AD))

    @property
    def n_images(self) -> int:
        return len(self.per_image)

    def add(self, image: ImageBoxes) -> None:
        boxes = image.boxes
        self.per_image.append(len(boxes))
        if image.width is None or image.height is None:
            self.images_without_size += 1
        for name in dict.fromkeys(b.category for b in boxes):
            self.images_with[name] = self.images_with.get(name, 0) + 1
        for box in boxes:
            self.instances[box.category] = self.instances.get(box.category, 0) + 1
        if not boxes:
            return
        self.n_boxes += len(boxes)
        self.n_crowd += sum(b.crowd for b in boxes)
        aspects = np.array([b.width / b.height for b in boxes], dtype=np.float64)
        self.aspects = self.aspects.update(aspects, self.rng)
        areas = np.array([b.area for b in boxes if b.area is not None], dtype=np.float64)
        if areas.size:
            self.n_sized += int(areas.size)
            self.n_small += int((areas < SMALL_AREA).sum())
            self.n_large += int((areas > LARGE_AREA).sum())
            self.n_medium += (
                int(areas.size) - int((areas < SMALL_AREA).sum()) - int((areas > LARGE_AREA).sum())
            )
            self.areas = self.areas.update(areas, self.rng)
            if image.width and image.height:
                rel = np.sqrt(areas / (image.width * image.height))
                self.relative = self.relative.update(rel, self.rng)
