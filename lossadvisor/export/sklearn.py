"""scikit-learn: validate's boosted-tree estimator (`--model gbm`, the default) or a GLM.

Two shapes of the same estimator:
  sklearn        `estimator: {class: dotted.Name, params: {...}}`, plain constructor kwargs;
                 nested estimators (the Pipeline's steps) are nodes of the same shape.
  sklearn_hydra  `estimator:` as a hydra `_target_` node: hydra.utils.instantiate(cfg["estimator"])

A loader for the plain shape needs no lossadvisor:

    def build(node):
        if isinstance(node, dict) and "class" in node:
            module, _, name = node["class"].rpartition(".")
            cls = getattr(importlib.import_module(module), name)
            return cls(**{k: build(v) for k, v in node.get("params", {}).items()})
        return [build(v) for v in node] if isinstance(node, list) else node

`--model gbm` (default): the estimator `validate` measured, so its fold scores reproduce
(export/sklearn_gbm.py). `--model linear`: the frameworks.yaml `sklearn` entry after a
StandardScaler, unpenalised (`sklearn_linear`), a GLM with the same loss.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import unknown_name
from lossadvisor.export.common import loss_args, require_single
from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.hydra import node
from lossadvisor.export.sklearn_gbm import build as build_gbm

MODELS = ("gbm", "linear")
SCALER = "sklearn.preprocessing.StandardScaler"
PIPELINE = "sklearn.pipeline.Pipeline"


def _plain(target: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"class": target, "params": args}


def build(job: Job) -> Body:
    """The `estimator:` node (plain for `sklearn`, hydra for `sklearn_hydra`) and notes."""
    rec, frameworks = job.rec, job.frameworks
    model = job.model or "gbm"
    if model not in MODELS:
        raise unknown_name("sklearn model", model, MODELS, "--model")
    choice = require_single(job)
    shape = node if job.format.name == "sklearn_hydra" else _plain
    if model == "gbm":
        return build_gbm(rec, choice, shape, PIPELINE)
    entry, built = loss_args(job, choice)
    target = entry.target or "?"
    args = {**built.args, **frameworks.sklearn_linear.get(target, {})}
    notes = list(built.notes)
    unpenalised = (
        ", unpenalised as validate's proxies are" if target in frameworks.sklearn_linear else ""
    )
    notes.append(f"{target} after a StandardScaler{unpenalised}")
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) does not apply: {target} has its own solver"
    )
    steps = [["scale", shape(SCALER, {})], ["model", shape(target, args)]]
    return {"estimator": shape(PIPELINE, {"steps": steps})}, notes


SKLEARN = ExportFormat("sklearn", "sklearn", multi_head=False, header="block", build=build)
SKLEARN_HYDRA = ExportFormat(
    "sklearn_hydra", "sklearn", multi_head=False, header="block", build=build
)
