"""The catalog's formulas and gradients agree: each analytic gradient, transcribed from
rules/losses.yaml, matches a central finite difference of the transcribed loss.

This guards the catalog text (a sign or factor slip in a `gradient:` string shows up here);
the audit checked the same way (seed-audit §5).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from knowledge_helpers import read_yaml
from numpy.typing import NDArray
from scipy.special import expit, gammaln, log_softmax, softmax

Array = NDArray[np.float64]
Fn = Callable[[Array], float]

RNG = np.random.default_rng(7)
Y = np.array([0.3, -1.2, 2.5, 0.05, 4.0])
PRED = np.array([0.9, -0.4, 1.1, -0.35, 9.5])  # residuals away from every kink below


def numeric_grad(loss: Fn, x: Array, h: float = 1e-6) -> Array:
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (loss(x + step) - loss(x - step)) / (2 * h)
    return grad


# Each case: loss(prediction) -> summed loss, analytic gradient(prediction), a prediction point.
def regression_cases() -> dict[str, tuple[Fn, Callable[[Array], Array], Array]]:
    y, d, b, tau, c, w, eps = Y, 1.0, 1.0, 0.9, 1.0, 10.0, 2.0
    big_c = w - w * np.log(1 + w / eps)

    def barron(alpha: float, scale: float) -> tuple[Fn, Callable[[Array], Array]]:
        a2 = abs(alpha - 2)

        def loss(p: Array) -> float:
            r = (p - y) / scale
            return float(np.sum(a2 / alpha * ((r**2 / a2 + 1) ** (alpha / 2) - 1)))

        def grad(p: Array) -> Array:
            r = p - y
            return np.asarray(r / scale**2 * ((r / scale) ** 2 / a2 + 1) ** (alpha / 2 - 1))

        return loss, grad

    cases: dict[str, tuple[Fn, Callable[[Array], Array], Array]] = {
        "mse": (lambda p: float(np.sum((p - y) ** 2)), lambda p: 2 * (p - y), PRED),
        "mae": (lambda p: float(np.sum(np.abs(p - y))), lambda p: np.sign(p - y), PRED),
        "huber": (
            lambda p: float(
                np.sum(
                    np.where(np.abs(p - y) <= d, 0.5 * (p - y) ** 2, d * (np.abs(p - y) - 0.5 * d))
                )
            ),
            lambda p: np.clip(p - y, -d, d),
            PRED,
        ),
        "smooth_l1": (
            lambda p: float(
                np.sum(np.where(np.abs(p - y) < b, 0.5 * (p - y) ** 2 / b, np.abs(p - y) - 0.5 * b))
            ),
            lambda p: np.clip((p - y) / b, -1, 1),
            PRED,
        ),
        "pseudo_huber": (
            lambda p: float(np.sum(d**2 * (np.sqrt(1 + ((p - y) / d) ** 2) - 1))),
            lambda p: (p - y) / np.sqrt(1 + ((p - y) / d) ** 2),
            PRED,
        ),
        "log_cosh": (
            lambda p: float(np.sum(np.log(np.cosh(p - y)))),
            lambda p: np.tanh(p - y),
            PRED,
        ),
        "pinball": (
            lambda p: float(np.sum(np.maximum(tau * (y - p), (tau - 1) * (y - p)))),
            lambda p: np.where(y > p, -tau, 1 - tau),
            PRED,
        ),
        "berhu": (
            lambda p: float(
                np.sum(np.where(np.abs(p - y) <= c, np.abs(p - y), ((p - y) ** 2 + c**2) / (2 * c)))
            ),
            lambda p: np.where(np.abs(p - y) <= c, np.sign(p - y), (p - y) / c),
            PRED,
        ),
        "wing": (
            lambda p: float(
                np.sum(
                    np.where(
                        np.abs(p - y) < w,
                        w * np.log(1 + np.abs(p - y) / eps),
                        np.abs(p - y) - big_c,
                    )
                )
            ),
            lambda p: np.where(
                np.abs(p - y) < w, np.sign(p - y) * w / (eps + np.abs(p - y)), np.sign(p - y)
            ),
            PRED + np.array([0, 0, 0, 0, 8.0]),  # one residual beyond w
        ),
        "barron(α=0.5)": (*barron(0.5, 1.3), PRED),
        "barron(α=-2)": (*barron(-2.0, 0.7), PRED),
        "mape": (
            lambda p: float(np.sum(np.abs(p - y) / np.maximum(np.abs(y), 1e-16))),
            lambda p: np.sign(p - y) / np.maximum(np.abs(y), 1e-16),
            PRED,
        ),
    }
    return cases


def distribution_cases() -> dict[str, tuple[Fn, Callable[[Array], Array], Array]]:
    """Losses of the log-mean z = log μ (and the Gaussian NLL of (μ, σ²))."""
    counts = np.array([0.0, 3.0, 7.0, 1.0, 12.0])
    amounts = np.array([0.4, 2.5, 7.0, 1.1, 12.0])
    z = np.log(np.array([0.5, 2.0, 9.0, 1.5, 10.0]))
    alpha, power = 0.5, 1.5

    def nb(zz: Array) -> float:
        mu, r = np.exp(zz), 1 / alpha
        ll = (
            gammaln(counts + r)
            - gammaln(r)
            - gammaln(counts + 1)
            - r * np.log(1 + alpha * mu)
            + counts * np.log(alpha * mu / (1 + alpha * mu))
        )
        return float(-np.sum(ll))

    def tweedie(zz: Array) -> float:
        mu, y, p = np.exp(zz), amounts, power
        return float(
            np.sum(
                2
                * (
                    y ** (2 - p) / ((1 - p) * (2 - p))
                    - y * mu ** (1 - p) / (1 - p)
                    + mu ** (2 - p) / (2 - p)
                )
            )
        )

    y_g = Y
    point = np.concatenate([PRED, np.array([0.5, 1.5, 2.0, 0.8, 3.0])])  # μ then σ²

    def gauss(v: Array) -> float:
        mu, var = v[:5], v[5:]
        return float(np.sum(0.5 * (np.log(var) + (y_g - mu) ** 2 / var)))

    def gauss_grad(v: Array) -> Array:
        mu, var = v[:5], v[5:]
        return np.concatenate([(mu - y_g) / var, 0.5 * (1 / var - (y_g - mu) ** 2 / var**2)])

    return {
        "poisson": (
            lambda zz: float(np.sum(np.exp(zz) - counts * zz)),
            lambda zz: np.exp(zz) - counts,
            z,
        ),
        "negative_binomial": (
            nb,
            lambda zz: (np.exp(zz) - counts) / (1 + alpha * np.exp(zz)),
            z,
        ),
        "gamma": (
            lambda zz: float(
                np.sum(2 * ((amounts - np.exp(zz)) / np.exp(zz) - np.log(amounts / np.exp(zz))))
            ),
            lambda zz: 2 * (1 - amounts / np.exp(zz)),
            z,
        ),
        "tweedie": (
            tweedie,
            lambda zz: 2 * (np.exp(zz) - amounts) * np.exp(zz) ** (1 - power),
            z,
        ),
        "gaussian_nll": (gauss, gauss_grad, point),
    }


def classification_cases() -> dict[str, tuple[Fn, Callable[[Array], Array], Array]]:
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    soft = np.array([0.2, 0.9, 0.5, 0.05, 0.7])
    z = np.array([0.3, -1.1, 2.2, 0.7, -0.4])
    a, g, w_pos = 0.25, 2.0, 3.0

    def focal(zz: Array) -> float:
        p = expit(zz)
        pt = np.where(y == 1, p, 1 - p)
        at = np.where(y == 1, a, 1 - a)
        return float(np.sum(-at * (1 - pt) ** g * np.log(pt)))

    def focal_grad(zz: Array) -> Array:
        p = expit(zz)
        pos = a * (1 - p) ** g * (g * p * np.log(p) + p - 1)
        neg = (1 - a) * p**g * (p - g * (1 - p) * np.log(1 - p))
        return np.asarray(np.where(y == 1, pos, neg))

    def bce(targets: Array) -> Fn:
        return lambda zz: float(
            -np.sum(targets * np.log(expit(zz)) + (1 - targets) * np.log(1 - expit(zz)))
        )

    return {
        "bce": (bce(y), lambda zz: expit(zz) - y, z),
        "soft_bce": (bce(soft), lambda zz: expit(zz) - soft, z),
        "weighted_bce": (
            lambda zz: float(
                -np.sum(w_pos * y * np.log(expit(zz)) + (1 - y) * np.log(1 - expit(zz)))
            ),
            lambda zz: w_pos * y * (expit(zz) - 1) + (1 - y) * expit(zz),
            z,
        ),
        "focal_binary": (focal, focal_grad, z),
        "hinge": (
            lambda zz: float(np.sum(np.maximum(0, 1 - (2 * y - 1) * zz))),
            lambda zz: np.where((2 * y - 1) * zz < 1, -(2 * y - 1), 0.0),
            z,
        ),
    }


def softmax_cases() -> dict[str, tuple[Fn, Callable[[Array], Array], Array]]:
    z = np.array([0.3, -1.2, 0.8, 0.1])
    k, label, eps, a, g = 4, 2, 0.1, 0.7, 2.0
    onehot = np.eye(k)[label]
    smooth = (1 - eps) * onehot + eps / k
    teacher = np.array([1.5, -0.3, 0.2, 0.9])
    temp, lam = 2.0, 0.5
    target = softmax(teacher)

    def focal(zz: Array) -> float:
        py = softmax(zz)[label]
        return float(-a * (1 - py) ** g * np.log(py))

    def focal_grad(zz: Array) -> Array:
        p = softmax(zz)
        py = p[label]
        return np.asarray(a * (1 - py) ** (g - 1) * (g * py * np.log(py) - (1 - py)) * (onehot - p))

    def distill(zz: Array) -> float:
        ce = -log_softmax(zz)[label]
        pt = softmax(teacher / temp)
        kl = np.sum(pt * (np.log(pt) - log_softmax(zz / temp)))
        return float((1 - lam) * ce + lam * temp**2 * kl)

    def distill_grad(zz: Array) -> Array:
        return np.asarray(
            (1 - lam) * (softmax(zz) - onehot)
            + lam * temp * (softmax(zz / temp) - softmax(teacher / temp))
        )

    return {
        "ce": (lambda zz: float(-log_softmax(zz)[label]), lambda zz: softmax(zz) - onehot, z),
        "label_smoothing_ce": (
            lambda zz: float(-np.sum(smooth * log_softmax(zz))),
            lambda zz: softmax(zz) - smooth,
            z,
        ),
        "focal_multiclass": (focal, focal_grad, z),
        "kl_div": (
            lambda zz: float(np.sum(target * (np.log(target) - log_softmax(zz)))),
            lambda zz: softmax(zz) - target,
            z,
        ),
        "distillation_kl": (distill, distill_grad, z),
    }


def overlap_cases() -> dict[str, tuple[Fn, Callable[[Array], Array], Array]]:
    g = (RNG.random(12) < 0.3).astype(float)
    g[0] = 1.0
    p0 = RNG.uniform(0.05, 0.95, 12)
    s, a, b = 1.0, 0.3, 0.7

    def dice(p: Array) -> float:
        return float(1 - (2 * np.sum(p * g) + s) / (np.sum(p) + np.sum(g) + s))

    def dice_grad(p: Array) -> Array:
        i, big_p, big_g = np.sum(p * g), np.sum(p), np.sum(g)
        return np.asarray(((2 * i + s) - 2 * g * (big_p + big_g + s)) / (big_p + big_g + s) ** 2)

    def tversky(p: Array) -> float:
        tp, fp, fn = np.sum(p * g), np.sum(p * (1 - g)), np.sum((1 - p) * g)
        return float(1 - (tp + s) / (tp + a * fp + b * fn + s))

    def tversky_grad(p: Array) -> Array:
        tp, fp, fn = np.sum(p * g), np.sum(p * (1 - g)), np.sum((1 - p) * g)
        den = tp + a * fp + b * fn + s
        return np.asarray(-(g * den - (tp + s) * (g * (1 - b) + a * (1 - g))) / den**2)

    def jaccard(p: Array) -> float:
        i = np.sum(p * g) + s
        u = np.sum(p) + np.sum(g) - np.sum(p * g) + s
        return float(1 - i / u)

    def jaccard_grad(p: Array) -> Array:
        i = np.sum(p * g) + s
        u = np.sum(p) + np.sum(g) - np.sum(p * g) + s
        return np.asarray(-(g * u - i * (1 - g)) / u**2)

    return {
        "dice": (dice, dice_grad, p0),
        "tversky": (tversky, tversky_grad, p0),
        "jaccard": (jaccard, jaccard_grad, p0),
    }


CASES = {
    **regression_cases(),
    **distribution_cases(),
    **classification_cases(),
    **softmax_cases(),
    **overlap_cases(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name: str) -> None:
    loss, grad, point = CASES[name]
    np.testing.assert_allclose(grad(point), numeric_grad(loss, point), rtol=1e-5, atol=1e-7)


def test_the_checked_losses_are_catalog_entries() -> None:
    catalog = {entry["id"] for entry in read_yaml("losses.yaml")["losses"]}
    checked = {name.split("(")[0] for name in CASES}
    assert checked <= catalog
    assert len(checked) >= 25
