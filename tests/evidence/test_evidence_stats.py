"""Fold-noise test and metrics panel, checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lossadvisor.errors import InputError
from lossadvisor.evidence import metrics as mx


@pytest.mark.parametrize("df", [1, 2, 4, 9, 19, 30])
def test_t_critical_matches_scipy(df: int) -> None:
    assert mx.t_critical(df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-3)


def test_compare_is_the_corrected_paired_t() -> None:
    a = [0.50, 0.52, 0.47, 0.55, 0.51]  # lower is better (mae)
    b = [0.60, 0.58, 0.59, 0.66, 0.57]
    c = mx.compare("a", "b", "mae", a, b, test_fraction=0.2)
    assert c is not None
    d = np.array(b) - np.array(a)  # improvement of a over b
    se = d.std(ddof=1) * math.sqrt(1 / 5 + 0.2 / 0.8)  # Nadeau–Bengio
    assert c.difference == pytest.approx(d.mean())
    assert c.std_error == pytest.approx(se)
    assert c.t == pytest.approx(d.mean() / se)
    assert c.beyond_noise == bool(d.mean() / se > stats.t.ppf(0.975, 4))
    # the uncorrected statistic is scipy's paired t; ours is smaller by the correction factor
    plain = stats.ttest_rel(b, a).statistic
    assert c.t == pytest.approx(plain * math.sqrt((1 / 5) / (1 / 5 + 0.25)))


def test_compare_orients_by_metric_direction() -> None:
    hi = mx.compare("a", "b", "balanced_accuracy", [0.9, 0.91, 0.92], [0.5, 0.52, 0.49], 1 / 3)
    assert hi is not None and hi.difference > 0 and hi.beyond_noise
    noisy = mx.compare("a", "b", "mae", [1.0, 2.0, 1.0], [1.5, 1.0, 1.6], 1 / 3)
    assert noisy is not None and not noisy.beyond_noise
    assert mx.compare("a", "b", "mae", [1.0], [2.0], 0.5) is None


def test_regression_metrics_against_numpy() -> None:
    rng = np.random.default_rng(0)
    y = rng.poisson(3, 500).astype(float)
    pred = rng.uniform(0.5, 5, 500)
    r = pred - y
    assert mx.score("mae", y, pred, 0) == pytest.approx(np.abs(r).mean())
    assert mx.score("rmse", y, pred, 0) == pytest.approx(np.sqrt((r**2).mean()))
    assert mx.score("median_absolute_error", y, pred, 0) == pytest.approx(np.median(np.abs(r)))
    u = y - pred
    pin = np.maximum(0.9 * u, (0.9 - 1) * u).mean()
    assert mx.score("quantile:0.9", y, pred, 0) == pytest.approx(pin)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / pred), 0.0)
    assert mx.score("poisson_deviance", y, pred, 0) == pytest.approx((2 * (term - y + pred)).mean())


def test_classification_metrics_against_hand_counts() -> None:
    y = np.array([0, 0, 0, 1, 1, 2])
    proba = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1],
         [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8]]
    )  # fmt: skip
    # hard labels 0,1,0,1,0,2: recalls 2/3, 1/2, 1
    assert mx.score("balanced_accuracy", y, proba, 3) == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert mx.score("log_loss", y, proba, 3) == pytest.approx(
        -np.mean(np.log(proba[np.arange(6), y]))
    )
    assert mx.score("accuracy", y, proba, 3) == pytest.approx(4 / 6)
    # macro F1: per-class F1 (2·tp / (2·tp + fp + fn)) 4/6, 2/4, 2/2, averaged; micro F1 pools
    # the counts (tp 4, fp 2, fn 2: 8/12), which for one class per row is the accuracy
    assert mx.score("f1", y, proba, 3) == pytest.approx((4 / 6 + 2 / 4 + 2 / 2) / 3)
    assert mx.score("micro_f1", y, proba, 3) == pytest.approx(8 / 12)


def test_panel_adds_deviances_only_when_the_target_allows() -> None:
    counts = np.array([0.0, 1, 2, 5])
    assert "poisson_deviance" in mx.panel_for("regression", counts, "mae")
    assert "gamma_deviance" not in mx.panel_for("regression", counts, "mae")
    signed = np.array([-1.0, 0.5, 2.0])
    assert mx.panel_for("regression", signed, "mae") == ["mae", "rmse", "median_absolute_error"]
    assert mx.panel_for("regression", signed, "quantile:0.9")[0] == "quantile:0.9"


@pytest.mark.parametrize(
    ("text", "task", "message"),
    [
        ("maee", "regression", "Did you mean 'mae'"),
        ("log_loss", "regression", "not a regression metric"),
        ("pinball:1.5", "regression", "strictly between 0 and 1"),
        ("mae:3", "regression", "only 'quantile' takes a level"),
        ("iou", "binary", "cannot be measured on a table"),
    ],
)
def test_bad_metrics_are_input_errors(text: str, task: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        mx.parse_metric(text, task)


def test_metric_synonyms_are_recommends_names() -> None:
    from lossadvisor.context import make_context

    assert mx.parse_metric("pinball:0.9", "regression") == "quantile:0.9"
    assert mx.parse_metric("quantile:0.9", "regression") == "quantile:0.9"
    assert mx.parse_metric("macro_f1", "binary") == mx.parse_metric("f1", "binary") == "f1"
    # micro-averaged scores are other metrics, not synonyms of the macro ones
    assert mx.parse_metric("micro_f1", "multiclass") == mx.parse_metric("f1_micro", "binary")
    assert mx.parse_metric("micro_f1", "multilabel") == "micro_f1"
    assert mx.parse_metric("micro_average_precision", "multilabel") == "micro_pr_auc"
    assert make_context(metric="micro_f1").metric == "micro_f1"
    assert mx.parse_metric("average_precision", "binary") == "pr_auc"
    assert mx.parse_metric("median_ae", "regression") == "median_absolute_error"
    # recommend reads the same words as the same facts
    pinball = make_context(metric="pinball:0.9")
    assert (pinball.metric, pinball.metric_quantile) == ("quantile", 0.9)
    assert make_context(metric="macro_f1").metric == "f1"


def test_brier_multilabel_and_proportion_scores_against_numpy() -> None:
    y = np.array([0, 1, 1, 0])
    proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    assert mx.score("brier", y, proba, 2) == pytest.approx(np.mean((proba[:, 1] - y) ** 2))
    soft = np.array([0.2, 0.5, 0.9])
    p = np.array([0.25, 0.4, 0.8])
    expected = -np.mean(soft * np.log(p) + (1 - soft) * np.log(1 - p))
    assert mx.score("log_loss", soft, p, 0) == pytest.approx(expected)
    labels = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    probs = np.array([[0.8, 0.3], [0.4, 0.6], [0.7, 0.2], [0.1, 0.4]])
    hard = probs >= 0.5
    tp = (hard & (labels == 1)).sum()
    fp = (hard & (labels == 0)).sum()
    fn = (~hard & (labels == 1)).sum()
    assert mx.score("micro_f1", labels, probs, 0) == pytest.approx(2 * tp / (2 * tp + fp + fn))
    per_label = [
        -np.mean(labels[:, j] * np.log(probs[:, j]) + (1 - labels[:, j]) * np.log(1 - probs[:, j]))
        for j in range(2)
    ]
    assert mx.score("log_loss", labels, probs, 0) == pytest.approx(np.mean(per_label))


def test_zero_heavy_targets_never_default_to_mae() -> None:
    rng = np.random.default_rng(0)
    amounts = np.where(rng.random(500) < 0.7, 0.0, rng.gamma(2.0, 3.0, 500))
    assert np.median(np.abs(amounts)) == 0.0  # predicting 0 would win MAE
    assert mx.default_metric("regression", amounts)[0] == "tweedie_deviance"
    counts = rng.poisson(0.3, 500).astype(float)
    assert mx.default_metric("regression", counts)[0] == "poisson_deviance"
    assert mx.default_metric("regression", amounts + 1.0)[0] == "gamma_deviance"
    assert mx.default_metric("regression", rng.normal(size=50))[0] == "mae"
    assert "tweedie_deviance" in mx.panel_for("regression", amounts, "tweedie_deviance")
