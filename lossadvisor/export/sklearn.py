"""scikit-learn: the estimator `validate` measured, or (--model linear) a standardised GLM.

Two shapes of the same estimator:
  sklearn        `estimator: {class: dotted.Name, params: {...}}`, plain constructor kwargs;
                 nested estimators (a Pipeline's steps) are nodes of the same shape.
  sklearn_hydra  `estimator:` as a hydra `_target_` node: hydra.utils.instantiate(cfg["estimator"])

A loader for the plain shape needs no lossadvisor:

    def build(node):
        if isinstance(node, dict) and "class" in node:
            module, _, name = node["class"].rpartition(".")
            cls = getattr(importlib.import_module(module), name)
            return cls(**{k: build(v) for k, v in node.get("params", {}).items()})
        return [build(v) for v in node] if isinstance(node, list) else node

`--model gbdt` (default): HistGradientBoosting with the loss and validate's tree settings
(rules/frameworks.yaml `sklearn_gbdt`, settings from evidence.proxies). `--model linear`: the
frameworks.yaml `sklearn` entry behind a StandardScaler, unpenalised (`sklearn_linear`).
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, require_single
from lossadvisor.export.hydra import node
from lossadvisor.export.mapping import BuiltArgs, Entry, Frameworks, build_args, resolve
from lossadvisor.models import Recommendation

MODELS = ("gbdt", "linear")
SCALER = "sklearn.preprocessing.StandardScaler"
PIPELINE = "sklearn.pipeline.Pipeline"


def tree_settings() -> dict[str, Any]:
    """validate's HistGradientBoosting settings (lossadvisor/evidence/proxies.py)."""
    from lossadvisor.evidence.proxies import ProxySettings, hgb_kwargs

    return hgb_kwargs(ProxySettings())


def _gbdt(
    rec: Recommendation, choice: LossChoice, frameworks: Frameworks, fmt: str
) -> tuple[Entry, BuiltArgs]:
    entry = frameworks.sklearn_gbdt.get(choice.loss)
    if entry is None:
        have = ", ".join(frameworks.sklearn_gbdt)
        raise InputError(
            f"{choice.label()}: validate does not measure it with a scikit-learn estimator "
            f"(--model gbdt exports {have}); use --model linear or --format lightgbm"
        )
    entry = resolve(entry, rec.facts, choice.label(), fmt)
    built = build_args(entry, choice.params, rec.facts, choice.label(), fmt, choice.labels)
    args = {**tree_settings(), **built.args}
    notes = [
        *built.notes,
        f"{entry.target} with validate's tree settings; validate fits it after its per-fold "
        "preprocessing (median imputation, one-hot or target encoding: evidence/preprocess.py)",
    ]
    return entry, BuiltArgs(args=args, notes=notes)


def _plain(target: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"class": target, "params": args}


def build(
    rec: Recommendation,
    choices: list[LossChoice],
    frameworks: Frameworks,
    fmt: str = "sklearn",
    model: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The `estimator:` node (plain for `sklearn`, hydra for `sklearn_hydra`) and notes."""
    model = model or "gbdt"
    if model not in MODELS:
        raise unknown_name("sklearn model", model, MODELS, "--model")
    choice = require_single(choices, fmt)
    hydra_form = fmt == "sklearn_hydra"
    shape = node if hydra_form else _plain
    if model == "gbdt":
        entry, built = _gbdt(rec, choice, frameworks, fmt)
        estimator = shape(entry.target or "?", built.args)
    else:
        entry, built = loss_args(frameworks, choice, fmt, rec.facts)
        target = entry.target or "?"
        args = {**built.args, **frameworks.sklearn_linear.get(target, {})}
        unpenalised = target in frameworks.sklearn_linear
        built = BuiltArgs(
            args=args,
            notes=[
                *built.notes,
                f"{target} after a StandardScaler"
                + (", unpenalised as validate's proxies are" if unpenalised else ""),
            ],
        )
        steps = [["scale", shape(SCALER, {})], ["model", shape(target, args)]]
        estimator = shape(PIPELINE, {"steps": steps})
    notes = list(built.notes)
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) does not apply: {entry.target} has its own solver"
    )
    return {"estimator": estimator}, notes
