"""Speed and memory of profiling a mask folder against a plain PIL + numpy.bincount loop.

    python benchmarks/vision_speed.py [--files 2000] [--size 512] [--rounds 3]

Generates FILES seeded PNG label masks of SIZE×SIZE (4 classes, a few blobs each, some empty)
in benchmarks/_data/ (git-ignored; re-used when present), then, in interleaved rounds, times
two fresh processes over the same files:

- loop:        for each file: numpy.bincount(numpy.asarray(PIL.Image.open(f)).ravel())
- lossadvisor: lossadvisor.vision.profile_vision(folder): the same decode and counts plus
               per-image foreground shares, connected components per class, boundary pixels

and reports images/s of each and the ratio (target: lossadvisor within 1.5× of the loop).
Peak RSS (os.wait4) of lossadvisor is then measured on the first 10 %, 50 % and 100 % of the
files (`--sample-files` picks a subset of that size): flat in the file count means bounded
memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"

LOOP = r"""
import sys, glob, numpy as np
from PIL import Image
total = np.zeros(256, dtype=np.int64)
for path in sorted(glob.glob(sys.argv[1] + "/*.png")):
    with Image.open(path) as image:
        counts = np.bincount(np.asarray(image).ravel(), minlength=256)
    total[: counts.size] += counts
print(int(total.sum()))
"""

LOSSADVISOR = r"""
import sys
from lossadvisor.vision.profile import profile_vision
n = None if sys.argv[2] == "all" else int(sys.argv[2])
result = profile_vision(sys.argv[1], "segmentation", sample_files=n)
print(result.profile.targets[0].facts["n_images"])
"""


def make_masks(folder: Path, n: int, size: int) -> None:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("*.png")))
    if have == n:
        return
    rng = np.random.default_rng(20261201)
    yy, xx = np.ogrid[:size, :size]
    for i in range(n):
        mask = np.zeros((size, size), dtype=np.uint8)
        if i % 5:
            for _ in range(int(rng.integers(1, 6))):
                cy, cx = (int(v) for v in rng.integers(0, size, size=2))
                r = int(rng.integers(4, size // 6))
                mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = int(rng.integers(1, 4))
        Image.fromarray(mask).save(folder / f"mask_{i:05d}.png")


def timed(code: str, *args: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a fresh interpreter running `code`."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark child failed: {code.splitlines()[1]} {args}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = DATA / f"masks_{args.files}_{args.size}"
    make_masks(folder, args.files, args.size)
    loop, ours = [], []
    for _ in range(args.rounds):
        loop.append(timed(LOOP, str(folder))[0])
        ours.append(timed(LOSSADVISOR, str(folder), "all")[0])
    t_loop, t_ours = statistics.median(loop), statistics.median(ours)
    print(f"{args.files} masks of {args.size}x{args.size}, median of {args.rounds} rounds")
    print(f"  PIL + bincount loop : {t_loop:7.2f} s  {args.files / t_loop:8.1f} images/s")
    print(f"  lossadvisor         : {t_ours:7.2f} s  {args.files / t_ours:8.1f} images/s")
    print(f"  ratio               : {t_ours / t_loop:.2f}x the loop's time (target <= 1.5x)")
    print("peak RSS of lossadvisor by files read:")
    for share in (0.1, 0.5, 1.0):
        n = max(1, int(args.files * share))
        _, rss = timed(LOSSADVISOR, str(folder), str(n))
        print(f"  {n:6d} files: {rss:5d} MiB")


if __name__ == "__main__":
    main()
