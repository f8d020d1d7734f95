"""LightGBM and XGBoost: a parameter dict (`objective` and its parameters) under `params:`.

booster = lightgbm.train(cfg["params"], dataset)   |   xgboost.train(cfg["params"], dmatrix)
"""

from __future__ import annotations

from lossadvisor.export.common import loss_args, require_single
from lossadvisor.export.formats import Body, ExportFormat, Job


def build(job: Job) -> Body:
    """The `params:` dict for lightgbm or xgboost, and notes."""
    rec, fmt = job.rec, job.format.name
    choice = require_single(job)
    entry, built = loss_args(job, choice)
    notes = list(built.notes)
    params = {"objective": entry.objective, **built.args}
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) is for gradient-descent training; "
        f"{fmt} boosts trees with its own learning_rate"
    )
    return {"params": params}, notes


LIGHTGBM = ExportFormat("lightgbm", "lightgbm", multi_head=False, header="block", build=build)
XGBOOST = ExportFormat("xgboost", "xgboost", multi_head=False, header="block", build=build)
