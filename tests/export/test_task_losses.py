# ruff: noqa: E501
"""The issue-12 torch modules against independent numpy/scipy formulas and torch's own classes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy import stats

from lossadvisor import torch_task_losses as T

G = np.random.default_rng(0)


def t(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_asymmetric_is_bce_without_focusing_and_matches_numpy() -> None:
    z, y = G.normal(size=(6, 4)), (G.random((6, 4)) > 0.5).astype(float)
    bce = torch.nn.BCEWithLogitsLoss(reduction="sum")(t(z), t(y)).item() / 6
    assert T.AsymmetricLoss(0.0, 0.0, 0.0)(t(z), t(y)).item() == pytest.approx(bce)
    p = 1 / (1 + np.exp(-z))
    pm = np.clip(p - 0.05, 0, None)
    ref = -(y * (1 - p) ** 1 * np.log(p) + (1 - y) * pm**4 * np.log(1 - pm)).sum(1).mean()
    assert T.AsymmetricLoss(4.0, 1.0, 0.05)(t(z), t(y)).item() == pytest.approx(ref)


def test_margin_softmax_losses_match_numpy() -> None:
    c, y = np.tanh(G.normal(size=(5, 4))), np.array([0, 3, 1, 2, 0])
    onehot = np.eye(4)[y]
    for module, logits in (
        (T.CosFaceLoss(64.0, 0.35), 64 * (c - 0.35 * onehot)),
        (T.ArcFaceLoss(64.0, 0.5), 64 * np.where(onehot, np.cos(np.arccos(c) + 0.5), c)),
    ):
        ref = -(log_softmax(logits) * onehot).sum(1).mean()
        assert module(t(c), torch.tensor(y)).item() == pytest.approx(ref, rel=1e-6)


def test_contrastive_pair_and_torch_triplet_match_numpy() -> None:
    a, b, s = G.normal(size=(6, 3)), G.normal(size=(6, 3)), np.array([1, 0, 1, 0, 0, 1])
    d = np.linalg.norm(a - b + 1e-6, axis=1)  # torch pairwise_distance adds eps = 1e-6
    ref = (s * d**2 + (1 - s) * np.clip(1.0 - d, 0, None) ** 2).mean()
    got = T.ContrastivePairLoss(1.0)(t(a), t(b), torch.tensor(s)).item()
    assert got == pytest.approx(ref, rel=1e-6)
    n = G.normal(size=(6, 3))
    trip = np.clip(np.linalg.norm(a - b + 1e-6, axis=1) - np.linalg.norm(a - n + 1e-6, axis=1)
                   + 1.0, 0, None).mean()  # fmt: skip
    assert torch.nn.TripletMarginLoss(1.0)(t(a), t(b), t(n)).item() == pytest.approx(trip)


def test_torch_ctc_is_the_sum_over_alignments() -> None:
    """The catalog's CTC formula by brute force over every alignment of 4 frames, 3 symbols."""
    logp = log_softmax(G.normal(size=(4, 3)))
    target = [1, 2]
    total = 0.0
    for path in itertools.product(range(3), repeat=4):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if collapsed == target:
            total += math.exp(sum(logp[i, k] for i, k in enumerate(path)))
    got = torch.nn.CTCLoss(blank=0, reduction="sum")(
        t(logp)[:, None, :], torch.tensor([target]), torch.tensor([4]), torch.tensor([2])
    )
    assert got.item() == pytest.approx(-math.log(total))


def test_silog_elbo_gan_dfl_match_numpy() -> None:
    p, y = G.random((2, 5)) + 0.5, G.random((2, 5)) + 0.5
    d = np.log(p) - np.log(y)
    ref = 10 * math.sqrt((d**2).mean() - 0.85 * d.mean() ** 2)
    assert T.SILogLoss(0.85, 10.0, eps=0.0)(t(p), t(y)).item() == pytest.approx(ref)
    x, tgt, mu, lv = G.normal(size=(3, 4)), G.random((3, 4)), G.normal(size=(3, 2)), G.normal(size=(3, 2))
    q = 1 / (1 + np.exp(-x))
    rec = -(tgt * np.log(q) + (1 - tgt) * np.log(1 - q)).sum()
    kl = -0.5 * (1 + lv - mu**2 - np.exp(lv)).sum()
    assert T.ELBOLoss(2.0)(t(x), t(tgt), t(mu), t(lv)).item() == pytest.approx((rec + 2 * kl) / 3)
    fake, real = G.normal(size=5), G.normal(size=5)
    assert T.NonSaturatingGANLoss("generator")(t(fake)).item() == pytest.approx(np.log1p(np.exp(-fake)).mean())
    disc = np.log1p(np.exp(fake)).mean() + np.log1p(np.exp(-real)).mean()
    assert T.NonSaturatingGANLoss("discriminator")(t(fake), t(real)).item() == pytest.approx(disc)
    z, e = G.normal(size=(4, 17)), np.array([0.3, 5.5, 15.2, 9.0])
    lp = log_softmax(z)
    lo = e.astype(int)
    ref = -((lo + 1 - e) * lp[np.arange(4), lo] + (e - lo) * lp[np.arange(4), lo + 1]).mean()
    assert T.DistributionFocalLoss(16)(t(z), t(e)).item() == pytest.approx(ref)


def test_ranking_losses_match_numpy() -> None:
    s, r = G.normal(size=(2, 4)), np.array([[3.0, 0.0, 1.0, 2.0], [1.0, 1.0, 0.0, -1.0]])
    total = 0.0
    for q in range(2):
        for i, j in itertools.permutations(range(4), 2):
            if r[q, j] >= 0 and r[q, i] > r[q, j]:
                total += math.log1p(math.exp(-(s[q, i] - s[q, j])))
    assert T.RankNetLoss(1.0)(t(s), t(r)).item() == pytest.approx(total / 2)
    valid = r >= 0
    ls = np.where(valid, s, -np.inf)
    ref = -(np.exp(log_softmax(np.where(valid, r, -np.inf))) * np.where(valid, log_softmax(ls), 0)).sum(1).mean()
    assert T.ListNetLoss()(t(s), t(r)).item() == pytest.approx(ref)


def test_cox_and_aft_match_numpy_and_scipy() -> None:
    eta, time, ev = G.normal(size=6), np.array([5.0, 2.0, 7.0, 1.0, 4.0, 3.0]), np.array([1, 0, 1, 1, 0, 1])
    ll = sum(eta[i] - np.log(np.exp(eta[time >= time[i]]).sum()) for i in range(6) if ev[i])
    assert T.CoxPHLoss()(t(eta), t(time), torch.tensor(ev)).item() == pytest.approx(-ll / ev.sum())
    for name, dist in (("normal", stats.norm), ("logistic", stats.logistic)):
        u = (np.log(time) - eta) / 0.7
        ref = -np.where(ev, dist.logpdf(u) - np.log(0.7 * time), dist.logsf(u)).mean()
        got = T.AFTLoss(name, 0.7)(t(eta), t(time), torch.tensor(ev)).item()
        assert got == pytest.approx(ref), name


def test_adaptive_wing_and_heatmap_mse_match_numpy() -> None:
    p, y = G.random((1, 2, 3, 3)), G.random((1, 2, 3, 3))
    w, th, e, a = 14.0, 0.5, 1.0, 2.1
    r, b = np.abs(p - y), a - y
    big_a = w * b * (th / e) ** (b - 1) / (e * (1 + (th / e) ** b))
    c = th * big_a - w * np.log1p((th / e) ** b)
    ref = np.where(r < th, w * np.log1p((r / e) ** b), big_a * r - c).mean()
    assert T.AdaptiveWingLoss()(t(p), t(y)).item() == pytest.approx(ref)
    weight = np.array([[1.0, 0.0]])
    ref = ((weight[..., None, None] * (p - y)) ** 2).mean()
    got = T.HeatmapMSELoss(True)(t(p), t(y), t(weight)).item()
    assert got == pytest.approx(ref)
