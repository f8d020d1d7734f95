"""The continuous ranked probability score on the panel: the closed form against independent
computations, and what it finds on data whose noise is known.

Independent values: the log score is scipy's −log N(y; μ, σ²); the CRPS is the integral of
(F(z) − 1{z ≥ y})² over z (Gneiting & Raftery 2007, §4.2), integrated here numerically with
scipy; R scoringRules' own test of `crps_norm` (tests/testthat/test-crps_norm.R) gives
crps_norm(−3) = 2.43657473 for N(0, 1), and its location/scale equivariance. Known structure:
with noise σ(x) = exp(x₁) a variance head can match each row's spread, one σ cannot, so
Gaussian NLL must win CRPS beyond fold noise; with constant noise one held-out σ is already the
truth, so it must not (the variance head can only add estimation noise).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame, run_cli
from scipy import integrate, stats

from lossadvisor.errors import InputError
from lossadvisor.evidence import metrics as mx


def _crps_by_integration(y: float, mu: float, sigma: float) -> float:
    def below(z: float) -> float:
        return float(stats.norm.cdf(z, mu, sigma) ** 2)

    def above(z: float) -> float:
        return float((1.0 - stats.norm.cdf(z, mu, sigma)) ** 2)

    low, _ = integrate.quad(below, -np.inf, y)
    high, _ = integrate.quad(above, y, np.inf)
    return low + high


@pytest.mark.parametrize(
    ("y", "mu", "sigma"), [(0.3, 0.0, 1.0), (-2.5, 1.0, 0.5), (10.0, 9.0, 3.0), (4.0, -1.0, 0.2)]
)
def test_the_closed_form_is_the_integral_of_the_squared_cdf_difference(
    y: float, mu: float, sigma: float
) -> None:
    ours = mx.crps_gaussian(np.array([y]), np.array([mu]), sigma)[0]
    assert ours == pytest.approx(_crps_by_integration(y, mu, sigma), rel=1e-6)


def test_the_closed_form_matches_scoringrules_reference_values() -> None:
    assert mx.crps_gaussian(np.array([-3.0]), np.array([0.0]), 1.0)[0] == pytest.approx(
        2.43657473, abs=1e-8
    )
    assert mx.crps_gaussian(np.array([-2.9]), np.array([0.1]), 1.0)[0] == pytest.approx(
        2.43657473, abs=1e-8
    )
    assert mx.crps_gaussian(np.array([-2.7]), np.array([0.0]), 0.9)[0] == pytest.approx(
        2.43657473 * 0.9, abs=1e-8
    )


def test_zero_spread_is_the_point_mass_whose_crps_is_the_absolute_error() -> None:
    y, mu = np.array([1.0, -2.0, 0.5]), np.array([0.0, 0.0, 0.5])
    assert mx.crps_gaussian(y, mu, 0.0).tolist() == [1.0, 2.0, 0.0]
    # per-row spreads: each row its own σ
    spreads = np.array([1.0, 0.5, 2.0])
    expected = [_crps_by_integration(a, b, s) for a, b, s in zip(y, mu, spreads, strict=True)]
    assert mx.score("crps", y, mu, 0, spreads) == pytest.approx(np.mean(expected), rel=1e-6)


def test_the_log_score_is_the_negative_gaussian_log_density() -> None:
    y, mu = np.array([0.3, -2.5, 10.0]), np.array([0.0, 1.0, 9.0])
    sigma = np.array([1.0, 0.5, 3.0])
    expected = -stats.norm.logpdf(y, mu, sigma)
    assert mx.log_score_gaussian(y, mu, sigma) == pytest.approx(expected, rel=1e-12)
    assert mx.score("log_score", y, mu, 0, sigma) == pytest.approx(expected.mean(), rel=1e-12)
    assert mx.log_score_gaussian(y[:1], mu[:1], 0.0)[0] == np.inf  # a point mass: no density


def test_crps_is_a_regression_metric_and_its_vocabulary_word_resolves() -> None:
    assert mx.parse_metric("continuous_ranked_probability_score", "regression") == "crps"
    assert mx.parse_metric("nlpd", "regression") == "log_score"
    assert mx.parse_metric("ignorance_score", "regression") == "log_score"
    with pytest.raises(InputError, match="not a binary metric"):
        mx.parse_metric("crps", "binary")
    assert not mx.higher_is_better("crps")


def _noise(seed: int, hetero: bool, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    sigma = np.exp(x[:, 1]) if hetero else np.ones(n)
    return frame(x, 2.0 * x[:, 0] + sigma * rng.normal(size=n))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaussian_nll_wins_crps_beyond_noise_on_heteroscedastic_noise_only(seed: int) -> None:
    pytest.importorskip("torch")
    from lossadvisor.evidence.crossval import cross_validate
    from lossadvisor.evidence.neural import MLPSettings

    fast = MLPSettings(max_epochs=60)
    hetero = cross_validate(
        _noise(seed, True), "y", ["mse", "gaussian_nll"], n_folds=5, seed=seed, settings=fast
    )
    assert hetero.metric == "crps"  # the default when a loss has a variance head
    assert "crps" in hetero.panel and "log_score" in hetero.panel
    assert any("held-out inner rows" in n and "gaussian_nll" in n for n in hetero.notes)
    assert hetero.winner == "gaussian_nll"
    assert hetero.runner_up is not None and hetero.runner_up.beyond_noise, hetero.runner_up
    log = {e.loss: e.mean["log_score"] for e in hetero.losses}
    assert log["gaussian_nll"] < log["mse"], log
    same = cross_validate(
        _noise(seed, False), "y", ["mse", "gaussian_nll"], n_folds=5, seed=seed, settings=fast
    )
    c = same.runner_up
    assert c is not None
    assert not (c.better == "gaussian_nll" and c.beyond_noise), c
    # a constant σ is the truth here: the two CRPS agree within a few percent
    crps = {e.loss: e.mean["crps"] for e in same.losses}
    assert abs(crps["gaussian_nll"] - crps["mse"]) < 0.05 * crps["mse"], crps


def test_the_tree_proxy_scores_crps_with_each_fits_held_out_sigma(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Point fits only: every loss's Gaussian has one σ. On Gaussian noise of σ = 1 around a
    learnable mean the mean CRPS must come near the true N(μ, 1)'s expected CRPS, σ/√π
    (CRPS(F, y) = E|X − y| − ½E|X − X'|, so for y ~ F it is ½E|X − X'| = σ/√π), from above."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(800, 2))
    path = tmp_path / "gauss.csv"
    frame(x, 1.5 * x[:, 0] + rng.normal(size=800)).to_csv(path, index=False)
    run = run_cli("validate", str(path), "-t", "y", "--losses", "mse,mae", "--metric", "crps",
                  "--folds", "3", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["metric"] == "crps" and result["panel"][0] == "crps"
    assert any("every loss (point predictions)" in n for n in result["notes"])
    floor = 1.0 / math.sqrt(math.pi)  # E CRPS(N(μ, 1), y) for y ~ N(μ, 1)
    for e in result["losses"]:
        assert floor * 0.95 < e["mean"]["crps"] < floor * 1.15, e["mean"]


def test_crps_on_a_class_target_is_one_line_exit_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    path = tmp_path / "classes.csv"
    frame(x, (x[:, 0] > 0).astype(int)).to_csv(path, index=False)
    run = run_cli("validate", str(path), "-t", "y", "--losses", "bce", "--metric", "crps")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "crps" in lines[0] and "Traceback" not in run.stderr, run.stderr
