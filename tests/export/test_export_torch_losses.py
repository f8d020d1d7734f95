"""lossadvisor.torch_losses against independent formulas (numpy, scipy, scikit-learn metrics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats
from sklearn import metrics

from lossadvisor import torch_losses as tl

RNG = np.random.default_rng(7)
PRED = RNG.normal(size=50)
TRUE = RNG.normal(size=50) * 3


def value(loss: torch.nn.Module, pred: np.ndarray, target: np.ndarray) -> float:
    return float(loss(torch.tensor(pred), torch.tensor(target)))


def test_pinball_matches_sklearn_mean_pinball_loss() -> None:
    for tau in (0.1, 0.5, 0.9):
        expected = metrics.mean_pinball_loss(TRUE, PRED, alpha=tau)
        assert math.isclose(value(tl.PinballLoss(tau), PRED, TRUE), expected, rel_tol=1e-9)


def test_tweedie_and_gamma_deviance_match_sklearn() -> None:
    counts = RNG.poisson(2.0, size=60).astype(float)
    log_mu = RNG.normal(size=60) * 0.3 + 0.5
    for power in (1.2, 1.5, 1.8):
        expected = metrics.mean_tweedie_deviance(counts, np.exp(log_mu), power=power)
        assert math.isclose(
            value(tl.TweedieDevianceLoss(power), log_mu, counts), expected, rel_tol=1e-9
        )
    positive = RNG.gamma(2.0, size=60)
    expected = metrics.mean_gamma_deviance(positive, np.exp(log_mu))
    assert math.isclose(value(tl.GammaDevianceLoss(), log_mu, positive), expected, rel_tol=1e-9)


def test_negative_binomial_matches_scipy_nbinom() -> None:
    counts = RNG.poisson(4.0, size=40).astype(float)
    log_mu = RNG.normal(size=40) * 0.2 + 1.3
    alpha = 0.7
    r = 1 / alpha
    mu = np.exp(log_mu)
    expected = -np.mean(stats.nbinom.logpmf(counts, r, r / (r + mu)))
    assert math.isclose(
        value(tl.NegativeBinomialNLLLoss(alpha), log_mu, counts), expected, rel_tol=1e-9
    )


def test_regression_losses_match_their_formulas() -> None:
    r = PRED - TRUE
    assert math.isclose(
        value(tl.LogCoshLoss(), PRED, TRUE), np.mean(np.log(np.cosh(r))), rel_tol=1e-9
    )
    d = 1.5
    pseudo = np.mean(d**2 * (np.sqrt(1 + (r / d) ** 2) - 1))
    assert math.isclose(value(tl.PseudoHuberLoss(d), PRED, TRUE), pseudo, rel_tol=1e-9)
    c = 1.0
    berhu = np.mean(np.where(np.abs(r) <= c, np.abs(r), (r**2 + c**2) / (2 * c)))
    assert math.isclose(value(tl.BerHuLoss(c), PRED, TRUE), berhu, rel_tol=1e-9)
    w, eps = 10.0, 2.0
    const = w - w * np.log(1 + w / eps)
    wing = np.mean(np.where(np.abs(r) < w, w * np.log(1 + np.abs(r) / eps), np.abs(r) - const))
    assert math.isclose(
        value(tl.WingLoss(w, eps), PRED * 8, TRUE * 8), wing_at(8, w, eps), rel_tol=1e-9
    )
    assert math.isclose(value(tl.WingLoss(w, eps), PRED, TRUE), wing, rel_tol=1e-9)
    positive = np.abs(TRUE) + 1
    mape = metrics.mean_absolute_percentage_error(positive, PRED)
    assert math.isclose(value(tl.MAPELoss(), PRED, positive), mape, rel_tol=1e-9)


def wing_at(scale: float, w: float, eps: float) -> float:
    r = np.abs(scale * (PRED - TRUE))
    const = w - w * np.log(1 + w / eps)
    return float(np.mean(np.where(r < w, w * np.log(1 + r / eps), r - const)))


@pytest.mark.parametrize(
    ("alpha", "formula"),
    [
        (2.0, lambda z: 0.5 * z**2),
        (1.0, lambda z: np.sqrt(z**2 + 1) - 1),
        (0.0, lambda z: np.log(0.5 * z**2 + 1)),
        (-2.0, lambda z: 2 * z**2 / (z**2 + 4)),
        (-math.inf, lambda z: 1 - np.exp(-0.5 * z**2)),
    ],
)
def test_barron_special_cases(alpha: float, formula: object) -> None:
    scale = 0.8
    z = (PRED - TRUE) / scale
    expected = np.mean(formula(z))  # type: ignore[operator]
    assert math.isclose(value(tl.BarronLoss(alpha, scale), PRED, TRUE), expected, rel_tol=1e-9)


def test_distillation_kl_matches_scipy() -> None:
    student = RNG.normal(size=(6, 4))
    teacher = RNG.normal(size=(6, 4))
    t = 3.0
    p = special.softmax(teacher / t, axis=1)
    q = special.softmax(student / t, axis=1)
    expected = special.rel_entr(p, q).sum(axis=1).mean() * t * t
    assert math.isclose(value(tl.DistillationKLLoss(t), student, teacher), expected, rel_tol=1e-9)


def test_info_nce_matches_numpy() -> None:
    q = RNG.normal(size=(5, 3))
    k = RNG.normal(size=(5, 3))
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    kn = k / np.linalg.norm(k, axis=1, keepdims=True)
    logits = qn @ kn.T / 0.1
    expected = -np.mean(np.diag(special.log_softmax(logits, axis=1)))
    assert math.isclose(value(tl.InfoNCELoss(0.1), q, k), expected, rel_tol=1e-9)


def test_focal_tversky_with_half_weights_and_exponent_one_is_soft_dice() -> None:
    logits = RNG.normal(size=(2, 1, 5, 5))
    mask = (RNG.random((2, 1, 5, 5)) > 0.6).astype(float)
    p = 1 / (1 + np.exp(-logits))
    dice = []
    for i in range(2):
        tp = (p[i] * mask[i]).sum()
        fp = (p[i] * (1 - mask[i])).sum()
        fn = ((1 - p[i]) * mask[i]).sum()
        dice.append(1 - 2 * tp / (2 * tp + fp + fn))
    loss = tl.FocalTverskyLoss(alpha=0.5, beta=0.5, exponent=1.0, smooth=0.0)
    assert math.isclose(value(loss, logits, mask), float(np.mean(dice)), rel_tol=1e-9)


def test_lovasz_hinge_on_one_pixel_is_the_hinge() -> None:
    for logit, label in ((0.3, 1.0), (-2.0, 1.0), (0.5, 0.0)):
        sign = 2 * label - 1
        expected = max(0.0, 1 - logit * sign)
        assert math.isclose(
            value(tl.LovaszHingeLoss(), np.array([logit]), np.array([label])), expected
        )


def test_lovasz_softmax_is_zero_for_confident_correct_and_positive_otherwise() -> None:
    labels = np.array([[0, 1, 2, 1]])
    confident = np.full((1, 3, 4), -20.0)
    for j, c in enumerate(labels[0]):
        confident[0, c, j] = 20.0
    assert value(tl.LovaszSoftmaxLoss(), confident, labels) < 1e-6
    wrong = np.roll(confident, 1, axis=1)
    assert value(tl.LovaszSoftmaxLoss(), wrong, labels) > 0.9


def _iou_terms(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    area = lambda z: (z[2] - z[0]) * (z[3] - z[1])  # noqa: E731
    iou = inter / (area(a) + area(b) - inter)
    centre = ((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2) ** 2 + (
        (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2
    ) ** 2
    diag = (max(a[2], b[2]) - min(a[0], b[0])) ** 2 + (max(a[3], b[3]) - min(a[1], b[1])) ** 2
    return iou, centre, diag


def test_diou_and_ciou_match_the_paper_formulas() -> None:
    pred = np.array([[1.0, 1.0, 4.0, 3.0]])
    true = np.array([[2.0, 0.5, 5.0, 4.5]])
    iou, centre, diag = _iou_terms(pred[0], true[0])
    diou = 1 - iou + centre / diag
    assert math.isclose(value(tl.DIoULoss(eps=1e-15), pred, true), diou, rel_tol=1e-9)
    v = 4 / math.pi**2 * (math.atan(3 / 4) - math.atan(3 / 2)) ** 2
    alpha = v / (1 - iou + v)
    assert math.isclose(value(tl.CIoULoss(eps=1e-15), pred, true), diou + alpha * v, rel_tol=1e-9)


def test_list_wrappers_equal_the_tensor_losses() -> None:
    logits = torch.tensor([[0.2, -1.0, 0.5], [1.0, 0.0, -0.3]])
    labels = torch.tensor([2, 0])
    weights = [0.5, 2.0, 1.5]
    wrapped = tl.CrossEntropyLossFromList(weight=weights, label_smoothing=0.1)(logits, labels)
    plain = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights), label_smoothing=0.1)(
        logits, labels
    )
    assert torch.isclose(wrapped, plain)
    x = torch.tensor([[0.3], [-0.7]])
    y = torch.tensor([[1.0], [0.0]])
    assert torch.isclose(
        tl.BCEWithLogitsLossFromList(pos_weight=[3.0])(x, y),
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))(x, y),
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="tau"):
        tl.PinballLoss(1.5)
    with pytest.raises(ValueError, match="power"):
        tl.TweedieDevianceLoss(2.5)
    with pytest.raises(ValueError, match="method"):
        tl.MultiTaskLoss({"a": torch.nn.MSELoss()}, method="gradnorm")
