"""Mask folders: every fact against a direct computation on generated masks of known shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from vision_helpers import close, draw, expected_mask_facts, random_rects

from lossadvisor.vision.profile import profile_vision

SHAPE = (48, 64)


def _dataset(
    seed: int, n: int, labels: list[int], n_empty: int = 0, dtype: type = np.uint8
) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    rects = [random_rects(rng, SHAPE, labels, int(rng.integers(1, 5))) for _ in range(n)]
    rects += [[] for _ in range(n_empty)]
    return [draw(SHAPE, r, dtype=dtype) for r in rects], rects


def _check(facts: dict, want: dict) -> None:
    for name, value in want.items():
        assert close(facts.get(name), value), (name, facts.get(name), value)


@pytest.mark.parametrize("fmt", ["png", "bmp", "tif", "npy", "palette"])
def test_label_masks_match_a_direct_computation(tmp_path: Path, fmt: str) -> None:
    masks, rects = _dataset(1, 12, [1, 2, 3], n_empty=3)
    for i, m in enumerate(masks):
        path = tmp_path / f"m{i:02d}.{'png' if fmt == 'palette' else fmt}"
        if fmt == "npy":
            np.save(path, m)
        elif fmt == "palette":
            image = Image.fromarray(m, mode="P")
            # Colours that are not the indices: the reader must return the indices.
            image.putpalette([200, 10, 10, 10, 200, 10, 10, 10, 200, 90, 90, 90] + [0] * 756)
            image.save(path)
        else:
            Image.fromarray(m).save(path)
    result = profile_vision(str(tmp_path), "segmentation")
    target = result.profile.targets[0]
    _check(target.facts, expected_mask_facts(masks, rects, ignore=None))
    assert target.target_type == "multiclass"
    values, counts = np.unique(np.stack(masks), return_counts=True)
    assert target.class_counts == {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    assert result.skipped == []


def test_ignore_value_255_is_detected_beside_other_labels(tmp_path: Path) -> None:
    masks, rects = _dataset(2, 10, [1, 2, 255])
    for i, m in enumerate(masks):
        Image.fromarray(m).save(tmp_path / f"{i}.png")
    target = profile_vision(str(tmp_path)).profile.targets[0]
    assert target.facts["ignore_value"] == 255
    assert "255" not in (target.class_counts or {})
    _check(target.facts, expected_mask_facts(masks, rects, ignore=255))


def test_a_0_255_mask_is_binary_with_255_as_foreground(tmp_path: Path) -> None:
    masks, rects = _dataset(3, 6, [255])
    for i, m in enumerate(masks):
        Image.fromarray(m).save(tmp_path / f"{i}.png")
    target = profile_vision(str(tmp_path)).profile.targets[0]
    assert target.target_type == "binary"
    assert "ignore_value" not in target.facts
    _check(target.facts, expected_mask_facts(masks, rects, ignore=None))


def test_uint16_tiff_and_npz_archives(tmp_path: Path) -> None:
    masks, rects = _dataset(4, 6, [1, 300, 1000], dtype=np.uint16)
    for i, m16 in enumerate(masks[:3]):
        Image.fromarray(m16).save(tmp_path / f"{i}.tif")
    np.savez(tmp_path / "rest.npz", *masks[3:])
    target = profile_vision(str(tmp_path)).profile.targets[0]
    assert target.facts["n_images"] == 6 and target.facts["n_files"] == 4
    _check(target.facts, expected_mask_facts(masks, rects, ignore=None))


def test_nifti_volume_components_in_3d(tmp_path: Path) -> None:
    nibabel = pytest.importorskip("nibabel")
    volume = np.zeros((20, 24, 8), dtype=np.uint8)  # 8 slices: depth, never channels
    volume[2:6, 3:9, 1:4] = 1  # 4·6·3 = 72 voxels
    volume[10:18, 12:20, 2:7] = 2  # 8·8·5 = 320 voxels
    volume[14:16, 2:4, 5:7] = 1  # 8 voxels
    nibabel.save(nibabel.Nifti1Image(volume, np.eye(4)), str(tmp_path / "ct.nii.gz"))
    facts = profile_vision(str(tmp_path / "ct.nii.gz")).profile.targets[0].facts
    assert facts["mask_ndim"] == 3
    assert facts["objects_per_image_mean"] == 3
    assert close(facts["foreground_ratio"], 400 / volume.size)
    assert close(facts["object_size_median"], 72)
    # boundary in 3-D: every voxel of a block at most 2 thick in some axis is on its surface
    inner = (4 - 2) * (6 - 2) * (3 - 2) + (8 - 2) * (8 - 2) * (5 - 2)
    assert close(facts["boundary_ratio"], (400 - inner) / 400)


def test_one_hot_channels_read_as_classes_and_overlaps_as_multilabel(tmp_path: Path) -> None:
    labels = draw(SHAPE, [(1, 2, 2, 10, 10), (2, 20, 30, 5, 20)])
    one_hot = np.stack([labels == c for c in range(3)]).astype(np.uint8)
    np.save(tmp_path / "onehot.npy", one_hot)
    target = profile_vision(str(tmp_path / "onehot.npy")).profile.targets[0]
    assert target.target_type == "multiclass"
    assert target.class_counts == {"0": int((labels == 0).sum()), "1": 100, "2": 100}

    stack = np.zeros((2, *SHAPE), dtype=bool)  # two overlapping labels, channels last on disk
    stack[0, 5:25, 5:25] = True
    stack[1, 15:35, 15:40] = True
    np.save(tmp_path / "multi.npy", np.moveaxis(stack, 0, -1))
    multi = profile_vision(str(tmp_path / "multi.npy")).profile.targets[0]
    assert multi.target_type == "multilabel"
    on = stack.sum(axis=0)
    assert close(multi.facts["label_overlap_ratio"], (on > 1).sum() / (on > 0).sum())
    assert close(multi.facts["foreground_ratio"], (on > 0).mean())
    assert multi.class_counts == {"0": 400, "1": 500}


def test_sample_files_is_seeded_and_labelled_an_estimate(tmp_path: Path) -> None:
    masks, _ = _dataset(5, 30, [1, 2])
    for i, m in enumerate(masks):
        Image.fromarray(m).save(tmp_path / f"{i:02d}.png")
    a = profile_vision(str(tmp_path), sample_files=10, seed=7).profile.targets[0]
    b = profile_vision(str(tmp_path), sample_files=10, seed=7).profile.targets[0]
    assert a == b
    assert a.facts["n_images"] == 10 and a.facts["n_files"] == 30
    assert a.sample_size == 10 and "foreground_ratio" in a.estimated
    picked = sorted(np.random.default_rng(7).choice(30, size=10, replace=False))
    chosen = [masks[i] for i in picked]
    want = sum(int((m > 0).sum()) for m in chosen) / sum(m.size for m in chosen)
    assert close(a.facts["foreground_ratio"], want)


def test_median_frequency_weights_follow_eigen_and_fergus(tmp_path: Path) -> None:
    masks, _ = _dataset(6, 8, [1, 2, 3, 11])
    for i, m in enumerate(masks):
        Image.fromarray(m).save(tmp_path / f"{i}.png")
    target = profile_vision(str(tmp_path)).profile.targets[0]
    from lossadvisor.params import DerivationInputs, Derived, class_weights_median_frequency

    got = class_weights_median_frequency(
        DerivationInputs(
            facts={"target_type": "multiclass"},
            class_counts=target.class_counts,
            class_image_pixels=target.class_image_pixels,
            param="class_weights",
        )
    )
    assert isinstance(got, Derived)
    freq = {}
    for c in sorted({int(v) for m in masks for v in np.unique(m)}):
        having = [m for m in masks if (m == c).any()]
        freq[c] = sum(int((m == c).sum()) for m in having) / sum(m.size for m in having)
    median = float(np.median(list(freq.values())))
    want = [median / freq[c] if c in freq else 1.0 for c in range(12)]  # ids 0..11, in id order
    assert list(got.value) == [str(i) for i in range(12)]
    assert all(close(got.value[str(i)], w) for i, w in enumerate(want)), (got.value, want)


@pytest.mark.parametrize("n", [1, 2, 3, 1001, 4096])
def test_pair_counting_of_uint8_labels_equals_bincount(n: int) -> None:
    from lossadvisor.vision.mask_stats import pixel_counts

    rng = np.random.default_rng(n)
    for top in (1, 7, 255):
        flat = rng.integers(0, top + 1, size=n).astype(np.uint8)
        assert pixel_counts(flat).tolist() == np.bincount(flat).tolist()
