"""`--format sklearn` (`--model gbm`) exports the estimator `validate` measured.

Generated tables with known structure (a heavy-tailed regression, an imbalanced binary target
with string labels, a four-class target), each with a text column that the preprocessing
must encode. The exported config is built with the plain loader of export/sklearn.py's
docstring, fitted on each of validate's training folds (rebuilt here with scikit-learn's own
splitters) and scored on the held-out rows with scikit-learn's metrics; each fold's score must
equal validate's fold score for the same loss within 1e-6 (relative): the same engine, the
same loss and parameters, the same preprocessing. Fold noise (the spread of validate's fold
scores) is over 1e-2 on these tables, so the tolerance is far inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from export_helpers import build_plain
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold

import lossadvisor
from lossadvisor.evidence.advice import rule_params
from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.proxies import ProxySettings
from lossadvisor.export import export_recommendation
from lossadvisor.sklearn_gbm import LossGBMRegressor

TOLERANCE = 1e-6  # relative, per fold


def table(kind: str, n: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    city = rng.choice(["north", "south", "east"], size=n)
    x2[rng.random(n) < 0.05] = np.nan  # missing values: imputed with an indicator
    signal = 1.5 * x1 - np.nan_to_num(x2) + np.where(city == "north", 1.0, 0.0)
    if kind == "regression":
        y: Any = 3 * signal + rng.standard_t(2, size=n)
    elif kind == "binary":
        y = np.where(signal + rng.logistic(size=n) > 3.0, "Yes", "No")
    else:
        bins = np.digitize(signal + rng.normal(0, 0.7, size=n), [-1.5, 0.0, 1.5])
        y = np.array(["small", "medium", "large", "huge"])[bins]
    return pd.DataFrame({"x1": x1, "x2": x2, "city": city, "y": y})


def score(metric: str, y_true: Any, pred: Any, classes: Any) -> float:
    if metric == "mae":
        return float(mean_absolute_error(y_true, pred))
    if metric == "rmse":
        return float(np.sqrt(mean_squared_error(y_true, pred)))
    assert metric == "log_loss"
    return float(log_loss(y_true, pred, labels=classes))


CASES = [
    ("regression", "huber", "mae"),
    ("regression", "mse", "rmse"),
    ("binary", "weighted_bce", "log_loss"),
    ("binary", "focal_binary", "log_loss"),
    ("multiclass", "weighted_ce", "log_loss"),
]


@pytest.mark.parametrize(("kind", "loss", "metric"), CASES)
def test_exported_estimator_reproduces_validates_fold_scores(
    kind: str, loss: str, metric: str
) -> None:
    frame = table(kind)
    rec = lossadvisor.recommend(frame, "y", features=False)
    measured = cross_validate(
        frame, "y", [loss], params=rule_params(rec), settings=ProxySettings(threads=1)
    )
    evidence = measured.losses[0]
    assert evidence.loss == loss and evidence.folds_done == 5
    data = export_recommendation(rec, "sklearn", pick=loss)
    model = data["estimator"]["params"]["steps"][1][1]
    assert model["class"].startswith("lossadvisor.sklearn_gbm.LossGBM")
    # the parameters validate trained with are the ones exported
    trained = {k: p.value for k, p in evidence.params.items() if p.value is not None}
    assert model["params"].get("loss_params", {}) == pytest.approx(trained)

    x, y = frame.drop(columns="y"), frame["y"].to_numpy()
    if kind == "regression":
        splitter: Any = KFold(5, shuffle=True, random_state=0)
        codes = None
    else:
        splitter = StratifiedKFold(5, shuffle=True, random_state=0)
        codes = np.unique(y.astype(str), return_inverse=True)[1]  # validate stratifies on codes
    mine, rounds = [], []
    for train, test in splitter.split(x, codes):
        pipe = build_plain(data["estimator"])
        pipe.fit(x.iloc[train], y[train])
        rounds.append(pipe[-1].n_estimators_)
        if kind == "regression":
            pred = pipe.predict(x.iloc[test])
            classes = None
        else:
            pred = pipe.predict_proba(x.iloc[test])
            classes = list(pipe.classes_)
        mine.append(score(metric, y[test], pred, classes))
    theirs = evidence.fold_scores[metric]
    assert mine == pytest.approx(theirs, rel=TOLERANCE)
    # the rounds: chosen by the same early stopping, fold by fold, and below the exported cap
    assert rounds == evidence.rounds
    assert max(rounds) < model["params"]["n_estimators"] and model["params"]["early_stopping"]
    assert any("n_estimators_" in note for note in data["lossadvisor"]["notes"])
    assert np.std(theirs) > 100 * TOLERANCE * np.mean(theirs)  # the tolerance is inside fold noise


def test_positive_class_and_fixed_class_weights_follow_the_labels() -> None:
    from lossadvisor.sklearn_gbm import LossGBMClassifier

    frame = table("binary")
    x, y = frame[["x1", "x2"]].fillna(0).to_numpy(), frame["y"].to_numpy()
    pos = float((y == "Yes").mean())
    default = LossGBMClassifier(loss="weighted_bce").fit(x, y)
    assert list(default.classes_) == ["No", "Yes"]
    # fixed weights equal to n_neg/n_pos give the same model as the derived ones
    fixed = LossGBMClassifier(loss="weighted_bce", class_weight={"No": 1.0, "Yes": (1 - pos) / pos})
    np.testing.assert_allclose(fixed.fit(x, y).predict_proba(x), default.predict_proba(x))
    flipped = LossGBMClassifier(loss="bce", positive_class="No").fit(x, y)
    assert list(flipped.classes_) == ["Yes", "No"]
    plain = LossGBMClassifier(loss="bce").fit(x, y)
    np.testing.assert_allclose(flipped.predict_proba(x)[:, ::-1], plain.predict_proba(x), atol=1e-6)
    with pytest.raises(lossadvisor.InputError, match="no weight for the classes"):
        LossGBMClassifier(loss="weighted_bce", class_weight={"No": 1.0}).fit(x, y)


def test_losses_without_a_proxy_point_at_the_linear_model() -> None:
    from export_helpers import make_rec

    with pytest.raises(lossadvisor.InputError, match="--model linear"):
        export_recommendation(make_rec("hinge"), "sklearn")


def test_exposure_rate_weight_fits_the_gbm_as_the_header_says() -> None:
    """Poisson on y / e with sample_weight e: the fitted rates times e add up to the counts
    (the weighted score equation), and dropping the weights breaks that."""
    from export_helpers import make_rec

    rng = np.random.default_rng(3)
    n = 2000
    x = rng.normal(size=(n, 2))
    exposure = rng.uniform(0.2, 3.0, size=n)
    y = rng.poisson(exposure * np.exp(0.3 + 0.5 * x[:, 0]))
    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    data = export_recommendation(rec, "sklearn")
    assert data["lossadvisor"]["exposure"]["form"] == "rate_weight"
    pipe = build_plain(data["estimator"])
    frame = pd.DataFrame(x, columns=["a", "b"])
    pipe.fit(frame, y / exposure, model__sample_weight=exposure)
    total = float(np.sum(exposure * pipe.predict(frame)))
    assert total == pytest.approx(float(y.sum()), rel=0.01)
    unweighted = build_plain(data["estimator"]).fit(frame, y / exposure)
    assert float(np.sum(exposure * unweighted.predict(frame))) != pytest.approx(total, rel=0.01)


def test_hydra_form_is_the_same_estimator() -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    frame = table("multiclass", n=300)
    rec = lossadvisor.recommend(frame, "y", features=False)
    x, y = frame.drop(columns="y"), frame["y"]
    plain = build_plain(export_recommendation(rec, "sklearn", pick="weighted_ce")["estimator"])
    hydra_cfg = export_recommendation(rec, "sklearn_hydra", pick="weighted_ce")
    assert "'class':" not in str(hydra_cfg["estimator"])
    via_hydra = instantiate(OmegaConf.create(hydra_cfg)["estimator"])
    np.testing.assert_array_equal(
        plain.fit(x, y).predict_proba(x), via_hydra.fit(x, y).predict_proba(x)
    )
    assert set(via_hydra.predict(x)) <= {"small", "medium", "large", "huge"}  # labels as given


@pytest.mark.slow
def test_exported_estimator_trains_on_validates_row_sample_of_a_large_table() -> None:
    # 2 folds of 52,000 rows: 26,000 training rows, 20,800 fitted; above validate's 20,000-row
    # cap both sample 20,000 of them (the same seeded rows) with the sample's round budget
    rng = np.random.default_rng(0)
    n = 52_000
    x = rng.normal(size=(n, 3))
    y = x[:, 0] - x[:, 1] + np.sin(3 * x[:, 2]) + rng.standard_t(3, n)
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)
    measured = cross_validate(data, "y", ["huber"], n_folds=2, jobs=1)
    assert any(note.startswith("row sample: every fold") for note in measured.notes)
    mine, rounds = [], []
    for train, test in KFold(2, shuffle=True, random_state=0).split(x):
        model = LossGBMRegressor(loss="huber").fit(x[train], y[train])
        rounds.append(model.n_estimators_)
        mine.append(float(mean_absolute_error(y[test], model.predict(x[test]))))
    assert mine == pytest.approx(measured.losses[0].fold_scores["mae"], rel=TOLERANCE)
    assert rounds == measured.losses[0].rounds and max(rounds) <= 200
