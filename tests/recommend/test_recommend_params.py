"""Named derivations against independent computations (numpy, scikit-learn, simulation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from lossadvisor.params import (
    DERIVATIONS,
    DerivationInputs,
    Derived,
    Missing,
    clamp_to_spec,
    derive,
)
from lossadvisor.rules.schema import ParamSpec


def _facts_from(y: np.ndarray) -> dict[str, float | str]:
    mad = float(np.median(np.abs(y - np.median(y))))
    return {
        "target_type": "continuous",
        "mad_sigma": 1.4826 * mad,
        "mean": float(y.mean()),
        "std": float(y.std()),
        "median": float(np.median(y)),
        "min": float(y.min()),
        "max": float(y.max()),
    }


def test_huber_delta_is_1345_mad_sigma() -> None:
    rng = np.random.default_rng(7)
    y = rng.normal(10.0, 3.0, 20_000)
    got = derive("huber_delta_mad", DerivationInputs(facts=_facts_from(y), current=1.0))
    assert isinstance(got, Derived)
    expected = 1.345 * 1.4826 * np.median(np.abs(y - np.median(y)))
    assert got.value == pytest.approx(expected, rel=1e-5)
    assert got.value == pytest.approx(1.345 * 3.0, rel=0.03)  # MAD-sigma estimates σ
    assert "1.345 × mad_sigma" in got.derivation and "95 %" in got.derivation
    beta = derive("smooth_l1_beta_mad", DerivationInputs(facts=_facts_from(y), current=1.0))
    assert isinstance(beta, Derived) and beta.value == got.value


def test_missing_scale_keeps_default_and_says_why() -> None:
    got = derive("huber_delta_mad", DerivationInputs(facts={}, param="delta", current=1.0))
    assert isinstance(got, Missing)
    assert got.derivation.startswith("no data: default δ = 1.0 in target units")
    zero = derive(
        "huber_delta_mad",
        DerivationInputs(facts={"target_type": "continuous", "mad_sigma": 0.0}, current=1.0),
    )
    assert isinstance(zero, Missing) and "mad_sigma is 0" in zero.derivation


def test_berhu_c_is_a_fifth_of_the_largest_deviation() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0, 40.0])
    got = derive("berhu_c_mad", DerivationInputs(facts=_facts_from(y), param="c", current=1.0))
    assert isinstance(got, Derived)
    assert got.value == pytest.approx(0.2 * np.max(np.abs(y - np.median(y))))


def test_pos_weight_and_focal_alpha_from_counts() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(5_100) < 1 / 51).astype(int)
    labels, counts = np.unique(y, return_counts=True)
    table = {str(label): int(n) for label, n in zip(labels, counts, strict=True)}
    inputs = DerivationInputs(class_counts=table, current=1.0)
    pos_weight = derive("pos_weight_ratio", inputs)
    alpha = derive("focal_alpha_prior", inputs)
    assert isinstance(pos_weight, Derived) and isinstance(alpha, Derived)
    assert pos_weight.value == pytest.approx((y == 0).sum() / (y == 1).sum(), rel=1e-5)
    assert alpha.value == pytest.approx(1 - y.mean(), rel=1e-5)


def test_positive_label_is_the_minority_when_labels_are_not_0_1() -> None:
    table = {"spam": 120, "ham": 880}
    got = derive("pos_weight_ratio", DerivationInputs(class_counts=table, current=1.0))
    assert isinstance(got, Derived) and got.value == pytest.approx(880 / 120, rel=1e-5)
    assert "'spam'" in got.derivation
    # "yes" is read as positive even when it is the majority
    got = derive("pos_weight_ratio", DerivationInputs(class_counts={"yes": 900, "no": 100}))
    assert isinstance(got, Derived) and got.value == pytest.approx(100 / 900, rel=1e-5)


def test_inverse_class_weights_match_scikit_learn() -> None:
    rng = np.random.default_rng(5)
    y = rng.choice(["a", "b", "c"], size=3_000, p=[0.7, 0.25, 0.05])
    labels, counts = np.unique(y, return_counts=True)
    table = {str(label): int(n) for label, n in zip(labels, counts, strict=True)}
    got = derive("class_weights_inverse", DerivationInputs(class_counts=table))
    assert isinstance(got, Derived)
    expected = compute_class_weight("balanced", classes=labels, y=y)
    for label, weight in zip(labels, expected, strict=True):
        assert got.value[str(label)] == pytest.approx(weight, rel=1e-5)


def test_effective_number_weights_follow_cui_and_the_losss_beta() -> None:
    table = {"head": 5_000, "tail": 50}
    for beta in (0.99, 0.999):
        got = derive(
            "class_weights_effective", DerivationInputs(class_counts=table, siblings={"beta": beta})
        )
        assert isinstance(got, Derived)
        raw = {k: (1 - beta) / (1 - beta**n) for k, n in table.items()}
        scale = len(raw) / sum(raw.values())
        for label in table:
            assert got.value[label] == pytest.approx(raw[label] * scale, rel=1e-5)
        assert sum(got.value.values()) == pytest.approx(2.0, rel=1e-5)
        assert f"β = {beta}" in got.derivation


def _tweedie_sample(p: float, mu: float, phi: float, n: int, seed: int) -> np.ndarray:
    """Compound Poisson–Gamma draws with variance power p (Jørgensen's parametrisation)."""
    rng = np.random.default_rng(seed)
    lam = mu ** (2 - p) / (phi * (2 - p))
    shape = (2 - p) / (p - 1)
    scale = phi * (p - 1) * mu ** (p - 1)
    counts = rng.poisson(lam, n)
    return np.array([rng.gamma(shape, scale, k).sum() if k else 0.0 for k in counts])


@pytest.mark.parametrize("power", [1.3, 1.5, 1.7])
def test_tweedie_power_recovers_the_simulated_power(power: float) -> None:
    y = _tweedie_sample(power, mu=2.0, phi=1.5, n=40_000, seed=11)
    facts = {
        "target_type": "positive_continuous",
        "mean": float(y.mean()),
        "dispersion_index": float(y.var() / y.mean()),
        "zero_ratio": float((y == 0).mean()),
    }
    got = derive("tweedie_power_shape", DerivationInputs(facts=facts, current=1.5))
    assert isinstance(got, Derived)
    assert got.value == pytest.approx(power, abs=0.05)


def test_tweedie_power_of_poisson_counts_is_near_one_and_gamma_without_zeros() -> None:
    rng = np.random.default_rng(2)
    y = rng.poisson(2.0, 50_000)
    facts = {
        "mean": float(y.mean()),
        "dispersion_index": float(y.var() / y.mean()),
        "zero_ratio": float((y == 0).mean()),
        "target_type": "count",
    }
    got = derive("tweedie_power_shape", DerivationInputs(facts=facts, current=1.5))
    assert isinstance(got, Derived) and got.value == pytest.approx(1.01, abs=0.03)
    facts["zero_ratio"] = 0.0
    got = derive("tweedie_power_shape", DerivationInputs(facts=facts, current=1.5))
    assert isinstance(got, Derived) and got.value == 2.0


def test_quantile_and_tversky() -> None:
    tau = derive("quantile_from_metric", DerivationInputs(facts={"metric_quantile": 0.9}))
    assert isinstance(tau, Derived) and tau.value == 0.9
    none = derive("quantile_from_metric", DerivationInputs(facts={}, current=0.5))
    assert isinstance(none, Missing) and "0.5" in none.derivation
    balanced = {"foreground_ratio": 0.5}
    rare = {"foreground_ratio": 0.002}
    mid = {"foreground_ratio": 0.05}

    def tv(facts: dict[str, float], param: str) -> float:
        got = derive("tversky_from_foreground", DerivationInputs(facts=facts, param=param))
        assert isinstance(got, Derived)
        return float(got.value)

    assert (tv(balanced, "alpha"), tv(balanced, "beta")) == (0.5, 0.5)
    assert (tv(rare, "alpha"), tv(rare, "beta")) == (0.3, 0.7)
    assert 0.3 < tv(mid, "alpha") < 0.5 < tv(mid, "beta") < 0.7
    assert tv(mid, "alpha") + tv(mid, "beta") == pytest.approx(1.0)


def test_every_derivation_handles_no_data() -> None:
    for name in DERIVATIONS:
        got = derive(name, DerivationInputs(facts={}, param="x", current=1.0))
        assert isinstance(got, Missing), name
        assert "default" in got.derivation, name


def test_clamp_to_spec() -> None:
    spec = ParamSpec(default=1.5, min=1.0, max=2.0, exclusive_max=True, meaning="power")
    assert clamp_to_spec(1.4, spec) == (1.4, "")
    value, note = clamp_to_spec(2.5, spec)
    assert value < 2.0 and "maximum" in note
    assert clamp_to_spec(0.5, spec)[0] == 1.0
    assert math.isclose(clamp_to_spec(3, None)[0], 3)
