"""Loading the built-in rule base against plain `yaml.safe_load` of the same files.

Three timings in-process, in the same run, interleaved (median of ROUNDS each):
- cold: `load_rulebase()` with the cache disabled — libyaml parse with line marks, pydantic
  validation, every semantic check, digest;
- cached: `load_rulebase()` when the validated base is in the JSON cache (the usual case);
- baseline: `yaml.load(..., Loader=yaml.CSafeLoader)` of the same files, no checks.
Target: well under 100 ms.

    python benchmarks/rules_load.py [--rounds 30] [--dir RULES_DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
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


def report(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(
        f"{label:<26} median {median:7.1f} ms  (min {min(times):.1f}, max {max(times):.1f}, "
        f"n={len(times)})"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="runs of each (>= 10)")
    parser.add_argument("--dir", type=Path, default=None, help="rules directory (default: shipped)")
    args = parser.parse_args()
    rounds = max(args.rounds, 10)
    files = builtin_files(args.dir)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cache = tempfile.mkdtemp(prefix="lossadvisor-bench-")

    def baseline() -> None:
        for path in files:
            yaml.load(path.read_bytes(), Loader=loader)  # a safe loader

    def with_cache(directory: str) -> Callable[[], object]:
        def run() -> object:
            os.environ["LOSSADVISOR_CACHE_DIR"] = directory
            return load_rulebase(builtin_dir=args.dir)

        return run

    cold, cached = with_cache(""), with_cache(cache)
    cold(), cached(), baseline()  # warm-up: imports, file cache, rule cache
    times: dict[str, list[float]] = {"cold": [], "cached": [], "baseline": []}
    for _ in range(rounds):
        times["cold"].append(timed(cold))
        times["cached"].append(timed(cached))
        times["baseline"].append(timed(baseline))
    base = load_rulebase(builtin_dir=args.dir)
    shutil.rmtree(cache, ignore_errors=True)
    size = sum(p.stat().st_size for p in files) / 1024
    print(
        f"files: {len(files)} ({size:.0f} KiB), rules: {len(base.rules)}, "
        f"losses: {len(base.losses)}; libyaml: {loader is not yaml.SafeLoader}"
    )
    cold_ms = report("load_rulebase() cold", times["cold"])
    cached_ms = report("load_rulebase() cached", times["cached"])
    base_ms = report("yaml CSafeLoader baseline", times["baseline"])
    print(
        f"cold {cold_ms / base_ms:.2f}x the bare parse, cached {cached_ms / base_ms:.2f}x; "
        f"budget {BUDGET_MS:.0f} ms: cold {'OK' if cold_ms < BUDGET_MS else 'OVER'}, "
        f"cached {'OK' if cached_ms < BUDGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main()
