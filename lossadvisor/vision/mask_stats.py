"""Segmentation statistics folded in one mask at a time, with memory bounded by the classes.

Per file the accumulator keeps a few integers per image (pixels, background, ignore, objects)
and per class (pixels, images, boundary pixels); object sizes go to a fixed-size reservoir.
Nothing grows with the pixel count, so a 10,000-mask folder costs what one mask costs plus
a few numbers per image.

Definitions (docs/vision.md lists them as facts):
- background is label 0; the ignore value is any negative label, and 255 when it appears in a
  mask together with other labels from 1..254 (a 0/255 mask is binary, 255 its foreground);
- an object is a connected component of one class (scipy.ndimage.label: 4-connectivity in
  2-D, 6 in 3-D); small objects are below COCO's 32² = 1,024 pixels (voxels in 3-D);
- a boundary pixel is a foreground pixel with a 4- (6-) neighbour of another label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lossadvisor.profile.sketch import Reservoir
from lossadvisor.vision.masks import FileProblem, Mask

IGNORE_CANDIDATE = 255
SMALL_OBJECT_PIXELS = 32 * 32  # COCO's "small" area threshold
OBJECT_SAMPLE = 100_000


def boundary(labels: NDArray[np.generic]) -> NDArray[np.bool_]:
    """Pixels with an axis neighbour of a different value (the image edge is no boundary)."""
    edge = np.zeros(labels.shape, dtype=bool)
    for axis in range(labels.ndim):
        n = labels.shape[axis]
        if n < 2:
            continue
        head = [slice(None)] * labels.ndim
        tail = [slice(None)] * labels.ndim
        head[axis], tail[axis] = slice(1, None), slice(None, n - 1)
        differs = labels[tuple(head)] != labels[tuple(tail)]
        edge[tuple(head)] |= differs
        edge[tuple(tail)] |= differs
    return edge


def pixel_counts(flat: NDArray[Any]) -> NDArray[np.int64]:
    """np.bincount(flat), up to the largest label present.

    uint8 labels are counted two at a time: a uint16 view of pixel pairs has half as many
    values to widen to intp (bincount's cost), and the 256×256 pair histogram's row and column
    sums are the counts of the first and second pixel of each pair.
    """
    if flat.dtype != np.uint8 or flat.size < 2 or not flat.flags.c_contiguous:
        return np.bincount(flat)
    even = flat.size - flat.size % 2
    pairs = np.bincount(flat[:even].view(np.uint16), minlength=1 << 16).reshape(256, 256)
    counts = (pairs.sum(axis=0) + pairs.sum(axis=1)).astype(np.int64)
    if even < flat.size:
        counts[flat[-1]] += 1
    present = np.flatnonzero(counts)
    return counts[: int(present[-1]) + 1] if present.size else counts[:1]


def component_sizes(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Sizes of the connected components of a boolean mask (face connectivity).

    Labelled inside the mask's bounding box, into an intp array that bincount takes without
    a copy: small classes then cost little.
    """
    from scipy import ndimage

    box = []
    for axis in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(mask.any(axis=other))
        if not hits.size:
            return np.zeros(0, dtype=np.int64)
        box.append(slice(int(hits[0]), int(hits[-1]) + 1))
    crop = mask[tuple(box)]
    labelled = np.empty(crop.shape, dtype=np.intp)
    n = ndimage.label(crop, output=labelled)
    if not n:
        return np.zeros(0, dtype=np.int64)
    return np.bincount(labelled.ravel(), minlength=n + 1)[1:].astype(np.int64)


@dataclass
class Objects:
    """Connected components of one group of labels: counts, small ones, a size sample."""

    n: int = 0
    n_small: int = 0
    sizes: Reservoir = field(default_factory=lambda: Reservoir(OBJECT_SAMPLE, 0, np.zeros(0)))
    per_image: list[int] = field(default_factory=list)

    def add(self, sizes: NDArray[np.int64], rng: np.random.Generator) -> None:
        self.n += int(sizes.size)
        self.n_small += int((sizes < SMALL_OBJECT_PIXELS).sum())
        if sizes.size:
            self.sizes = self.sizes.update(sizes.astype(np.float64), rng)

    def merged(self, other: Objects) -> Objects:
        per_image = [a + b for a, b in zip(self.per_image, other.per_image, strict=True)]
        return Objects(
            self.n + other.n, self.n_small + other.n_small, self.sizes.merge(other.sizes), per_image
        )


def _grow(array: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    if array.size >= size:
        return array
    return np.concatenate([array, np.zeros(size - array.size, dtype=np.int64)])


@dataclass
class MaskStats:
    """The running partial of a mask folder (labels mode or channels mode, not both)."""

    mode: str | None = None  # "labels" | "channels"
    ndims: set[int] = field(default_factory=set)
    pixels: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    images: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    image_pixels: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    edges: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # per image: pixels, background pixels, pixels of 255, negative (ignore) pixels,
    # foreground classes other than 255 present, overlap pixels (channels mode)
    sizes: list[int] = field(default_factory=list)
    background: list[int] = field(default_factory=list)
    at_255: list[int] = field(default_factory=list)
    negative: list[int] = field(default_factory=list)
    classes_present: list[int] = field(default_factory=list)
    overlap: list[int] = field(default_factory=list)
    mixed_255: bool = False  # 255 seen beside labels 1..254: it is the ignore value
    objects: Objects = field(default_factory=Objects)
    objects_255: Objects = field(default_factory=Objects)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0x105AD))

    @property
    def n_images(self) -> int:
        return len(self.sizes)

    def add(self, mask: Mask) -> None:
        """Fold in one mask; FileProblem (nothing folded) when it cannot join the others."""
        mode = "labels" if mask.labels is not None else "channels"
        if self.mode is not None and mode != self.mode:
            raise FileProblem(
                f"a {'multi-label channel stack' if mode == 'channels' else 'label map'} "
                f"among {'label maps' if self.mode == 'labels' else 'channel stacks'}"
            )
        self.mode = mode
        self.ndims.add(len(mask.shape))
        if mask.labels is not None:
            self._add_labels(mask.labels)
        else:
            assert mask.channels is not None
            self._add_channels(mask.channels)

    def _add_labels(self, labels: NDArray[Any]) -> None:
        original = labels
        n_negative = 0
        if labels.dtype.kind == "i" and labels.size and int(labels.min()) < 0:
            n_negative = int((labels < 0).sum())
            # Negative labels (ignore) join the background for counting and components and
            # are subtracted from it again; they are never boundary or objects.
            labels = np.where(labels < 0, 0, labels)
        flat = labels.ravel()
        counts = pixel_counts(flat)
        if n_negative:
            counts[0] -= n_negative
        present = np.flatnonzero(counts)
        size = int(flat.size)
        self._tally(counts, present, size)
        at_255 = int(counts[IGNORE_CANDIDATE]) if counts.size > IGNORE_CANDIDATE else 0
        others = [int(c) for c in present if c not in (0, IGNORE_CANDIDATE)]
        if at_255 and any(c < IGNORE_CANDIDATE for c in others):
            self.mixed_255 = True
        self.sizes.append(size)
        self.background.append(int(counts[0]))
        self.at_255.append(at_255)
        self.negative.append(n_negative)
        self.classes_present.append(len(others))
        self.overlap.append(0)
        edge = boundary(original)
        if n_negative:
            edge &= original >= 0
        self.edges = _grow(self.edges, counts.size)
        on_edge = np.bincount(labels[edge], minlength=counts.size)
        self.edges[: on_edge.size] += on_edge
        self._components(labels, present)

    def _components(self, labels: NDArray[Any], present: NDArray[np.int64]) -> None:
        found = 0
        found_255 = 0
        for c in (int(c) for c in present if c != 0):
            sizes = component_sizes(labels == c)
            if c == IGNORE_CANDIDATE:
                self.objects_255.add(sizes, self.rng)
                found_255 += int(sizes.size)
            else:
                self.objects.add(sizes, self.rng)
                found += int(sizes.size)
        self.objects.per_image.append(found)
        self.objects_255.per_image.append(found_255)

    def _add_channels(self, stack: NDArray[np.bool_]) -> None:
        n_channels = stack.shape[0]
        counts = stack.reshape(n_channels, -1).sum(axis=1).astype(np.int64)
        present = np.flatnonzero(counts)
        on = stack.sum(axis=0)
        size = int(on.size)
        self._tally(counts, present, size)
        self.sizes.append(size)
        self.background.append(int((on == 0).sum()))
        self.at_255.append(0)
        self.negative.append(0)
        self.classes_present.append(int(present.size))
        self.overlap.append(int((on > 1).sum()))
        self.edges = _grow(self.edges, n_channels)
        found = 0
        for c in present:
            channel = stack[c]
            self.edges[c] += int((boundary(channel) & channel).sum())
            sizes = component_sizes(channel)
            self.objects.add(sizes, self.rng)
            found += int(sizes.size)
        self.objects.per_image.append(found)
        self.objects_255.per_image.append(0)

    def _tally(self, counts: NDArray[np.int64], present: NDArray[np.int64], size: int) -> None:
        n = counts.size
        self.pixels = _grow(self.pixels, n)
        self.images = _grow(self.images, n)
        self.image_pixels = _grow(self.image_pixels, n)
        self.pixels[:n] += counts
        self.images[present] += 1
        self.image_pixels[present] += size

    # --- results -------------------------------------------------------------------------

    @property
    def ignore_value(self) -> int | None:
        if self.mode != "labels":
            return None
        if self.mixed_255:
            return IGNORE_CANDIDATE
        return -1 if any(self.negative) else None

    def classes(self) -> list[int]:
        """The class labels seen, in label order (the ignore value left out)."""
        ignore = self.ignore_value
        return [int(c) for c in np.flatnonzero(self.pixels) if c != ignore]

    def per_image(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(foreground pixels, labelled pixels) per image, ignore excluded."""
        sizes = np.asarray(self.sizes, dtype=np.int64)
        ignored = np.asarray(self.negative, dtype=np.int64)
        if self.ignore_value == IGNORE_CANDIDATE:
            ignored = ignored + np.asarray(self.at_255, dtype=np.int64)
        valid = sizes - ignored
        foreground = valid - np.asarray(self.background, dtype=np.int64)
        return foreground, valid

    def object_groups(self) -> Objects:
        """The objects that count: 255's only when 255 is a class."""
        if self.ignore_value == IGNORE_CANDIDATE:
            return self.objects
        return self.objects.merged(self.objects_255)
