# ruff: noqa: E501
"""Every gradient bound the catalog states ("|g| ≤ ...") holds numerically over a grid.

Each stated bound has a checker here: the gradient from its closed form (autograd for the
torch modules), maximised over a dense grid of logits/residuals/targets, must not exceed it.
A new bound in rules/losses.yaml without a checker fails test_every_stated_bound_is_checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import torch
from knowledge_helpers import read_yaml

Z = np.linspace(-30, 30, 200_001)
P = 1 / (1 + np.exp(-Z))
R = np.linspace(-50, 50, 200_001)
TOL = 1e-6


def focal_c(gamma: float) -> float:
    return float(np.max((1 - P) ** gamma * np.abs(gamma * P * np.log(P) + P - 1)))


def focal_binary() -> None:
    # the catalog: c(γ) = 1, 1.05, 1.13, 1.32 at γ = 0, 1, 2, 5; α = .25, γ = 2: 0.85 (y=0), 0.28 (y=1)
    for gamma, stated in ((0, 1.0), (1, 1.05), (2, 1.13), (5, 1.32)):
        assert focal_c(gamma) <= stated + 0.005
    a, g = 0.25, 2.0
    g1 = a * (1 - P) ** g * (g * P * np.log(P) + P - 1)
    g0 = (1 - a) * P**g * (P - g * (1 - P) * np.log1p(-P + 1e-300))
    assert np.abs(g0).max() <= 0.85 + 0.005 and np.abs(g1).max() <= 0.28 + 0.005
    assert np.abs(g0).max() > a  # the old claim |g| ≤ α was false


def autograd_max(fn: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray) -> float:
    v = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(v).sum().backward()
    assert v.grad is not None
    return float(v.grad.abs().max())


def huber() -> None:
    assert np.abs(np.clip(R, -1.5, 1.5)).max() <= 1.5


def smooth_l1() -> None:
    for beta in (0.1, 1.0, 3.0):
        assert autograd_max(lambda v, b=beta: torch.nn.functional.smooth_l1_loss(v, torch.zeros_like(v), beta=b, reduction="none"), R) <= 1 + TOL


def pseudo_huber() -> None:
    d = 2.0
    assert np.abs(R / np.sqrt(1 + (R / d) ** 2)).max() < d


def log_cosh() -> None:
    assert np.abs(np.tanh(R)).max() <= 1.0


def pinball() -> None:
    for tau in (0.1, 0.9):
        assert max(tau, 1 - tau) >= np.abs(np.where(R > 0, 1 - tau, -tau)).max()


def bce() -> None:
    assert np.abs(P - 1).max() <= 1 and np.abs(P).max() <= 1


def weighted_bce() -> None:
    w = 3.0
    assert np.abs(w * (P - 1)).max() <= max(w, 1) and P.max() <= max(w, 1)


def soft_bce() -> None:
    for y in (0.0, 0.3, 1.0):
        assert np.abs(P - y).max() <= 1


def wing() -> None:
    w, eps = 10.0, 2.0
    r = np.abs(R)
    g = np.where(r < w, w / (eps + r), 1.0)
    assert g.max() <= w / eps + TOL


def hinge() -> None:
    # Weston–Watkins as torch.nn.MultiMarginLoss: z = [2, 1.5, 1.8], y = 0 -> 0.433 (Crammer–Singer 0.8)
    z = torch.tensor([[2.0, 1.5, 1.8]], requires_grad=True)
    loss = torch.nn.MultiMarginLoss()(z, torch.tensor([0]))
    assert abs(loss.item() - 1.3 / 3) < 1e-6
    loss.backward()
    assert z.grad is not None
    c = 3
    assert z.grad[0, 1:].abs().max() <= 1 / c + TOL and z.grad[0, 0].abs() <= (c - 1) / c + TOL


def asymmetric() -> None:
    from lossadvisor.torch_task_losses import AsymmetricLoss

    pos = autograd_max(lambda v: AsymmetricLoss(4.0, 1.0, 0.05, reduction="sum")(v[:, None], torch.ones(len(v), 1, dtype=v.dtype)), Z[::50])
    neg = autograd_max(lambda v: AsymmetricLoss(4.0, 1.0, 0.05, reduction="sum")(v[:, None], torch.zeros(len(v), 1, dtype=v.dtype)), Z[::50])
    assert pos <= 1.05 and neg <= 0.74 + 0.005


def adaptive_wing() -> None:
    from lossadvisor.torch_task_losses import AdaptiveWingLoss

    best = 0.0
    for y in np.linspace(0, 1, 21):
        x = np.linspace(y - 3, y + 3, 6001)
        n = len(x)
        best = max(best, n * autograd_max(lambda v, yy=y: AdaptiveWingLoss()(v, torch.full_like(v, yy)), x))
    assert best <= 11.4


def cosface() -> None:
    from lossadvisor.torch_task_losses import CosFaceLoss

    c = np.tanh(np.random.default_rng(0).normal(size=(64, 5)))
    v = torch.tensor(c, requires_grad=True)
    (CosFaceLoss(64.0, 0.35)(v, torch.zeros(64, dtype=torch.long)) * 64).backward()
    assert v.grad is not None and v.grad.abs().max() <= 64 + TOL


def cumulative_link() -> None:
    """|∂L/∂g| = |1 − σ(θ_y − g) − σ(θ_{y−1} − g)| < 1 for every level, scores far out included."""
    from lossadvisor.torch_losses import CumulativeLinkLoss

    loss = CumulativeLinkLoss(num_classes=5, reduction="sum")
    for level in range(5):
        g = torch.tensor(np.linspace(-40, 40, 4001), requires_grad=True)
        loss(g, torch.full((g.numel(),), level)).backward()
        assert g.grad is not None and float(g.grad.abs().max()) < 1 + TOL


CHECKERS: dict[str, Callable[[], None]] = {
    "cumulative_link": cumulative_link,
    "focal_binary": focal_binary,
    "huber": huber,
    "smooth_l1": smooth_l1,
    "pseudo_huber": pseudo_huber,
    "log_cosh": log_cosh,
    "pinball": pinball,
    "bce": bce,
    "weighted_bce": weighted_bce,
    "soft_bce": soft_bce,
    "wing": wing,
    "hinge": hinge,
    "asymmetric": asymmetric,
    "adaptive_wing": adaptive_wing,
    "cosface": cosface,
}
# bounds stated with ≤ / < that another loss's checker covers, or that are structural
# (a softmax minus a distribution lies in [−1, 1]; a weight times that)
STRUCTURAL = {
    "negative_binomial", "gamma", "ce", "weighted_ce", "class_balanced_ce", "label_smoothing_ce",
    "focal_multiclass", "kl_div", "info_nce", "seq_ce", "ctc", "ranknet", "lambdarank",
    "listnet", "dfl", "cox", "triplet", "contrastive_pair", "gan_ns", "aft", "barron",
}  # fmt: skip


def test_every_stated_bound_is_checked() -> None:
    stated = {
        e["id"]
        for e in read_yaml("losses.yaml")["losses"]
        if re.search(r"≤|<", e["properties"]["gradient_scale"])
    }
    assert stated <= set(CHECKERS) | STRUCTURAL, sorted(stated - set(CHECKERS) - STRUCTURAL)


def test_stated_bounds_hold_numerically() -> None:
    for check in CHECKERS.values():
        check()
