"""scikit-learn exports: instantiate the estimator node and fit it on real data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from export_helpers import (
    breast_cancer_minority_positive,
    build_plain,
    diabetes,
    imbalance_rec,
    mad_sigma,
    make_rec,
    multiclass_rec,
    regression_rec,
    wine,
)
from hydra.utils import instantiate
from omegaconf import OmegaConf
from sklearn.preprocessing import StandardScaler

from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation


def linear(rec: Any) -> dict:
    """--model linear in hydra form: the GLM behind a StandardScaler."""
    return export_recommendation(rec, "sklearn_hydra", model="linear")


def estimator(data: dict) -> Any:
    """The GLM step of the exported Pipeline (checked on its own, as before the Pipeline)."""
    pipeline = instantiate(OmegaConf.create(data)["estimator"])
    assert [name for name, _ in pipeline.steps] == ["scale", "model"]
    assert type(pipeline.steps[0][1]).__name__ == "StandardScaler"
    return pipeline.steps[-1][1]


def test_huber_regressor_epsilon_is_delta_over_the_robust_scale() -> None:
    x, y = diabetes()
    rec = regression_rec("huber")  # δ = 1.345 · mad_sigma
    data = linear(rec)
    model = estimator(data)
    assert type(model).__name__ == "HuberRegressor"
    assert model.epsilon == pytest.approx(rec.ranking[0].params["delta"].value / mad_sigma(y))
    assert model.epsilon == pytest.approx(1.345)
    assert any("scale-free" in n for n in data["lossadvisor"]["notes"])
    model.set_params(max_iter=1000).fit(StandardScaler().fit_transform(x), y)
    assert model.score(StandardScaler().fit_transform(x), y) > 0.3


def test_huber_without_a_scale_keeps_the_default_and_says_so() -> None:
    data = linear(make_rec("huber", {"delta": 2.0}, {}))
    assert "epsilon" not in data["estimator"]["steps"][1][1]
    assert any("mad_sigma" in n for n in data["lossadvisor"]["notes"])


def test_quantile_regressor_gets_the_quantile() -> None:
    x, y = diabetes()
    model = estimator(linear(regression_rec("pinball")))
    assert type(model).__name__ == "QuantileRegressor" and model.quantile == 0.9
    model.fit(x, y)
    assert 0.85 <= np.mean(y <= model.predict(x)) <= 0.95


@pytest.mark.parametrize(
    ("loss", "name"),
    [
        ("poisson", "PoissonRegressor"),
        ("gamma", "GammaRegressor"),
        ("tweedie", "TweedieRegressor"),
        ("mse", "HistGradientBoostingRegressor"),
        ("mae", "HistGradientBoostingRegressor"),
    ],
)
def test_regression_estimators_fit(loss: str, name: str) -> None:
    x, y = diabetes()
    model = estimator(linear(regression_rec(loss)))
    assert type(model).__name__ == name
    if loss == "tweedie":
        assert model.power == 1.5 and model.link == "log"
    if loss == "mae":
        assert model.loss == "absolute_error"
    model.fit(x, y)
    assert np.isfinite(model.predict(x)).all()


def test_logistic_regression_weights_the_positive_class() -> None:
    x, y = breast_cancer_minority_positive()
    rec = imbalance_rec("weighted_bce")
    model = estimator(linear(rec))
    w = rec.ranking[0].params["pos_weight"].value
    assert model.class_weight == {0: 1.0, 1: pytest.approx(w)}
    model.set_params(max_iter=2000).fit(StandardScaler().fit_transform(x), y)
    assert model.score(StandardScaler().fit_transform(x), y) > 0.9


def test_class_weights_list_becomes_the_class_weight_dict() -> None:
    x, y = wine()
    rec = multiclass_rec("weighted_ce")
    model = estimator(linear(rec))
    weights = rec.ranking[0].params["class_weights"].value
    assert model.class_weight == {i: pytest.approx(w) for i, w in enumerate(weights)}
    # the weights are scikit-learn's "balanced" weights, computed independently
    from sklearn.utils.class_weight import compute_class_weight

    np.testing.assert_allclose(weights, compute_class_weight("balanced", classes=np.unique(y), y=y))
    model.set_params(max_iter=2000).fit(StandardScaler().fit_transform(x), y)
    assert set(model.classes_) == {0, 1, 2}


def test_class_weight_mapping_keeps_the_labels() -> None:
    rec = make_rec("weighted_ce", {"class_weights": {"3": 0.5, "7": 2.0}}, {"n_classes": 2})
    assert linear(rec)["estimator"]["steps"][1][1]["class_weight"] == {3: 0.5, 7: 2.0}


def test_losses_without_a_matching_estimator_are_refused() -> None:
    with pytest.raises(InputError, match="sklearn_hydra has no implementation of 'dice'"):
        linear(make_rec("dice"))


def test_plain_form_is_a_standardised_unpenalised_pipeline() -> None:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import PoissonRegressor

    rec = make_rec("poisson", {}, {"task": "regression"})
    data = export_recommendation(rec, "sklearn", model="linear")
    assert "_target_" not in str(data["estimator"])
    pipe = build_plain(data["estimator"])
    assert [type(s).__name__ for _, s in pipe.steps] == ["StandardScaler", "PoissonRegressor"]
    assert pipe.steps[1][1].alpha == 0.0
    x, y = load_diabetes(return_X_y=True)
    pipe.fit(x, y)
    # unpenalised on standardised columns: the same fit as an unpenalised GLM on the raw ones
    raw = PoissonRegressor(alpha=0.0, max_iter=5000, tol=1e-10).fit(x, y)
    assert pipe.predict(x) == pytest.approx(raw.predict(x), rel=1e-3)


def test_model_option_is_checked() -> None:
    with pytest.raises(InputError, match="--model applies to the sklearn formats"):
        export_recommendation(make_rec("mse"), "hydra", model="linear")
    with pytest.raises(InputError, match="unknown sklearn model 'gbdt'"):
        export_recommendation(make_rec("mse"), "sklearn", model="gbdt")
