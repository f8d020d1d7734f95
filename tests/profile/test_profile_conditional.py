"""Conditional facts: generated data with known y | x structure, checked against an oracle.

Each case draws y = f(x) + noise (or a GLM response with a known mean function) where the
marginal distribution of y alone would mislead, and checks that the residual facts recover the
generating noise (compared with the same statistic computed on the *true* noise) and that the
top recommendation is the generating family.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lossadvisor.context import make_context
from lossadvisor.models import Recommendation, TargetProfile
from lossadvisor.profile import profile_dataset
from lossadvisor.profile.options import FeatureOptions
from lossadvisor.recommend import recommend
from lossadvisor.rules.load import load_rulebase

N = 3000


def _features(rng: np.random.Generator, n: int = N) -> pd.DataFrame:
    return pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(1, 4)})


def _profile(tmp_path: Path, frame: pd.DataFrame, **options: Any) -> TargetProfile:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return profile_dataset(str(path), ["y"], features=FeatureOptions(**options)).targets[0]


def _recommend(target: TargetProfile, **context: Any) -> Recommendation:
    return recommend(load_rulebase(), make_context(**context), target)


def _top(target: TargetProfile, **context: Any) -> str:
    return _recommend(target, **context).ranking[0].loss


def _mad_sigma(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def test_gaussian_noise_reads_clean_and_recommends_mse(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = _features(rng)
    noise = rng.normal(0, 1.0, N)
    # A strong signal: the marginal spread of y is about 3x the noise.
    frame = x.assign(y=3 * x.x1 - 2 * x.x2 + noise)
    target = _profile(tmp_path, frame)
    facts = target.facts
    assert facts["baseline_fitted"] is True
    assert facts["resid_mad_sigma"] == pytest.approx(_mad_sigma(noise), rel=0.15)
    assert facts["mad_sigma"] > 2.5 * _mad_sigma(noise)  # the marginal scale is the signal's
    assert facts["resid_outlier_ratio"] <= 0.01
    assert facts["resid_tail"] != "heavy"
    assert facts["baseline_r2"] == pytest.approx(1 - 1 / np.var(frame.y), abs=0.05)
    assert _top(target) == "mse"


def test_t2_noise_reads_heavy_residual_tail_and_recommends_huber(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = _features(rng)
    noise = rng.standard_t(2, N)
    target = _profile(tmp_path, x.assign(y=4 * x.x1 + noise))
    assert target.facts["resid_tail"] == "heavy"
    oracle = stats.t(2).ppf(0.75) / stats.norm.ppf(0.75)  # MAD-σ of t(2) noise
    assert target.facts["resid_mad_sigma"] == pytest.approx(oracle, rel=0.2)
    assert _top(target) == "huber"


def test_gross_errors_give_residual_outliers_and_huber_delta_from_the_residual_scale(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    x = _features(rng)
    noise = rng.normal(0, 1.0, N)
    bad = rng.uniform(size=N) < 0.05
    noise[bad] += rng.choice([-1, 1], bad.sum()) * rng.uniform(15, 40, bad.sum())
    target = _profile(tmp_path, x.assign(y=3 * x.x1 - 2 * x.x2 + noise))
    z = np.abs(noise - np.median(noise)) / _mad_sigma(noise)
    oracle_ratio = float(np.mean(z > 3.5))
    assert target.facts["resid_outlier_ratio"] == pytest.approx(oracle_ratio, abs=0.015)
    rec = _recommend(target)
    assert rec.ranking[0].loss == "huber"
    delta = rec.ranking[0].params["delta"]
    oracle_delta = 1.345 * _mad_sigma(noise)
    assert delta.value == pytest.approx(oracle_delta, rel=0.2)
    assert "residuals" in delta.derivation
    # The marginal scale would have set δ from the signal's spread: far from the oracle.
    assert abs(1.345 * target.facts["mad_sigma"] - oracle_delta) > 2 * abs(
        delta.value - oracle_delta
    )


def test_noise_proportional_to_the_mean_reads_variance_power_two_and_gamma(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(4)
    x = _features(rng)
    mean = np.exp(1.0 + 0.6 * x.x1 - 0.4 * x.x2)
    target = _profile(tmp_path, x.assign(y=mean * rng.gamma(4.0, 1 / 4.0, N)))
    facts = target.facts
    assert facts["variance_power_low"] <= 2 <= facts["variance_power_high"]
    assert facts["variance_power_low"] > 1
    assert _top(target) == "gamma"


def test_poisson_response_is_equidispersed_given_x_though_the_marginal_is_not(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    x = _features(rng)
    target = _profile(tmp_path, x.assign(y=rng.poisson(np.exp(0.5 + 0.8 * x.x1))))
    facts = target.facts
    assert facts["target_type"] == "count"
    assert facts["dispersion_index"] > 1.5  # the marginal alone says "overdispersed"
    assert facts["conditional_dispersion"] == pytest.approx(1.0, abs=0.2)
    assert facts["variance_power_low"] <= 1 <= facts["variance_power_high"]
    assert _top(target) == "poisson"


def test_negative_binomial_alpha_and_zeros_are_judged_against_the_fitted_nb(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(6)
    x = _features(rng)
    alpha = 0.8
    mean = np.exp(0.3 + 0.5 * x.x1)
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean))
    target = _profile(tmp_path, x.assign(y=y))
    facts = target.facts
    assert facts["nb_alpha"] == pytest.approx(alpha, rel=0.25)
    assert facts["zero_excess_poisson"] > 1.3  # a Poisson would call these zeros excess
    assert facts["zero_excess_nb"] == pytest.approx(1.0, abs=0.15)  # an NB explains them
    rec = _recommend(target)
    assert rec.ranking[0].loss == "negative_binomial"
    assert rec.ranking[0].params["alpha"].value == pytest.approx(facts["nb_alpha"])
    assert "maximum likelihood" in rec.ranking[0].params["alpha"].derivation


def test_gamma_response_recommends_gamma(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    x = _features(rng)
    mean = np.exp(2.0 + 0.5 * x.x1)
    target = _profile(tmp_path, x.assign(y=rng.gamma(2.0, mean / 2.0)))
    assert target.facts["variance_power_low"] <= 2 <= target.facts["variance_power_high"]
    assert _top(target) == "gamma"


def test_zero_inflated_nb_shows_zeros_beyond_the_nb(tmp_path: Path) -> None:
    # Mean about 7 with 25 % structural zeros: more zeros than any NB that fits the rest.
    # (At means near 1 the ML α absorbs structural zeros; see docs/conditional-facts.md.)
    rng = np.random.default_rng(8)
    x = _features(rng)
    mean = np.exp(2.0 + 0.4 * x.x1)
    y = rng.negative_binomial(20.0, 20.0 / (20.0 + mean))
    y[rng.uniform(size=N) < 0.25] = 0
    target = _profile(tmp_path, x.assign(y=y))
    assert target.facts["zero_excess_nb"] > 1.5
    rec = _recommend(target)
    assert any(c.rule_id == "data.resid.zeros.excess" for c in rec.cautions)


def test_heteroscedastic_noise_recommends_a_variance_model_or_quantiles(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    x = _features(rng)
    noise = rng.normal(size=N) * (0.3 + np.abs(x.x1) * 1.5)
    target = _profile(tmp_path, x.assign(y=2 * x.x1 + x.x2 + noise))
    assert target.facts["heteroscedasticity_p"] < 0.01
    assert target.facts["heteroscedasticity"] >= 0.13
    # The spread is modelled before shape is read: no spurious outliers from the wide region.
    assert target.facts["resid_outlier_ratio"] < 0.02
    assert _top(target) == "gaussian_nll"
    assert _top(target, metric="quantile:0.9") == "pinball"


def test_small_table_uses_ols_with_exact_leave_one_out_residuals(tmp_path: Path) -> None:
    from lossadvisor.profile.baseline import cross_fit

    rng = np.random.default_rng(10)
    x = _features(rng, 40)
    y = (1 + 2 * x.x1 + rng.normal(size=40)).to_numpy()
    fit = cross_fit(x, y, "continuous")
    assert "OLS" in fit.model and "leave-one-out" in fit.resampling
    design = np.column_stack([np.ones(40), (x - x.mean()) / x.std(ddof=0)])
    for i in range(40):  # brute force: refit without row i, predict it
        rows = np.arange(40) != i
        coef, *_ = np.linalg.lstsq(design[rows], y[rows], rcond=None)
        assert fit.fitted[i] == pytest.approx(design[i] @ coef, rel=1e-8, abs=1e-8)
    target = _profile(tmp_path, x.assign(y=y))
    assert target.conditional is not None and target.conditional.n_rows == 40
    assert "OLS" in (target.conditional.model or "")


def test_ten_rows_work_and_fewer_fall_back_to_marginal_facts(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    x = _features(rng, 10)
    ten = _profile(tmp_path, x.assign(y=x.x1 + rng.normal(size=10)))
    assert ten.facts["baseline_fitted"] is True
    x8 = _features(rng, 8)
    eight = _profile(tmp_path, x8.assign(y=x8.x1 + rng.normal(size=8)))
    assert eight.facts["baseline_fitted"] is False
    assert eight.conditional is not None and "only 8 rows" in eight.conditional.note


def test_constant_id_leaking_and_text_columns_are_screened(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    x = _features(rng, 600)
    y = 2 * x.x1 + rng.normal(size=600)
    frame = x.assign(
        row_id=np.arange(600),
        constant=7,
        copy_of_y=y,
        scaled_y=3 * y + 1,
        colour=rng.choice(["red", "green", "blue"], 600),
        y=y,
    )
    target = _profile(tmp_path, frame)
    info = target.conditional
    assert info is not None
    assert info.excluded["row_id"].startswith("ID-like")
    assert info.excluded["constant"] == "constant"
    assert info.excluded["copy_of_y"].startswith("leaks the target")
    assert info.excluded["scaled_y"].startswith("leaks the target")
    assert set(info.features) == {"x1", "x2", "x3", "colour"}


def test_exposure_is_an_offset_not_a_feature(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    x = _features(rng)
    exposure = rng.uniform(0.1, 2.0, N)
    y = rng.poisson(exposure * np.exp(0.2 + 0.5 * x.x1))
    target = _profile(tmp_path, x.assign(exposure=exposure, y=y))
    info = target.conditional
    assert info is not None and info.exposure == "exposure"
    assert "exposure" not in info.features and "exposure" in (info.model or "")
    assert target.facts["has_exposure"] is True
    assert target.facts["conditional_dispersion"] == pytest.approx(1.0, abs=0.2)
    rec = _recommend(target)
    assert rec.ranking[0].loss == "poisson"
    assert any(c.rule_id == "data.exposure.offset" for c in rec.cautions)


def test_no_features_keeps_marginal_facts_and_says_so(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    x = _features(rng, 500)
    frame = x.assign(y=x.x1 + rng.normal(size=500))
    off = _profile(tmp_path, frame, enabled=False)
    assert off.facts["baseline_fitted"] is False and "resid_mad_sigma" not in off.facts
    assert off.conditional is not None and "--no-features" in off.conditional.note
    alone = _profile(tmp_path, frame[["y"]])
    assert alone.conditional is not None and "no feature columns" in alone.conditional.note


def test_conditional_profile_is_deterministic(tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    x = _features(rng, 1000)
    frame = x.assign(y=rng.poisson(np.exp(x.x1)))
    first = _profile(tmp_path, frame).model_dump_json()
    assert _profile(tmp_path, frame).model_dump_json() == first


def test_sampled_rows_are_labelled_as_estimates(tmp_path: Path) -> None:
    rng = np.random.default_rng(16)
    x = _features(rng, 2000)
    target = _profile(tmp_path, x.assign(y=x.x1 + rng.normal(size=2000)), max_rows=500)
    info = target.conditional
    assert info is not None and info.sampled and info.n_rows == 500
    assert "sample of 2,000" in info.note
    assert "resid_mad_sigma" in target.estimated


def test_real_datasets_with_their_features(tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer, load_diabetes

    diabetes = load_diabetes(as_frame=True).frame.rename(columns={"target": "y"})
    target = _profile(tmp_path, diabetes)
    assert 0.3 < target.facts["baseline_r2"] < 0.6  # sklearn's examples report R² ≈ 0.4-0.5
    assert _top(target) not in {"gamma", "tweedie"}
    cancer = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "y"})
    target = _profile(tmp_path, cancer)
    assert target.facts["baseline_deviance_explained"] > 0.7  # the features separate well
    assert _top(target) == "bce"


# --- each statistic against an independent computation --------------------------------------


def test_count_facts_match_statsmodels_and_scipy() -> None:
    import statsmodels.api as sm

    from lossadvisor.profile.residuals import count_facts

    rng = np.random.default_rng(20)
    mu = np.exp(rng.normal(0.5, 0.5, 4000))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu)).astype(float)
    facts = count_facts(y, mu)
    glm = sm.GLM(y, np.ones_like(y), family=sm.families.Poisson(), offset=np.log(mu)).fit()
    # One coefficient (the intercept of the offset model) vs our n - 1 degrees of freedom.
    pearson = float(np.sum((y - mu) ** 2 / mu)) / (len(y) - 1)
    assert facts["conditional_dispersion"] == pytest.approx(pearson, rel=1e-9)
    assert glm.pearson_chi2 / glm.df_resid == pytest.approx(pearson, rel=0.05)
    alpha = facts["nb_alpha"]
    assert isinstance(alpha, float) and alpha == pytest.approx(0.5, rel=0.2)
    nb_zero = stats.nbinom.pmf(0, 1 / alpha, 1 / (1 + alpha * mu)).sum()
    assert facts["zero_excess_nb"] == pytest.approx(np.sum(y == 0) / nb_zero, rel=1e-9)
    assert facts["zero_excess_poisson"] == pytest.approx(
        np.sum(y == 0) / stats.poisson.pmf(0, mu).sum(), rel=1e-9
    )


def test_variance_power_matches_a_direct_binned_fit() -> None:
    from lossadvisor.profile.residuals import variance_power

    rng = np.random.default_rng(21)
    mu = np.exp(rng.normal(1, 0.7, 6000))
    y = rng.gamma(3.0, mu / 3.0)
    got = variance_power(y, mu)
    assert got is not None
    order = np.argsort(mu, kind="stable")
    chunks = np.array_split(order, 20)
    lm = [math.log(mu[c].mean()) for c in chunks]
    lv = [math.log(np.mean((y[c] - mu[c]) ** 2)) for c in chunks]
    slope = np.polyfit(lm, lv, 1)[0]
    assert got[0] == pytest.approx(slope, rel=1e-9)
    assert got[1] < 2 < got[2]


def test_heteroscedasticity_matches_koenker_nr2_by_least_squares() -> None:
    from lossadvisor.profile.residuals import heteroscedasticity

    rng = np.random.default_rng(22)
    x = pd.DataFrame({"a": rng.normal(size=3000)})
    fitted = 2 * x.a.to_numpy()
    s = rng.normal(size=3000) * (1 + np.abs(x.a.to_numpy()))
    got = heteroscedasticity(s, fitted, x)
    columns = [fitted, fitted**2, x.a.to_numpy(), x.a.to_numpy() ** 2]
    exog = np.column_stack([np.ones(3000), *columns])
    u2 = s**2
    coef, *_ = np.linalg.lstsq(exog, u2, rcond=None)
    r2 = 1 - np.sum((u2 - exog @ coef) ** 2) / np.sum((u2 - u2.mean()) ** 2)
    assert got["heteroscedasticity"] == pytest.approx(r2, rel=1e-6)  # Koenker LM = n·R²
    rank = np.linalg.matrix_rank(exog) - 1
    assert got["heteroscedasticity_p"] == pytest.approx(stats.chi2.sf(3000 * r2, rank), abs=1e-12)


def test_robust_shape_matches_statsmodels_and_the_definitions() -> None:
    from statsmodels.stats.stattools import medcouple as sm_medcouple

    from lossadvisor.profile import robust

    rng = np.random.default_rng(23)
    for values in (
        rng.normal(size=801),
        rng.gamma(2.0, size=1500),
        rng.poisson(1.5, size=1200).astype(float),  # ties at the median
    ):
        mc = robust.medcouple(values)
        assert mc == pytest.approx(float(sm_medcouple(values)), abs=1e-12)
        q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        if q3 > q1:
            assert robust.bowley_skewness(values) == pytest.approx((q3 + q1 - 2 * q2) / (q3 - q1))
            m = mc or 0.0
            lo = q1 - 1.5 * math.exp((-4 if m >= 0 else -3) * m) * (q3 - q1)
            hi = q3 + 1.5 * math.exp((3 if m >= 0 else 4) * m) * (q3 - q1)
            share = np.mean((values < lo) | (values > hi))
            assert robust.adjusted_outlier_ratio(values, mc) == pytest.approx(share)


def test_one_gross_error_does_not_make_a_symmetric_target_skewed(tmp_path: Path) -> None:
    rng = np.random.default_rng(24)
    values = rng.normal(10, 1, 3000)
    values[0] = 400.0  # one recording error
    target = _profile(tmp_path, pd.DataFrame({"y": values}))
    assert target.facts["skewness"] > 10  # the classical third moment is the error's
    assert abs(target.facts["medcouple"]) < 0.077
    assert _top(target) not in {"gamma", "tweedie"}


def test_recommend_json_records_the_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(25)
    x = _features(rng, 400)
    target = _profile(tmp_path, x.assign(y=x.x1 + rng.normal(size=400)))
    data = json.loads(target.model_dump_json())
    assert data["conditional"]["model"].startswith("HistGradientBoosting")
    assert data["conditional"]["resampling"].startswith("5-fold")
