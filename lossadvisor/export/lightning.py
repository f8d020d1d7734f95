"""LightningCLI / jsonargparse: `class_path` + `init_args`.

The loss goes under `model:` as the init argument `loss_fn` (LightningCLI(YourModule) where
YourModule.__init__ takes `loss_fn: torch.nn.Module`); the optimizer is LightningCLI's
top-level `optimizer:` group and the schedule its `lr_scheduler:` group (export/schedule.py).
jsonargparse cannot build tensors, so losses with tensor
arguments point to lossadvisor's list-taking wrappers.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.export import multitask, schedule
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.mapping import Frameworks, TensorValue
from lossadvisor.models import Recommendation


def loss_node(
    frameworks: Frameworks, choice: LossChoice, rec: Recommendation, notes: list[str]
) -> dict[str, Any]:
    entry, built = loss_args(frameworks, choice, "lightning", rec.facts)
    notes.extend(built.notes)
    args = dict(built.args)
    target = entry.target
    if any(isinstance(v, TensorValue) for v in args.values()):
        if entry.list_wrapper is None:
            raise InputError(f"{choice.label()}: lightning cannot pass tensors to {entry.target}")
        target = entry.list_wrapper
        args = {k: list(v.values) if isinstance(v, TensorValue) else v for k, v in args.items()}
    return {"class_path": target, "init_args": args}


def build(
    rec: Recommendation,
    choices: list[LossChoice],
    frameworks: Frameworks,
    steps: int | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The LightningCLI config body and notes."""
    notes: list[str] = []
    if len(choices) == 1 and choices[0].head is None:
        loss = loss_node(frameworks, choices[0], rec, notes)
    else:
        heads = {c.head or c.loss: loss_node(frameworks, c, rec, notes) for c in choices}
        loss = {
            "class_path": multitask.TARGET,
            "init_args": {"losses": heads, **multitask.arguments(rec, choices, notes)},
        }
    entry, built = optimizer_args(frameworks, rec.optimizer, "lightning", rec.facts)
    notes.extend(built.notes)
    optimizer = {"class_path": entry.target, "init_args": dict(built.args)}
    notes.append(
        "model.loss_fn is the init argument of your LightningModule (type hint torch.nn.Module)"
    )
    scheduler = schedule.lightning_nodes(rec.optimizer, steps, notes)
    return {"model": {"loss_fn": loss}, "optimizer": optimizer, **scheduler}, notes
