"""LightGBM and XGBoost: a parameter dict (`objective` and its parameters) under `params:`.

booster = lightgbm.train(cfg["params"], dataset)   |   xgboost.train(cfg["params"], dmatrix)
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, require_single
from lossadvisor.export.mapping import Frameworks
from lossadvisor.models import Recommendation


def build(
    rec: Recommendation, choices: list[LossChoice], frameworks: Frameworks, fmt: str
) -> tuple[dict[str, Any], list[str]]:
    """The `params:` dict for fmt ('lightgbm' or 'xgboost') and notes."""
    choice = require_single(choices, fmt)
    entry, built = loss_args(frameworks, choice, fmt, rec.facts)
    notes = list(built.notes)
    params = {"objective": entry.objective, **built.args}
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) is for gradient-descent training; "
        f"{fmt} boosts trees with its own learning_rate"
    )
    return {"params": params}, notes
