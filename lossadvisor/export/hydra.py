"""Hydra: `loss:` and `optimizer:` nodes that `hydra.utils.instantiate` builds as they are.

loss = instantiate(cfg.loss); optimizer = instantiate(cfg.optimizer)(model.parameters())
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export import multitask
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.mapping import Frameworks, TensorValue
from lossadvisor.models import Recommendation


def render(value: Any) -> Any:
    """A tensor argument becomes a `torch.tensor` node; everything else stays as it is."""
    if isinstance(value, TensorValue):
        return {"_target_": "torch.tensor", "_args_": [list(value.values)]}
    return value


def loss_node(
    frameworks: Frameworks, choice: LossChoice, rec: Recommendation, notes: list[str]
) -> dict[str, Any]:
    entry, built = loss_args(frameworks, choice, "hydra", rec.facts)
    notes.extend(built.notes)
    return {"_target_": entry.target, **{k: render(v) for k, v in built.args.items()}}


def build(
    rec: Recommendation, choices: list[LossChoice], frameworks: Frameworks
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
    optimizer = {
        "_target_": entry.target,
        "_partial_": True,
        **{k: render(v) for k, v in built.args.items()},
    }
    return {"loss": loss, "optimizer": optimizer}, notes
