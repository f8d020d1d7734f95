"""Tiny, correctly shaped inputs for the task-family losses of issue 12 (forward + backward).

Each builder returns (prediction leaf, [other forward arguments]); export_helpers.torch_inputs
dispatches here first, so the hydra / lightning load tests cover these losses too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# losses whose first argument is log-probabilities: run_once applies log_softmax first
LOG_SOFTMAX_FIRST = {"ctc"}


def _asymmetric(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, 3, generator=g), [(torch.rand(8, 3, generator=g) > 0.5).float()]


def _cosine(g: Any) -> tuple[Any, list[Any]]:
    import torch

    cosine = (torch.rand(8, 5, generator=g) * 2 - 1) * 0.9
    return cosine, [torch.randint(0, 5, (8,), generator=g)]


def _triplet(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, 4, generator=g), [
        torch.randn(8, 4, generator=g),
        torch.randn(8, 4, generator=g),
    ]


def _pair(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, 4, generator=g), [
        torch.randn(8, 4, generator=g) * 0.3,
        torch.tensor([1, 0, 1, 0, 1, 0, 1, 0]),
    ]


def _ctc(g: Any) -> tuple[Any, list[Any]]:
    import torch

    logits = torch.randn(12, 2, 5, generator=g)
    targets = torch.randint(1, 5, (2, 4), generator=g)
    return logits, [targets, torch.tensor([12, 12]), torch.tensor([4, 3])]


def _depth(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.rand(2, 1, 8, 8, generator=g) + 0.5, [torch.rand(2, 1, 8, 8, generator=g) + 0.5]


def _elbo(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(4, 6, generator=g), [
        torch.rand(4, 6, generator=g),
        torch.randn(4, 3, generator=g),
        torch.randn(4, 3, generator=g) * 0.1,
    ]


def _gan(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, 1, generator=g), []


def _ranking(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(3, 5, generator=g), [torch.randint(0, 4, (3, 5), generator=g).float()]


def _dfl(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, 17, generator=g), [torch.rand(8, generator=g) * 15.9]


def _heatmap(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.rand(2, 3, 8, 8, generator=g), [torch.rand(2, 3, 8, 8, generator=g)]


def _heatmap_weighted(g: Any) -> tuple[Any, list[Any]]:
    import torch

    pred, rest = _heatmap(g)
    return pred, [*rest, torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])]


def _survival(g: Any) -> tuple[Any, list[Any]]:
    import torch

    return torch.randn(8, generator=g), [
        torch.rand(8, generator=g) * 10 + 0.1,
        torch.tensor([1, 0, 1, 1, 0, 1, 1, 0]),
    ]


BUILDERS: dict[str, Callable[[Any], tuple[Any, list[Any]]]] = {
    "asymmetric": _asymmetric,
    "arcface": _cosine,
    "cosface": _cosine,
    "triplet": _triplet,
    "contrastive_pair": _pair,
    "ctc": _ctc,
    "silog": _depth,
    "elbo": _elbo,
    "gan_ns": _gan,
    "ranknet": _ranking,
    "lambdarank": _ranking,
    "listnet": _ranking,
    "dfl": _dfl,
    "adaptive_wing": _heatmap,
    "heatmap_mse": _heatmap_weighted,
    "cox": _survival,
    "aft": _survival,
}


def task_inputs(loss: str, seed: int = 0) -> tuple[Any, list[Any]] | None:
    """Inputs for an issue-12 loss (prediction with requires_grad), or None for other losses."""
    import torch

    builder = BUILDERS.get(loss)
    if builder is None:
        return None
    pred, rest = builder(torch.Generator().manual_seed(seed))
    return pred.requires_grad_(), rest
