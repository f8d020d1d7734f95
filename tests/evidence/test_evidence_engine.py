"""Like for like: one engine, and each custom objective is the loss LightGBM's own would train.

Where LightGBM has a native objective for a loss, the custom objective written from the audited
formula must grow the same trees (same gradient, same curvature, same start): trained side by
side with literal LightGBM parameters, their predictions agree to rounding. The native quantile
objective, which validate uses for mae and pinball, must give leaf values that minimise our
pinball loss exactly on the rows of each leaf. And the parallel run gives the serial numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from evidence_helpers import frame

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.proxies import ProxySettings, fit_predict

# Literal LightGBM settings (not lossadvisor's helper): one thread, no regularisation.
NATIVE = {
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "min_sum_hessian_in_leaf": 1e-3,
    "min_data_in_bin": 1,
    "lambda_l2": 0.0,
    "max_bin": 255,
    "seed": 0,
    "deterministic": True,
    "force_col_wise": True,
    "feature_pre_filter": False,
    "verbose": -1,
    "num_threads": 1,
}


def _native(objective: str, x: np.ndarray, y: np.ndarray, x_test: np.ndarray, **extra: float):
    import lightgbm

    params = {**NATIVE, "objective": objective, **extra}
    booster = lightgbm.train(params, lightgbm.Dataset(x, label=y), num_boost_round=100)
    return booster.predict(x_test)


@pytest.mark.parametrize(
    ("loss", "objective", "extra", "make_y"),
    [
        (
            "mse",
            "regression",
            {},
            lambda x, r: x[:, 0] * 3 + np.sin(x[:, 1]) + r.normal(size=len(x)),
        ),
        ("bce", "binary", {}, lambda x, r: (x[:, 0] + r.logistic(size=len(x)) > 0.5).astype(int)),
        (  # LightGBM's poisson curvature is e^(z + max_delta_step), step > 0: not ours
            "gamma",
            "gamma",
            {},
            lambda x, r: r.gamma(2.0, np.exp(0.5 * x[:, 0] - 0.3 * x[:, 1]) / 2.0),
        ),
    ],
)
def test_custom_objective_grows_the_native_trees(loss, objective, extra, make_y) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 4))
    y = make_y(x, rng)
    x_train, x_test, y_train = x[:900], x[900:], y[:900]
    fixed = ProxySettings(learning_rate=0.1, max_leaves=31, n_iter=100, early_stopping=False)
    ours = fit_predict(loss, {}, x_train, y_train, x_test, fixed, 2 if loss == "bce" else 0)
    theirs = _native(objective, x_train, y_train.astype(float), x_test, **extra)
    mine = ours[:, 1] if loss == "bce" else ours
    np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("tau", [0.5, 0.9])
def test_native_quantile_leaves_minimise_our_pinball_loss(tau: float) -> None:
    """One round at learning rate 1 from the τ-quantile start: every leaf's value is the
    τ-quantile of the leaf's rows, interpolated between the two order statistics that bracket
    it, so its pinball loss is within 1 % of the exact minimum over every candidate c (and
    equal to it at τ = 0.5 with an odd count)."""
    import lightgbm

    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 3))
    y = x[:, 0] + rng.standard_t(2, 600)
    params = {**NATIVE, "objective": "quantile", "alpha": tau, "learning_rate": 1.0,
              "num_leaves": 6, "boost_from_average": True}  # fmt: skip
    booster = lightgbm.train(params, lightgbm.Dataset(x, label=y), num_boost_round=1)
    leaves = booster.predict(x, pred_leaf=True).ravel()
    pred = booster.predict(x)

    def pinball(u: np.ndarray) -> float:
        return float(np.maximum(tau * u, (tau - 1) * u).sum())

    assert len(set(leaves)) >= 4
    for leaf in set(leaves):
        rows = y[leaves == leaf]
        value = pred[leaves == leaf][0]
        best = min(pinball(rows - c) for c in rows)
        ordered = np.sort(rows)
        position = tau * (len(rows) - 1)
        low = ordered[max(int(np.floor(position)) - 1, 0)]  # the neighbouring order statistics
        high = ordered[min(int(np.ceil(position)) + 1, len(rows) - 1)]
        assert low - 1e-6 <= value <= high + 1e-6
        assert pinball(rows - value) <= best * 1.01


def test_validate_uses_one_engine_and_says_so_once() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    counts = rng.poisson(np.exp(0.4 * x[:, 0]))
    result = cross_validate(frame(x, counts), "y", ["mse", "mae", "poisson", "tweedie"], n_folds=3)
    assert result.engine.startswith("LightGBM") and "seed 0" in result.engine
    assert result.proxy_settings["threads"] == 1


@pytest.mark.slow
def test_parallel_workers_give_the_serial_numbers() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1500, 4))
    y = (x[:, 0] - x[:, 1] + rng.logistic(size=1500) > 1.5).astype(int)
    losses = ["bce", "weighted_bce", "focal_binary"]
    serial = cross_validate(frame(x, y), "y", losses, n_folds=4, jobs=1)
    parallel = cross_validate(frame(x, y), "y", losses, n_folds=4, jobs=2)
    assert parallel.jobs == 2
    assert [e.fold_scores for e in serial.losses] == [e.fold_scores for e in parallel.losses]
    assert serial.verdict == parallel.verdict


def test_the_row_round_budget_scales_rounds_and_learning_rate_only_for_large_fits() -> None:
    base = ProxySettings(round_budget=8_000_000)  # 0.05 × 1000 rounds, 8e6 row-rounds per fit
    assert base.scaled(8_000) == base  # 8,000 × 1000 is within the budget: untouched
    big = base.scaled(64_000)
    assert (big.n_iter, big.learning_rate) == (125, 0.4)  # 8e6 / 64e3; 0.05 × 1000 / 125
    assert big.scaled(64_000) == big and big.scaled(60_000) == big  # one cap for every fold
    huge = base.scaled(10_000_000)
    assert (huge.n_iter, huge.learning_rate) == (100, 0.5)  # never below 100 rounds
    assert ProxySettings(round_budget=0).scaled(10**7).n_iter == 1000  # 0: no budget
    default = ProxySettings()  # a row sample has its own budget: 4,000,000 / 20,000 rounds
    assert default.scaled(8_000) == default and default.scaled(4_000, sampled=True) == default
    on_sample = default.scaled(20_000, sampled=True)
    assert (on_sample.n_iter, on_sample.learning_rate) == (200, 0.25)
    assert (default.scaled(20_000).n_iter, default.scaled(20_000).learning_rate) == (400, 0.125)


def test_validate_applies_one_budgeted_cap_to_every_loss_and_says_so() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1000, 3))
    y = x[:, 0] + np.sin(3 * x[:, 1]) + rng.standard_t(3, 1000)
    # 4 folds: 750 training rows, 600 fitted after the 20 % held out; 100,000 / 600 = 166 rounds
    settings = ProxySettings(round_budget=100_000)
    result = cross_validate(frame(x, y), "y", ["mse", "huber"], n_folds=4, settings=settings)
    rate = 0.05 * 1000 / 166
    assert f"learning rate {rate:.4g}," in result.engine and "at most 166 rounds" in result.engine
    assert result.proxy_settings["n_iter"] == 166
    assert all(r <= 166 for e in result.losses for r in e.rounds)
    assert any("600 rows per fit: at most 166 rounds" in note for note in result.notes)


@pytest.mark.parametrize("power", [100, -100])
def test_a_change_of_units_does_not_change_the_evidence(power: int) -> None:
    # The ranking is of losses, not of units: y in units 2^power larger or smaller (an exact
    # scaling in binary floating point, inside float32's range) must keep the rounds, the
    # winner and every fold's scale-free score. Huber's δ is given in the same units.
    from lossadvisor.evidence.results import ParamUsed

    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 3))
    y = x[:, 0] + rng.standard_t(3, 300)
    scale = 2.0**power
    runs = []
    for s in (1.0, scale):
        delta = {"delta": ParamUsed(value=1.0 * s, source="the same δ in the target's units")}
        runs.append(
            cross_validate(frame(x, y * s), "y", ["mse", "mae", "huber"], params={"huber": delta})
        )
    plain, scaled = runs
    assert scaled.winner == plain.winner
    for a, b in zip(plain.losses, scaled.losses, strict=True):
        assert (a.loss, a.rounds) == (b.loss, b.rounds)
        np.testing.assert_allclose(np.array(b.fold_scores["mae"]) / scale, a.fold_scores["mae"],
                                   rtol=1e-5)  # fmt: skip
