"""Which loss(es) an export carries: the top choice, a `--pick`, or one per head."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from lossadvisor.errors import InputError, did_you_mean
from lossadvisor.export.labels import ClassLabels
from lossadvisor.models import ParamAdvice, RankedLoss, Recommendation


class LossChoice(BaseModel):
    """One loss to export, with plain parameter values; `head` is None for a single-task model."""

    model_config = ConfigDict(frozen=True)
    loss: str
    name: str
    params: dict[str, Any]
    head: str | None = None
    weight: float = 1.0
    task: str | None = None  # a head's task; None = the recommendation's target
    labels: ClassLabels | None = None  # the classes the per-class params use, in their order

    def label(self) -> str:
        """How messages name it: 'head seg (dice_ce)' or 'huber'."""
        return f"head '{self.head}' ({self.loss})" if self.head else self.loss


def _values(params: dict[str, ParamAdvice]) -> dict[str, Any]:
    return {name: advice.value for name, advice in params.items()}


def top_choice(rec: Recommendation) -> RankedLoss:
    """The first recommended loss; else the first not excluded."""
    for verdict in ("recommended", "alternative", "weaker", "avoid"):
        for ranked in rec.ranking:
            if ranked.verdict == verdict:
                return ranked
    raise InputError(
        "the recommendation ranks no usable loss (every candidate is excluded); nothing to export"
    )


def choose(rec: Recommendation, pick: str | None = None) -> list[LossChoice]:
    """The losses to export: one per head for multi-task, else the pick or the top choice."""
    if rec.heads:
        if pick is not None:
            raise InputError(
                f"--pick {pick}: this recommendation has {len(rec.heads)} heads, each with its "
                "own loss; --pick chooses among a single-target ranking"
            )
        return [
            LossChoice(
                loss=h.loss,
                name=h.loss,
                params=_values(h.params),
                head=h.name,
                weight=h.weight,
                task=h.task,
            )
            for h in rec.heads
        ]
    if not rec.ranking:
        raise InputError("the recommendation ranks no loss; nothing to export")
    if pick is None:
        ranked = top_choice(rec)
    else:
        by_id = {r.loss: r for r in rec.ranking}
        if pick not in by_id:
            ranked_ids = [r.loss for r in rec.ranking]
            hint = did_you_mean(pick, ranked_ids) or " Ranked: " + ", ".join(ranked_ids) + "."
            raise InputError(f"--pick: '{pick}' is not among the ranked losses.{hint}")
        ranked = by_id[pick]
        if ranked.verdict == "excluded":
            raise InputError(
                f"--pick: '{pick}' was excluded for this data "
                f"({ranked.excluded_because or 'no reason given'})"
            )
    return [LossChoice(loss=ranked.loss, name=ranked.name, params=_values(ranked.params))]
