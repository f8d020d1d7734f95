"""scikit-learn: an estimator whose loss matches, as a hydra `_target_` node under `estimator:`.

estimator = hydra.utils.instantiate(cfg["estimator"])
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, require_single
from lossadvisor.export.hydra import node
from lossadvisor.export.mapping import Frameworks
from lossadvisor.models import Recommendation


def build(
    rec: Recommendation, choices: list[LossChoice], frameworks: Frameworks
) -> tuple[dict[str, Any], list[str]]:
    """The `estimator:` node and notes."""
    choice = require_single(choices, "sklearn")
    entry, built = loss_args(frameworks, choice, "sklearn", rec.facts)
    notes = list(built.notes)
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) does not apply: {entry.target} has its own solver"
    )
    return {"estimator": node(entry.target, built.args)}, notes
