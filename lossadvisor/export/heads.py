"""The single/multi-head skeleton the torch formats share (hydra, lightning; monai via hydra).

One loss node for the whole model, or one per head combined by MultiTaskLoss; then the
optimizer's entry and arguments. Each format says only how a node and the combination look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import optimizer_args
from lossadvisor.export.formats import Job
from lossadvisor.export.multitask import arguments
from lossadvisor.rules.frameworks import Entry

LossNode = Callable[[Job, LossChoice, list[str]], dict[str, Any]]
"""(job, choice, notes) -> the loss's node in the format; appends its notes."""
Combine = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
"""(node per head, MultiTaskLoss arguments) -> the combined loss node."""


@dataclass(frozen=True)
class Skeleton:
    loss: dict[str, Any]
    optimizer: Entry
    optimizer_args: dict[str, Any]
    notes: list[str]


def skeleton(job: Job, loss_node: LossNode, combine: Combine) -> Skeleton:
    """The loss node (one, or one per head combined) and the optimizer's entry and arguments."""
    notes: list[str] = []
    if job.single:
        loss = loss_node(job, job.choices[0], notes)
    else:
        heads = {c.head or c.loss: loss_node(job, c, notes) for c in job.choices}
        loss = combine(heads, arguments(job.rec, job.choices, notes))
    entry, built = optimizer_args(job, job.rec.optimizer)
    notes.extend(built.notes)
    return Skeleton(loss, entry, dict(built.args), notes)
