"""Tensors shaped for each loss from one output shape (`--shape 256x1000`).

The shape is the shape of the model output the loss reads. Each loss declares how it reads a
shape (a Reading: which ranks it accepts and what its other arguments are); a loss whose reading
does not accept the shape is skipped with the reason, never fed a shape it was not made for.
Targets are drawn with a fixed seed and have the structure the loss expects (class indices,
0/1 masks, positive depths, counts, boxes with x2 > x1), so that every forward is a real one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lossadvisor.errors import InputError

# A pairwise loss (ranking, Cox) forms an L×L (or N×N) matrix; above this many elements per
# temporary (128 MiB in float32) the run would no longer take seconds, so it is skipped.
PAIRWISE_LIMIT = 1 << 25
MAX_ELEMENTS = 1 << 28  # 1 GiB of float32 for the prediction alone: refuse, say why


class NotAtShape(Exception):
    """This loss cannot read this shape; the message says which shape it needs."""


@dataclass(frozen=True)
class Inputs:
    """The prediction (a leaf that requires grad), the other forward arguments, and facts."""

    prediction: Any
    rest: tuple[Any, ...]
    facts: dict[str, int]  # facts the module needs (n_classes for multiclass forms)
    described: str  # "pred (256, 1000), target (256,) class indices"
    first: Callable[[Any], Any] | None = None  # applied to the prediction inside the step


def parse_shape(text: str) -> tuple[int, ...]:
    """'256x1000' -> (256, 1000); InputError on anything else."""
    parts = text.lower().replace("×", "x").replace(",", "x").split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape) or len(shape) > 6:
        raise InputError(
            f"--shape: expected positive sizes joined by x, such as 256x1000 or 8x1x256x256 "
            f"(1 to 6 dimensions). Got {text!r} instead."
        )
    if math.prod(shape) > MAX_ELEMENTS:
        raise InputError(
            f"--shape {text}: {math.prod(shape):,} elements is more than the {MAX_ELEMENTS:,} "
            "this benchmark allocates (1 GiB of float32 per tensor)."
        )
    return shape


def show(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


# --- readings -----------------------------------------------------------------------------------


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise NotAtShape(message)


def _described(pred: Any, what: str) -> str:
    return f"pred {tuple(pred.shape)}, {what}"


def elementwise(target: str, min_rank: int = 1) -> Callable[[tuple[int, ...], Any, Any], Inputs]:
    """Any shape (of `min_rank` dimensions or more): a target of the prediction's shape (real,
    positive, counts, 0/1, [0, 1])."""

    def read(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
        import torch

        _need(len(shape) >= min_rank, f"needs N×C[×...] ({min_rank} dimensions or more)")
        pred = torch.randn(shape, generator=g, dtype=dtype)
        if target in ("positive", "positive_both"):
            if target == "positive_both":  # depth: both prediction and target are positive
                pred = torch.rand(shape, generator=g, dtype=dtype) + 0.5
            y = torch.rand(shape, generator=g, dtype=dtype) + 0.5
        elif target == "counts":
            y = torch.poisson(torch.full(shape, 3.0), generator=g).to(dtype)
        elif target == "binary":
            y = (torch.rand(shape, generator=g) > 0.7).to(dtype)
        elif target == "unit":
            pred = torch.rand(shape, generator=g, dtype=dtype)
            y = torch.rand(shape, generator=g, dtype=dtype)
        elif target == "away_from_zero":
            y = torch.rand(shape, generator=g, dtype=dtype) + 1.0
        else:
            y = torch.randn(shape, generator=g, dtype=dtype)
        return Inputs(pred, (y,), {}, _described(pred, f"target same shape ({target})"))

    return read


def _gaussian_nll(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    pred = torch.randn(shape, generator=g, dtype=dtype)
    y = torch.randn(shape, generator=g, dtype=dtype)
    var = torch.rand(shape, generator=g, dtype=dtype) + 0.1
    return Inputs(pred, (y, var), {}, _described(pred, "target and variance same shape"))


def _fake_logits(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    pred = torch.randn(shape, generator=g, dtype=dtype)
    return Inputs(pred, (), {}, _described(pred, "generator mode (fake logits only)"))


def classes(
    index_channel: bool, log_softmax: bool = False, soft: bool = False
) -> Callable[[tuple[int, ...], Any, Any], Inputs]:
    """(N, C, ...) logits, class axis 1: class indices (N, ...), (N, 1, ...) or probabilities."""

    def read(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
        import torch

        _need(len(shape) >= 2 and shape[1] >= 2, "needs logits N×C[×...], C >= 2 (class axis 1)")
        n, c, *rest = shape
        pred = torch.randn(shape, generator=g, dtype=dtype)
        if soft:
            y = torch.softmax(torch.randn(shape, generator=g, dtype=dtype), dim=1)
            what = "target probabilities same shape"
        else:
            index_shape = (n, 1, *rest) if index_channel else (n, *rest)
            y = torch.randint(0, c, index_shape, generator=g)
            what = f"class indices {index_shape}"
        first = (lambda p: torch.log_softmax(p, dim=1)) if log_softmax else None
        return Inputs(pred, (y,), {"n_classes": c}, _described(pred, what), first)

    return read


def rows(kind: str) -> Callable[[tuple[int, ...], Any, Any], Inputs]:
    """Exactly N×C (or N×D, Q×L): one row per sample, query or embedding."""

    def read(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
        import torch

        _need(len(shape) == 2, f"needs a 2-D shape N×{'L' if kind == 'ranking' else 'C'}")
        n, c = shape
        pred = torch.randn(shape, generator=g, dtype=dtype)
        facts: dict[str, int] = {}
        if kind == "index":
            y: tuple[Any, ...] = (torch.randint(0, c, (n,), generator=g),)
            what = f"class indices ({n},)"
        elif kind == "cosine":
            pred = (torch.rand(shape, generator=g, dtype=dtype) * 2 - 1) * 0.9
            y = (torch.randint(0, c, (n,), generator=g),)
            what = f"cosine logits, class indices ({n},)"
        elif kind == "levels":  # CORAL: K − 1 = C logits, so K = C + 1 levels
            y = (torch.randint(0, c + 1, (n,), generator=g),)
            what = f"{c + 1} levels, indices ({n},)"
        elif kind == "edges":  # DFL: C = reg_max + 1 bins
            _need(c >= 2, "needs N×C with C >= 2 bins (reg_max = C − 1)")
            facts = {"reg_max": c - 1}
            y = (torch.rand(n, generator=g, dtype=dtype) * (c - 1.01),)
            what = f"edge targets ({n},) in [0, {c - 1})"
        elif kind == "pair":
            y = (torch.randn(shape, generator=g, dtype=dtype),)
            what = "second tensor same shape"
        elif kind == "triplet":
            y = (
                torch.randn(shape, generator=g, dtype=dtype),
                torch.randn(shape, generator=g, dtype=dtype),
            )
            what = "positive and negative same shape"
        elif kind == "similar":
            y = (
                torch.randn(shape, generator=g, dtype=dtype),
                torch.randint(0, 2, (n,), generator=g),
            )
            what = f"second embeddings, 0/1 similarity ({n},)"
        elif kind == "elbo":
            latent = min(c, 32)
            y = (
                torch.rand(shape, generator=g, dtype=dtype),
                torch.randn(n, latent, generator=g, dtype=dtype),
                torch.randn(n, latent, generator=g, dtype=dtype) * 0.1,
            )
            what = f"target same shape, mu and logvar ({n}, {latent})"
        else:  # ranking: graded relevance 0..3 per item, Q·L² pairs
            pairs = n * c * c
            _need(
                pairs <= PAIRWISE_LIMIT,
                f"pairwise: {n}×{c}² = {pairs:,} pairs > {PAIRWISE_LIMIT:,}; use fewer items "
                "per list (e.g. 256x100)",
            )
            y = (torch.randint(0, 4, shape, generator=g).to(dtype),)
            what = "graded relevance same shape"
        return Inputs(pred, y, facts, _described(pred, what))

    return read


def _survival(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    _need(len(shape) == 1 or shape[1:] == (1,) * (len(shape) - 1), "needs N or N×1 scores")
    n = shape[0]
    pred = torch.randn(shape, generator=g, dtype=dtype)
    durations = torch.rand(n, generator=g, dtype=dtype) * 10 + 0.1
    events = (torch.rand(n, generator=g) > 0.3).long()
    return Inputs(pred, (durations, events), {}, _described(pred, f"durations, events ({n},)"))


def _pairwise_survival(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    _need(shape[0] ** 2 <= PAIRWISE_LIMIT, f"risk sets: {shape[0]}² pairs > {PAIRWISE_LIMIT:,}")
    return _survival(shape, g, dtype)


def _ordinal_scores(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    _need(len(shape) == 1 or shape[1:] == (1,) * (len(shape) - 1), "needs N or N×1 scores")
    levels = 5
    pred = torch.randn(shape, generator=g, dtype=dtype)
    y = torch.randint(0, levels, (shape[0],), generator=g)
    return Inputs(pred, (y,), {"n_classes": levels}, _described(pred, f"{levels} levels"))


def masks(shape: tuple[int, ...], g: Any, dtype: Any, form: str = "index") -> Inputs:
    """(N, C, spatial...) mask logits: C <= 2 a 0/1 mask of the same shape (the binary form);
    C > 2 class indices (N, 1, ...), (N, ...) or one-hot, as the multiclass form reads them."""
    import torch

    _need(len(shape) >= 3, "needs mask logits N×C×H[×W[×D]]")
    n, c, *spatial = shape
    pred = torch.randn(shape, generator=g, dtype=dtype)
    if c <= 2:
        y = (torch.rand(shape, generator=g) > 0.7).to(dtype)
        return Inputs(pred, (y,), {"n_classes": 2}, _described(pred, "0/1 mask same shape"))
    index = torch.randint(0, c, (n, *spatial), generator=g)
    if form == "onehot":
        order = (0, len(shape) - 1, *range(1, len(shape) - 1))
        target = torch.nn.functional.one_hot(index, c).permute(*order).to(dtype)
        what = "one-hot same shape"
    elif form == "plain":
        target, what = index, f"class indices {tuple(index.shape)}"
    else:
        target = index.unsqueeze(1)
        what = f"class indices {tuple(target.shape)}"
    return Inputs(pred, (target,), {"n_classes": c}, _described(pred, what))


def mask_form(form: str) -> Callable[[tuple[int, ...], Any, Any], Inputs]:
    return lambda shape, g, dtype: masks(shape, g, dtype, form)


def _boxes(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    _need(len(shape) == 2 and shape[1] == 4, "needs boxes N×4 (x1, y1, x2, y2)")

    def draw() -> Any:
        xy = torch.rand(shape[0], 2, generator=g, dtype=dtype) * 10
        wh = torch.rand(shape[0], 2, generator=g, dtype=dtype) * 5 + 1
        return torch.cat([xy, xy + wh], dim=1)

    pred = draw()
    return Inputs(pred, (draw(),), {}, _described(pred, "target boxes same shape"))


def _frames(shape: tuple[int, ...], g: Any, dtype: Any) -> Inputs:
    import torch

    _need(len(shape) == 3 and shape[2] >= 2, "needs frame logits T×N×C (C >= 2, 0 = blank)")
    t, n, c = shape
    s = max(1, min(t // 2, 20))
    targets = torch.randint(1, c, (n, s), generator=g)
    pred = torch.randn(shape, generator=g, dtype=dtype)
    lengths = (torch.full((n,), t, dtype=torch.long), torch.full((n,), s, dtype=torch.long))
    return Inputs(
        pred,
        (targets, *lengths),
        {},
        _described(pred, f"targets ({n}, {s}), lengths"),
        lambda p: torch.log_softmax(p, dim=-1),
    )


Reader = Callable[[tuple[int, ...], Any, Any], Inputs]

# How each catalog loss reads the shape. A test checks that every loss with a torch form is here.
READINGS: dict[str, Reader] = {
    **{
        loss: elementwise("real")
        for loss in (
            "mse",
            "mae",
            "huber",
            "smooth_l1",
            "pseudo_huber",
            "log_cosh",
            "pinball",
            "berhu",
            "wing",
            "barron",
            "heatmap_mse",
        )
    },
    "mape": elementwise("away_from_zero"),
    "gamma": elementwise("positive"),
    "silog": elementwise("positive_both"),
    "poisson": elementwise("counts"),
    "negative_binomial": elementwise("counts"),
    "tweedie": elementwise("counts"),
    "gaussian_nll": _gaussian_nll,
    "bce": elementwise("binary"),
    "weighted_bce": elementwise("binary"),
    "focal_binary": elementwise("binary", min_rank=2),  # MONAI reads axis 1 as channels
    "asymmetric": elementwise("binary"),
    "soft_bce": elementwise("unit"),
    "adaptive_wing": elementwise("unit"),
    "gan_ns": _fake_logits,
    "ce": classes(index_channel=False),
    "weighted_ce": classes(index_channel=False),
    "class_balanced_ce": classes(index_channel=False),
    "label_smoothing_ce": classes(index_channel=False),
    "seq_ce": classes(index_channel=False),
    "focal_multiclass": classes(index_channel=True),
    "kl_div": classes(index_channel=False, log_softmax=True, soft=True),
    "hinge": rows("index"),
    "arcface": rows("cosine"),
    "cosface": rows("cosine"),
    "coral": rows("levels"),
    "dfl": rows("edges"),
    "distillation_kl": rows("pair"),
    "info_nce": rows("pair"),
    "triplet": rows("triplet"),
    "contrastive_pair": rows("similar"),
    "elbo": rows("elbo"),
    "ranknet": rows("ranking"),
    "lambdarank": rows("ranking"),
    "listnet": rows("ranking"),
    "cumulative_link": _ordinal_scores,
    "aft": _survival,
    "cox": _pairwise_survival,
    "dice": mask_form("index"),
    "generalized_dice": mask_form("index"),
    "tversky": mask_form("index"),
    "dice_ce": mask_form("index"),
    "dice_focal": mask_form("index"),
    "jaccard": mask_form("index"),
    "focal_tversky": mask_form("onehot"),
    "lovasz": mask_form("plain"),
    "giou": _boxes,
    "diou": _boxes,
    "ciou": _boxes,
    "ctc": _frames,
}


def inputs_for(loss: str, shape: tuple[int, ...], dtype: Any, seed: int = 0) -> Inputs:
    """The inputs of `loss` at `shape`; NotAtShape when its reading does not accept it."""
    import torch

    reader = READINGS.get(loss)
    if reader is None:
        raise NotAtShape("no input reading for this loss")
    return reader(shape, torch.Generator().manual_seed(seed), dtype)
