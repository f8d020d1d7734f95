"""The ordinal torch modules against independent formulas (scipy / numpy), and the ordinal
example end to end: profile -> recommend -> Hydra export -> torch forward/backward."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from hydra.utils import instantiate
from omegaconf import OmegaConf
from scipy.special import expit
from scipy.stats import logistic

from lossadvisor.torch_losses import CoralLoss, CumulativeLinkLoss

RNG = np.random.default_rng(3)


def _cumulative_nll(g: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """−log P(y | g) of the proportional-odds model, from scipy's logistic CDF."""
    bounds = np.concatenate([[-np.inf], theta, [np.inf]])
    return -np.log(logistic.cdf(bounds[y + 1] - g) - logistic.cdf(bounds[y] - g))


def test_cumulative_link_matches_the_scipy_likelihood_and_gradient() -> None:
    loss = CumulativeLinkLoss(num_classes=5, cutpoint_spacing=0.8, reduction="none")
    theta = loss.cutpoints().detach().numpy().astype(float)
    assert np.all(np.diff(theta) > 0)
    np.testing.assert_allclose(np.diff(theta), 0.8, rtol=1e-6)
    g = RNG.normal(0, 2, 40)
    y = RNG.integers(0, 5, 40)
    g_t = torch.tensor(g, requires_grad=True)
    value = loss(g_t, torch.tensor(y))
    np.testing.assert_allclose(value.detach().numpy(), _cumulative_nll(g, y, theta), rtol=1e-6)
    value.sum().backward()
    bounds = np.concatenate([[-np.inf], theta, [np.inf]])
    # ∂L/∂g = 1 − σ(θ_y − g) − σ(θ_{y−1} − g) (rules/losses.yaml)
    expected = 1 - expit(bounds[y + 1] - g) - expit(bounds[y] - g)
    assert g_t.grad is not None
    np.testing.assert_allclose(g_t.grad.numpy(), expected, rtol=1e-5, atol=1e-7)
    probs = loss.level_probabilities(torch.tensor(g)).detach().numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(probs[np.arange(40), y], np.exp(-_cumulative_nll(g, y, theta)))


def test_cumulative_link_is_stable_far_out_and_keeps_its_cutpoints_ordered() -> None:
    loss = CumulativeLinkLoss(num_classes=4)
    value = loss(torch.tensor([60.0, -60.0]), torch.tensor([3, 0]))
    assert torch.isfinite(value) and value < 1e-6
    optimizer = torch.optim.SGD(loss.parameters(), lr=5.0)
    for _ in range(20):  # large steps that would cross unconstrained cut points
        optimizer.zero_grad()
        loss(torch.zeros(8), torch.tensor([0, 3] * 4)).backward()
        optimizer.step()
    assert torch.all(torch.diff(loss.cutpoints()) > 0)


def test_coral_matches_the_numpy_formula() -> None:
    logits = RNG.normal(size=(30, 3))
    y = RNG.integers(0, 4, 30)
    above = (y[:, None] > np.arange(3)[None, :]).astype(float)
    p = expit(logits)
    expected = -(above * np.log(p) + (1 - above) * np.log(1 - p)).sum(1)
    got = CoralLoss(reduction="none")(torch.tensor(logits), torch.tensor(y))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9)


def test_ordinal_modules_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="num_classes"):
        CumulativeLinkLoss(num_classes=1)
    with pytest.raises(ValueError, match="level indices"):
        CumulativeLinkLoss(num_classes=3)(torch.zeros(2), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="K − 1"):
        CoralLoss()(torch.zeros(4), torch.tensor([0, 1, 0, 1]))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args], capture_output=True, text=True, check=False
    )


def test_ordinal_example_end_to_end(tmp_path: Path) -> None:
    """Latent-Gaussian ordered labels: profile, recommend, hydra, training steps, validate."""
    rng = np.random.default_rng(21)
    n = 1500
    x = rng.normal(size=(n, 2))
    latent = 1.5 * x[:, 0] - 1.0 * x[:, 1] + rng.logistic(size=n)
    order = ["Fair", "Good", "Very Good", "Premium", "Ideal"]
    codes = np.searchsorted([-2.0, -0.5, 0.8, 2.2], latent)
    labels = np.array(order)[codes]
    data = tmp_path / "cut.csv"
    pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "cut": labels}).to_csv(data, index=False)
    flag = ",".join(order)
    prof = _cli("profile", str(data), "-t", "cut", "--order", flag, "--json")
    assert prof.returncode == 0, prof.stderr
    target = json.loads(prof.stdout)["targets"][0]
    assert target["target_type"] == "ordinal" and target["levels"] == order
    rec = _cli("recommend", str(data), "-t", "cut", "--order", flag, "--json")
    assert rec.returncode == 0, rec.stderr
    ranking = json.loads(rec.stdout)["ranking"]
    assert ranking[0]["loss"] == "cumulative_link"
    assert [r["loss"] for r in ranking[:3]] == ["cumulative_link", "coral", "ce"]
    conf = tmp_path / "conf.yaml"
    exported = _cli(
        "recommend", str(data), "-t", "cut", "--order", flag, "--export", str(conf),
        "--format", "hydra",
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    cfg = OmegaConf.load(conf)
    assert yaml.safe_load(conf.read_text())["loss"]["num_classes"] == 5
    loss_fn = instantiate(cfg.loss)
    model = torch.nn.Linear(2, 1)
    # the exported optimizer as given, with a larger step so that a short test run converges
    params = list(model.parameters()) + list(loss_fn.parameters())
    optimizer = instantiate(cfg.optimizer, lr=0.05)(params)
    features = torch.tensor(x, dtype=torch.float32)
    target_idx = torch.tensor(codes)
    first = None
    for _ in range(300):
        optimizer.zero_grad()
        value = loss_fn(model(features), target_idx)
        value.backward()
        optimizer.step()
        first = float(value.detach()) if first is None else first
    assert float(value.detach()) < first - 0.1  # it learns
    assert model.weight.grad is not None and loss_fn.gaps.grad is not None
    w = model.weight.detach().numpy()[0]
    assert w[0] > 0 > w[1]  # the signs of the latent model
    # ... and validate measures the same ranking on the same file: an ordinal loss wins
    checked = _cli("validate", str(data), "-t", "cut", "--order", flag, "--json")
    assert checked.returncode == 0, checked.stderr
    evidence = json.loads(checked.stdout)
    by_loss = {e["loss"]: e["mean"] for e in evidence["losses"]}
    assert {"cumulative_link", "coral", "ce"} <= set(by_loss)
    assert evidence["winner"] in ("cumulative_link", "coral")
    best = min(by_loss[k]["ranked_probability_score"] for k in ("cumulative_link", "coral"))
    assert best < by_loss["ce"]["ranked_probability_score"]
