"""A real image set shipped inside a package: scikit-image's bundled photographs, thresholded
into masks (Otsu), profiled as a folder and checked against a direct computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from vision_helpers import close

from lossadvisor.vision.profile import profile_vision

skimage_data = pytest.importorskip("skimage.data")
filters = pytest.importorskip("skimage.filters")


def real_masks() -> dict[str, np.ndarray]:
    """coins (24 coins on a dark table), camera (the cameraman), horse (a silhouette)."""
    coins = skimage_data.coins()
    camera = skimage_data.camera()
    return {
        "coins": (coins > filters.threshold_otsu(coins)).astype(np.uint8),
        "camera": (camera < filters.threshold_otsu(camera)).astype(np.uint8),
        "horse": (~skimage_data.horse()).astype(np.uint8),  # the horse is False in the image
    }


def test_scikit_image_masks(tmp_path: Path) -> None:
    from scipy import ndimage

    masks = real_masks()
    for name, mask in masks.items():
        Image.fromarray(mask * 255).save(tmp_path / f"{name}.png")  # 0/255: a binary mask
    target = profile_vision(str(tmp_path), "segmentation").profile.targets[0]
    facts = target.facts
    assert target.target_type == "binary"
    fg = [int(m.sum()) for m in masks.values()]
    sizes = [m.size for m in masks.values()]
    assert close(facts["foreground_ratio"], sum(fg) / sum(sizes))
    assert close(facts["image_foreground_p50"], float(np.median(np.divide(fg, sizes))))
    components = [ndimage.label(m)[0] for m in masks.values()]
    objects = np.concatenate([np.bincount(c.ravel())[1:] for c in components])
    assert facts["objects_per_image_max"] == max(int(c.max()) for c in components)
    assert close(facts["objects_per_image_mean"], objects.size / 3)
    assert close(facts["small_object_ratio"], float((objects < 1024).mean()))
    assert close(facts["object_size_median"], float(np.median(objects)))
    edge = 0
    for m in masks.values():
        on = np.zeros(m.shape, dtype=bool)
        on[1:, :] |= m[1:, :] != m[:-1, :]
        on[:-1, :] |= m[1:, :] != m[:-1, :]
        on[:, 1:] |= m[:, 1:] != m[:, :-1]
        on[:, :-1] |= m[:, 1:] != m[:, :-1]
        edge += int((on & (m == 1)).sum())
    assert close(facts["boundary_ratio"], edge / sum(fg))
    assert target.class_counts == {"0": sum(sizes) - sum(fg), "255": sum(fg)}
