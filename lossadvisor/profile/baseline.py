"""A fast, cross-fitted baseline: out-of-fold predictions of the target's mean given the features.

Residuals from a model scored on the rows it was fitted on are optimistic; each row here is
predicted by a model that never saw it (K-fold cross-fitting, `cross_val_predict`; the idea of
Chernozhukov et al. 2018). Which baseline:
- from SMALL_TABLE rows up: scikit-learn HistGradientBoosting (native categoricals, early
  stopping; from LARGE_TABLE rows LightGBM with the same settings, `booster.py`, whose fold
  fits run side by side without the GIL), with the loss that fits the target: absolute error
  for real targets that can be negative (a robust fit: gross errors do not pull it, so they
  stand out in the residuals and the residual scale is the one Huber's constant refers to),
  Poisson (log link) for counts and non-negative amounts, log-loss for classes;
- below SMALL_TABLE rows (tables of 10 to a few hundred rows, common in science): a linear
  model / GLM (statsmodels): OLS with leave-one-out (PRESS) residuals eᵢ / (1 − hᵢᵢ) in closed
  form (Allen 1974), a Poisson GLM with K-fold predictions for counts and amounts, a logistic
  regression for classes.
Exposure: counts and amounts are modelled as a rate with log(exposure) as an offset (the GLM) or
as y / exposure weighted by exposure (boosting), and predicted back on the count scale.
Every model is seeded and single-threaded per fit (folds run side by side), so the facts are
reproducible whatever the number of cores.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lossadvisor.profile.sketch import FloatArray

if TYPE_CHECKING:
    import pandas

SMALL_TABLE = 300
MIN_ROWS = 10
FOLDS = 5
# From LARGE_TABLE rows, 2 folds (the K = 2 of Chernozhukov et al. 2018, who use K = 2 to 5):
# each fold model still sees 25,000 rows or more, which changes the residuals little (100,000
# rows: residual 1.4826·MAD 1.333 against 1.322 with 3 folds), for a fifth of the rows fitted by
# 5 folds (n against 4n) and one round of fits on two cores (3 folds took two: validate on
# 100,000 rows spent most of its time here). From LARGE_TABLE rows the booster is LightGBM's
# (`boosted`): with HistGradientBoosting the two fold threads waited for each other's GIL.
LARGE_TABLE = 50_000
LARGE_FOLDS = 2
SEED = 0
# Folds fitted side by side, one thread each: the cores of this machine, at most one per fold.
FOLD_WORKERS = max(1, min(FOLDS, os.cpu_count() or 1))
LOG_LINK_TYPES = ("count", "positive_continuous")
CLASS_TYPES = ("binary", "multiclass")
# Early stopping on a seeded 10 % split keeps the trees from fitting the noise (an overfitted
# baseline leaves residuals that are too small and a mean-variance slope that is too flat).
BOOSTING = {
    "max_iter": 200,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "n_iter_no_change": 10,
    "categorical_features": "from_dtype",
    "random_state": SEED,
}
# The same settings for LightGBM (its leaves, leaf size, bins and categories are set to
# HistGradientBoosting's defaults in booster.py).
LIGHTGBM_BOOSTING: dict[str, Any] = {
    name: BOOSTING[name]
    for name in ("max_iter", "validation_fraction", "n_iter_no_change", "random_state")
}


@dataclass(frozen=True)
class Baseline:
    """Out-of-fold fitted means (or class probabilities) and how they were made."""

    model: str
    resampling: str
    fitted: FloatArray  # mean of y (regression), or an n × K probability matrix (classes)
    classes: tuple[str, ...] = ()


def uses_log_link(target_type: str, y: FloatArray) -> bool:
    """Counts and non-negative amounts get the Poisson / log-link baseline."""
    if target_type in LOG_LINK_TYPES:
        return True
    return target_type == "continuous" and bool(np.min(y) >= 0) and bool(np.max(y) > 0)


def cross_fit(
    x: pandas.DataFrame,
    y: Any,
    target_type: str,
    exposure: FloatArray | None = None,
) -> Baseline:
    """Out-of-fold predictions for every row of x (y: floats, or labels for classes)."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread for the statsmodels fits made here; the fold fits set their own limit.
    with threadpool_limits(1):
        if target_type in CLASS_TYPES:
            return _classes(x, y)
        y = np.asarray(y, dtype=np.float64)
        if len(y) < SMALL_TABLE:
            return _small_regression(x, y, target_type, exposure)
        return _boosted_regression(x, y, target_type, exposure)


def fold_count(n: int) -> int:
    """How many cross-fitting folds for n rows."""
    return min(FOLDS if n < LARGE_TABLE else LARGE_FOLDS, n)


def _folds(n: int, labels: Any = None) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    k = fold_count(n)
    if labels is not None:
        smallest = int(np.min(np.unique(labels, return_counts=True)[1]))
        if smallest >= 2:
            return StratifiedKFold(min(k, smallest), shuffle=True, random_state=SEED)
    return KFold(k, shuffle=True, random_state=SEED)


def boosted(loss: str, n: int) -> tuple[Any, str]:
    """(the boosted-tree estimator, its name) for a baseline of `loss` on n rows: scikit-learn's
    HistGradientBoosting with BOOSTING, or from LARGE_TABLE rows LightGBM with the same settings
    (`booster.py`: its fits run on every core side by side; HistGradientBoosting's hold the GIL)."""
    if n >= LARGE_TABLE:
        from lossadvisor.profile.booster import LightGBMBaseline

        return LightGBMBaseline(loss=loss, **LIGHTGBM_BOOSTING), "LightGBM"
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if loss == "log_loss":
        return HistGradientBoostingClassifier(**BOOSTING), "HistGradientBoostingClassifier"
    return HistGradientBoostingRegressor(loss=loss, **BOOSTING), "HistGradientBoostingRegressor"


def _boosted_regression(
    x: pandas.DataFrame, y: FloatArray, target_type: str, exposure: FloatArray | None
) -> Baseline:
    log_link = uses_log_link(target_type, y)
    loss = "poisson" if log_link else "absolute_error"
    model, name = boosted(loss, len(y))
    rate, weight = (y / exposure, exposure) if log_link and exposure is not None else (y, None)
    fitted = out_of_fold(model, x, rate, _folds(len(y)).split(x), weight=weight)
    if log_link and exposure is not None:
        fitted = fitted * exposure
    offset = ", rate y/exposure weighted by exposure" if weight is not None else ""
    return Baseline(
        model=f"{name}(loss='{loss}', early stopping){offset}",
        resampling=f"{fold_count(len(y))}-fold cross-fitted (out-of-fold predictions)",
        fitted=fitted,
    )


def out_of_fold(
    model: Any,
    design: Any,
    target: Any,
    splits: Iterable[tuple[Any, Any]],
    weight: FloatArray | None = None,
    n_classes: int | None = None,
) -> FloatArray:
    """Every row's prediction by the fold model that did not see it (class probabilities when
    n_classes is given). Folds run side by side, a clone of `model` each, on at most
    FOLD_WORKERS threads, each holding the native thread pools at one thread, so the process
    uses FOLD_WORKERS cores (the trees' Cython loops release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.base import clone
    from threadpoolctl import threadpool_limits

    from lossadvisor.profile.booster import rows_of

    def one(split: tuple[Any, Any]) -> tuple[Any, Any, Any]:
        train, test = split
        fold_model = clone(model)
        extra = {} if weight is None else {"sample_weight": weight[train]}
        # OpenMP's thread count is per thread: a worker does not inherit the caller's limit, and
        # a limit set before sklearn loaded its OpenMP runtime never reached it. Without this
        # the boosted trees ran on every core and, under load, spun 20-30x slower.
        with threadpool_limits(1):
            fold_model.fit(rows_of(design, train), target[train], **extra)
            held = rows_of(design, test)
            if n_classes is None:
                return test, fold_model.predict(held), None
            return test, fold_model.predict_proba(held), fold_model.classes_

    out = np.zeros((len(target), n_classes)) if n_classes is not None else np.empty(len(target))
    with _without_sklearns_thread_race_warning(), ThreadPoolExecutor(FOLD_WORKERS) as pool:
        for test, predicted, seen in pool.map(one, list(splits)):
            if seen is None:
                out[test] = predicted
            else:
                out[np.ix_(test, seen)] = predicted
    return out


# scikit-learn's Parallel (which the trees' binning calls in every fold) copies
# `warnings.filters` and warns when the copy is empty; another fold thread's Parallel empties
# the process-wide list for a moment (`resetwarnings` inside `catch_warnings`, which is not
# thread-safe before Python 3.14), so under load a fold warned "`sklearn.utils.parallel.delayed`
# should be used with `sklearn.utils.parallel.Parallel`" onto the user's stderr
# (scikit-learn/scikit-learn#32631). The warning is about config propagation we do not use.
_THREAD_RACE_WARNING = "`sklearn.utils.parallel.delayed` should be used with"


@contextmanager
def _without_sklearns_thread_race_warning() -> Iterator[None]:
    """Drop that one warning while the fold threads run. A filter would not do: the race
    empties the filter list. `showwarning` survives it (every `catch_warnings` restores the
    one it found, which is this one while the folds run)."""
    shown = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if not str(message).startswith(_THREAD_RACE_WARNING):
            shown(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def _numeric_design(x: pandas.DataFrame) -> FloatArray:
    """One-hot text, standardised numbers, missing values imputed by the column mean."""
    import pandas as pd

    dummies = pd.get_dummies(x, drop_first=True, dtype=np.float64)
    values = dummies.to_numpy(dtype=np.float64)
    if values.size == 0:
        return np.empty((len(x), 0))
    present = np.isfinite(values)
    # Divide by the largest magnitude first: the mean and variance of values near 1e308 would
    # overflow to inf (and the design to NaN); non-finite values count as missing.
    scale = np.max(np.where(present, np.abs(values), 0.0), axis=0)
    values = np.where(present, values, 0.0) / np.where(scale > 0, scale, 1.0)
    counts = present.sum(axis=0)
    mean = np.where(present, values, 0.0).sum(axis=0) / np.maximum(counts, 1)
    values = np.where(present, values, mean)
    std = values.std(axis=0)
    return np.asarray((values - mean) / np.where(std > 0, std, 1.0))


def _small_regression(
    x: pandas.DataFrame, y: FloatArray, target_type: str, exposure: FloatArray | None
) -> Baseline:
    import statsmodels.api as sm

    design = _numeric_design(x)
    n = len(y)
    # Keep at least two rows per coefficient; beyond that the linear fit interpolates.
    design = design[:, : max(0, n // 2 - 1)]
    exog = sm.add_constant(design, has_constant="add")
    if not uses_log_link(target_type, y):
        fit = sm.OLS(y, exog).fit()
        press = fit.get_influence().resid_press
        return Baseline(
            model=f"OLS on {design.shape[1]} standardised columns (statsmodels)",
            resampling="leave-one-out (PRESS residuals eᵢ / (1 − hᵢᵢ), closed form)",
            fitted=y - np.asarray(press),
        )
    offset = np.log(exposure) if exposure is not None else None
    fitted = np.empty_like(y)
    for train, test in _folds(n).split(exog):
        glm = sm.GLM(
            y[train],
            exog[train],
            family=sm.families.Poisson(),
            offset=None if offset is None else offset[train],
        )
        result = glm.fit_regularized(alpha=1e-4, L1_wt=0.0) if design.shape[1] else glm.fit()
        eta = exog[test] @ np.asarray(result.params)
        fitted[test] = np.exp(eta + (0.0 if offset is None else offset[test]))
    off = " with log(exposure) offset" if offset is not None else ""
    return Baseline(
        model=f"Poisson GLM (log link){off} on {design.shape[1]} standardised columns "
        "(statsmodels)",
        resampling=f"{fold_count(n)}-fold cross-fitted (out-of-fold predictions)",
        fitted=fitted,
    )


def _classes(x: pandas.DataFrame, labels: Any) -> Baseline:
    labels = np.asarray(labels).astype(str)
    classes = tuple(sorted(set(labels.tolist())))
    index = {c: i for i, c in enumerate(classes)}
    coded = np.array([index[v] for v in labels])
    if len(labels) < SMALL_TABLE:
        from sklearn.linear_model import LogisticRegression

        model: Any = LogisticRegression(max_iter=1000)
        design: Any = _numeric_design(x)
        name = f"LogisticRegression on {design.shape[1]} standardised columns"
    else:
        model, booster = boosted("log_loss", len(labels))
        design = x
        name = f"{booster}(loss='log_loss', early stopping)"
    splitter = _folds(len(coded), coded)
    probabilities = out_of_fold(
        model, design, coded, splitter.split(design, coded), n_classes=len(classes)
    )
    return Baseline(
        model=name,
        resampling=f"{splitter.get_n_splits()}-fold cross-fitted (out-of-fold probabilities)",
        fitted=probabilities,
        classes=classes,
    )


def cross_fit_spread(x: pandas.DataFrame, magnitude: FloatArray) -> FloatArray:
    """Out-of-fold predictions of |residual| given x: the local spread, for standardising.

    Boosted trees from SMALL_TABLE rows up, a linear model below; floored at a tenth of the
    median magnitude so that a row the spread model calls noiseless cannot blow up.
    """
    from sklearn.linear_model import LinearRegression

    small = len(magnitude) < SMALL_TABLE
    design: Any = _numeric_design(x) if small else x
    model: Any = LinearRegression() if small else boosted("squared_error", len(magnitude))[0]
    spread = out_of_fold(model, design, magnitude, _folds(len(magnitude)).split(design))
    floor = 0.1 * float(np.median(magnitude))
    return np.maximum(spread, floor if floor > 0 else 1e-12)
