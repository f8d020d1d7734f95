"""Ordinal targets in `validate` (issue 15, issue 11's ordinal part): cumulative link and CORAL
on the shared LightGBM engine, against softmax CE on the same folds, with ordinal scores.

Expected values come from outside lossadvisor: finite differences of the loss, statsmodels'
OrderedModel (the cumulative-logit ML), the shipped torch module's own likelihood, the ranked
probability score written out from Epstein (1969), and data whose ordered labels are a latent
Gaussian cut at known points (so the cumulative model is the true one, and CE, which ignores
the order, spends K − 1 times the parameters).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import run_cli

from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence import objectives as obj
from lossadvisor.evidence.crossval import cross_validate

LEVELS = ["none", "mild", "moderate", "severe", "critical"]
CUTS = [-1.5, -0.5, 0.5, 1.5]


def latent(n: int, seed: int) -> pd.DataFrame:
    """y* = x0 − 0.7 x1 + 0.5 x2 + N(0, 1), cut at CUTS into LEVELS; x3 is noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = np.digitize(x @ np.array([1.0, -0.7, 0.5, 0.0]) + rng.normal(size=n), CUTS)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["grade"] = np.array(LEVELS)[y]
    return frame


def _fd(loss, z: np.ndarray, y: np.ndarray, h: float = 1e-5) -> np.ndarray:  # type: ignore[no-untyped-def]
    return (loss(z + h, y) - loss(z - h, y)) / (2 * h)


@pytest.mark.parametrize("make", [obj.cumulative_link, obj.coral])
def test_ordinal_objectives_match_finite_differences(make) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=300)
    cuts = obj.Cutpoints(y, 5, "coral" if make is obj.coral else "cumulative_link")
    objective = make(cuts)
    z = rng.normal(0, 2, size=300)
    np.testing.assert_allclose(objective.grad(z, y), _fd(objective.loss, z, y), atol=1e-6)
    np.testing.assert_allclose(objective.hess(z, y), _fd(objective.grad, z, y), atol=1e-5)
    assert np.all(objective.hess(z, y) > 0)  # concave log-likelihood: a true Newton step


def test_cut_point_refit_is_statsmodels_ordered_logit_ml() -> None:
    """At the joint ML (β̂, θ̂) of statsmodels' OrderedModel, θ̂ is the ML of θ given the offset
    x·β̂ — the step the proxy takes before every boosting round."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rng = np.random.default_rng(1)
    x = rng.normal(size=(1500, 2))
    y = np.digitize(x @ np.array([1.0, -0.7]) + rng.logistic(size=1500), [-1.5, -0.3, 0.8, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OrderedModel(y, x, distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    theirs = fit.model.transform_threshold_params(fit.params)[1:-1]
    cuts = obj.Cutpoints(y, 5, "cumulative_link")
    cuts.refit(x @ fit.params[:2], y)
    np.testing.assert_allclose(cuts.theta, theirs, atol=1e-3)
    assert cuts.history and np.array_equal(cuts.at(1), cuts.theta)


def test_level_probabilities_and_loss_are_the_shipped_torch_modules() -> None:
    import torch

    from lossadvisor.torch_losses import CumulativeLinkLoss

    theta = np.array([-1.2, -0.1, 0.7, 2.3])
    module = CumulativeLinkLoss(5, reduction="none")
    with torch.no_grad():
        module.first.copy_(torch.tensor(theta[0]))
        module.gaps.copy_(torch.log(torch.expm1(torch.tensor(np.diff(theta)))))
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=50), rng.integers(0, 5, size=50)
    g = torch.tensor(z)
    expected = module.level_probabilities(g).detach().numpy()
    np.testing.assert_allclose(obj.level_probabilities(theta, z), expected, atol=1e-10)
    cuts = obj.Cutpoints(y, 5, "cumulative_link")
    cuts.theta = theta
    torch_nll = module(g, torch.tensor(y)).detach().numpy()
    np.testing.assert_allclose(obj.cumulative_link(cuts).loss(z, y), torch_nll, atol=1e-10)


def test_ranked_probability_score_and_level_error_by_hand() -> None:
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    y = np.array([0, 1])
    # Epstein (1969): Σ_j (F̂_j − 1[y ≤ j])² / (K − 1), F̂ the predicted cumulative distribution
    first = ((0.7 - 1) ** 2 + (0.9 - 1) ** 2) / 2
    second = ((0.1 - 0) ** 2 + (0.4 - 1) ** 2) / 2
    score = mx.score("ranked_probability_score", y, pred, 3)
    assert score == pytest.approx((first + second) / 2)
    # predictive medians: level 0 (F̂_0 = 0.7 ≥ ½) and level 2 (F̂_1 = 0.4 < ½): errors 0 and 1
    assert mx.score("mean_absolute_level_error", y, pred, 3) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_validate_finds_the_cumulative_model_on_latent_gaussian_levels(seed: int) -> None:
    frame = latent(1500, seed)
    result = cross_validate(
        frame, "grade", ["cumulative_link", "coral", "ce"], order=LEVELS, seed=0
    )
    assert result.panel[-2:] == ["ranked_probability_score", "mean_absolute_level_error"]
    ev = {e.loss: e.mean for e in result.losses}
    for metric in ("log_loss", "ranked_probability_score", "mean_absolute_level_error"):
        best_ordinal = min(ev["cumulative_link"][metric], ev["coral"][metric])
        assert best_ordinal < ev["ce"][metric], (metric, ev)
    assert result.winner in ("cumulative_link", "coral")
    assert result.constant_log_loss is not None and not result.cautions


def test_validate_cli_measures_the_ordinal_ranking_with_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    path = tmp_path / "grades.csv"
    latent(600, 3).to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "grade", "--order", ",".join(LEVELS), "--json")
    assert done.returncode == 0, done.stderr
    assert "no table proxy" not in done.stderr
    result = json.loads(done.stdout)
    measured = [e["loss"] for e in result["losses"]]
    assert {"cumulative_link", "coral"} <= set(measured)
    assert "ranked_probability_score" in result["panel"]
    # text levels and no order: one line on stderr, exit 2
    done = run_cli("validate", str(path), "-t", "grade", "--losses", "cumulative_link,ce")
    assert done.returncode == 2
    assert "--order" in done.stderr and len(done.stderr.strip().splitlines()) == 1
