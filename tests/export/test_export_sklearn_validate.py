"""--format sklearn exports the estimator validate measured: refit on validate's folds, it scores
what validate reported, fold by fold (exactly where validate's weights are the exported ones,
within fold noise where validate recomputes class weights per fold)."""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from export_helpers import make_rec

from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.crossval import cross_validate, make_folds
from lossadvisor.evidence.results import ParamUsed
from lossadvisor.export import export_recommendation


def build(node: Any) -> Any:
    """The loader of export/sklearn.py's docstring, verbatim: no lossadvisor involved."""
    if isinstance(node, dict) and "class" in node:
        module, _, name = node["class"].rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        return cls(**{k: build(v) for k, v in node.get("params", {}).items()})
    return [build(v) for v in node] if isinstance(node, list) else node


def diabetes_frame() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


def wine_frame() -> pd.DataFrame:
    """wine with text labels whose order is not the class codes' (so codes cannot leak)."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    names = {0: "zinfandel", 1: "merlot", 2: "barolo"}
    return frame.assign(target=frame["target"].map(names))


def cancer_frame() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    return frame.assign(target=frame["target"].map({0: "malignant", 1: "benign"}))


def refit_scores(data: dict[str, Any], frame: pd.DataFrame, task: str, metric: str) -> list[float]:
    x = frame.drop(columns=["target"]).to_numpy(dtype=float)
    labels = frame["target"].to_numpy()
    if task == "regression":
        y_code: Any = labels.astype(float)
        classes: list[Any] = []
    else:
        classes = sorted(set(labels.tolist()))
        y_code = np.array([classes.index(v) for v in labels])
    out = []
    for train, test in make_folds(y_code, task, 5, 0):
        est = build(data["estimator"])
        est.fit(x[train], labels[train])  # the user's labels, as they are
        if task == "regression":
            pred = est.predict(x[test])
        else:
            assert list(est.classes_) == classes
            pred = est.predict_proba(x[test])
        out.append(mx.score(metric, y_code[test], pred, len(classes)))
    return out


def validated(frame: pd.DataFrame, loss: str, params: dict[str, float]) -> dict[str, Any]:
    given = {loss: {k: ParamUsed(value=v, source="test") for k, v in params.items()}}
    result = cross_validate(frame, "target", [loss], params=given, n_folds=5, seed=0)
    return {"metric": result.metric, "task": result.task, "scores": result.losses[0].fold_scores}


@pytest.mark.parametrize(
    ("loss", "params"),
    [("mse", {}), ("pinball", {"tau": 0.9}), ("poisson", {})],
)
def test_regression_refit_reproduces_validate(loss: str, params: dict[str, float]) -> None:
    frame = diabetes_frame()
    data = export_recommendation(make_rec(loss, params, {"task": "regression"}), "sklearn")
    assert data["estimator"]["class"] == "sklearn.ensemble.HistGradientBoostingRegressor"
    v = validated(frame, loss, params)
    mine = refit_scores(data, frame, "regression", v["metric"])
    assert mine == pytest.approx(v["scores"][v["metric"]], rel=1e-9)


def test_weighted_bce_refit_with_text_labels_reproduces_validate() -> None:
    frame = cancer_frame()
    counts = frame["target"].value_counts()
    w = counts["benign"] / counts["malignant"]  # malignant (minority) is the positive class
    rec = make_rec("weighted_bce", {"pos_weight": w}, {"target_type": "binary"})
    rec = rec.model_copy(update={"classes": ["benign", "malignant"], "positive_class": "malignant"})
    data = export_recommendation(rec, "sklearn")
    assert data["estimator"]["params"]["class_weight"] == {"benign": 1.0, "malignant": w}
    # validate codes the sorted labels 0/1: benign 0, malignant 1 — the same positive class
    v = validated(frame, "weighted_bce", {"pos_weight": w})
    mine = refit_scores(data, frame, v["task"], v["metric"])
    assert mine == pytest.approx(v["scores"][v["metric"]], rel=1e-9)


def test_weighted_ce_refit_is_within_fold_noise_of_validate() -> None:
    frame = wine_frame()
    counts = frame["target"].value_counts().to_dict()
    n, k = len(frame), len(counts)
    weights = {label: n / (k * c) for label, c in counts.items()}  # rule: n / (K · n_c)
    rec = make_rec("weighted_ce", {"class_weights": weights}, {"target_type": "multiclass"})
    data = export_recommendation(rec, "sklearn")
    v = validated(frame, "weighted_ce", {})  # validate: balanced weights of each training fold
    theirs = v["scores"][v["metric"]]
    mine = refit_scores(data, frame, v["task"], v["metric"])
    noise = float(np.std(theirs, ddof=1)) / math.sqrt(len(theirs))
    assert abs(np.mean(mine) - np.mean(theirs)) <= noise


def test_linear_model_is_a_standardised_unpenalised_pipeline() -> None:
    data = export_recommendation(
        make_rec("poisson", {}, {"task": "regression"}), "sklearn", model="linear"
    )
    pipe = build(data["estimator"])
    assert [type(s).__name__ for _, s in pipe.steps] == ["StandardScaler", "PoissonRegressor"]
    assert pipe.steps[1][1].alpha == 0.0
    frame = diabetes_frame()
    x, y = frame.drop(columns=["target"]).to_numpy(), frame["target"].to_numpy()
    pipe.fit(x, y)
    # unpenalised on standardised data: the same fit as an unpenalised GLM on the raw columns
    from sklearn.linear_model import PoissonRegressor

    raw = PoissonRegressor(alpha=0.0, max_iter=5000, tol=1e-10).fit(x, y)
    assert pipe.predict(x) == pytest.approx(raw.predict(x), rel=1e-3)


def test_losses_validate_trains_with_lightgbm_point_elsewhere() -> None:
    from lossadvisor.errors import InputError

    with pytest.raises(InputError, match="--model linear or --format lightgbm"):
        export_recommendation(make_rec("huber", {"delta": 1.0}), "sklearn")
    with pytest.raises(InputError, match="--model applies to the sklearn formats"):
        export_recommendation(make_rec("mse"), "hydra", model="linear")
