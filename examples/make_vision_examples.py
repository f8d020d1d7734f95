"""Write the bundled vision examples (seeded: the same files on every run).

    python examples/make_vision_examples.py [--out examples]

- `masks/`: 24 PNG label masks (96×96) of small lesions (class 1) and smaller cysts (class 2)
  on background; a quarter of the masks are empty (healthy scans).
- `instances.json`: a COCO annotation file, 40 images of 320×240, mostly small boxes of a
  frequent and a rare class.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 20261201


def masks(rng: np.random.Generator, out: Path) -> None:
    folder = out / "masks"
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.ogrid[:96, :96]
    for i in range(24):
        mask = np.zeros((96, 96), dtype=np.uint8)
        if i % 4:
            for label, radius in ((1, int(rng.integers(3, 9))), (2, int(rng.integers(1, 4)))):
                cy, cx = (int(v) for v in rng.integers(12, 84, size=2))
                mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius * radius] = label
        Image.fromarray(mask).save(folder / f"scan_{i:02d}.png", optimize=True)


def instances(rng: np.random.Generator, out: Path) -> None:
    annotations = []
    for k in range(1, 161):
        w, h = (float(v) for v in rng.integers(6, 60, size=2))
        x, y = float(rng.integers(0, 320 - int(w))), float(rng.integers(0, 240 - int(h)))
        annotations.append(
            {
                "id": k,
                "image_id": int(rng.integers(1, 41)),
                "category_id": 1 if rng.random() < 0.93 else 2,
                "bbox": [x, y, w, h],
                "area": w * h,
                "iscrowd": 0,
            }
        )
    data = {
        "images": [
            {"id": i, "file_name": f"{i:03d}.jpg", "width": 320, "height": 240}
            for i in range(1, 41)
        ],
        "annotations": annotations,
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "cyclist"}],
    }
    (out / "instances.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    masks(np.random.default_rng(SEED), args.out)
    instances(np.random.default_rng(SEED + 1), args.out)


if __name__ == "__main__":
    main()
