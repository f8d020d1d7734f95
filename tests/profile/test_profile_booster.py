"""The large-table baseline booster (LightGBM with HistGradientBoosting's settings).

The reference is scikit-learn's HistGradientBoosting with the baseline's own settings
(`baseline.BOOSTING`): on the same folds, the LightGBM booster must fit as well (out-of-fold
loss within a few per cent), so the residual facts do not depend on which engine a table's size
picked. The data are generated with a known mean, so "as well" is also checked against truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import KFold, StratifiedKFold

from lossadvisor.profile import baseline
from lossadvisor.profile.booster import LightGBMBaseline

N = 6000


def _features(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(N, 5)), columns=[f"x{i}" for i in range(5)])
    x.loc[rng.random(N) < 0.05, "x3"] = np.nan  # missing values go down a learned side
    x["colour"] = pd.Categorical(rng.choice(["red", "green", "blue", "grey"], N))
    return x


def _signal(x: pd.DataFrame) -> np.ndarray:
    colour = x["colour"].map({"red": 0.8, "green": -0.4, "blue": 0.0, "grey": 0.3})
    return np.asarray(x.x0 - 0.5 * x.x1 + np.sin(2 * x.x2) + colour.astype(float))


def _oof(model: object, x: pd.DataFrame, y: np.ndarray, classes: int | None = None) -> np.ndarray:
    splits = (StratifiedKFold if classes else KFold)(2, shuffle=True, random_state=0)
    return baseline.out_of_fold(model, x, y, splits.split(x, y), n_classes=classes)


def _hgb_regressor(loss: str) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(loss=loss, **baseline.BOOSTING)


@pytest.mark.parametrize("seed", [0, 1])
def test_absolute_error_fits_as_well_as_histgradientboosting(seed: int) -> None:
    x = _features(seed)
    mean = _signal(x)
    y = mean + np.random.default_rng(seed + 10).standard_t(3, N)
    ours = _oof(LightGBMBaseline("absolute_error"), x, y)
    reference = _oof(_hgb_regressor("absolute_error"), x, y)
    mae, mae_ref = np.mean(np.abs(y - ours)), np.mean(np.abs(y - reference))
    assert mae <= 1.03 * mae_ref
    # and it learned the mean: far closer to it than the constant median is
    assert np.mean(np.abs(ours - mean)) < 0.5 * np.mean(np.abs(np.median(y) - mean))


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    mu = np.maximum(mu, 1e-12)
    terms = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)
    return float(2 * np.mean(terms))


def test_poisson_fits_as_well_as_histgradientboosting_with_exposure_weights() -> None:
    x = _features(2)
    rng = np.random.default_rng(3)
    exposure = rng.uniform(0.2, 3.0, N)
    counts = rng.poisson(exposure * np.exp(0.5 * _signal(x))).astype(float)
    rate = counts / exposure

    def fitted(model: object) -> np.ndarray:
        splits = KFold(2, shuffle=True, random_state=0).split(x)
        return baseline.out_of_fold(model, x, rate, splits, weight=exposure) * exposure

    ours, reference = fitted(LightGBMBaseline("poisson")), fitted(_hgb_regressor("poisson"))
    assert _poisson_deviance(counts, ours) <= 1.03 * _poisson_deviance(counts, reference)
    assert np.all(ours > 0)


def _log_loss(codes: np.ndarray, p: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(p[np.arange(len(codes)), codes], 1e-15, 1.0))))


@pytest.mark.parametrize("k", [2, 4])
def test_classes_fit_as_well_as_histgradientboosting(k: int) -> None:
    x = _features(4)
    score = _signal(x) + np.random.default_rng(5).logistic(size=N)
    codes = np.digitize(score, np.quantile(score, np.linspace(0, 1, k + 1)[1:-1]))
    ours = _oof(LightGBMBaseline("log_loss"), x, codes, classes=k)
    reference = _oof(HistGradientBoostingClassifier(**baseline.BOOSTING), x, codes, classes=k)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)
    assert _log_loss(codes, ours) <= 1.03 * _log_loss(codes, reference)


def test_a_fold_with_one_class_predicts_it_with_certainty() -> None:
    x = _features(6).iloc[:100]
    model = LightGBMBaseline("log_loss").fit(x, np.full(100, "yes"))
    assert list(model.classes_) == ["yes"]
    np.testing.assert_array_equal(model.predict_proba(x), np.ones((100, 1)))
    assert set(model.predict(x)) == {"yes"}


def test_it_is_cloned_like_a_scikit_learn_estimator_and_is_seeded() -> None:
    x = _features(7)
    y = _signal(x) + np.random.default_rng(8).normal(size=N)
    model = LightGBMBaseline("absolute_error", max_iter=40, random_state=3)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    first = copy.fit(x, y).predict(x)
    np.testing.assert_array_equal(first, clone(model).fit(x, y).predict(x))
    assert copy.n_iter_ <= 40


def test_tables_from_large_table_rows_use_lightgbm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The switch, at a lowered threshold (50,000-row tables would cost seconds here)."""
    x = _features(9).iloc[:2000]
    y = _signal(x) + np.random.default_rng(10).normal(size=2000)
    below = baseline.cross_fit(x, y, "continuous")
    assert below.model.startswith("HistGradientBoostingRegressor(loss='absolute_error'")
    monkeypatch.setattr(baseline, "LARGE_TABLE", 1000)
    above = baseline.cross_fit(x, y, "continuous")
    assert above.model == "LightGBM(loss='absolute_error', early stopping)"
    assert above.resampling.startswith("2-fold")
    labels = np.where(y > np.median(y), "high", "low")
    classes = baseline.cross_fit(x, labels, "binary")
    assert classes.model == "LightGBM(loss='log_loss', early stopping)"
    assert classes.fitted.shape == (2000, 2)


@pytest.mark.parametrize(
    ("loss", "kind"),
    [("absolute_error", "real"), ("poisson", "count"), ("log_loss", "binary"), ("log_loss", "4")],
)
def test_rows_scored_on_the_training_bins_equal_lightgbms_predict(loss: str, kind: str) -> None:
    """`predict` sums the trees over binned rows (a validation set of the live booster); it must
    give LightGBM's own `Booster.predict` at the kept iteration, to the bit (missing values and
    categories included)."""
    x = _features(11)
    signal = _signal(x)
    noise = np.random.default_rng(12).standard_t(3, N)
    y: np.ndarray = {
        "real": signal + noise,
        "count": np.random.default_rng(13).poisson(np.exp(0.5 * signal)).astype(float),
        "binary": np.where(signal + noise > 0, "a", "b"),
        "4": np.digitize(signal + noise, [-1.0, 0.0, 1.0]),
    }[kind]
    model = LightGBMBaseline(loss).fit(x.iloc[:4000], y[:4000])
    held = x.iloc[4000:]
    reference = model._booster.predict(held, num_iteration=model.n_iter_)
    if loss == "log_loss":
        if reference.ndim == 1:  # binary: LightGBM gives P(second class)
            reference = np.column_stack([1 - reference, reference])
        np.testing.assert_array_equal(model.predict_proba(held), reference)
    else:
        np.testing.assert_array_equal(model.predict(held), reference)
    assert model._booster.current_iteration() == model.n_iter_  # rolled back to the kept one
