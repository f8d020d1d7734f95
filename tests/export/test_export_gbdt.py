"""LightGBM and XGBoost exports: train a few rounds on real data with the exported parameters."""

from __future__ import annotations

import json

import lightgbm
import numpy as np
import pytest
import xgboost
from export_helpers import (
    FAMILIES,
    breast_cancer_minority_positive,
    diabetes,
    make_rec,
    multiclass_rec,
    regression_rec,
    wine,
)

from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation

QUIET = {"verbose": -1, "num_threads": 1, "min_data_in_leaf": 5}


def lgb_train(params: dict, x: np.ndarray, y: np.ndarray, rounds: int = 30) -> lightgbm.Booster:
    return lightgbm.train({**params, **QUIET}, lightgbm.Dataset(x, y), num_boost_round=rounds)


def xgb_train(params: dict, x: np.ndarray, y: np.ndarray, rounds: int = 30) -> xgboost.Booster:
    return xgboost.train({**params, "nthread": 1}, xgboost.DMatrix(x, y), num_boost_round=rounds)


def test_huber_delta_is_lightgbm_alpha_and_xgboost_huber_slope() -> None:
    x, y = diabetes()
    rec = regression_rec("huber")
    delta = rec.ranking[0].params["delta"].value
    lgb = export_recommendation(rec, "lightgbm")["params"]
    assert lgb == {"objective": "huber", "alpha": delta}
    booster = lgb_train(lgb, x, y)
    assert booster.params["objective"] == "huber" and booster.params["alpha"] == delta
    assert np.isfinite(booster.predict(x)).all()
    xgb_export = export_recommendation(rec, "xgboost")
    assert xgb_export["params"] == {"objective": "reg:pseudohubererror", "huber_slope": delta}
    assert any("pseudo-Huber" in note for note in xgb_export["lossadvisor"]["notes"])
    bst = xgb_train(xgb_export["params"], x, y)
    config = json.loads(bst.save_config())["learner"]["objective"]
    assert config["name"] == "reg:pseudohubererror"
    assert float(config["pseudo_huber_param"]["huber_slope"]) == pytest.approx(delta)


def test_quantile_export_fits_the_asked_quantile() -> None:
    """Trained with τ = 0.9, about 90 % of the training targets fall below the prediction."""
    x, y = diabetes()
    rec = regression_rec("pinball")
    lgb = export_recommendation(rec, "lightgbm")["params"]
    assert lgb == {"objective": "quantile", "alpha": 0.9}
    below = np.mean(y <= lgb_train(lgb, x, y, rounds=100).predict(x))
    assert 0.82 <= below <= 0.97
    xgb = export_recommendation(rec, "xgboost")["params"]
    assert xgb == {"objective": "reg:quantileerror", "quantile_alpha": 0.9}
    bst = xgb_train({**xgb, "learning_rate": 0.3}, x, y, rounds=100)
    below = np.mean(y <= bst.predict(xgboost.DMatrix(x)))
    assert 0.82 <= below <= 0.97


@pytest.mark.parametrize(
    ("loss", "lgb_objective", "xgb_objective"),
    [
        ("tweedie", "tweedie", "reg:tweedie"),
        ("gamma", "gamma", "reg:gamma"),
        ("poisson", "poisson", "count:poisson"),
        ("mse", "regression", "reg:squarederror"),
        ("mae", "regression_l1", "reg:absoluteerror"),
    ],
)
def test_regression_objectives_train(loss: str, lgb_objective: str, xgb_objective: str) -> None:
    x, y = diabetes()
    rec = regression_rec(loss)
    lgb = export_recommendation(rec, "lightgbm")["params"]
    assert lgb["objective"] == lgb_objective
    booster = lgb_train(lgb, x, y)
    assert np.isfinite(booster.predict(x)).all()
    if loss == "tweedie":
        assert booster.params["tweedie_variance_power"] == 1.5
    xgb = export_recommendation(rec, "xgboost")["params"]
    assert xgb["objective"] == xgb_objective
    bst = xgb_train(xgb, x, y)
    learner = json.loads(bst.save_config())["learner"]["objective"]
    assert learner["name"] == xgb_objective
    if loss == "tweedie":
        assert float(learner["tweedie_regression_param"]["tweedie_variance_power"]) == 1.5


def test_pos_weight_is_scale_pos_weight_and_shifts_predictions_up() -> None:
    x, y = breast_cancer_minority_positive()
    rec = FAMILIES["imbalance"]()
    w = rec.ranking[0].params["pos_weight"].value
    assert w == pytest.approx((y == 0).sum() / (y == 1).sum())
    lgb = export_recommendation(rec, "lightgbm")["params"]
    assert lgb == {"objective": "binary", "scale_pos_weight": w}
    weighted = lgb_train(lgb, x, y, rounds=20).predict(x).mean()
    plain = lgb_train({"objective": "binary"}, x, y, rounds=20).predict(x).mean()
    assert weighted > plain  # up-weighting positives raises predicted probabilities
    xgb = export_recommendation(rec, "xgboost")["params"]
    assert xgb == {"objective": "binary:logistic", "scale_pos_weight": w}
    bst = xgb_train(xgb, x, y, rounds=20)
    assert float(
        json.loads(bst.save_config())["learner"]["objective"]["reg_loss_param"]["scale_pos_weight"]
    ) == (pytest.approx(w))


def test_multiclass_takes_num_class_from_the_profile() -> None:
    x, y = wine()
    rec = multiclass_rec("ce")
    lgb = export_recommendation(rec, "lightgbm")["params"]
    assert lgb == {"objective": "multiclass", "num_class": 3}
    assert lgb_train(lgb, x, y, rounds=10).predict(x).shape == (len(y), 3)
    xgb = export_recommendation(rec, "xgboost")["params"]
    assert xgb == {"objective": "multi:softprob", "num_class": 3}
    probs = xgb_train(xgb, x, y, rounds=10).predict(xgboost.DMatrix(x))
    assert probs.shape == (len(y), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_multiclass_without_n_classes_is_an_input_error() -> None:
    rec = make_rec("ce", {}, {"task": "multiclass"})
    with pytest.raises(InputError, match=r"num_class.*n_classes"):
        export_recommendation(rec, "lightgbm")


def test_binary_objective_refuses_multiclass_data() -> None:
    rec = make_rec("bce", {}, {"n_classes": 4})
    with pytest.raises(InputError, match="two classes only"):
        export_recommendation(rec, "xgboost")


@pytest.mark.parametrize("fmt", ["lightgbm", "xgboost"])
def test_focal_has_no_gbdt_objective_and_the_error_names_the_formats(fmt: str) -> None:
    rec = FAMILIES["imbalance"]("focal_binary")
    with pytest.raises(InputError) as err:
        export_recommendation(rec, fmt)
    message = str(err.value)
    assert f"{fmt} has no implementation of 'focal_binary'" in message
    assert "native, hydra, lightning, keras" in message
    assert "\n" not in message


def test_multitask_needs_a_format_with_one_loss_per_head() -> None:
    with pytest.raises(InputError, match=r"heads.*hydra, lightning, keras"):
        export_recommendation(FAMILIES["multitask"](), "lightgbm")
