"""Write the bundled example datasets (seeded: the same files on every run).

    python examples/make_examples.py [--out examples]

Generated tables cover each target type the profiler distinguishes; four real datasets are
exported from scikit-learn's bundled copies. Every file stays well under 1 MB.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261124


def _features(rng: np.random.Generator, n: int, k: int = 3) -> pd.DataFrame:
    return pd.DataFrame({f"x{i + 1}": rng.normal(size=n).round(4) for i in range(k)})


def insurance_claims(rng: np.random.Generator) -> pd.DataFrame:
    """Motor policies: zero-heavy, overdispersed claim counts (gamma-Poisson + structural zeros)."""
    n = 6000
    age = rng.integers(18, 86, size=n)
    vehicle_age = rng.integers(0, 21, size=n)
    region = rng.choice(
        ["north", "south", "east", "west", "city"], size=n, p=[0.2, 0.2, 0.2, 0.15, 0.25]
    )
    exposure = rng.uniform(0.1, 1.0, size=n).round(3)
    bonus_malus = np.clip(rng.normal(70, 18, size=n), 50, 230).round()
    log_rate = (
        -1.2
        + 0.012 * (bonus_malus - 70)
        - 0.015 * (age - 45)
        + 0.02 * vehicle_age
        + np.where(region == "city", 0.35, 0.0)
    )
    mean = exposure * np.exp(log_rate)
    frailty = rng.gamma(shape=0.6, scale=1 / 0.6, size=n)  # negative-binomial overdispersion
    claims = rng.poisson(mean * frailty * 3.0)
    claims[rng.uniform(size=n) < 0.4] = 0  # policies that never claim (structural zeros)
    return pd.DataFrame(
        {
            "age": age,
            "vehicle_age": vehicle_age,
            "region": region,
            "exposure": exposure,
            "bonus_malus": bonus_malus,
            "claims": claims,
        }
    )


def regression_clean(rng: np.random.Generator) -> pd.DataFrame:
    x = _features(rng, 2000)
    x["y"] = (1.5 * x.x1 - 2.0 * x.x2 + 0.5 * x.x3 + rng.normal(0, 1.0, 2000)).round(5)
    return x


def regression_outliers(rng: np.random.Generator) -> pd.DataFrame:
    """Gaussian regression with about 5 % gross errors (large, one-sided-ish corruptions)."""
    x = _features(rng, 2000)
    y = 1.5 * x.x1 - 2.0 * x.x2 + rng.normal(0, 1.0, 2000)
    bad = rng.uniform(size=2000) < 0.05
    y[bad] += rng.choice([-1, 1], size=bad.sum(), p=[0.3, 0.7]) * rng.uniform(
        15, 40, size=bad.sum()
    )
    x["y"] = y.round(5)
    return x


def regression_heavy_tail(rng: np.random.Generator) -> pd.DataFrame:
    x = _features(rng, 2000)
    x["y"] = (x.x1 + rng.standard_t(df=2.5, size=2000)).round(5)
    return x


def regression_heteroscedastic(rng: np.random.Generator) -> pd.DataFrame:
    """Noise scale grows with x1 (standard deviation from 0.2 to about 3)."""
    x = _features(rng, 2000)
    scale = 0.2 + 0.7 * np.abs(x.x1) ** 1.5
    x["y"] = (2.0 * x.x1 + rng.normal(size=2000) * scale).round(5)
    return x


def counts_poisson(rng: np.random.Generator) -> pd.DataFrame:
    x = _features(rng, 3000, k=2)
    x["y"] = rng.poisson(np.exp(0.3 + 0.4 * x.x1))
    return x


def counts_overdispersed(rng: np.random.Generator) -> pd.DataFrame:
    """Negative binomial (dispersion well above 1)."""
    x = _features(rng, 3000, k=2)
    mean = np.exp(1.0 + 0.5 * x.x1)
    x["y"] = rng.negative_binomial(n=0.8, p=0.8 / (0.8 + mean))
    return x


def proportions(rng: np.random.Generator) -> pd.DataFrame:
    """Shares in (0, 1) from a beta distribution whose mean follows x1."""
    x = _features(rng, 2000, k=2)
    mu = 1 / (1 + np.exp(-(0.2 + 0.8 * x.x1)))
    x["y"] = rng.beta(mu * 8, (1 - mu) * 8).round(5)
    return x


def positive_skewed(rng: np.random.Generator) -> pd.DataFrame:
    """Positive amounts (lognormal): a gamma / log-target candidate."""
    x = _features(rng, 2000, k=2)
    x["y"] = np.exp(3.0 + 0.5 * x.x1 + rng.normal(0, 0.9, 2000)).round(2)
    return x


def binary_imbalanced(rng: np.random.Generator) -> pd.DataFrame:
    """About 1 positive in 51 rows."""
    n = 5100
    x = _features(rng, n)
    logit = -4.3 + 1.0 * x.x1
    x["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x


def multiclass(rng: np.random.Generator) -> pd.DataFrame:
    """Four text classes, moderately unbalanced."""
    x = _features(rng, 3000)
    x["y"] = rng.choice(["cat", "dog", "bird", "fish"], size=3000, p=[0.4, 0.3, 0.2, 0.1])
    return x


def multilabel(rng: np.random.Generator) -> pd.DataFrame:
    """Label sets such as 'action|comedy' (each row has one to three genres)."""
    genres = np.array(["action", "comedy", "drama", "horror", "romance", "scifi"])
    weights = np.array([0.30, 0.25, 0.20, 0.08, 0.10, 0.07])
    x = _features(rng, 2000, k=2)
    rows = []
    for _ in range(2000):
        k = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])
        rows.append("|".join(sorted(rng.choice(genres, size=k, replace=False, p=weights))))
    x["y"] = rows
    return x


def _sklearn(loader: Callable[..., object]) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    frame: pd.DataFrame = bunch.frame  # type: ignore[attr-defined]
    return frame


GENERATED: dict[str, Callable[[np.random.Generator], pd.DataFrame]] = {
    "insurance_claims": insurance_claims,
    "regression_clean": regression_clean,
    "regression_outliers": regression_outliers,
    "regression_heavy_tail": regression_heavy_tail,
    "regression_heteroscedastic": regression_heteroscedastic,
    "counts_poisson": counts_poisson,
    "counts_overdispersed": counts_overdispersed,
    "proportions": proportions,
    "positive_skewed": positive_skewed,
    "binary_imbalanced": binary_imbalanced,
    "multiclass": multiclass,
    "multilabel": multilabel,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(__file__).parent))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    for i, (name, make) in enumerate(GENERATED.items()):
        make(np.random.default_rng([SEED, i])).to_csv(out / f"{name}.csv", index=False)
    from sklearn import datasets

    for name, loader in [
        ("breast_cancer", datasets.load_breast_cancer),
        ("iris", datasets.load_iris),
        ("diabetes", datasets.load_diabetes),
        ("wine", datasets.load_wine),
    ]:
        _sklearn(loader).to_csv(out / f"{name}.csv", index=False)
    print(f"wrote {len(GENERATED) + 4} CSV files to {out}")


if __name__ == "__main__":
    main()
