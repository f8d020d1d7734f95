"""Hydra: `loss:` and `optimizer:` nodes that `hydra.utils.instantiate` builds as they are.

loss = instantiate(cfg.loss); optimizer = instantiate(cfg.optimizer)(model.parameters())
scheduler = instantiate(cfg.lr_scheduler)(optimizer)   # total_steps: ${trainer.max_steps}
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export import multitask, schedule
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.mapping import Frameworks, TensorValue
from lossadvisor.models import Recommendation


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


def loss_node(
    frameworks: Frameworks, choice: LossChoice, rec: Recommendation, notes: list[str]
) -> dict[str, Any]:
    entry, built = loss_args(frameworks, choice, "hydra", rec.facts)
    notes.extend(built.notes)
    return node(entry.target, built.args)


def build(
    rec: Recommendation,
    choices: list[LossChoice],
    frameworks: Frameworks,
    steps: int | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The hydra config body and the notes gathered while building it."""
    notes: list[str] = []
    if len(choices) == 1 and choices[0].head is None:
        loss = loss_node(frameworks, choices[0], rec, notes)
    else:
        heads = {c.head or c.loss: loss_node(frameworks, c, rec, notes) for c in choices}
        loss = {
            "_target_": multitask.TARGET,
            "_convert_": "all",  # hand MultiTaskLoss plain dicts of built modules
            "losses": heads,
            **multitask.arguments(rec, choices, notes),
        }
    entry, built = optimizer_args(frameworks, rec.optimizer, "hydra", rec.facts)
    notes.extend(built.notes)
    optimizer = node(entry.target, built.args, _partial_=True)
    scheduler = schedule.hydra_nodes(rec.optimizer, steps, notes)
    return {"loss": loss, "optimizer": optimizer, **scheduler}, notes
