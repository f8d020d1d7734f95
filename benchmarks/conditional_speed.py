"""Speed of the conditional pass: rows × features vs seconds, against the marginal profile.

    python benchmarks/conditional_speed.py [--rows 100000] [--features 20]

Writes a generated CSV (y = f(x) + noise), then times, in the same run:
- the marginal profile (`--no-features`), the in-run baseline;
- the full profile (marginal + sample + cross-fitted baseline + residual facts);
- one bare `HistGradientBoostingRegressor` fit on the same rows, one thread (the floor of one
  fold).
Prints seconds and ratios (machines are noisy; compare ratios).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossadvisor.profile import profile_dataset
from lossadvisor.profile.options import FeatureOptions


def _timed(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.rows, args.features))
    y = x[:, 0] * 2 - x[:, 1] + np.sin(x[:, 2]) + rng.standard_t(3, args.rows)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(args.features)]).assign(y=y)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "data.csv")
        frame.to_csv(path, index=False)
        profile_dataset(path, ["y"], features=FeatureOptions(enabled=False))  # warm imports
        import sklearn.ensemble  # noqa: F401  (its import is start-up, not the pass)
        from threadpoolctl import threadpool_limits
        marginal = _timed(
            lambda: profile_dataset(path, ["y"], features=FeatureOptions(enabled=False))
        )
        full = _timed(lambda: profile_dataset(path, ["y"], features=FeatureOptions()))
        from sklearn.ensemble import HistGradientBoostingRegressor

        from lossadvisor.profile.baseline import BOOSTING, fold_count

        def one_fit() -> None:
            with threadpool_limits(1):  # as the baseline runs: one thread per process
                model = HistGradientBoostingRegressor(loss="absolute_error", **BOOSTING)
                model.fit(frame.drop(columns="y"), frame.y)

        bare = _timed(one_fit)
    print(f"rows {args.rows:,} × features {args.features}")
    print(f"marginal profile (--no-features)   {marginal:7.2f} s  1.00x")
    print(f"profile with conditional facts      {full:7.2f} s  {full / marginal:.2f}x")
    print(f"conditional pass alone              {full - marginal:7.2f} s")
    folds = fold_count(args.rows)
    print(f"one bare HistGradientBoosting fit   {bare:7.2f} s  ({folds} folds, one thread each)")


if __name__ == "__main__":
    main()
