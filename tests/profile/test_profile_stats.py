"""Every statistic against an independent whole-array computation (numpy / scipy)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from profile_helpers import EXAMPLES
from scipy import stats as sps

from lossadvisor.profile import profile_dataset
from lossadvisor.profile.summarize import hill_k


def _hill(x: np.ndarray, k: int) -> float:
    """Hill estimator written out from the textbook formula, on |x - median|."""
    y = np.sort(np.abs(x - np.median(x)))[::-1]
    return float(1.0 / np.mean(np.log(y[:k] / y[k])))


def _expected(x: np.ndarray) -> dict[str, float]:
    med = float(np.median(x))
    mad_sigma = float(sps.median_abs_deviation(x, scale="normal"))
    q1, q3 = np.percentile(x, [25, 75])
    iqr = q3 - q1
    return {
        "mean": float(np.mean(x)),
        "std": float(np.std(x, ddof=1)),
        "min": float(np.min(x)),
        "max": float(np.max(x)),
        "median": med,
        "mad_sigma": mad_sigma,
        "skewness": float(sps.skew(x)),
        "excess_kurtosis": float(sps.kurtosis(x)),
        "outlier_ratio": float(np.mean(np.abs(x - med) / mad_sigma > 3.5)),
        "outlier_ratio_iqr": float(np.mean((x < q1 - 1.5 * iqr) | (x > q3 + 1.5 * iqr))),
        "zero_ratio": float(np.mean(x == 0)),
        "tail_index": _hill(x, hill_k(x.size)),
        "n_unique": float(np.unique(x).size),
    }


def _profile_column(tmp_path: Path, values: np.ndarray, **kw: object) -> tuple[dict, np.ndarray]:
    """Write `values` as a CSV column, profile it, and re-read the column with pandas."""
    frame = pd.DataFrame({"noise": np.arange(values.size), "y": values})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    truth = pd.read_csv(path)["y"].to_numpy(dtype=float)
    target = profile_dataset(str(path), ["y"], **kw).targets[0]  # type: ignore[arg-type]
    return {**target.facts, **(target.quantiles or {}), "_estimated": target.estimated}, truth


DISTRIBUTIONS = {
    "gaussian": lambda rng, n: rng.normal(3, 2, n),
    "student_t3": lambda rng, n: rng.standard_t(3, n),
    "lognormal": lambda rng, n: rng.lognormal(1, 1, n),
    "outliers": lambda rng, n: np.where(
        rng.uniform(size=n) < 0.05, rng.normal(40, 5, n), rng.normal(0, 1, n)
    ),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_statistics_match_whole_array(tmp_path: Path, name: str) -> None:
    rng = np.random.default_rng(7)
    values = DISTRIBUTIONS[name](rng, 120_000)  # > 1 MiB of CSV: several streamed blocks
    values[rng.uniform(size=values.size) < 0.02] = np.nan
    facts, truth = _profile_column(tmp_path, values, sample_size=200_000)
    x = truth[~np.isnan(truth)]
    assert facts["n_rows"] == truth.size
    assert facts["missing_ratio"] == pytest.approx(np.isnan(truth).mean(), abs=0)
    # Everything else exact (the data fit the reservoir) but the medcouple, which runs on a
    # seeded subsample of robust.MEDCOUPLE_SAMPLE values (it is quadratic in n).
    assert facts["_estimated"] == ["n_unique", "medcouple"]
    for fact, want in _expected(x).items():
        tol = 0.05 if fact == "n_unique" else 1e-9  # KMV estimate past 10k values: ~1.6 % s.e.
        assert facts[fact] == pytest.approx(want, rel=tol, abs=1e-12), fact
    for level in (1, 5, 25, 50, 75, 95, 99):
        assert facts[f"p{level}"] == pytest.approx(np.percentile(x, level), rel=1e-12)


def test_estimates_from_a_sample_are_labelled_and_close(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    values = rng.lognormal(0, 0.8, 150_000)
    facts, truth = _profile_column(tmp_path, values, sample_size=20_000)
    assert set(facts["_estimated"]) >= {"median", "mad_sigma", "quantiles", "outlier_ratio"}
    want = _expected(truth)
    for fact in ("mean", "std", "skewness", "excess_kurtosis", "min", "max", "zero_ratio"):
        assert facts[fact] == pytest.approx(want[fact], rel=1e-9), fact  # exact even so
    # Hill: exact extremes, measured from the sampled median.
    assert "tail_index" in facts["_estimated"]
    assert facts["tail_index"] == pytest.approx(want["tail_index"], rel=0.01)
    assert facts["median"] == pytest.approx(want["median"], rel=0.02)
    assert facts["mad_sigma"] == pytest.approx(want["mad_sigma"], rel=0.03)
    assert facts["outlier_ratio_iqr"] == pytest.approx(want["outlier_ratio_iqr"], abs=0.006)
    assert facts["p95"] == pytest.approx(np.percentile(truth, 95), rel=0.03)


def test_count_facts(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    counts = rng.negative_binomial(1.0, 0.3, 20_000).astype(float)
    counts[rng.uniform(size=counts.size) < 0.2] = 0
    facts, x = _profile_column(tmp_path, counts)
    assert facts["target_type"] == "count"
    var, mean = np.var(x, ddof=1), np.mean(x)
    assert facts["dispersion_index"] == pytest.approx(var / mean, rel=1e-9)
    assert facts["zero_inflation"] == pytest.approx(np.mean(x == 0) / math.exp(-mean), rel=1e-9)
    assert facts["is_integer"] is True and facts["is_nonnegative"] is True
    assert facts["n_unique"] == np.unique(x).size


def test_real_dataset_diabetes_moments() -> None:
    y = pd.read_csv(EXAMPLES / "diabetes.csv")["target"].to_numpy(dtype=float)
    target = profile_dataset(str(EXAMPLES / "diabetes.csv"), ["target"]).targets[0]
    for fact, want in _expected(y).items():
        assert target.facts[fact] == pytest.approx(want, rel=1e-9), fact
    assert target.estimated == []


def test_real_dataset_class_counts() -> None:
    for name, target_col in [("breast_cancer", "target"), ("wine", "target")]:
        truth = Counter(pd.read_csv(EXAMPLES / f"{name}.csv")[target_col].astype(str))
        profile = profile_dataset(str(EXAMPLES / f"{name}.csv"), [target_col]).targets[0]
        assert profile.class_counts == dict(truth)
        counts = np.array(list(truth.values()), dtype=float)
        p = counts / counts.sum()
        assert profile.facts["imbalance_ratio"] == pytest.approx(counts.max() / counts.min())
        assert profile.facts["minority_ratio"] == pytest.approx(counts.min() / counts.sum())
        assert profile.facts["class_entropy"] == pytest.approx(sps.entropy(p) / math.log(p.size))


def test_low_density_ratio_orders_distributions(tmp_path: Path) -> None:
    """Gaussian ~1.5 %, heavy tails more, isolated clusters far more."""
    rng = np.random.default_rng(5)
    gauss, _ = _profile_column(tmp_path, rng.normal(size=50_000))
    heavy, _ = _profile_column(tmp_path, rng.standard_t(2, size=50_000))
    sparse = np.concatenate([rng.normal(0, 1, 45_000), rng.uniform(10, 200, 5_000)])
    spread, _ = _profile_column(tmp_path, sparse)
    assert 0.005 < gauss["low_density_ratio"] < 0.03
    assert heavy["low_density_ratio"] > gauss["low_density_ratio"]
    assert spread["low_density_ratio"] > 0.09
