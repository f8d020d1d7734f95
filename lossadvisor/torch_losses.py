"""Small torch modules for the losses torch, MONAI and torchvision-free setups lack.

Exports (hydra, lightning) point here by dotted path, e.g.
`_target_: lossadvisor.torch_losses.PinballLoss`. Importable only when torch is installed;
the core never imports this module.

Conventions: `forward(input, target)` like torch.nn losses, reduction "mean" | "sum" | "none".
Regression losses take real predictions; the deviance losses (Poisson-like family) take the
*log* of the predicted mean, as torch.nn.PoissonNLLLoss(log_input=True) does, so that the model's
last layer stays unconstrained.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "BCEWithLogitsLossFromList",
    "BarronLoss",
    "BerHuLoss",
    "CIoULoss",
    "CoralLoss",
    "CrossEntropyLossFromList",
    "CumulativeLinkLoss",
    "DIoULoss",
    "DistillationKLLoss",
    "ExposureOffsetLoss",
    "FocalTverskyLoss",
    "GammaDevianceLoss",
    "InfoNCELoss",
    "Lamb",
    "LogCoshLoss",
    "LovaszHingeLoss",
    "LovaszSoftmaxLoss",
    "MAPELoss",
    "MultiTaskLoss",
    "NegativeBinomialNLLLoss",
    "PinballLoss",
    "PseudoHuberLoss",
    "TweedieDevianceLoss",
    "WarmupLR",
    "WingLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _within(name: str, value: float, low: float, high: float, closed: str = "[]") -> float:
    """`value` when it lies in the interval (`closed`: which ends are included, "[]", "(]",
    "[)" or "()"), else a one-line ValueError. The ranges restate rules/losses.yaml (this module
    is vendored alone by `export --vendor`); tests/evidence/test_evidence_catalog_ranges.py
    checks that they agree."""
    above = value >= low if closed[0] == "[" else value > low
    below = value <= high if closed[1] == "]" else value < high
    if not (above and below):
        text = f"{closed[0]}{low:g}, {high:g}{closed[1]}"
        raise ValueError(f"{name} must be in {text}, got {value}")
    return value


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _check_reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return reduction


class _ElementwiseLoss(nn.Module):
    """Base for losses defined per element of (input, target)."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction(reduction)

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return _reduce(self.elementwise(input, target), self.reduction)


# --- regression --------------------------------------------------------------------------------


class PseudoHuberLoss(_ElementwiseLoss):
    """δ²(√(1 + (r/δ)²) − 1): a smooth (C∞) Huber; the form XGBoost's reg:pseudohubererror uses."""

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if delta <= 0:
            raise ValueError(f"delta must be > 0, got {delta}")
        self.delta = delta

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        r = (input - target) / self.delta
        return self.delta**2 * (torch.sqrt(1 + r * r) - 1)


class LogCoshLoss(_ElementwiseLoss):
    """log(cosh(r)), computed as r + softplus(−2r) − log 2 so large residuals do not overflow."""

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        r = (input - target).abs()
        return r + nn.functional.softplus(-2 * r) - math.log(2.0)


class PinballLoss(_ElementwiseLoss):
    """Pinball loss max(τ·u, (τ − 1)·u), u = target − input; minimised at the τ-quantile."""

    def __init__(self, tau: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not 0 < tau < 1:
            raise ValueError(f"tau must be in (0, 1), got {tau}")
        self.tau = tau

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        u = target - input
        return torch.maximum(self.tau * u, (self.tau - 1) * u)


class BerHuLoss(_ElementwiseLoss):
    """Reverse Huber (Laina et al. 2016): |r| up to c, (r² + c²)/(2c) beyond.

    c=None follows the paper: c = 0.2·max|r| over the batch (treated as a constant).
    """

    def __init__(self, c: float | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if c is not None and c <= 0:
            raise ValueError(f"c must be > 0, got {c}")
        self.c = c

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        r = (input - target).abs()
        if self.c is None:
            c = (0.2 * r.max()).detach().clamp_min(1e-12)
        else:
            c = torch.tensor(self.c, dtype=r.dtype, device=r.device)
        return torch.where(r <= c, r, (r * r + c * c) / (2 * c))


class MAPELoss(_ElementwiseLoss):
    """|r| / max(|y|, eps): mean absolute percentage error as a fraction (not ×100)."""

    def __init__(self, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.eps = _within("eps", eps, 0.0, math.inf, "()")

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        return (input - target).abs() / target.abs().clamp_min(self.eps)


class WingLoss(_ElementwiseLoss):
    """Wing loss (Feng et al. 2018): w·ln(1 + |r|/ε) for |r| < w, else |r| − C (C joins them)."""

    def __init__(self, w: float = 10.0, epsilon: float = 2.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if w <= 0 or epsilon <= 0:
            raise ValueError(f"w and epsilon must be > 0, got w={w}, epsilon={epsilon}")
        self.w = w
        self.epsilon = epsilon
        self.c = w - w * math.log(1 + w / epsilon)

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        r = (input - target).abs()
        return torch.where(r < self.w, self.w * torch.log1p(r / self.epsilon), r - self.c)


class BarronLoss(_ElementwiseLoss):
    """Barron's general robust loss ρ(r, α, c) (CVPR 2019) with a fixed shape α and scale c.

    α=2 is L2, α=1 pseudo-Huber/Charbonnier, α=0 Cauchy, α=−2 Geman-McClure, α→−∞ Welsch.
    α in the catalog's [−10, 2], or −∞ itself (the Welsch limit a finite catalog bound cannot
    state).
    """

    def __init__(self, alpha: float = 1.0, scale: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.alpha = alpha if alpha == -math.inf else _within("alpha", alpha, -10.0, 2.0)
        self.scale = scale

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        z2 = ((input - target) / self.scale) ** 2
        a = self.alpha
        if a == 2:
            return 0.5 * z2
        if a == 0:
            return torch.log1p(0.5 * z2)
        if math.isinf(a) and a < 0:
            return 1 - torch.exp(-0.5 * z2)
        b = abs(a - 2)
        return (b / a) * ((z2 / b + 1) ** (a / 2) - 1)


class GammaDevianceLoss(_ElementwiseLoss):
    """Gamma deviance 2[(y − μ)/μ − log(y/μ)] with μ = exp(input); targets must be > 0."""

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        return 2 * (target * torch.exp(-input) - 1 - torch.log(target) + input)


class TweedieDevianceLoss(_ElementwiseLoss):
    """Tweedie deviance for 1 < p < 2 with μ = exp(input); targets ≥ 0 (zeros allowed).

    d = 2[y^(2−p)/((1−p)(2−p)) − y·μ^(1−p)/(1−p) + μ^(2−p)/(2−p)]; zero when μ = y.
    """

    def __init__(self, power: float = 1.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not 1 < power < 2:
            raise ValueError(f"power must be in (1, 2), got {power}")
        self.power = power

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        p = self.power
        first = target.clamp_min(0) ** (2 - p) / ((1 - p) * (2 - p))
        second = target * torch.exp((1 - p) * input) / (1 - p)
        third = torch.exp((2 - p) * input) / (2 - p)
        return 2 * (first - second + third)


class NegativeBinomialNLLLoss(_ElementwiseLoss):
    """NB2 negative log-likelihood: Var = μ + α·μ², μ = exp(input), fixed dispersion α > 0."""

    def __init__(self, alpha: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if alpha <= 0:
            raise ValueError(f"alpha must be > 0, got {alpha}")
        self.alpha = alpha

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        r = 1.0 / self.alpha
        log_mu = input
        log_r_plus_mu = torch.logaddexp(torch.full_like(log_mu, math.log(r)), log_mu)
        log_lik = (
            torch.lgamma(target + r)
            - math.lgamma(r)
            - torch.lgamma(target + 1)
            + r * (math.log(r) - log_r_plus_mu)
            + target * (log_mu - log_r_plus_mu)
        )
        return -log_lik


class ExposureOffsetLoss(nn.Module):
    """A log-link loss with log(exposure) as an offset: `loss(input + log(exposure), target)`.

    `input` is the model's log *rate* per unit of exposure; the wrapped loss (PoissonNLLLoss with
    log_input=True, or a deviance loss of this module) sees the log of the expected count. Call
    it with the exposure as a third argument: `criterion(log_rate, y, exposure)` (McCullagh &
    Nelder 1989, section 6.2.3: an offset is a covariate with its coefficient fixed at 1).
    """

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, input: Tensor, target: Tensor, exposure: Tensor) -> Tensor:
        if bool((exposure <= 0).any()):
            raise ValueError("exposure must be > 0 (its log is the offset)")
        return self.loss(input + torch.log(exposure), target)


# --- classification / distillation ---------------------------------------------------------------


class BCEWithLogitsLossFromList(nn.BCEWithLogitsLoss):
    """torch.nn.BCEWithLogitsLoss taking `pos_weight` as a list (configs cannot build tensors)."""

    def __init__(self, pos_weight: list[float] | None = None, reduction: str = "mean") -> None:
        tensor = None if pos_weight is None else torch.tensor(pos_weight, dtype=torch.float32)
        super().__init__(pos_weight=tensor, reduction=reduction)


class CrossEntropyLossFromList(nn.CrossEntropyLoss):
    """torch.nn.CrossEntropyLoss taking class `weight` as a list (jsonargparse / LightningCLI)."""

    def __init__(
        self,
        weight: list[float] | None = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        tensor = None if weight is None else torch.tensor(weight, dtype=torch.float32)
        super().__init__(
            weight=tensor,
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )


# --- ordinal -----------------------------------------------------------------------------------


def _level_targets(target: Tensor, num_classes: int) -> Tensor:
    """Class indices 0..K−1 as a flat long tensor; ValueError outside the levels."""
    levels = target.reshape(-1).long()
    if levels.numel() and (int(levels.min()) < 0 or int(levels.max()) >= num_classes):
        raise ValueError(f"ordinal targets must be level indices in [0, {num_classes - 1}]")
    return levels


class CumulativeLinkLoss(nn.Module):
    """Negative log-likelihood of the cumulative logit (proportional-odds) model.

    McCullagh (1980): P(y ≤ k | x) = σ(θ_k − g(x)) for K − 1 ordered cut points θ. The model
    emits one real score g per sample, shape (N,) or (N, 1); the target is the level index
    0..K−1. The cut points are parameters of this module — θ_0 = c, θ_k = θ_{k−1} +
    softplus(d_k), so they stay ordered under any gradient step — and must be given to the
    optimizer with the model's (`list(model.parameters()) + list(loss.parameters())`).
    Level probabilities: `level_probabilities(g)`.
    """

    def __init__(
        self, num_classes: int, cutpoint_spacing: float = 1.0, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if int(num_classes) != num_classes or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        if not cutpoint_spacing > 0:
            raise ValueError(f"cutpoint_spacing must be > 0, got {cutpoint_spacing!r}")
        self.num_classes = int(num_classes)
        self.reduction = _check_reduction(reduction)
        k = self.num_classes - 1
        # centred start: θ = spacing · (0, 1, ..., K−2) − spacing · (K−2)/2
        self.first = nn.Parameter(torch.tensor(-cutpoint_spacing * (k - 1) / 2.0))
        gap = math.log(math.expm1(cutpoint_spacing))  # softplus⁻¹(spacing)
        self.gaps = nn.Parameter(torch.full((k - 1,), gap))

    def cutpoints(self) -> Tensor:
        """θ_0 < … < θ_{K−2}."""
        steps = torch.nn.functional.softplus(self.gaps)
        return torch.cat([self.first.reshape(1), self.first + torch.cumsum(steps, 0)])

    def log_likelihood(self, input: Tensor, target: Tensor) -> Tensor:
        """log P(y = target | g) per sample."""
        g = input.reshape(-1)
        y = _level_targets(target, self.num_classes)
        theta = self.cutpoints()
        inf = torch.tensor(float("inf"), dtype=g.dtype, device=g.device)
        bounds = torch.cat([-inf.reshape(1), theta.to(g.dtype), inf.reshape(1)])
        upper, lower = bounds[y + 1], bounds[y]  # θ_y and θ_{y−1} (±∞ at the ends)
        # σ(a) − σ(b) = σ(a)·σ(−b)·(1 − e^{−(a − b)}), stable for a > b in logs
        a, b = upper - g, lower - g
        gap_term = torch.where(
            torch.isinf(upper) | torch.isinf(lower),
            torch.zeros_like(g),
            torch.log(-torch.expm1(-(upper - lower))),
        )
        return torch.nn.functional.logsigmoid(a) + torch.nn.functional.logsigmoid(-b) + gap_term

    def level_probabilities(self, input: Tensor) -> Tensor:
        """(N, K) probabilities of each level."""
        g = input.reshape(-1, 1)
        cdf = torch.sigmoid(self.cutpoints().reshape(1, -1) - g)
        ones, zeros = torch.ones_like(g), torch.zeros_like(g)
        return torch.cat([cdf, ones], 1) - torch.cat([zeros, cdf], 1)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return _reduce(-self.log_likelihood(input, target), self.reduction)


class CoralLoss(nn.Module):
    """CORAL (Cao, Mirjalili & Raschka 2020): K − 1 binary tasks "y > k" on logits (N, K − 1).

    The logits must come from a rank-consistent last layer: one shared weight vector and K − 1
    biases, z_k = g + b_k (coral-pytorch's CoralLayer). The target is the level index 0..K−1;
    the loss is the summed binary cross-entropy over the K − 1 tasks, per sample; the predicted
    level is the number of σ(z_k) above 0.5.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        if input.dim() != 2 or input.shape[1] < 1:
            raise ValueError("CORAL logits must have shape (N, K − 1)")
        y = _level_targets(target, input.shape[1] + 1)
        ks = torch.arange(input.shape[1], device=input.device)
        above = (y.reshape(-1, 1) > ks.reshape(1, -1)).to(input.dtype)
        bce = torch.nn.functional.binary_cross_entropy_with_logits(input, above, reduction="none")
        return _reduce(bce.sum(1), self.reduction)


class DistillationKLLoss(nn.Module):
    """Hinton et al. (2015): T²·KL(softmax(teacher/T) ‖ softmax(student/T)), batch mean.

    forward(student_logits, teacher_logits); the T² keeps gradient size independent of T.
    """

    def __init__(self, temperature: float = 2.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        t = self.temperature
        student = nn.functional.log_softmax(input / t, dim=-1)
        teacher = nn.functional.log_softmax(target / t, dim=-1)
        kl = nn.functional.kl_div(student, teacher, reduction="batchmean", log_target=True)
        return kl * t * t


class InfoNCELoss(nn.Module):
    """InfoNCE (van den Oord et al. 2018) with in-batch negatives, as in SimCLR/CLIP one-way.

    forward(queries, keys): (N, D) embeddings; row i of keys is the positive of query i, the
    other rows its negatives. Cosine similarities are divided by the temperature.
    """

    def __init__(self, temperature: float = 0.07) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        queries = nn.functional.normalize(input, dim=-1)
        keys = nn.functional.normalize(target, dim=-1)
        logits = queries @ keys.T / self.temperature
        labels = torch.arange(len(queries), device=queries.device)
        return nn.functional.cross_entropy(logits, labels)


# --- segmentation ---------------------------------------------------------------------------------


class FocalTverskyLoss(nn.Module):
    """Focal Tversky (Abraham & Khan 2019): (1 − TI)^exponent, TI = TP/(TP + α·FP + β·FN).

    input: logits (N, C, ...); target: same shape (binary masks or one-hot). Sigmoid per channel,
    or softmax over channels when `softmax=True`. exponent 0.75 is the paper's 1/γ with γ = 4/3.
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        exponent: float = 0.75,
        softmax: bool = False,
        smooth: float = 1e-5,
    ) -> None:
        super().__init__()
        self.alpha = _within("alpha", alpha, 0.0, 1.0)
        self.beta = _within("beta", beta, 0.0, 1.0)
        self.exponent = _within("exponent", exponent, 0.0, math.inf, "()")
        self.softmax = softmax
        self.smooth = smooth

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        probs = torch.softmax(input, dim=1) if self.softmax else torch.sigmoid(input)
        dims = tuple(range(2, input.ndim))
        target = target.to(probs.dtype)
        tp = (probs * target).sum(dims)
        fp = (probs * (1 - target)).sum(dims)
        fn = ((1 - probs) * target).sum(dims)
        ti = (tp + self.smooth) / (tp + self.alpha * fp + self.beta * fn + self.smooth)
        return ((1 - ti).clamp_min(0) ** self.exponent).mean()


def _lovasz_grad(gt_sorted: Tensor) -> Tensor:
    """Gradient of the Lovász extension of Jaccard w.r.t. sorted errors (Berman et al. 2018)."""
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    if gt_sorted.numel() > 1:
        jaccard[1:] = jaccard[1:] - jaccard[:-1]
    return jaccard


class LovaszHingeLoss(nn.Module):
    """Binary Lovász hinge (Berman et al. 2018): input logits, target {0, 1}.

    per_image=True averages the loss of each image; False treats the batch as one image.
    """

    def __init__(self, per_image: bool = False) -> None:
        super().__init__()
        self.per_image = per_image

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        if self.per_image:
            return torch.stack(
                [self._flat(x, y) for x, y in zip(input, target, strict=True)]
            ).mean()
        return self._flat(input, target)

    @staticmethod
    def _flat(input: Tensor, target: Tensor) -> Tensor:
        logits = input.reshape(-1)
        labels = target.reshape(-1).to(logits.dtype)
        signs = 2 * labels - 1
        errors = 1 - logits * signs
        errors_sorted, order = torch.sort(errors, descending=True)
        grad = _lovasz_grad(labels[order])
        return torch.dot(nn.functional.relu(errors_sorted), grad)


class LovaszSoftmaxLoss(nn.Module):
    """Lovász-softmax (Berman et al. 2018): logits (N, C, ...), target indices (N, ...)."""

    def __init__(self, per_image: bool = False) -> None:
        super().__init__()
        self.per_image = per_image

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        if self.per_image:
            pairs = zip(input, target, strict=True)
            return torch.stack([self._flat(x[None], y[None]) for x, y in pairs]).mean()
        return self._flat(input, target)

    @staticmethod
    def _flat(input: Tensor, target: Tensor) -> Tensor:
        n_classes = input.shape[1]
        probs = torch.softmax(input, dim=1).movedim(1, -1).reshape(-1, n_classes)
        labels = target.reshape(-1)
        losses = []
        for c in range(n_classes):
            fg = (labels == c).to(probs.dtype)
            if fg.sum() == 0:
                continue
            errors = (fg - probs[:, c]).abs()
            errors_sorted, order = torch.sort(errors, descending=True)
            losses.append(torch.dot(errors_sorted, _lovasz_grad(fg[order])))
        if not losses:
            return probs.sum() * 0.0
        return torch.stack(losses).mean()


# --- detection ------------------------------------------------------------------------------------


def _box_terms(pred: Tensor, target: Tensor, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """IoU, squared centre distance and squared enclosing diagonal of (x1, y1, x2, y2) boxes."""
    px1, py1, px2, py2 = pred.unbind(-1)
    tx1, ty1, tx2, ty2 = target.unbind(-1)
    iw = (torch.minimum(px2, tx2) - torch.maximum(px1, tx1)).clamp_min(0)
    ih = (torch.minimum(py2, ty2) - torch.maximum(py1, ty1)).clamp_min(0)
    inter = iw * ih
    union = (px2 - px1) * (py2 - py1) + (tx2 - tx1) * (ty2 - ty1) - inter
    iou = inter / (union + eps)
    cw = torch.maximum(px2, tx2) - torch.minimum(px1, tx1)
    ch = torch.maximum(py2, ty2) - torch.minimum(py1, ty1)
    diag2 = cw**2 + ch**2 + eps
    centre2 = ((px1 + px2 - tx1 - tx2) ** 2 + (py1 + py2 - ty1 - ty2) ** 2) / 4
    return iou, centre2, diag2


class DIoULoss(_ElementwiseLoss):
    """Distance-IoU loss (Zheng et al. 2020): 1 − IoU + ρ²(centres)/c²; boxes x1, y1, x2, y2."""

    def __init__(self, eps: float = 1e-7, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.eps = _within("eps", eps, 0.0, math.inf, "()")

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        iou, centre2, diag2 = _box_terms(input, target, self.eps)
        return 1 - iou + centre2 / diag2


class CIoULoss(_ElementwiseLoss):
    """Complete-IoU loss (Zheng et al. 2020): DIoU + α·v, v the aspect-ratio consistency term."""

    def __init__(self, eps: float = 1e-7, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.eps = _within("eps", eps, 0.0, math.inf, "()")

    def elementwise(self, input: Tensor, target: Tensor) -> Tensor:
        iou, centre2, diag2 = _box_terms(input, target, self.eps)
        wp = input[..., 2] - input[..., 0]
        hp = input[..., 3] - input[..., 1]
        wt = target[..., 2] - target[..., 0]
        ht = target[..., 3] - target[..., 1]
        v = (4 / math.pi**2) * (
            torch.atan(wt / (ht + self.eps)) - torch.atan(wp / (hp + self.eps))
        ) ** 2
        with torch.no_grad():
            alpha = v / (1 - iou + v + self.eps)
        return 1 - iou + centre2 / diag2 + alpha * v


# --- multi-task -----------------------------------------------------------------------------------


class MultiTaskLoss(nn.Module):
    """Weighted sum of per-head losses; method "uncertainty" learns them (Kendall et al. 2018).

    forward(predictions, targets): two mappings keyed by head name. With uncertainty weighting each
    head has a learnable log-variance s (init `init_log_var`): total = Σ ½·e^(−s)·L + ½·s, times the
    fixed weight. Register this module's parameters with the optimizer so s is learned.
    """

    METHODS = ("fixed", "uncertainty")

    def __init__(
        self,
        losses: Mapping[str, nn.Module],
        weights: Mapping[str, float] | None = None,
        method: str = "fixed",
        init_log_var: float = -0.5,
    ) -> None:
        super().__init__()
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {self.METHODS}, got {method!r}")
        self.losses = nn.ModuleDict(dict(losses))
        self.weights = {name: float((weights or {}).get(name, 1.0)) for name in self.losses}
        self.method = method
        self.log_vars = nn.ParameterDict(
            {name: nn.Parameter(torch.tensor(float(init_log_var))) for name in self.losses}
            if method == "uncertainty"
            else {}
        )

    def forward(self, predictions: Mapping[str, Tensor], targets: Mapping[str, Tensor]) -> Tensor:
        total: Tensor | None = None
        for name, loss_fn in self.losses.items():
            value = self.weights[name] * loss_fn(predictions[name], targets[name])
            if self.method == "uncertainty":
                s = self.log_vars[name]
                value = 0.5 * torch.exp(-s) * value + 0.5 * s
            total = value if total is None else total + value
        if total is None:
            raise ValueError("MultiTaskLoss needs at least one head")
        return total


# --- optimizer ------------------------------------------------------------------------------------


class Lamb(torch.optim.Optimizer):
    """LAMB (You et al. 2020, arXiv 1904.00962): Adam moments with a per-tensor trust ratio.

    torch.optim has no LAMB; this is the paper's Algorithm 2 with bias correction and decoupled
    weight decay inside the trust-ratio update.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                m_hat = m / (1 - beta1 ** state["step"])
                v_hat = v / (1 - beta2 ** state["step"])
                update = m_hat / (v_hat.sqrt() + group["eps"])
                if group["weight_decay"]:
                    update = update.add(p, alpha=group["weight_decay"])
                w_norm, u_norm = p.norm(), update.norm()
                trust = (w_norm / u_norm) if w_norm > 0 and u_norm > 0 else torch.tensor(1.0)
                p.add_(update, alpha=-group["lr"] * float(trust))
        return loss


class Lars(torch.optim.Optimizer):
    """LARS (You, Gitman & Ginsburg 2017, arXiv 1708.03888): SGD momentum with a per-tensor
    trust ratio, for very large batches (ResNet-50 at 8k-32k images, SimCLR at 4096).

    torch.optim has no LARS. Per tensor w with gradient g (classic momentum, as in
    google-research/simclr lars_optimizer.py and the paper's Algorithm 1):

        d = g + weight_decay·w
        trust = trust_coefficient·‖w‖ / ‖d‖      (1 when either norm is 0)
        v ← momentum·v + lr·trust·d ;  w ← w − v   (nesterov: w ← w − (momentum·v + lr·trust·d))

    With `exclude_1d` (the default), biases and normalisation weights (tensors of ndim ≤ 1)
    get neither weight decay nor the trust ratio — SimCLR excludes batch norm and bias by name,
    Barlow Twins' LARS by ndim == 1; plain SGD momentum then updates them.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 0.3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        trust_coefficient: float = 0.001,
        nesterov: bool = False,
        exclude_1d: bool = True,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        if weight_decay < 0 or trust_coefficient <= 0:
            raise ValueError(
                f"need weight_decay >= 0 and trust_coefficient > 0, got {weight_decay}, "
                f"{trust_coefficient}"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "weight_decay": weight_decay,
            "trust_coefficient": trust_coefficient,
            "nesterov": bool(nesterov),
            "exclude_1d": bool(exclude_1d),
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                adapt = not (group["exclude_1d"] and p.ndim <= 1)
                d = p.grad
                if adapt and group["weight_decay"]:
                    d = d.add(p, alpha=group["weight_decay"])
                trust = 1.0
                if adapt:
                    w_norm, d_norm = float(p.norm()), float(d.norm())
                    if w_norm > 0 and d_norm > 0:
                        trust = group["trust_coefficient"] * w_norm / d_norm
                scaled = d.mul(group["lr"] * trust)
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p)
                v = state["momentum_buffer"]
                v.mul_(group["momentum"]).add_(scaled)
                p.sub_(v.mul(group["momentum"]).add(scaled) if group["nesterov"] else v)
        return loss


# --- learning-rate schedule -------------------------------------------------------------------


class WarmupLR(torch.optim.lr_scheduler.SequentialLR):
    """The advised schedule as one torch SequentialLR: a linear warm-up, then the decay.

    `total_steps` is how many times `step()` will be called over the whole run (one per optimizer
    step in a plain loop; one per epoch under LightningCLI's default interval). The first
    round(warmup_ratio × total_steps) calls warm up with LinearLR from `start_factor` × lr to lr
    (LinearLR needs a factor > 0, so it starts just above 0); the rest follow `decay`:

      cosine      CosineAnnealingLR(T_max = the rest, eta_min)              ends at eta_min
      polynomial  PolynomialLR(total_iters = the rest, power)                ends at 0
      step        MultiStepLR(milestones = round(r × total_steps) for r in milestones_ratio,
                  counted from the start of the run, gamma)                  ends at lr·γ^len
      constant    ConstantLR(factor = 1)                                     stays at lr

    Torch classes only, so it pickles and resumes from state_dict like any SequentialLR; the
    optimizer is the first argument, as Hydra (`_partial_: true`) and LightningCLI pass it.
    """

    DECAYS = ("cosine", "polynomial", "step", "constant")

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        total_steps: int,
        decay: str = "cosine",
        warmup_ratio: float = 0.0,
        start_factor: float = 1e-3,
        eta_min: float = 0.0,
        power: float = 1.0,
        milestones_ratio: Sequence[float] = (),
        gamma: float = 0.1,
    ) -> None:
        if decay not in self.DECAYS:
            raise ValueError(f"decay must be one of {self.DECAYS}, got {decay!r}")
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"total_steps must be an integer >= 1, got {total_steps!r}")
        if not 0.0 <= warmup_ratio < 1.0:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {warmup_ratio}")
        self.total_steps = total_steps
        self.warmup_steps = round(warmup_ratio * total_steps)
        rest = total_steps - self.warmup_steps
        sched = torch.optim.lr_scheduler
        main: sched.LRScheduler
        if decay == "cosine":
            main = sched.CosineAnnealingLR(optimizer, T_max=rest, eta_min=eta_min)
        elif decay == "polynomial":
            main = sched.PolynomialLR(optimizer, total_iters=rest, power=power)
        elif decay == "step":
            at = sorted({round(r * total_steps) - self.warmup_steps for r in milestones_ratio})
            main = sched.MultiStepLR(optimizer, milestones=[m for m in at if m > 0], gamma=gamma)
        else:
            main = sched.ConstantLR(optimizer, factor=1.0, total_iters=0)
        schedulers: list[sched.LRScheduler] = [main]
        milestones: list[int] = []
        if self.warmup_steps > 0:
            warm = sched.LinearLR(
                optimizer, start_factor=start_factor, end_factor=1.0, total_iters=self.warmup_steps
            )
            schedulers, milestones = [warm, main], [self.warmup_steps]
        super().__init__(optimizer, schedulers=schedulers, milestones=milestones)
