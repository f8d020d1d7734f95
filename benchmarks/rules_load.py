"""Loading the built-in rule base against plain `yaml.safe_load` of the same files.

Both are timed in-process in the same run, interleaved (median of ROUNDS each): the loader
(`load_rulebase()`: libyaml parse with line marks, pydantic validation, every semantic check,
digest) and the baseline (`yaml.load(..., Loader=yaml.CSafeLoader)` of the same bytes, no
checks). Target: the loader well under 100 ms.

    python benchmarks/rules_load.py [--rounds 30] [--dir RULES_DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from lossadvisor.rules.load import builtin_files, load_rulebase

BUDGET_MS = 100.0


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="runs of each (>= 10)")
    parser.add_argument("--dir", type=Path, default=None, help="rules directory (default: shipped)")
    args = parser.parse_args()
    rounds = max(args.rounds, 10)
    files = builtin_files(args.dir)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def baseline() -> None:
        for path in files:
            yaml.load(path.read_bytes(), Loader=loader)  # a safe loader

    def ours() -> None:
        load_rulebase(builtin_dir=args.dir)

    ours(), baseline()  # warm-up: imports, file cache
    ours_times: list[float] = []
    base_times: list[float] = []
    for _ in range(rounds):
        ours_times.append(timed(ours))
        base_times.append(timed(baseline))
    ours_base = load_rulebase(builtin_dir=args.dir)
    base = statistics.median(base_times)
    med = statistics.median(ours_times)
    size = sum(p.stat().st_size for p in files) / 1024
    print(
        f"files: {len(files)} ({size:.0f} KiB), rules: {len(ours_base.rules)}, "
        f"losses: {len(ours_base.losses)}; libyaml: {loader is not yaml.SafeLoader}"
    )
    print(
        f"load_rulebase():          median {med:7.1f} ms  (min {min(ours_times):.1f}, "
        f"max {max(ours_times):.1f}, n={rounds})"
    )
    print(
        f"yaml CSafeLoader baseline: median {base:7.1f} ms  (min {min(base_times):.1f}, "
        f"max {max(base_times):.1f}, n={rounds})"
    )
    print(
        f"ratio {med / base:.2f}x the bare parse; budget {BUDGET_MS:.0f} ms: "
        f"{'OK' if med < BUDGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main()
