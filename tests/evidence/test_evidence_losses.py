"""Generated data where statistics says which loss should win; the proxies must agree.

Sizes and seeds were checked so that the ordering is not a coin toss: on seeds 0–2 the right
loss won each time with t ≥ 1.6 (Nadeau–Bengio corrected); the tests assert the ordering and
t > 1 on one seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from evidence_helpers import frame

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.results import ParamUsed


@pytest.mark.slow
def test_student_t_noise_huber_or_mae_beat_mse_on_mae() -> None:
    rng = np.random.default_rng(1)
    # 4,000 rows: with rounds chosen by early stopping mse over-fits the t(2) tails less, and
    # at 2,000 rows its gap to the winner was within fold noise (t = 2.3)
    x = rng.normal(size=(4000, 5))
    y = x @ np.array([2.0, -4.0, 1.0, 0.0, 0.0]) + rng.standard_t(2, 4000)
    result = cross_validate(
        frame(x, y),
        "y",
        ["mse", "mae", "huber"],
        params={"huber": {"delta": ParamUsed(value=1.345, source="1.345 × unit noise scale")}},
        metric="mae",
        seed=1,
    )
    mae = {e.loss: e.mean["mae"] for e in result.losses}
    assert min(mae["mae"], mae["huber"]) < mae["mse"]
    assert result.winner in ("mae", "huber")
    assert result.runner_up is not None
    # mse comes last, clearly: its gap to the winner is beyond fold noise
    from lossadvisor.evidence.metrics import compare

    winner = next(e for e in result.losses if e.loss == result.winner)
    mse = next(e for e in result.losses if e.loss == "mse")
    gap = compare(winner.loss, "mse", "mae", winner.fold_scores["mae"], mse.fold_scores["mae"], 0.2)
    assert gap is not None and gap.beyond_noise


@pytest.mark.slow
def test_poisson_counts_poisson_beats_mse_on_poisson_deviance() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 4))
    counts = rng.poisson(np.exp(-1 + 1.5 * x[:, 0] - 0.5 * x[:, 1]))
    result = cross_validate(
        frame(x, counts), "y", ["mse", "poisson"], metric="poisson_deviance", seed=0
    )
    assert result.winner == "poisson"
    assert result.runner_up is not None and result.runner_up.t > 1
    assert "poisson_deviance" in result.panel


@pytest.mark.slow
def test_one_to_thirty_imbalance_weighting_beats_unweighted_on_balanced_accuracy() -> None:
    rng = np.random.default_rng(0)
    rng.normal(size=(2000, 4))  # same stream position as when the sizes were chosen
    x = rng.normal(size=(3100, 4))
    label = np.r_[np.ones(100), np.zeros(3000)].astype(int)  # 1:30
    x[label == 1, :2] += 2.0
    result = cross_validate(
        frame(x, label), "y", ["bce", "weighted_bce"], metric="balanced_accuracy", seed=0
    )
    scores = {e.loss: e.mean["balanced_accuracy"] for e in result.losses}
    assert scores["weighted_bce"] > scores["bce"]
    assert result.runner_up is not None and result.runner_up.t > 1
    weighted = next(e for e in result.losses if e.loss == "weighted_bce")
    assert weighted.params["pos_weight"].source == "n_negative / n_positive of each fold"


def test_every_proxy_parameter_is_in_the_catalog_with_its_default() -> None:
    from pathlib import Path

    import yaml

    from lossadvisor.evidence.proxies import PROXIES

    catalog_file = Path(__file__).resolve().parents[2] / "rules" / "losses.yaml"
    catalog = yaml.safe_load(catalog_file.read_text(encoding="utf-8"))
    losses = {entry["id"]: entry for entry in catalog["losses"]}
    for loss, proxy in PROXIES.items():
        assert loss in losses, loss
        params = losses[loss].get("params") or {}
        for name, default in proxy.defaults.items():
            assert name in params, f"{loss}.{name}"
            if loss == "weighted_bce":  # ours: the fold's n_negative / n_positive, on purpose
                continue
            spec = params[name]
            assert (spec.get("default") if isinstance(spec, dict) else spec) == default


def _winner(table, losses, metric, seed, **kw):
    return cross_validate(table, "y", losses, metric=metric, n_folds=3, seed=seed, **kw)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_known_winners_on_several_seeds(seed: int) -> None:
    """Each response family's own loss beats squared error on its own deviance / metric."""
    rng = np.random.default_rng(100 + seed)
    n = 1500
    x = rng.normal(size=(n, 3))
    mu = np.exp(0.3 + 0.8 * x[:, 0] - 0.4 * x[:, 1])
    nb = rng.negative_binomial(1.0, 1.0 / (1.0 + mu))  # NB2, α = 1: mean μ, Var μ + μ²
    result = _winner(frame(x, nb), ["negative_binomial", "mse"], "poisson_deviance", seed)
    assert result.winner == "negative_binomial"
    amounts = rng.gamma(2.0, mu / 2.0)  # Gamma, mean μ, multiplicative noise
    result = _winner(frame(x, amounts), ["gamma", "mse"], "gamma_deviance", seed)
    assert result.winner == "gamma"
    noisy = x[:, 0] * 2 + rng.standard_t(2, n)
    result = _winner(
        frame(x, noisy),
        ["pinball", "mse"],
        "quantile:0.9",
        seed,
        params={"pinball": {"tau": ParamUsed(value=0.9, source="--metric")}},
    )
    assert result.winner == "pinball"
    result = _winner(frame(x, noisy), ["mae", "mse"], "mae", seed)
    assert result.winner == "mae"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_to_thirty_imbalance_judged_on_log_loss_and_on_balanced_accuracy(seed: int) -> None:
    """Weighting buys balanced accuracy and costs calibration: plain BCE wins log-loss.

    Two features and 200 positives: with fewer, the unregularised 100-round proxy overfits the
    rare class so much that its log-loss says more about the proxy than about the loss.
    """
    rng = np.random.default_rng(200 + seed)
    x = rng.normal(size=(6200, 2))
    label = np.r_[np.ones(200), np.zeros(6000)].astype(int)
    x[label == 1] += 2.0
    result = _winner(frame(x, label), ["bce", "weighted_bce"], "log_loss", seed)
    assert result.winner == "bce"
    balanced = {e.loss: e.mean["balanced_accuracy"] for e in result.losses}
    assert balanced["weighted_bce"] > balanced["bce"]
