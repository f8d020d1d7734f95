"""Multi-task: per-head weights and the balancing method, as MultiTaskLoss takes them."""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.models import Recommendation

TARGET = "lossadvisor.torch_losses.MultiTaskLoss"
# Balancing methods MultiTaskLoss runs itself; the others need the training loop's gradients.
BUILT_IN = ("fixed", "uncertainty")
LOOP_METHODS = {
    "gradnorm": "LibMTL GradNorm (needs the shared layer's gradients)",
    "dwa": "LibMTL DWA (needs the per-epoch loss history)",
    "dtp": "dynamic task prioritisation (needs per-task KPIs)",
}


def arguments(rec: Recommendation, choices: list[LossChoice], notes: list[str]) -> dict[str, Any]:
    """weights, method and settings for MultiTaskLoss; notes what the exported form cannot run."""
    weights = {c.head or c.loss: c.weight for c in choices}
    balancing = rec.balancing
    method = balancing.method if balancing else "fixed"
    settings = dict(balancing.settings) if balancing else {}
    args: dict[str, Any] = {"weights": weights}
    if method in BUILT_IN:
        args["method"] = method
        if method == "uncertainty" and "init_log_var" in settings:
            args["init_log_var"] = float(settings.pop("init_log_var"))
    else:
        args["method"] = "fixed"
        notes.append(
            f"balancing '{method}' is advised; it runs in the training loop "
            f"({LOOP_METHODS.get(method, method)}), "
            "so the export starts from the fixed weights"
        )
    for key, value in settings.items():
        notes.append(
            f"balancing setting {key}={value!r} is for the training loop; not part of the loss node"
        )
    return args
