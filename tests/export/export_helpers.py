"""Recommendations built directly (no recommend engine), one per family, from real data if any."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lossadvisor.models import (
    BalancingAdvice,
    HeadAdvice,
    OptimizerAdvice,
    ParamAdvice,
    RankedLoss,
    Recommendation,
)
from lossadvisor.resources import rules_dir

ADAM = {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1.0e-8, "weight_decay": 0.0}


def catalog() -> dict[str, dict[str, Any]]:
    """rules/losses.yaml by id, read as plain YAML (independent of the exporter's code)."""
    data = yaml.safe_load((rules_dir() / "losses.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data["losses"]}


def methods() -> dict[str, Any]:
    return yaml.safe_load((rules_dir() / "methods.yaml").read_text(encoding="utf-8"))


def frameworks_yaml() -> dict[str, Any]:
    return yaml.safe_load(Path(rules_dir() / "frameworks.yaml").read_text(encoding="utf-8"))


def advice(params: dict[str, Any]) -> dict[str, ParamAdvice]:
    return {k: ParamAdvice(value=v, derivation="test") for k, v in params.items()}


def ranked(
    loss: str,
    params: dict[str, Any] | None = None,
    verdict: str = "recommended",
    score: float = 3.0,
    excluded_because: str | None = None,
) -> RankedLoss:
    return RankedLoss(
        loss=loss,
        name=loss.replace("_", " "),
        score=score,
        verdict=verdict,  # type: ignore[arg-type]
        params=advice(params or {}),
        reasons=[f"{loss} fits"],
        excluded_because=excluded_because,
    )


def make_rec(
    loss: str,
    params: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
    optimizer: str = "adam",
    settings: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    extra: list[RankedLoss] | None = None,
) -> Recommendation:
    """A single-target recommendation whose top choice is `loss`."""
    return Recommendation(
        facts=facts or {},
        context=context or {},
        ranking=[ranked(loss, params), *(extra or [])],
        optimizer=OptimizerAdvice(
            name=optimizer, settings=dict(ADAM if settings is None else settings)
        ),
    )


# --- real data -------------------------------------------------------------------------------


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return x, y


def mad_sigma(y: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(y - np.median(y))))


def breast_cancer_minority_positive() -> tuple[np.ndarray, np.ndarray]:
    """breast_cancer with the malignant minority (212 of 569) as the positive class."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return x, 1 - y


def wine() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


def regression_rec(loss: str = "huber") -> Recommendation:
    _, y = diabetes()
    sigma = mad_sigma(y)
    params = {
        "huber": {"delta": 1.345 * sigma},
        "pinball": {"tau": 0.9},
        "tweedie": {"power": 1.5},
        "smooth_l1": {"beta": 1.345 * sigma},
    }.get(loss, {})
    facts = {
        "target_type": "continuous",
        "n_rows": len(y),
        "mad_sigma": sigma,
        "median": float(np.median(y)),
        "task": "regression",
    }
    return make_rec(loss, params, facts)


def imbalance_rec(loss: str = "weighted_bce") -> Recommendation:
    _, y = breast_cancer_minority_positive()
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    params = {
        "weighted_bce": {"pos_weight": n_neg / n_pos},
        "focal_binary": {"alpha": n_neg / len(y), "gamma": 2.0},
    }.get(loss, {})
    facts = {
        "target_type": "binary",
        "n_classes": 2,
        "imbalance_ratio": n_neg / n_pos,
        "minority_ratio": n_pos / len(y),
        "task": "binary",
    }
    return make_rec(
        loss,
        params,
        facts,
        optimizer="adamw",
        settings={"lr": 0.01, "betas": [0.9, 0.999], "weight_decay": 0.01},
    )


def multiclass_rec(loss: str = "weighted_ce") -> Recommendation:
    _, y = wine()
    counts = np.bincount(y)
    weights = (len(y) / (len(counts) * counts)).tolist()
    params = {
        "weighted_ce": {"class_weights": weights},
        "label_smoothing_ce": {"epsilon": 0.1},
    }.get(loss, {})
    facts = {"target_type": "multiclass", "n_classes": len(counts), "task": "multiclass"}
    return make_rec(
        loss,
        params,
        facts,
        optimizer="sgd",
        settings={"lr": 0.05, "momentum": 0.9, "nesterov": True},
    )


def segmentation_rec(loss: str = "dice_ce", n_classes: int = 3) -> Recommendation:
    params = {
        "dice_ce": {"lambda_dice": 1.0, "lambda_ce": 0.5},
        "tversky": {"alpha": 0.3, "beta": 0.7, "smooth": 1.0},
        "focal_tversky": {"alpha": 0.3, "beta": 0.7, "exponent": 0.75},
    }.get(loss, {})
    facts = {"n_classes": n_classes, "foreground_ratio": 0.02, "task": "segmentation"}
    return make_rec(
        loss,
        params,
        facts,
        optimizer="rmsprop",
        settings={"lr": 0.001, "alpha": 0.9, "momentum": 0.0},
    )


def detection_rec(loss: str = "giou") -> Recommendation:
    return make_rec(
        loss,
        {},
        {"task": "detection"},
        optimizer="lamb",
        settings={"lr": 0.01, "betas": [0.9, 0.999], "weight_decay": 0.01},
    )


def multitask_rec(method: str = "uncertainty") -> Recommendation:
    settings = {"init_log_var": -0.5} if method == "uncertainty" else {"alpha": 1.5}
    return Recommendation(
        facts={"n_classes": 3},
        context={"task": "segmentation", "n_heads": 2},
        ranking=[],
        optimizer=OptimizerAdvice(name="adam", settings=dict(ADAM)),
        heads=[
            HeadAdvice(
                name="seg",
                task="segmentation",
                loss="dice_ce",
                params=advice({"lambda_dice": 1.0, "lambda_ce": 1.0}),
                weight=1.0,
            ),
            HeadAdvice(
                name="depth",
                task="regression",
                loss="huber",
                params=advice({"delta": 0.5}),
                weight=0.5,
            ),
        ],
        balancing=BalancingAdvice(method=method, settings=settings, reasons=["scales differ"]),
    )


FAMILIES = {
    "regression": regression_rec,
    "classification": multiclass_rec,
    "imbalance": imbalance_rec,
    "segmentation": segmentation_rec,
    "detection": detection_rec,
    "multitask": multitask_rec,
}


# --- tiny tensors a loss can run on ------------------------------------------------------------

POSITIVE_TARGET = {"gamma"}
COUNT_TARGET = {"poisson", "negative_binomial", "tweedie"}
BINARY_LOGIT = {"bce", "weighted_bce", "focal_binary", "soft_bce"}
CLASS_INDEX = {"ce", "weighted_ce", "class_balanced_ce", "label_smoothing_ce", "hinge"}
SEGMENTATION = {
    "dice",
    "generalized_dice",
    "tversky",
    "focal_tversky",
    "dice_ce",
    "dice_focal",
    "lovasz",
    "jaccard",
}
BOXES = {"giou", "diou", "ciou"}
ORDINAL = {"cumulative_link", "coral"}


def facts_for(loss: str) -> dict[str, Any]:
    """The profile facts an export of `loss` needs (ordinal losses: the number of levels)."""
    return {"n_classes": 3} if loss in ORDINAL else {}


def boxes(generator: Any, n: int) -> Any:
    import torch

    xy = torch.rand(n, 2, generator=generator) * 10
    wh = torch.rand(n, 2, generator=generator) * 5 + 1
    return torch.cat([xy, xy + wh], dim=1)


def torch_inputs(loss: str, multiclass: bool = False, seed: int = 0) -> tuple[Any, list[Any]]:
    """(prediction leaf with requires_grad, [other forward args]) shaped for `loss`."""
    import torch
    from task_loss_inputs import task_inputs

    found = task_inputs(loss, seed)  # the task-family losses of issue 12
    if found is not None:
        return found
    g = torch.Generator().manual_seed(seed)
    k = 3
    if loss in SEGMENTATION:
        channels = k if multiclass else 1
        pred = torch.randn(2, channels, 8, 8, generator=g)
        if not multiclass:
            target: Any = (torch.rand(2, 1, 8, 8, generator=g) > 0.7).float()
        else:
            index = torch.randint(0, k, (2, 1, 8, 8), generator=g)
            if loss == "focal_tversky":
                target = torch.nn.functional.one_hot(index[:, 0], k).permute(0, 3, 1, 2).float()
            elif loss == "lovasz":
                target = index[:, 0]
            else:
                target = index
        return pred.requires_grad_(), [target]
    if loss in BOXES:
        pred = boxes(g, 4)
        return pred.requires_grad_(), [boxes(g, 4)]
    if loss in BINARY_LOGIT:
        pred = torch.randn(8, 1, generator=g)
        if loss == "soft_bce":
            return pred.requires_grad_(), [torch.rand(8, 1, generator=g)]
        return pred.requires_grad_(), [(torch.rand(8, 1, generator=g) > 0.5).float()]
    if loss in ORDINAL:  # K = 3 levels: one score (cumulative link) or K − 1 logits (CORAL)
        width = k - 1 if loss == "coral" else 1
        return torch.randn(8, width, generator=g).requires_grad_(), [
            torch.randint(0, k, (8,), generator=g)
        ]
    if loss in CLASS_INDEX:
        return torch.randn(8, k, generator=g).requires_grad_(), [
            torch.randint(0, k, (8,), generator=g)
        ]
    if loss == "focal_multiclass":
        return torch.randn(8, k, generator=g).requires_grad_(), [
            torch.randint(0, k, (8, 1), generator=g)
        ]
    if loss == "kl_div":
        logits = torch.randn(8, k, generator=g).requires_grad_()
        return logits, [torch.softmax(torch.randn(8, k, generator=g), dim=1)]
    if loss in ("distillation_kl", "info_nce"):
        return torch.randn(8, 4, generator=g).requires_grad_(), [torch.randn(8, 4, generator=g)]
    if loss == "seq_ce":
        return torch.randn(2, 5, 6, generator=g).requires_grad_(), [
            torch.randint(0, 5, (2, 6), generator=g)
        ]
    if loss == "gaussian_nll":
        pred = torch.randn(8, 1, generator=g)
        return pred.requires_grad_(), [
            torch.randn(8, 1, generator=g),
            torch.rand(8, 1, generator=g) + 0.1,
        ]
    pred = torch.randn(8, 1, generator=g)
    if loss in POSITIVE_TARGET:
        target = torch.rand(8, 1, generator=g) + 0.5
    elif loss in COUNT_TARGET:
        target = torch.poisson(torch.full((8, 1), 3.0), generator=g)
    elif loss == "mape":
        target = torch.rand(8, 1, generator=g) + 1.0
    else:
        target = torch.randn(8, 1, generator=g)
    return pred.requires_grad_(), [target]


def run_once(loss_fn: Any, loss: str, multiclass: bool = False) -> Any:
    """One forward + backward; returns (loss value, gradient of the prediction)."""
    import torch
    from task_loss_inputs import LOG_SOFTMAX_FIRST

    pred, rest = torch_inputs(loss, multiclass)
    first = torch.log_softmax(pred, dim=1) if loss == "kl_div" else pred
    if loss in LOG_SOFTMAX_FIRST:
        first = torch.log_softmax(pred, dim=-1)
    value = loss_fn(first, *rest)
    value.backward()
    return value, pred.grad


def build_plain(node: Any) -> Any:
    """The loader of export/sklearn.py's docstring, verbatim: no lossadvisor involved."""
    import importlib

    if isinstance(node, dict) and "class" in node:
        module, _, name = node["class"].rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        return cls(**{k: build_plain(v) for k, v in node.get("params", {}).items()})
    return [build_plain(v) for v in node] if isinstance(node, list) else node
