"""Issue 11: on imbalanced classes the default must be what the sources say and survive `validate`.

Data with known structure: a logistic model with three informative and two noise features at
1:30 and 1:100, and scikit-learn's breast-cancer data with the malignant class subsampled to 1:20.
Expected values come from the sources, never from lossadvisor:
- King & Zeng (2001), LightGBM docs (is_unbalance): re-weighting distorts P(y | x), so under no
  metric, a proper scoring rule or a ranking metric plain BCE stays the default;
- Elkan (2001), torch BCEWithLogitsLoss docs: under a threshold metric the class weight
  n_neg / n_pos moves the boundary, so weighted BCE leads;
- Lin et al. (2017), Table 1b: focal α = 0.25 with γ = 2 (not 1 − prior).
The sources' claim is checked on these very data with scikit-learn's LogisticRegression (the
true model class), independently of lossadvisor; then `validate` (LightGBM proxies, rounds by
early stopping on the deciding metric) must pick plain BCE on log-loss and a weighted or focal
loss on balanced accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from lossadvisor import api
from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.advice import rule_params
from lossadvisor.evidence.crossval import cross_validate

T_CRITICAL_5_FOLDS = 2.776  # two-sided 95 % Student t, 4 degrees of freedom (standard tables)
PROPER_OR_RANKING = (None, "log_loss", "brier", "roc_auc", "pr_auc")
THRESHOLD = ("balanced_accuracy", "f1")
LOSSES = ["bce", "weighted_bce", "focal_binary"]


def logistic(n: int, ratio: float, seed: int) -> pd.DataFrame:
    """y ~ Bernoulli(σ(b0 + 1.5 x0 − x1 + 0.8 x2)), x3, x4 noise; b0 sets the prior 1/(1+ratio)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    lin = x @ np.array([1.5, -1.0, 0.8, 0.0, 0.0])
    prior = 1.0 / (ratio + 1.0)
    b0 = brentq(lambda b: float(np.mean(1 / (1 + np.exp(-(b + lin))))) - prior, -30, 5)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(5)])
    frame["y"] = rng.binomial(1, 1 / (1 + np.exp(-(b0 + lin))))
    return frame


def breast_cancer(ratio: float, seed: int) -> pd.DataFrame:
    """Malignant (sklearn's 0) as the positive class, subsampled to 1 per `ratio` benign rows."""
    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "y"})
    frame["y"] = 1 - frame["y"]
    benign, malignant = frame[frame.y == 0], frame[frame.y == 1]
    keep = np.random.default_rng(seed).choice(len(malignant), round(len(benign) / ratio), False)
    both = pd.concat([benign, malignant.iloc[keep]])
    return both.sample(frac=1.0, random_state=seed).reset_index(drop=True)


DATA = {
    "logistic_1to30_seed0": lambda: logistic(3000, 30, 0),
    "logistic_1to30_seed1": lambda: logistic(3000, 30, 1),
    "logistic_1to100": lambda: logistic(10000, 100, 0),
    "breast_cancer_1to20": lambda: breast_cancer(20, 0),
}
_CACHE: dict[str, pd.DataFrame] = {}


def data(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        _CACHE[name] = DATA[name]()
    return _CACHE[name]


@pytest.mark.parametrize("name", list(DATA))
def test_the_sources_claim_holds_on_these_data_with_the_true_model_class(name: str) -> None:
    frame = data(name)
    x, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def oof(weight: Any) -> Any:
        model = LogisticRegression(class_weight=weight, max_iter=2000)
        return cross_val_predict(model, x, y, cv=cv, method="predict_proba")[:, 1]

    plain, weighted = oof(None), oof("balanced")
    assert log_loss(y, plain) < log_loss(y, weighted)  # weighting distorts P(y | x)
    hard = balanced_accuracy_score
    # ... and helps at the 0.5 threshold, as does moving plain BCE's threshold (Elkan 2001); the
    # 30 breast-cancer features nearly separate the classes, where it can only tie (1 row apart)
    slack = 0.01 if name.startswith("breast") else 0.0
    assert hard(y, weighted > 0.5) > hard(y, plain > 0.5) - slack
    assert hard(y, plain > y.mean()) > hard(y, plain > 0.5) - slack


@pytest.mark.parametrize("name", list(DATA))
def test_recommend_follows_the_sources_for_each_metric(name: str) -> None:
    frame = data(name)
    n_pos, n_neg = int(frame["y"].sum()), int((frame["y"] == 0).sum())
    profile = api.profile(frame, "y")
    for metric in (*PROPER_OR_RANKING, *THRESHOLD):
        rec = api.recommend(profile=profile, metric=metric)
        by_loss = {r.loss: r for r in rec.ranking}
        first = "bce" if metric in PROPER_OR_RANKING else "weighted_bce"
        assert rec.ranking[0].loss == first, (metric, [r.loss for r in rec.ranking[:4]])
        assert by_loss["weighted_bce"].params["pos_weight"].value == pytest.approx(
            n_neg / n_pos, rel=1e-3
        )
        assert by_loss["focal_binary"].params["alpha"].value == pytest.approx(0.25)
        assert by_loss["focal_binary"].params["gamma"].value == pytest.approx(2.0)
        texts = " ".join(c.text for c in rec.cautions)
        assert "distort" in texts and "ln(pos_weight)" in texts, metric
        # an alternative without a metric; log-loss itself scores the weighting down (weaker)
        want = {None: "alternative", "log_loss": "weaker"}.get(metric)
        if want is not None:
            assert by_loss["weighted_bce"].verdict == want, metric


def _beats_beyond_noise(result: Any, better: str, worse: str, metric: str) -> bool:
    ev = {e.loss: e for e in result.losses}
    c = mx.compare(
        better,
        worse,
        metric,
        ev[better].fold_scores[metric],
        ev[worse].fold_scores[metric],
        1 / result.n_folds,
    )
    return c is not None and c.t > T_CRITICAL_5_FOLDS


@pytest.mark.parametrize("name", list(DATA))
def test_validate_does_not_show_the_default_losing_to_plain_bce(name: str) -> None:
    frame = data(name)
    rec = api.recommend(frame, "y", metric="balanced_accuracy")
    result = cross_validate(frame, "y", LOSSES, params=rule_params(rec), metric="log_loss", seed=0)
    assert result.n_folds == 5
    ev = {e.loss: e for e in result.losses}
    # threshold metric: the default (weighted BCE) does not lose to plain BCE beyond fold noise
    assert not _beats_beyond_noise(result, "bce", "weighted_bce", "balanced_accuracy")
    assert ev["weighted_bce"].mean["balanced_accuracy"] > ev["bce"].mean["balanced_accuracy"]
    # ranking metric: the default (plain BCE) is not beaten beyond fold noise
    for other in ("weighted_bce", "focal_binary"):
        assert not _beats_beyond_noise(result, other, "bce", "pr_auc"), other
    # log-loss (a proper scoring rule): plain BCE's probabilities beat the constant prior (the
    # proxy's rounds are chosen on held-out rows); on the logistic data (the issue's
    # requirement) BCE, the posterior's loss, wins. The 18 malignant rows of the subsampled
    # breast-cancer data nearly separate (3 per held-out fold): there it is not beaten beyond
    # fold noise.
    assert ev["bce"].mean["log_loss"] < result.constant_log_loss
    assert not any(c.startswith("bce:") for c in result.cautions)
    if name.startswith("logistic"):
        assert result.winner == "bce", {e.loss: e.mean["log_loss"] for e in result.losses}
    for other in ("weighted_bce", "focal_binary"):
        assert not _beats_beyond_noise(result, other, "bce", "log_loss"), other


SEEDS = [(3000, 30, 2), (3000, 30, 3), (3000, 100, 4)]


@pytest.mark.parametrize(("n", "ratio", "seed"), SEEDS)
def test_validate_picks_bce_on_log_loss_and_weighting_on_balanced_accuracy(
    n: int, ratio: float, seed: int
) -> None:
    """Issue 11: on logistic data, log-loss picks plain BCE; balanced accuracy a weighted or
    focal variant (more seeds than the four data sets above)."""
    frame = logistic(n, ratio, seed)
    on_log_loss = cross_validate(frame, "y", LOSSES, metric="log_loss", seed=0)
    assert on_log_loss.winner == "bce"
    assert on_log_loss.losses[0].mean["log_loss"] < on_log_loss.constant_log_loss
    on_balanced = cross_validate(frame, "y", LOSSES, metric="balanced_accuracy", seed=0)
    assert on_balanced.winner in ("weighted_bce", "focal_binary")


def test_constant_log_loss_is_the_training_prior_over_the_same_folds() -> None:
    frame = data("logistic_1to30_seed0")
    y = frame["y"].to_numpy()
    result = cross_validate(frame, "y", ["bce", "focal_binary"], metric="log_loss", seed=0)
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y)
    expected = np.mean(
        [
            log_loss(y[test], np.full(len(test), y[train].mean()), labels=[0, 1])
            for train, test in folds
        ]
    )
    assert result.constant_log_loss == pytest.approx(expected, rel=1e-9)
    worse = {e.loss for e in result.losses if e.mean["log_loss"] > expected}
    assert {c.split(":")[0] for c in result.cautions} == worse


def test_a_fit_worse_than_the_constant_gets_a_caution() -> None:
    # Features independent of y: no model can beat the prior in expectation, and a boosted proxy
    # over-fits noise, so its held-out log-loss exceeds the constant's.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(1500, 4)), columns=list("abcd"))
    frame["y"] = (rng.random(1500) < 1 / 31).astype(int)
    result = cross_validate(frame, "y", ["bce", "weighted_bce"], metric="log_loss", seed=0)
    assert result.constant_log_loss is not None
    for e in result.losses:
        assert e.mean["log_loss"] > result.constant_log_loss, e.loss
    by_loss = {c.split(":")[0]: c for c in result.cautions}
    assert set(by_loss) == {"bce", "weighted_bce"}
    assert "over-fits" in by_loss["bce"] and "recalibrate" in by_loss["weighted_bce"]


def test_multiclass_imbalance_keeps_ce_unless_the_metric_is_macro() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 3))
    logits = np.column_stack([np.zeros(4000), x[:, 0] - 2.5, x[:, 1] - 4.0])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=np.array(["n", "m", "r"])[y])
    counts = np.bincount(y)
    assert counts.max() / counts.min() > 10  # imbalanced by construction
    profile = api.profile(frame, "y")
    for metric in (None, "log_loss", "roc_auc"):
        assert api.recommend(profile=profile, metric=metric).ranking[0].loss == "ce", metric
    macro = api.recommend(profile=profile, metric="balanced_accuracy")
    assert macro.ranking[0].loss in {"weighted_ce", "class_balanced_ce"}
    # scikit-learn "balanced": w_c = n / (K · n_c), computed here from the labels
    weights = macro.ranking[0].params["class_weights"].value
    if macro.ranking[0].loss == "weighted_ce":
        expected = {c: len(y) / (3 * n) for c, n in zip(["n", "m", "r"], counts, strict=True)}
        assert isinstance(weights, dict), weights
        got = weights
        for c, w in expected.items():
            assert got[c] == pytest.approx(w, rel=1e-3)
