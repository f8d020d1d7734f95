"""Hydra: `loss:` and `optimizer:` nodes that `hydra.utils.instantiate` builds as they are.

loss = instantiate(cfg.loss); optimizer = instantiate(cfg.optimizer)(model.parameters())
scheduler = instantiate(cfg.lr_scheduler)(optimizer)   # total_steps: ${trainer.max_steps}
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args
from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.heads import skeleton
from lossadvisor.export.mapping import TensorValue
from lossadvisor.export.multitask import TARGET as MULTITASK_TARGET
from lossadvisor.export.schedule import hydra_nodes


def render(value: Any) -> Any:
    """A tensor argument becomes a `torch.tensor` node; everything else stays as it is."""
    if isinstance(value, TensorValue):
        return {"_target_": "torch.tensor", "_args_": [list(value.values)]}
    return value


def node(target: str | None, args: dict[str, Any], **flags: Any) -> dict[str, Any]:
    """A `_target_` node; lists and dicts are handed over as plain Python (`_convert_: all`)."""
    if any(isinstance(v, list | tuple | dict) for v in args.values()):
        # Without it the target gets OmegaConf containers, which sklearn and MONAI reject.
        flags["_convert_"] = "all"
    return {"_target_": target, **flags, **{k: render(v) for k, v in args.items()}}


def loss_node(job: Job, choice: LossChoice, notes: list[str]) -> dict[str, Any]:
    entry, built = loss_args(job, choice)
    notes.extend(built.notes)
    return node(entry.target, built.args)


def _combine(heads: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "_target_": MULTITASK_TARGET,
        "_convert_": "all",  # hand MultiTaskLoss plain dicts of built modules
        "losses": heads,
        **arguments,
    }


def build(job: Job) -> Body:
    """The hydra config body and the notes gathered while building it."""
    parts = skeleton(job, loss_node, _combine)
    optimizer = node(parts.optimizer.target, parts.optimizer_args, _partial_=True)
    scheduler = hydra_nodes(job.rec.optimizer, job.steps, parts.notes)
    return {"loss": parts.loss, "optimizer": optimizer, **scheduler}, parts.notes


FORMAT = ExportFormat("hydra", "torch", multi_head=True, header="block", build=build)
