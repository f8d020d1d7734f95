"""Mask readers: one file -> label arrays (integer classes) or channel stacks (multi-label).

- PNG / TIFF / BMP through Pillow. A palette ("P") image is read as its indices, never as
  colours; an RGB image whose three channels agree is read as one channel; a true colour mask
  is refused (its colours have no class order).
- `.npy` (memory-mapped) and `.npz` (every array in it is one mask).
- NIfTI `.nii` / `.nii.gz` through nibabel (the `vision` extra).

Arrays of 2 or 3 dimensions with integer (or boolean) values are label maps: 2-D images or
3-D volumes. A boolean/0-1 array with a short first or last axis (at most MAX_CHANNELS) and a
2-D or 3-D rest is a channel stack: one-hot when every pixel is on in exactly one channel
(read as class indices), multi-label otherwise (channels may overlap).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lossadvisor.errors import InputError

MAX_CHANNELS = 16
MAX_LABEL = 65535  # larger values read as instance ids, not classes
VISION_EXTRA = "the 'vision' extra (pip install 'lossadvisor[vision]')"


class FileProblem(Exception):
    """One file cannot be used; it is skipped and reported at the end with this reason."""


@dataclass(frozen=True)
class Mask:
    """One mask: integer labels (H, W[, D]) or a boolean channel stack (C, H, W[, D])."""

    name: str
    labels: NDArray[Any] | None = None
    channels: NDArray[np.bool_] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        if self.labels is not None:
            return tuple(self.labels.shape)
        assert self.channels is not None
        return tuple(self.channels.shape[1:])


def need(module: str, why: str) -> object:
    """Import an optional dependency, or one line naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{why} needs {module}, from {VISION_EXTRA}.") from None


def read_masks(path: str) -> Iterator[Mask]:
    """The masks in one file (several for an .npz); FileProblem when it cannot be read."""
    name = path.lower()
    if name.endswith(".npz"):
        yield from _npz(path)
    elif name.endswith(".npy"):
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise FileProblem(f"not a readable .npy array ({_short(err)})") from None
        yield interpret(np.asarray(array), path)
    elif name.endswith((".nii", ".nii.gz")):
        # A NIfTI volume's last axis is depth (often a few slices), never channels; a 4-D
        # volume carries its channels last.
        volume = _nifti(path)
        yield interpret(
            np.moveaxis(volume, -1, 0) if volume.ndim == 4 else volume,
            path,
            volume=volume.ndim == 3,
        )
    else:
        yield interpret(_image(path), path)


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:120]


def _npz(path: str) -> Iterator[Mask]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise FileProblem(f"not a readable .npz archive ({_short(err)})") from None
    with archive:
        if not archive.files:
            raise FileProblem("the .npz archive holds no array")
        for key in archive.files:
            try:
                array = archive[key]
            except (OSError, ValueError, zipfile.BadZipFile) as err:
                raise FileProblem(f"array '{key}' is unreadable ({_short(err)})") from None
            yield interpret(array, f"{path}:{key}")


def _nifti(path: str) -> NDArray[np.generic]:
    nibabel = need("nibabel", f"{path}: reading NIfTI")
    try:
        image = nibabel.load(path)  # type: ignore[attr-defined]
        return np.asarray(image.dataobj)
    except Exception as err:  # nibabel raises many types for a damaged file
        raise FileProblem(f"not a readable NIfTI volume ({_short(err)})") from None


def _image(path: str) -> NDArray[np.generic]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.mode in ("RGB", "RGBA"):
                return _gray_from_rgb(np.asarray(image))
            # "P" reads as palette indices, "1" as booleans, "L"/"I;16"/"I" as integers.
            return np.asarray(image)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as err:
        raise FileProblem(f"not a readable image ({_short(err)})") from None


def _gray_from_rgb(rgb: NDArray[np.generic]) -> NDArray[np.generic]:
    first = rgb[..., 0]
    if rgb.shape[-1] == 4 and not (rgb[..., 3] == rgb[..., 3].flat[0]).all():
        raise FileProblem("an RGBA mask with varying transparency; save the labels as one channel")
    if (rgb[..., 1] == first).all() and (rgb[..., 2] == first).all():
        return first
    raise FileProblem(
        "a colour (RGB) mask: its colours have no class order; save it as a palette or "
        "single-channel label image"
    )


def interpret(array: NDArray[np.generic], name: str, volume: bool = False) -> Mask:
    """A raw array as labels or a channel stack (see the module docstring).

    `volume`: the array is known to be a 3-D label volume (NIfTI), never a channel stack.
    """
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or not (array == np.round(array)).all():  # type: ignore[arg-type]
            raise FileProblem("float values that are not whole numbers (probabilities, not labels)")
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biu":
        raise FileProblem(f"values of type {array.dtype} are not class labels")
    if array.ndim == 4 or (array.ndim == 3 and not volume):
        stack = _channels(array)
        if stack is not None:
            return _from_channels(stack, name)
    if array.ndim not in (2, 3):
        raise FileProblem(f"a {array.ndim}-D array; expected a 2-D image or a 3-D volume")
    if min(array.shape) == 0:
        raise FileProblem("an empty array")
    # uint8 stays uint8 (bincount and comparisons are fastest on it); the rest become int64.
    labels: NDArray[Any] = array if array.dtype == np.uint8 else array.astype(np.int64)
    if labels.dtype != np.uint8 and labels.size and int(labels.max()) > MAX_LABEL:
        raise FileProblem(f"labels up to {int(labels.max())}: instance ids, not class labels")
    return Mask(name=name, labels=labels)


def _channels(array: NDArray[np.generic]) -> NDArray[np.bool_] | None:
    """(C, ...) booleans when the array is a 0/1 stack with a short channel axis, else None."""
    if array.dtype.kind != "b":
        lo, hi = array.min(), array.max()
        if lo < 0 or hi > 1:
            return None
    first, last = array.shape[0], array.shape[-1]
    rest_first, rest_last = min(array.shape[1:]), min(array.shape[:-1])
    if first <= MAX_CHANNELS and first < rest_first:
        stack = array
    elif last <= MAX_CHANNELS and last < rest_last:
        stack = np.moveaxis(array, -1, 0)
    else:
        return None
    return np.asarray(stack, dtype=bool)


def _from_channels(stack: NDArray[np.bool_], name: str) -> Mask:
    on = stack.sum(axis=0)
    if stack.shape[0] > 1 and (on == 1).all():
        # One-hot: exactly one channel per pixel, i.e. class indices written out.
        return Mask(name=name, labels=np.argmax(stack, axis=0).astype(np.int64))
    return Mask(name=name, channels=stack)
