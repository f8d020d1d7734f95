"""Wall time of `validate`'s cross-validation: 100,000 rows × 20 features, 3 losses, 5 folds.

Target: under 60 s on 2 cores. The losses cover both engines: mse and mae on scikit-learn's
HistGradientBoosting, huber on LightGBM with the custom objective (a Python callback per
boosting round). Run:  .venv/bin/python benchmarks/validate_speed.py [--rows N] [--losses a,b,c]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--losses", default="mse,mae,huber")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="per fit; 0 = all cores")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from lossadvisor.evidence.crossval import cross_validate
    from lossadvisor.evidence.proxies import ProxySettings
    from lossadvisor.evidence.results import ParamUsed

    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.rows, args.features))
    weights = rng.normal(size=args.features)
    y = x @ weights + np.sin(3 * x[:, 0]) + rng.standard_t(3, args.rows)
    table = pd.DataFrame(x, columns=[f"x{i}" for i in range(args.features)])
    table["y"] = y
    losses = args.losses.split(",")
    per_loss: dict[str, float] = dict.fromkeys(losses, 0.0)
    running: list[tuple[str, float]] = []  # the fit in progress: (loss, start time)

    def progress(done: int, total: int, label: str) -> None:
        # called before each fit with "fold k LOSS" and once with "done" at the end; the
        # last loss of a fold also carries the next fold's preprocessing
        now = time.perf_counter()
        if running:
            loss, since = running.pop()
            per_loss[loss] += now - since
        if label != "done":
            running.append((label.split()[-1], now))

    started = time.perf_counter()
    result = cross_validate(
        table,
        "y",
        losses,
        params={"huber": {"delta": ParamUsed(value=1.345, source="benchmark")}},
        n_folds=args.folds,
        settings=ProxySettings(threads=args.threads),
        progress=progress,
    )
    wall = time.perf_counter() - started
    report = {
        "rows": args.rows,
        "features": args.features,
        "losses": losses,
        "folds": args.folds,
        "fits": args.folds * len(losses),
        "wall_seconds": round(wall, 2),
        "seconds_per_loss_approx": {k: round(v, 2) for k, v in per_loss.items()},
        "target_seconds": 60,
        "threads_per_fit": args.threads or "all",
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "winner": result.winner,
        "mean_mae": {e.loss: round(e.mean["mae"], 4) for e in result.losses},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
