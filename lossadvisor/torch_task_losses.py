"""Torch modules for the task-family losses torch lacks (issue 12).

Exports point here by dotted path (`_target_: lossadvisor.torch_task_losses.ArcFaceLoss`).
Importable only when torch is installed; the core never imports this module. Each module's
formula is the one in rules/losses.yaml, and tests/export/test_task_losses.py checks each
against an independent numpy computation and, where one exists, the reference library's class.

Conventions as in `lossadvisor.torch_losses`: reduction "mean" | "sum" | "none" where a loss is
per element; ranking losses take one row per query with relevance −1 marking padding.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lossadvisor.torch_losses import _check_reduction, _reduce, _within

__all__ = [
    "AFTLoss",
    "AdaptiveWingLoss",
    "ArcFaceLoss",
    "AsymmetricLoss",
    "ContrastivePairLoss",
    "CosFaceLoss",
    "CoxPHLoss",
    "DistributionFocalLoss",
    "ELBOLoss",
    "HeatmapMSELoss",
    "LambdaRankLoss",
    "ListNetLoss",
    "NonSaturatingGANLoss",
    "RankNetLoss",
    "SILogLoss",
]


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


# --- multi-label --------------------------------------------------------------------------------


class AsymmetricLoss(nn.Module):
    """Ridnik et al. (2021): focal positives (γ+), shifted and focused negatives (γ−, clip m).

    forward(logits (N, C), multi-hot targets (N, C)); the loss is summed over labels and
    averaged over examples with reduction="mean" (the ASL repository returns the batch sum).
    """

    def __init__(
        self,
        gamma_neg: float = 4.0,
        gamma_pos: float = 1.0,
        clip: float = 0.05,
        eps: float = 1e-8,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        if gamma_neg < 0:
            raise ValueError(f"gamma_neg must be >= 0, got {gamma_neg}")
        _within("gamma_pos", gamma_pos, 0.0, 1.0)
        if not 0 <= clip < 1:
            raise ValueError(f"clip must lie in [0, 1), got {clip}")
        self.gamma_neg, self.gamma_pos, self.clip, self.eps = gamma_neg, gamma_pos, clip, eps
        self.reduction = _check_reduction(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        p = torch.sigmoid(input)
        p_m = (p - self.clip).clamp(min=0) if self.clip > 0 else p
        pos = target * (1 - p).pow(self.gamma_pos) * torch.log(p.clamp(min=self.eps))
        neg = (1 - target) * p_m.pow(self.gamma_neg) * torch.log((1 - p_m).clamp(min=self.eps))
        per_example = -(pos + neg).sum(dim=-1)
        return _reduce(per_example, self.reduction)


# --- margin softmax (face recognition) ---------------------------------------------------------


class _MarginSoftmax(nn.Module):
    def __init__(self, scale: float, margin: float) -> None:
        super().__init__()
        self.scale = _positive("scale", scale)
        if margin < 0:
            raise ValueError(f"margin must be >= 0, got {margin}")
        self.margin = float(margin)

    def target_logit(self, cosine: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        cosine = input.clamp(-1.0, 1.0)
        index = target.long().view(-1, 1)
        chosen = cosine.gather(1, index)
        logits = cosine.scatter(1, index, self.target_logit(chosen))
        return F.cross_entropy(self.scale * logits, target.long())


class ArcFaceLoss(_MarginSoftmax):
    """Deng et al. (2019): CE over s·cos(θ + m) for the true class, s·cos θ for the others.

    forward(cosine logits (N, C), class indices (N,)). θ + m is capped at π so that the target
    logit stays monotone in θ (insightface's CombinedMarginLoss uses the same guard).
    """

    def __init__(self, scale: float = 64.0, margin: float = 0.5) -> None:
        # an angle in [0, π/2], π/2 as the catalog writes it (1.5707963)
        super().__init__(scale, _within("margin", margin, 0.0, 1.5707963))

    def target_logit(self, cosine: Tensor) -> Tensor:
        theta = torch.acos(cosine.clamp(-1 + 1e-7, 1 - 1e-7))
        return torch.cos((theta + self.margin).clamp(max=math.pi))


class CosFaceLoss(_MarginSoftmax):
    """Wang et al. (2018): CE over s·(cos θ_y − m) for the true class, s·cos θ for the others."""

    def __init__(self, scale: float = 64.0, margin: float = 0.35) -> None:
        super().__init__(scale, margin)

    def target_logit(self, cosine: Tensor) -> Tensor:
        return cosine - self.margin


# --- metric learning -----------------------------------------------------------------------------


class ContrastivePairLoss(nn.Module):
    """Hadsell et al. (2006): s·d² + (1 − s)·max(0, m − d)², d the Euclidean pair distance.

    forward(x1 (N, D), x2 (N, D), similar (N,) with 1 for a similar pair, 0 otherwise).
    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        self.margin = _positive("margin", margin)
        self.reduction = _check_reduction(reduction)

    def forward(self, input: Tensor, other: Tensor, similar: Tensor) -> Tensor:
        d = F.pairwise_distance(input, other)
        s = similar.to(d.dtype)
        values = s * d.pow(2) + (1 - s) * (self.margin - d).clamp(min=0).pow(2)
        return _reduce(values, self.reduction)


# --- dense regression ----------------------------------------------------------------------------


class SILogLoss(nn.Module):
    """Scale-invariant log loss, BTS form: s·√(mean(d²) − λ·mean(d)²), d = log ŷ − log y.

    forward(predicted depth, target depth) of the same shape, both positive where valid;
    pixels whose target is <= 0 (no ground truth) are left out, as in BTS.
    """

    def __init__(self, lambd: float = 0.85, scale: float = 10.0, eps: float = 1e-6) -> None:
        super().__init__()
        if not 0 <= lambd <= 1:
            raise ValueError(f"lambd must lie in [0, 1], got {lambd}")
        self.lambd, self.scale, self.eps = float(lambd), _positive("scale", scale), eps

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        valid = target > 0
        d = torch.log(input[valid].clamp(min=self.eps)) - torch.log(target[valid])
        value = (d.pow(2).mean() - self.lambd * d.mean().pow(2)).clamp(min=0)
        return self.scale * torch.sqrt(value + self.eps)


# --- generative ----------------------------------------------------------------------------------


class ELBOLoss(nn.Module):
    """The negative ELBO of a Gaussian-posterior VAE: reconstruction + β·KL(q ‖ N(0, I)).

    forward(reconstruction, target, mu, logvar). reconstruction="bce" takes the decoder's
    logits (targets in [0, 1]); "mse" takes real outputs. Both terms are summed over the data
    and latent dimensions and averaged over the batch (pytorch/examples sums over the batch too).
    """

    def __init__(self, beta: float = 1.0, reconstruction: str = "bce") -> None:
        super().__init__()
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        if reconstruction not in ("bce", "mse"):
            raise ValueError(f"reconstruction must be 'bce' or 'mse', got {reconstruction!r}")
        self.beta, self.reconstruction = float(beta), reconstruction

    def forward(self, input: Tensor, target: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
        n = input.shape[0]
        if self.reconstruction == "bce":
            rec = F.binary_cross_entropy_with_logits(input, target, reduction="sum")
        else:
            rec = F.mse_loss(input, target, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return (rec + self.beta * kl) / n


class NonSaturatingGANLoss(nn.Module):
    """The logistic GAN loss in its non-saturating form (Goodfellow et al. 2014; StyleGAN2).

    mode="generator": forward(fake_logits) = mean softplus(−D(G(z))).
    mode="discriminator": forward(fake_logits, real_logits)
    = mean softplus(D(G(z))) + mean softplus(−D(x)).
    """

    def __init__(self, mode: str = "generator") -> None:
        super().__init__()
        if mode not in ("generator", "discriminator"):
            raise ValueError(f"mode must be 'generator' or 'discriminator', got {mode!r}")
        self.mode = mode

    def forward(self, input: Tensor, real: Tensor | None = None) -> Tensor:
        if self.mode == "generator":
            return F.softplus(-input).mean()
        if real is None:
            raise ValueError("the discriminator loss needs forward(fake_logits, real_logits)")
        return F.softplus(input).mean() + F.softplus(-real).mean()


# --- ranking -------------------------------------------------------------------------------------


def _pairs(relevance: Tensor) -> Tensor:
    """(Q, L, L) mask of pairs (i, j) of one query with rel_i > rel_j, padding (−1) excluded."""
    valid = relevance >= 0
    better = relevance.unsqueeze(2) > relevance.unsqueeze(1)
    return better & valid.unsqueeze(2) & valid.unsqueeze(1)


def _pairwise_logistic(scores: Tensor, weights: Tensor, sigma: float) -> Tensor:
    diff = scores.unsqueeze(2) - scores.unsqueeze(1)
    losses = F.softplus(-sigma * diff) * weights
    per_query = losses.sum(dim=(1, 2))
    return per_query.mean()


class RankNetLoss(nn.Module):
    """Burges et al. (2005): Σ over ordered pairs of log(1 + exp(−σ(s_i − s_j))), per query.

    forward(scores (Q, L), relevance (Q, L)); the pairwise sum of each query, averaged over
    queries. Relevance −1 marks padding.
    """

    def __init__(self, sigma: float = 1.0) -> None:
        super().__init__()
        self.sigma = _positive("sigma", sigma)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        weights = _pairs(target).to(input.dtype)
        return _pairwise_logistic(input, weights, self.sigma)


class LambdaRankLoss(nn.Module):
    """LambdaRank (Burges et al. 2006): pairwise logistic terms weighted by |ΔNDCG_ij|.

    Gains 2^rel − 1, discounts 1/log2(1 + rank) by the current scores (the sort is not
    differentiated, as in LightGBM/XGBoost LambdaMART); only pairs with an item ranked in the
    top `truncation_level` count. forward(scores (Q, L), relevance (Q, L)), −1 = padding.
    """

    def __init__(self, sigma: float = 1.0, truncation_level: int = 30) -> None:
        super().__init__()
        self.sigma = _positive("sigma", sigma)
        if truncation_level < 1:
            raise ValueError(f"truncation_level must be >= 1, got {truncation_level}")
        self.truncation_level = int(truncation_level)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        with torch.no_grad():
            delta = ndcg_swap_deltas(input, target, self.truncation_level)
        weights = _pairs(target).to(input.dtype) * delta
        return _pairwise_logistic(input, weights, self.sigma)


def ndcg_swap_deltas(scores: Tensor, relevance: Tensor, truncation_level: int) -> Tensor:
    """|ΔNDCG_ij| of swapping items i and j of each query in the order of `scores`, (Q, L, L)."""
    valid = relevance >= 0
    rel = relevance.clamp(min=0).to(scores.dtype)
    masked = scores.masked_fill(~valid, float("-inf"))
    order = torch.argsort(masked, dim=1, descending=True)
    ranks = torch.empty_like(order)
    positions = torch.arange(scores.shape[1], device=scores.device).expand_as(order)
    ranks.scatter_(1, order, positions)
    discount = 1.0 / torch.log2(ranks.to(scores.dtype) + 2.0)
    gain = torch.pow(2.0, rel) - 1.0
    ideal = torch.sort(gain.masked_fill(~valid, 0.0), dim=1, descending=True).values
    ideal_positions = torch.arange(scores.shape[1], device=scores.device, dtype=scores.dtype)
    ideal_discount = 1.0 / torch.log2(ideal_positions + 2.0)
    ideal_discount = ideal_discount.masked_fill(ideal_positions >= truncation_level, 0.0)
    idcg = (ideal * ideal_discount).sum(dim=1).clamp(min=1e-12)
    delta = (gain.unsqueeze(2) - gain.unsqueeze(1)) * (
        discount.unsqueeze(2) - discount.unsqueeze(1)
    )
    top = ranks < truncation_level
    in_top = top.unsqueeze(2) | top.unsqueeze(1)
    return delta.abs() / idcg.view(-1, 1, 1) * in_top


class ListNetLoss(nn.Module):
    """Cao et al. (2007), top-one ListNet: CE between softmax(relevance) and softmax(scores).

    forward(scores (Q, L), relevance (Q, L)), −1 = padding; averaged over queries.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        valid = target >= 0
        scores = input.masked_fill(~valid, float("-inf"))
        labels = target.to(input.dtype).masked_fill(~valid, float("-inf"))
        log_p = torch.log_softmax(scores, dim=1).masked_fill(~valid, 0.0)
        q = torch.softmax(labels, dim=1)
        return -(q * log_p).sum(dim=1).mean()


# --- detection and keypoints ---------------------------------------------------------------------


class DistributionFocalLoss(nn.Module):
    """Li et al. (2020): CE of an edge's bin distribution toward its two nearest bins.

    forward(logits (M, reg_max + 1), target (M,) continuous in [0, reg_max)); averaged over M
    (Ultralytics clamps the target to reg_max − 0.01 the same way).
    """

    def __init__(self, reg_max: int = 16, reduction: str = "mean") -> None:
        super().__init__()
        if reg_max < 1:
            raise ValueError(f"reg_max must be >= 1, got {reg_max}")
        self.reg_max = int(reg_max)
        self.reduction = _check_reduction(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        y = target.clamp(0, self.reg_max - 0.01)
        left = y.long()
        right = left + 1
        w_left = right.to(y.dtype) - y
        w_right = 1 - w_left
        values = (
            F.cross_entropy(input, left, reduction="none") * w_left
            + F.cross_entropy(input, right, reduction="none") * w_right
        )
        return _reduce(values, self.reduction)


class AdaptiveWingLoss(nn.Module):
    """Wang, Bo & Fuxin (2019), for heatmaps with targets y in [0, 1]; mean over all pixels."""

    def __init__(
        self, alpha: float = 2.1, omega: float = 14.0, epsilon: float = 1.0, theta: float = 0.5
    ) -> None:
        super().__init__()
        self.alpha = float(_within("alpha", alpha, 0.0, math.inf, "[)"))
        self.omega = _positive("omega", omega)
        self.epsilon = _positive("epsilon", epsilon)
        self.theta = _positive("theta", theta)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        r = (input - target).abs()
        b = self.alpha - target
        ratio = self.theta / self.epsilon
        a = self.omega * b * torch.pow(ratio, b - 1) / (self.epsilon * (1 + torch.pow(ratio, b)))
        c = self.theta * a - self.omega * torch.log1p(torch.pow(ratio, b))
        small = self.omega * torch.log1p(torch.pow(r / self.epsilon, b))
        large = a * r - c
        return torch.where(r < self.theta, small, large).mean()


class HeatmapMSELoss(nn.Module):
    """mmpose KeypointMSELoss: mean of (w_k·(Ĥ − H))² over joints and pixels.

    forward(heatmaps (N, K, H, W), targets (N, K, H, W), target_weight (N, K) optional).
    """

    def __init__(self, use_target_weight: bool = False) -> None:
        super().__init__()
        self.use_target_weight = bool(use_target_weight)

    def forward(self, input: Tensor, target: Tensor, target_weight: Tensor | None = None) -> Tensor:
        if self.use_target_weight and target_weight is not None:
            w = target_weight.to(input.dtype).view(*target_weight.shape, 1, 1)
            return F.mse_loss(input * w, target * w)
        return F.mse_loss(input, target)


# --- survival ------------------------------------------------------------------------------------


class CoxPHLoss(nn.Module):
    """Negative Cox partial log-likelihood with Breslow ties, averaged over events.

    forward(log_risk (N,), durations (N,), events (N,) 1 = event, 0 = censored): for each
    event i, the risk set is every j with t_j >= t_i (pycox's cox_ph_loss sorts by duration
    and breaks ties by order instead).
    """

    def forward(self, input: Tensor, durations: Tensor, events: Tensor) -> Tensor:
        eta = input.view(-1)
        t = durations.view(-1)
        e = events.view(-1).to(eta.dtype)
        at_risk = t.unsqueeze(0) >= t.unsqueeze(1)  # row i: who is at risk at t_i
        masked = eta.unsqueeze(0).expand(len(eta), -1).masked_fill(~at_risk, float("-inf"))
        log_risk_set = torch.logsumexp(masked, dim=1)
        n_events = e.sum().clamp(min=1.0)
        return -((eta - log_risk_set) * e).sum() / n_events


class AFTLoss(nn.Module):
    """Accelerated failure time negative log-likelihood, right-censoring, as XGBoost's
    survival:aft: log T = f(x) + σ·ε with ε normal or logistic; mean over rows.

    forward(predicted log-time f (N,), durations t (N,) > 0, events (N,) 1 = event).
    """

    def __init__(self, distribution: str = "normal", sigma: float = 1.0) -> None:
        super().__init__()
        if distribution not in ("normal", "logistic"):
            raise ValueError(f"distribution must be 'normal' or 'logistic', got {distribution!r}")
        self.distribution = distribution
        self.sigma = _positive("sigma", sigma)

    def forward(self, input: Tensor, durations: Tensor, events: Tensor) -> Tensor:
        f = input.view(-1)
        t = durations.view(-1).to(f.dtype)
        e = events.view(-1).to(f.dtype)
        u = (torch.log(t) - f) / self.sigma
        if self.distribution == "normal":
            log_pdf = -0.5 * u.pow(2) - 0.5 * math.log(2 * math.pi)
            log_surv = torch.special.log_ndtr(-u)
        else:
            log_pdf = -u - 2 * F.softplus(-u)
            log_surv = -F.softplus(u)
        log_density = log_pdf - math.log(self.sigma) - torch.log(t)
        return -(e * log_density + (1 - e) * log_surv).mean()
