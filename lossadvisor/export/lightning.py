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
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args
from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.heads import skeleton
from lossadvisor.export.mapping import TensorValue
from lossadvisor.export.multitask import TARGET as MULTITASK_TARGET
from lossadvisor.export.schedule import lightning_nodes


def loss_node(job: Job, choice: LossChoice, notes: list[str]) -> dict[str, Any]:
    entry, built = loss_args(job, choice)
    notes.extend(built.notes)
    args = dict(built.args)
    target = entry.target
    if any(isinstance(v, TensorValue) for v in args.values()):
        if entry.list_wrapper is None:
            raise InputError(f"{choice.label()}: lightning cannot pass tensors to {entry.target}")
        target = entry.list_wrapper
        args = {k: list(v.values) if isinstance(v, TensorValue) else v for k, v in args.items()}
    return {"class_path": target, "init_args": args}


def _combine(heads: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    return {"class_path": MULTITASK_TARGET, "init_args": {"losses": heads, **arguments}}


def build(job: Job) -> Body:
    """The LightningCLI config body and notes."""
    parts = skeleton(job, loss_node, _combine)
    optimizer = {"class_path": parts.optimizer.target, "init_args": parts.optimizer_args}
    notes = parts.notes
    notes.append(
        "model.loss_fn is the init argument of your LightningModule (type hint torch.nn.Module)"
    )
    scheduler = lightning_nodes(job.rec.optimizer, job.steps, notes)
    return {"model": {"loss_fn": parts.loss}, "optimizer": optimizer, **scheduler}, notes


# LightningCLI rejects unknown top-level keys: the provenance goes in as comments.
FORMAT = ExportFormat("lightning", "torch", multi_head=True, header="comments", build=build)
