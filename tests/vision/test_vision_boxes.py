"""Detection annotations (COCO, YOLO, VOC): every fact against a direct computation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from vision_helpers import close

from lossadvisor.vision.profile import profile_vision

W, H = 320, 240
NAMES = ["person", "bicycle", "car"]


def _boxes(seed: int, n_images: int) -> list[list[tuple[int, float, float, float, float]]]:
    """Per image: (class index, x, y, w, h) inside a W×H image; some images empty."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_images):
        n = 0 if i % 5 == 4 else int(rng.integers(1, 7))
        boxes = []
        for _ in range(n):
            w, h = float(rng.integers(4, 150)), float(rng.integers(4, 120))
            x, y = float(rng.integers(0, W - int(w))), float(rng.integers(0, H - int(h)))
            # class 0 is frequent, 2 rare: a known imbalance
            boxes.append((int(rng.choice(3, p=[0.8, 0.15, 0.05])), x, y, w, h))
        out.append(boxes)
    return out


def _expected(images: list, areas: list[list[float]] | None = None) -> dict[str, float]:
    flat = [b for boxes in images for b in boxes]
    area = np.array(
        [a for per in areas for a in per] if areas else [b[3] * b[4] for b in flat], dtype=float
    )
    aspect = np.array([b[3] / b[4] for b in flat])
    per_image = np.array([len(b) for b in images], dtype=float)
    counts = np.bincount([b[0] for b in flat], minlength=3)
    return {
        "n_images": len(images),
        "n_instances": len(flat),
        "boxes_per_image_mean": per_image.mean(),
        "boxes_per_image_p50": float(np.quantile(per_image, 0.5)),
        "boxes_per_image_p90": float(np.quantile(per_image, 0.9)),
        "boxes_per_image_max": per_image.max(),
        "empty_image_ratio": float((per_image == 0).mean()),
        "small_box_ratio": float((area < 32**2).mean()),
        "large_box_ratio": float((area > 96**2).mean()),
        "medium_box_ratio": float(((area >= 32**2) & (area <= 96**2)).mean()),
        "box_area_median": float(np.median(area)),
        "box_relative_size_median": float(np.median(np.sqrt(area / (W * H)))),
        "box_aspect_spread": float(np.quantile(aspect, 0.9) / np.quantile(aspect, 0.1)),
        "instance_imbalance_ratio": counts.max() / counts[counts > 0].min(),
        "rare_classes": int((counts < 10).sum()),
    }


def _check(facts: dict, want: dict) -> None:
    for name, value in want.items():
        assert close(facts.get(name), value), (name, facts.get(name), value)


def write_coco(path: Path, images: list, extra: list | None = None, **image_kw: int) -> Path:
    anns, k = [], 1
    for i, boxes in enumerate(images, start=1):
        for c, x, y, w, h in boxes:
            anns.append(
                {
                    "id": k,
                    "image_id": i,
                    "category_id": [1, 2, 3][c] * 10,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": int(k % 7 == 0),
                }
            )
            k += 1
    data = {
        "images": [
            {"id": i, "file_name": f"{i}.jpg", "width": W, "height": H, **image_kw}
            for i in range(1, len(images) + 1)
        ],
        "annotations": anns + (extra or []),
        # declared out of order: the class order is by id (10, 20, 30)
        "categories": [
            {"id": 30, "name": "car"},
            {"id": 10, "name": "person"},
            {"id": 20, "name": "bicycle"},
        ],
    }
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_coco_facts_match_a_direct_computation(tmp_path: Path) -> None:
    images = _boxes(1, 40)
    result = profile_vision(str(write_coco(tmp_path / "instances.json", images)), "detection")
    target = result.profile.targets[0]
    _check(target.facts, _expected(images))
    flat = [b for boxes in images for b in boxes]
    assert close(
        target.facts["crowd_ratio"],
        sum(1 for k in range(1, len(flat) + 1) if k % 7 == 0) / len(flat),
    )
    counts = np.bincount([b[0] for b in flat], minlength=3)
    assert list(target.class_counts.items()) == list(zip(NAMES, counts.tolist(), strict=True))
    assert result.skipped == []


def test_coco_bad_annotations_are_counted_and_skipped(tmp_path: Path) -> None:
    images = _boxes(2, 10)
    bad = [
        {"id": 901, "image_id": 1, "category_id": 99, "bbox": [1, 1, 5, 5]},  # unknown category
        {"id": 902, "image_id": 2, "category_id": 10, "bbox": [300, 200, 50, 60]},  # outside
        {"id": 903, "image_id": 3, "category_id": 10, "bbox": [300, 200, 50, 60]},  # outside
        {"id": 904, "image_id": 77, "category_id": 10, "bbox": [1, 1, 5, 5]},  # unknown image
    ]
    result = profile_vision(str(write_coco(tmp_path / "i.json", images, bad)), "detection")
    _check(result.profile.targets[0].facts, _expected(images))
    text = "\n".join(result.skipped)
    assert "1 annotations with a category_id not in 'categories'" in text and "99" in text
    assert "2 boxes outside their image" in text and "annotation 902" in text
    assert "1 annotations with an image_id not in 'images'" in text


def test_coco_instance_masks_are_measured_with_pycocotools(tmp_path: Path) -> None:
    mask_api = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(3)
    anns, areas = [], []
    for k in range(1, 9):
        m = np.zeros((H, W), dtype=np.uint8)
        cy, cx, r = int(rng.integers(40, 200)), int(rng.integers(40, 280)), int(rng.integers(3, 35))
        yy, xx = np.ogrid[:H, :W]
        m[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1
        ys, xs = np.nonzero(m)
        rle = mask_api.encode(np.asfortranarray(m))
        rle["counts"] = rle["counts"].decode("ascii")
        bbox = [float(xs.min()), float(ys.min()), float(np.ptp(xs) + 1), float(np.ptp(ys) + 1)]
        anns.append({"id": k, "image_id": 1, "category_id": 10, "bbox": bbox, "segmentation": rle})
        areas.append(float(m.sum()))  # the mask's own pixel count, not the box
    bad_size = dict(anns[0], id=99, segmentation=dict(anns[0]["segmentation"], size=[10, 10]))
    data = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": W, "height": H}],
        "annotations": [*anns, bad_size],
        "categories": [{"id": 10, "name": "blob"}],
    }
    (tmp_path / "m.json").write_text(json.dumps(data), encoding="utf-8")
    result = profile_vision(str(tmp_path / "m.json"), "detection")
    facts = result.profile.targets[0].facts
    area = np.array(areas)
    assert close(facts["small_box_ratio"], float((area < 1024).mean()))
    assert close(facts["box_area_median"], float(np.median(area)))
    assert any("mask size 10x10 differs from the image's 240x320" in s for s in result.skipped)


def test_yolo_folder_with_names_file_and_images(tmp_path: Path) -> None:
    images = _boxes(4, 20)
    (tmp_path / "labels").mkdir()
    (tmp_path / "images").mkdir()
    (tmp_path / "classes.txt").write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    for i, boxes in enumerate(images):
        lines = [
            f"{c} {(x + w / 2) / W} {(y + h / 2) / H} {w / W} {h / H}" for c, x, y, w, h in boxes
        ]
        (tmp_path / "labels" / f"{i}.txt").write_text("\n".join(lines), encoding="utf-8")
        Image.new("L", (W, H)).save(tmp_path / "images" / f"{i}.png")
    result = profile_vision(str(tmp_path / "labels"))
    assert result.task == "detection" and result.profile.format == "yolo"
    _check(result.profile.targets[0].facts, _expected(images))
    assert list(result.profile.targets[0].class_counts) == NAMES


def test_voc_folder(tmp_path: Path) -> None:
    images = _boxes(5, 15)
    for i, boxes in enumerate(images):
        objects = "".join(
            f"<object><name>{NAMES[c]}</name><bndbox><xmin>{x}</xmin><ymin>{y}</ymin>"
            f"<xmax>{x + w}</xmax><ymax>{y + h}</ymax></bndbox></object>"
            for c, x, y, w, h in boxes
        )
        (tmp_path / f"{i}.xml").write_text(
            f"<annotation><size><width>{W}</width><height>{H}</height></size>{objects}</annotation>",
            encoding="utf-8",
        )
    (tmp_path / "broken.xml").write_text("<annotation><size>", encoding="utf-8")
    result = profile_vision(str(tmp_path), "detection")
    _check(result.profile.targets[0].facts, _expected(images))
    assert len(result.skipped) == 1 and "broken.xml: skipped: not readable XML" in result.skipped[0]
