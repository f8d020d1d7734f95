"""Generated masks and annotation files with statistics known by construction.

Each mask is drawn from rectangles (label, top, left, height, width) that never touch each
other or the image edge, so the objects, their sizes and their boundary pixels are known
without running any labelling code: a h×w rectangle is one object of h·w pixels with
2h + 2w − 4 boundary pixels.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLI = Path(sys.executable).with_name("lossadvisor")

Rect = tuple[int, int, int, int, int]  # label, top, left, height, width


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    done = subprocess.run([str(CLI), *args], capture_output=True, cwd=cwd, timeout=180, check=False)
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def one_line_error(run: Run) -> str:
    assert run.code == 2, (run.code, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def draw(shape: tuple[int, int], rects: list[Rect], dtype: type = np.uint8) -> np.ndarray:
    mask = np.zeros(shape, dtype=dtype)
    for label, top, left, h, w in rects:
        assert top >= 1 and left >= 1 and top + h < shape[0] and left + w < shape[1]
        assert (mask[top - 1 : top + h + 1, left - 1 : left + w + 1] == 0).all(), "rects touch"
        mask[top : top + h, left : left + w] = label
    return mask


def random_rects(
    rng: np.random.Generator, shape: tuple[int, int], labels: list[int], n: int
) -> list[Rect]:
    """Up to n non-touching rectangles of random labels and sizes (some small, some large)."""
    taken = np.zeros(shape, dtype=bool)
    rects: list[Rect] = []
    for _ in range(n * 20):
        if len(rects) == n:
            break
        h, w = (int(v) for v in rng.integers(2, max(3, shape[0] // 3), size=2))
        top = int(rng.integers(1, shape[0] - h - 1))
        left = int(rng.integers(1, shape[1] - w - 1))
        if taken[top - 1 : top + h + 1, left - 1 : left + w + 1].any():
            continue
        taken[top - 1 : top + h + 1, left - 1 : left + w + 1] = True
        rects.append((int(rng.choice(labels)), top, left, h, w))
    return rects


def expected_mask_facts(
    masks: list[np.ndarray], rects: list[list[Rect]], ignore: int | None
) -> dict[str, float]:
    """The facts computed directly: numpy on the arrays, construction for the objects."""
    shares, fg_total, valid_total, empty = [], 0, 0, 0
    counts: dict[int, int] = {}
    for m in masks:
        values, n = np.unique(m, return_counts=True)
        for v, c in zip(values.tolist(), n.tolist(), strict=True):
            counts[v] = counts.get(v, 0) + c
        valid = m.size - (int((m == ignore).sum()) if ignore is not None else 0)
        fg = valid - int((m == 0).sum())
        shares.append(fg / valid)
        fg_total += fg
        valid_total += valid
        empty += fg == 0
    objects = [
        (h * w, 2 * h + 2 * w - 4) for rs in rects for (lab, _, _, h, w) in rs if lab != ignore
    ]
    sizes = np.array([s for s, _ in objects], dtype=float)
    classes = {k: v for k, v in counts.items() if k != ignore}
    fg_pixels = sum(v for k, v in classes.items() if k != 0)
    out = {
        "n_images": len(masks),
        "n_classes": len(classes),
        "foreground_ratio": fg_total / valid_total,
        "image_foreground_mean": float(np.mean(shares)),
        "image_foreground_p10": float(np.quantile(shares, 0.1)),
        "image_foreground_p50": float(np.quantile(shares, 0.5)),
        "image_foreground_p90": float(np.quantile(shares, 0.9)),
        "empty_mask_ratio": empty / len(masks),
        "pixel_imbalance_ratio": max(classes.values()) / min(classes.values()),
        "objects_per_image_mean": len(objects) / len(masks),
        "objects_per_image_max": max(sum(1 for r in rs if r[0] != ignore) for rs in rects),
        "small_object_ratio": float((sizes < 1024).mean()),
        "object_size_median": float(np.median(sizes)),
        "object_size_p10": float(np.quantile(sizes, 0.1)),
        "object_size_p90": float(np.quantile(sizes, 0.9)),
        "boundary_ratio": sum(b for _, b in objects) / fg_pixels,
    }
    if ignore is not None:
        total = sum(m.size for m in masks)
        out["ignore_ratio"] = counts.get(ignore, 0) / total
    return out


def close(got: object, want: float, rel: float = 1e-5) -> bool:
    return isinstance(got, int | float) and abs(float(got) - want) <= rel * max(1.0, abs(want))
