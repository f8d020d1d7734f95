"""The torch module of a catalog loss, built as the hydra export builds it.

The class and its fixed arguments come from rules/frameworks.yaml (the multiclass override when
the shape has more than two classes), the hyperparameters from the catalog defaults
(rules/losses.yaml), so `bench` measures the very modules an exported config instantiates.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from lossadvisor.export.mapping import TensorValue, build_args, resolve
from lossadvisor.rules.frameworks import load_frameworks
from lossadvisor.rules.schema import RuleBase


class NoTorchForm(Exception):
    """The loss has no torch entry in frameworks.yaml, or its module cannot be imported."""


def has_torch_form(loss: str) -> bool:
    return "torch" in load_frameworks().losses.get(loss, {})


def _params(loss: str, base: RuleBase, facts: Mapping[str, int]) -> dict[str, Any]:
    """Catalog defaults; per-class weights sized to the shape's classes; shape-given params."""
    spec = base.losses[loss]
    params = {name: p.default for name, p in spec.params.items() if p.default is not None}
    k = facts.get("n_classes", 2)
    if "class_weights" in spec.params:  # unequal weights: the weighted kernel path is taken
        params["class_weights"] = [0.5 + i / max(k - 1, 1) for i in range(k)]
    if "pos_weight" in spec.params:
        params["pos_weight"] = 3.0
    for name, value in facts.items():
        if name in spec.params:
            params[name] = value
    return params


def _torch_value(value: Any) -> Any:
    if isinstance(value, TensorValue):
        import torch

        return torch.tensor(value.values)
    return value


def build_module(loss: str, base: RuleBase, facts: Mapping[str, int]) -> tuple[Any, str]:
    """(module, dotted class name) for `loss` with the catalog defaults at these facts."""
    entry = load_frameworks().losses.get(loss, {}).get("torch")
    if entry is None or entry.target is None:
        raise NoTorchForm(f"{loss}: no torch form in rules/frameworks.yaml")
    entry = resolve(entry, dict(facts), loss, "hydra")
    built = build_args(entry, _params(loss, base, facts), dict(facts), loss, "hydra")
    assert entry.target is not None
    module_name, _, class_name = entry.target.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise NoTorchForm(f"{entry.target} cannot be imported: {err}") from None
    kwargs = {name: _torch_value(v) for name, v in built.args.items()}
    return cls(**kwargs), entry.target
