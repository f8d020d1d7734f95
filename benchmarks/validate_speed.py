"""Wall time of `validate` and `tune`, end to end through the real CLI (what a user waits for).

Three cases, each against its target:
- small:  2,000 rows × 3 features, mse + mae + huber, 5 folds          target  5 s
- large:  100,000 rows × 20 features, mse + mae + huber, 5 folds       target 15 s (2 cores)
- tune:   2,000 rows × 3 features, huber, Bayesian search, 30 trials   target 30 s

Every run includes start-up, reading, profiling and the rules (validate asks them for their
ranking and parameters); `evidence_seconds` is the cross-validation / tuning alone (the result's
`seconds`), so the profile's share is wall − evidence. `--jobs` is left automatic (validate's
tree proxies: one worker thread per core, at most one per fold; tune: this process) and every
fit runs one thread. On a shared machine wall time is noisy: compare the CPU seconds and the
load averages printed with it. Run:
    .venv/bin/python benchmarks/validate_speed.py [--cases small,large,tune]

As in startup.py, the children run with bytecode writing on (PYTHONDONTWRITEBYTECODE removed)
after lossadvisor is compiled once (`compileall`): an installed copy has its .pyc files, and
without them the first case paid for compiling every module it imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"small": 5.0, "large": 15.0, "tune": 30.0}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CPU_SECONDS: dict[str, float] = {}


def _table(path: Path, rows: int, features: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features))
    y = x @ rng.normal(size=features) + np.sin(3 * x[:, 0]) + rng.standard_t(3, rows)
    table = pd.DataFrame(x, columns=[f"x{i}" for i in range(features)])
    table["y"] = y
    table.to_csv(path, index=False)


def _run(args: list[str]) -> tuple[float, dict[str, object]]:
    """Wall time (and, in CPU_SECONDS, the command's CPU time: the load-independent part)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS[args[0] + ":" + str(len(CPU_SECONDS))] = round(
        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return wall, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="small,large,tune")
    cases = parser.parse_args().cases.split(",")
    import lossadvisor

    package = str(Path(lossadvisor.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True, env=ENV)
    report: dict[str, object] = {
        "cpu_count": len(os.sched_getaffinity(0)),
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        _table(small, 2_000, 3)
        losses = ["--losses", "mse,mae,huber", "--folds", "5"]
        if "small" in cases:
            wall, result = _run(["validate", str(small), "-t", "y", *losses])
            report["small"] = {"wall_seconds": round(wall, 2), "target_seconds": TARGETS["small"],
                               "evidence_seconds": result["seconds"], "jobs": result["jobs"],
                               "winner": result["winner"]}  # fmt: skip
        if "large" in cases:
            _table(large, 100_000, 20)
            wall, result = _run(["validate", str(large), "-t", "y", *losses])
            report["large"] = {"wall_seconds": round(wall, 2), "target_seconds": TARGETS["large"],
                               "evidence_seconds": result["seconds"], "jobs": result["jobs"],
                               "winner": result["winner"], "engine": result["engine"]}  # fmt: skip
        if "tune" in cases:
            args = ["tune", str(small), "-t", "y", "--loss", "huber", "--search", "bayes"]
            wall, result = _run([*args, "--trials", "30"])
            report["tune"] = {"wall_seconds": round(wall, 2), "target_seconds": TARGETS["tune"],
                              "evidence_seconds": result["seconds"],
                              "trials": len(result["trials"])}  # fmt: skip
    report["cpu_seconds_per_command"] = CPU_SECONDS
    report["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
