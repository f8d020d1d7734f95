"""Conditional facts: the out-of-fold residuals of the baseline, read as a statistician would.

Definitions (r = y − μ̂ with μ̂ the out-of-fold fit; docs/conditional-facts.md has the sources):
- variance_power: Park (1966) on bins — the slope of log mean(r²) against log mean(μ̂) over
  quantile bins of μ̂, for non-negative targets (0 Gaussian, 1 Poisson, 2 Gamma, between 1 and 2
  Tweedie; a negative binomial bends from 1 towards 2), with a 95 % t interval.
- standardised residuals s = r / μ̂^(p/2) with p = variance_power clipped to [0, 2] (Pearson-type
  residuals of the fitted variance function); s = r for targets that can be negative.
- resid_mad_sigma = 1.4826·MAD(r), in target units (the scale Huber's 1.345 refers to).
- resid_outlier_ratio, resid_tail_index, resid_tail, resid_skewness, resid_medcouple: the
  marginal definitions (robust z > 3.5, Hill, the tail classes, medcouple) applied to s — divided
  by a cross-fitted model of its local spread |s| | x when the Breusch–Pagan p < 0.01, so that
  a spread that changes with x is not read as outliers or a heavy tail.
- heteroscedasticity, heteroscedasticity_p: Koenker's studentised Breusch–Pagan test (Breusch &
  Pagan 1979; Koenker 1981) of s² on [μ̂, μ̂², the numeric features and their squares] (White's
  choice of regressors): the auxiliary R² and its p-value.
- counts: conditional_dispersion = Σ r²/μ̂ / (n − 1) (Pearson; McCullagh & Nelder 1989);
  nb_alpha by maximum likelihood with μ̂ as offset (statsmodels NegativeBinomial), falling back
  to Cameron & Trivedi's (1990) auxiliary regression; zero_excess_poisson = zeros / Σ e^(−μ̂ᵢ),
  zero_excess_nb = zeros / Σ (1 + α μ̂ᵢ)^(−1/α).
- baseline_r2 = 1 − Σ r² / Σ (y − ȳ)²; baseline_deviance_explained: 1 − D(y, μ̂) / D(y, ȳ) with
  the Poisson deviance (log-link targets) or the log-loss (classes).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from lossadvisor.facts import FactValue
from lossadvisor.profile.baseline import cross_fit_spread
from lossadvisor.profile.robust import medcouple
from lossadvisor.profile.sketch import FloatArray
from lossadvisor.profile.summarize import (
    MAD_TO_SIGMA,
    hill_k,
    hill_tail_index,
    mad_sigma,
    robust_outlier_ratio,
    tail_class,
)

if TYPE_CHECKING:
    import pandas

MIN_BIN_ROWS = 30
MAX_BINS = 20
MIN_BINS = 4
HET_SAMPLE = 50_000
MAX_HET_FEATURES = 20
SPREAD_P = 0.01  # Breusch–Pagan p below which shape is read on locally standardised residuals


def regression_facts(
    y: FloatArray,
    fitted: FloatArray,
    target_type: str,
    log_link: bool,
    features: pandas.DataFrame,
) -> dict[str, FactValue]:
    """Every conditional fact of a numeric target from its out-of-fold fit."""
    r = y - fitted
    facts: dict[str, FactValue] = {"baseline_fitted": True}
    total = float(np.sum((y - y.mean()) ** 2))
    facts["baseline_r2"] = 1 - float(np.sum(r**2)) / total if total > 0 else None
    if log_link:
        facts["baseline_deviance_explained"] = _poisson_deviance_explained(y, fitted)
    power = variance_power(y, fitted) if log_link else None
    if power is not None:
        facts["variance_power"], facts["variance_power_low"], facts["variance_power_high"] = power
    p = min(max(power[0], 0.0), 2.0) if power is not None else 0.0
    s = r / np.power(np.maximum(fitted, 1e-12), p / 2) if p > 0 else r
    het = heteroscedasticity(s, fitted, features)
    facts.update(het)
    p_value = het.get("heteroscedasticity_p")
    if isinstance(p_value, float) and p_value < SPREAD_P:
        # Spread that changes with x makes the wide region look like outliers and a heavy
        # tail; measure shape on residuals divided by their modelled local spread instead.
        s = s / cross_fit_spread(features, np.abs(s))
    facts.update(shape_facts(r, s))
    if target_type == "count":
        facts.update(count_facts(y, fitted))
    return facts


def shape_facts(r: FloatArray, s: FloatArray) -> dict[str, FactValue]:
    """Scale, outliers, tail and skewness of the (standardised) residuals."""
    facts: dict[str, FactValue] = {}
    facts["resid_mad_sigma"] = mad_sigma(r)
    median = float(np.median(s))
    s_sigma = MAD_TO_SIGMA * float(np.median(np.abs(s - median)))
    facts["resid_outlier_ratio"] = robust_outlier_ratio(s, median, s_sigma)
    centred = s - s.mean()
    m2 = float(np.mean(centred**2))
    skew = float(np.mean(centred**3)) / m2**1.5 if m2 > 0 else None
    kurt = float(np.mean(centred**4)) / m2**2 - 3 if m2 > 0 else None
    facts["resid_skewness"] = skew
    facts["resid_medcouple"] = medcouple(s)
    index = hill_tail_index(np.abs(s - median), hill_k(s.size))
    facts["resid_tail_index"] = index
    facts["resid_tail"] = tail_class(index, kurt)
    return facts


def binned_moments(y: FloatArray, fitted: FloatArray) -> tuple[list[float], list[float]]:
    """(log mean μ̂, log mean r²) over quantile bins of μ̂ > 0: the points Park's slope fits."""
    positive = fitted > 0
    y, fitted = y[positive], fitted[positive]
    n_bins = min(MAX_BINS, y.size // MIN_BIN_ROWS)
    if n_bins < MIN_BINS:
        return [], []
    order = np.argsort(fitted, kind="stable")
    means, variances = [], []
    for chunk in np.array_split(order, n_bins):
        mu = float(fitted[chunk].mean())
        var = float(np.mean((y[chunk] - fitted[chunk]) ** 2))
        if mu > 0 and var > 0:
            means.append(math.log(mu))
            variances.append(math.log(var))
    return means, variances


def variance_power(y: FloatArray, fitted: FloatArray) -> tuple[float, float, float] | None:
    """(slope, low, high) of log mean(r²) on log mean(μ̂) over quantile bins of μ̂, or None."""
    from scipy import stats

    means, variances = binned_moments(y, fitted)
    if len(means) < MIN_BINS or np.ptp(means) < 1e-6:
        return None
    fit = stats.linregress(means, variances)
    half = stats.t.ppf(0.975, len(means) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def heteroscedasticity(
    s: FloatArray, fitted: FloatArray, features: pandas.DataFrame
) -> dict[str, FactValue]:
    """Koenker–Breusch–Pagan of s² on the fit and the numeric features (with squares)."""
    import pandas as pd

    n = s.size
    rows = np.arange(n)
    if n > HET_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(n, HET_SAMPLE, replace=False))
    numeric = features.select_dtypes("number").iloc[rows, :MAX_HET_FEATURES]
    unit = _unit(fitted[rows])
    columns = [unit, unit**2]
    for name in numeric.columns:
        values = _unit(pd.to_numeric(numeric[name], errors="coerce").to_numpy(dtype=np.float64))
        columns += [values, values**2]
    exog = np.column_stack([np.ones(rows.size), *columns])
    scale = exog.std(axis=0)
    exog = exog[:, (scale > 0) | (np.arange(exog.shape[1]) == 0)]
    exog[:, 1:] = (exog[:, 1:] - exog[:, 1:].mean(axis=0)) / exog[:, 1:].std(axis=0)
    if exog.shape[1] < 2 or rows.size <= exog.shape[1] + 1 or not np.all(np.isfinite(exog)):
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm, lm_p = koenker_breusch_pagan(s[rows], exog)
    return {
        "heteroscedasticity": float(min(max(lm / rows.size, 0.0), 1.0)),
        "heteroscedasticity_p": float(lm_p),
    }


def koenker_breusch_pagan(resid: FloatArray, exog: FloatArray) -> tuple[float, float]:
    """(LM, p) of Koenker's studentised Breusch–Pagan test: n·R² of the OLS of resid² on exog
    (whose first column is the constant), χ² with exog's columns − 1 degrees of freedom.

    The arithmetic of statsmodels' `het_breuschpagan(resid, exog, robust=True)` step by step
    (its OLS by the SVD pseudo-inverse with singular values below 1e-15 × the largest dropped,
    R² = 1 − SSR / centred TSS), so the facts are the same to the last bit (a test compares),
    without importing statsmodels (half a second of `validate`'s start) or computing the F test
    and covariances it returns besides.
    """
    from scipy import stats

    y = np.asarray(resid, dtype=np.float64) ** 2
    x = np.asarray(exog, dtype=np.float64)
    u, singular, vt = np.linalg.svd(x, False)
    cutoff = 1e-15 * np.maximum.reduce(singular)
    inverse = np.divide(1.0, singular, out=np.zeros_like(singular), where=singular > cutoff)
    pinv = np.dot(np.transpose(vt), np.multiply(inverse[:, np.newaxis], np.transpose(u)))
    resid_ols = y - np.dot(x, np.dot(pinv, y))
    ssr = np.dot(resid_ols, resid_ols)
    ones = np.ones_like(y)
    tss = np.sum(ones * (y - np.average(y, weights=ones)) ** 2)
    lm = y.size * (1 - ssr / tss)
    return float(lm), float(stats.chi2.sf(lm, x.shape[1] - 1))


def _unit(values: FloatArray) -> FloatArray:
    """Values divided by their largest magnitude, missing / non-finite ones at the mean, so that
    squares and variances of values near 1e308 stay finite."""
    present = np.isfinite(values)
    if not present.any():
        return np.zeros_like(values)
    top = float(np.max(np.abs(values[present])))
    scaled = np.where(present, values, 0.0) / (top if top > 0 else 1.0)
    return np.where(present, scaled, float(scaled[present].mean()))


def count_facts(y: FloatArray, fitted: FloatArray) -> dict[str, FactValue]:
    """Pearson dispersion, NB α and the zero excess against the fitted Poisson and NB."""
    mu = np.maximum(fitted, 1e-9)
    n = y.size
    facts: dict[str, FactValue] = {}
    facts["conditional_dispersion"] = float(np.sum((y - mu) ** 2 / mu) / max(n - 1, 1))
    alpha = nb_alpha(y, mu)
    facts["nb_alpha"] = alpha
    zeros = float(np.count_nonzero(y == 0))
    poisson_zeros = float(np.sum(np.exp(-mu)))
    facts["zero_excess_poisson"] = zeros / poisson_zeros if poisson_zeros > 0 else None
    nb_zeros = poisson_zeros  # α = 0 is the Poisson
    if alpha > 0:
        nb_zeros = float(np.sum(np.power(1 + alpha * mu, -1 / alpha)))
    facts["zero_excess_nb"] = zeros / nb_zeros if nb_zeros > 0 else None
    return facts


def nb_alpha(y: FloatArray, mu: FloatArray) -> float:
    """NB2 α by maximum likelihood given the fitted means (Cameron–Trivedi if the fit fails)."""
    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.NegativeBinomial(y, np.ones_like(y), offset=np.log(mu))
            result = model.fit(disp=0, maxiter=200)
        alpha = float(np.asarray(result.params)[-1])
        if math.isfinite(alpha) and alpha >= 0 and result.mle_retvals.get("converged", True):
            return alpha
    except (ValueError, np.linalg.LinAlgError):
        pass
    # Cameron & Trivedi (1990): OLS without intercept of ((y − μ)² − y) / μ on μ.
    z = ((y - mu) ** 2 - y) / mu
    return max(float(np.sum(z * mu) / np.sum(mu * mu)), 0.0)


def _poisson_deviance_explained(y: FloatArray, fitted: FloatArray) -> float | None:
    from sklearn.metrics import mean_poisson_deviance

    mu = np.maximum(fitted, 1e-9)
    null = mean_poisson_deviance(y, np.full_like(y, max(float(y.mean()), 1e-9)))
    return 1 - float(mean_poisson_deviance(y, mu)) / null if null > 0 else None


def class_facts(
    labels: FloatArray, probabilities: FloatArray, classes: tuple[str, ...]
) -> dict[str, FactValue]:
    """Signal strength of a class target: log-loss of the fit against the class prior's."""
    index = {c: i for i, c in enumerate(classes)}
    coded = np.array([index[v] for v in np.asarray(labels).astype(str)])
    eps = 1e-12
    p_true = np.clip(probabilities[np.arange(coded.size), coded], eps, 1)
    prior = np.bincount(coded, minlength=len(classes)) / coded.size
    null = -float(np.mean(np.log(np.clip(prior[coded], eps, 1))))
    model = -float(np.mean(np.log(p_true)))
    return {
        "baseline_fitted": True,
        "baseline_deviance_explained": 1 - model / null if null > 0 else None,
    }
