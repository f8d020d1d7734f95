"""Custom objectives: gradients and second derivatives against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from lossadvisor.evidence import objectives as obj

STEP = 1e-5


def _points(rng: np.random.Generator, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 3, n), rng.normal(0, 3, n)


def _fd(f, z: np.ndarray, y: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    return (f(z + STEP, y) - f(z - STEP, y)) / (2 * STEP)


REGRESSION = [
    (obj.huber(1.5), 1.5),
    (obj.smooth_l1(0.7), 0.7),
    (obj.pseudo_huber(2.0), None),
    (obj.log_cosh(), None),
]


@pytest.mark.parametrize(("objective", "kink"), REGRESSION, ids=lambda o: getattr(o, "name", ""))
def test_identity_link_gradients_match_finite_differences(objective, kink) -> None:  # type: ignore[no-untyped-def]
    z, y = _points(np.random.default_rng(1))
    keep = np.ones_like(z, dtype=bool)
    if kink is not None:  # the second derivative jumps at |r| = kink
        keep = np.abs(np.abs(z - y) - kink) > 1e-3
    np.testing.assert_allclose(_fd(objective.loss, z, y), objective.grad(z, y), atol=1e-6)
    np.testing.assert_allclose(
        _fd(objective.grad, z, y)[keep], objective.hess(z, y)[keep], atol=1e-5
    )


@pytest.mark.parametrize(("objective", "kink"), REGRESSION, ids=lambda o: getattr(o, "name", ""))
def test_booster_curvature_bounds_the_exact_one(objective, kink) -> None:  # type: ignore[no-untyped-def]
    # The majorise-minimise step needs boost_hess >= hess everywhere (and > 0).
    z, y = _points(np.random.default_rng(2))
    assert np.all(objective.boost_hess(z, y) >= objective.hess(z, y) - 1e-12)
    assert np.all(objective.boost_hess(z, y) > 0)


def test_huber_and_smooth_l1_closed_forms() -> None:
    # Independent values: Huber(δ=1) at r = 0.5 -> 0.125, at r = 3 -> 2.5; Smooth L1 = Huber/β.
    z, y = np.array([0.5, 3.0, -3.0]), np.zeros(3)
    np.testing.assert_allclose(obj.huber(1.0).loss(z, y), [0.125, 2.5, 2.5])
    np.testing.assert_allclose(obj.huber(1.0).grad(z, y), [0.5, 1.0, -1.0])
    np.testing.assert_allclose(
        obj.smooth_l1(2.0).loss(z, y), obj.huber(2.0).loss(z, y) / 2.0, rtol=1e-12
    )


@pytest.mark.parametrize("power", [1.2, 1.5, 1.8, 2.5])
def test_tweedie_matches_finite_differences(power: float) -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(0.5, 1.0, 300)
    y = rng.poisson(2.0, 300).astype(float) + (0.1 if power > 2 else 0.0)
    t = obj.tweedie(power)
    np.testing.assert_allclose(_fd(t.loss, z, y), t.grad(z, y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_fd(t.grad, z, y), t.hess(z, y), rtol=1e-5, atol=1e-6)


def test_tweedie_deviance_matches_scikit_learn() -> None:
    from sklearn.metrics import mean_tweedie_deviance

    rng = np.random.default_rng(4)
    mu = rng.uniform(0.2, 5, 200)
    y = rng.poisson(mu).astype(float)
    ours = obj.tweedie(1.5).loss(np.log(mu), y).mean()
    assert ours == pytest.approx(mean_tweedie_deviance(y, mu, power=1.5), rel=1e-10)


def test_negative_binomial_matches_finite_differences_and_likelihood() -> None:
    from scipy.stats import nbinom

    rng = np.random.default_rng(5)
    z = rng.normal(1.0, 0.8, 300)
    y = rng.poisson(3.0, 300).astype(float)
    nb = obj.negative_binomial(0.5)
    np.testing.assert_allclose(_fd(nb.loss, z, y), nb.grad(z, y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_fd(nb.grad, z, y), nb.hess(z, y), rtol=1e-5, atol=1e-6)
    # Differences in loss between two means equal differences in scipy's −log pmf (NB2: n = 1/α).
    mu_a, mu_b = np.exp(z), np.exp(z + 0.3)
    n = 1 / 0.5
    nll = lambda mu: -nbinom.logpmf(y, n, n / (n + mu))  # noqa: E731
    np.testing.assert_allclose(
        nb.loss(z + 0.3, y) - nb.loss(z, y), nll(mu_b) - nll(mu_a), rtol=1e-8, atol=1e-9
    )


@pytest.mark.parametrize(("alpha", "gamma"), [(0.25, 2.0), (0.5, 0.5), (0.75, 3.0)])
def test_focal_matches_finite_differences(alpha: float, gamma: float) -> None:
    rng = np.random.default_rng(6)
    z = rng.normal(0, 3, 400)
    y = (rng.random(400) < 0.5).astype(float)
    f = obj.focal_binary(alpha, gamma)
    np.testing.assert_allclose(_fd(f.loss, z, y), f.grad(z, y), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(_fd(f.grad, z, y), f.hess(z, y), rtol=1e-4, atol=1e-6)


def test_focal_with_gamma_zero_is_weighted_bce() -> None:
    # γ = 0: −α log p (y=1), −(1−α) log(1−p) (y=0); gradient α(p − 1) and (1 − α)p.
    z = np.linspace(-4, 4, 9)
    p = 1 / (1 + np.exp(-z))
    f = obj.focal_binary(0.3, 0.0)
    np.testing.assert_allclose(f.grad(z, np.ones(9)), 0.3 * (p - 1), rtol=1e-10)
    np.testing.assert_allclose(f.grad(z, np.zeros(9)), 0.7 * p, rtol=1e-10)


def test_label_smoothing_ce_matches_finite_differences() -> None:
    rng = np.random.default_rng(7)
    k, n = 4, 50
    z = rng.normal(0, 2, (n, k))
    y = rng.integers(0, k, n).astype(float)
    ls = obj.label_smoothing_ce(0.1, k)
    grad = ls.grad(z, y)
    hess = ls.hess(z, y)
    for c in range(k):
        e = np.zeros(k)
        e[c] = STEP
        fd = (ls.loss(z + e, y) - ls.loss(z - e, y)) / (2 * STEP)
        np.testing.assert_allclose(fd, grad[:, c], atol=1e-7)
        fd2 = (ls.grad(z + e, y)[:, c] - ls.grad(z - e, y)[:, c]) / (2 * STEP)
        np.testing.assert_allclose(fd2, hess[:, c], atol=1e-6)
    # ε = 0 is plain cross-entropy: −log softmax(z)_y
    plain = obj.label_smoothing_ce(0.0, k).loss(z, y)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(plain, -logp[np.arange(n), y.astype(int)], rtol=1e-10)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 3.0])
def test_focal_multiclass_matches_finite_differences(gamma: float) -> None:
    rng = np.random.default_rng(8)
    k, n = 3, 60
    z = rng.normal(0, 2, (n, k))
    y = rng.integers(0, k, n).astype(float)
    f = obj.focal_multiclass(gamma, k)
    grad, hess = f.grad(z, y), f.hess(z, y)
    for c in range(k):
        e = np.zeros(k)
        e[c] = STEP
        fd = (f.loss(z + e, y) - f.loss(z - e, y)) / (2 * STEP)
        np.testing.assert_allclose(fd, grad[:, c], atol=1e-7)
        fd2 = (f.grad(z + e, y)[:, c] - f.grad(z - e, y)[:, c]) / (2 * STEP)
        np.testing.assert_allclose(fd2, hess[:, c], atol=1e-5)


def test_focal_multiclass_with_gamma_zero_is_cross_entropy() -> None:
    z = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    y = np.array([0.0, 1.0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    f = obj.focal_multiclass(0.0, 3)
    np.testing.assert_allclose(f.grad(z, y), p - np.eye(3)[[0, 1]], rtol=1e-10)
    np.testing.assert_allclose(f.hess(z, y), p * (1 - p), rtol=1e-10)


def test_non_convex_losses_hand_the_booster_a_positive_curvature() -> None:
    # focal's exact second derivative is negative somewhere; the booster gets |h| (floored)
    z = np.linspace(-8, 8, 401)
    for y in (np.zeros_like(z), np.ones_like(z)):
        f = obj.focal_binary(0.25, 2.0)
        exact = f.hess(z, y)
        assert np.all(f.boost_hess(z, y) >= np.abs(exact) - 1e-15)
        assert np.all(f.boost_hess(z, y) > 0)
    assert np.any(obj.focal_binary(0.25, 2.0).hess(z, np.ones_like(z)) < 0)
