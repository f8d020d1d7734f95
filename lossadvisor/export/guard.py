"""The last check before an export is written: nothing in it a config loader would act on
unless lossadvisor put it there.

Hydra instantiates every mapping with a `_target_` (LightningCLI every `class_path`), and
OmegaConf resolves `${...}` in any string. The values themselves were checked against their
specs (`lossadvisor.boundary`), so a user value can only be a number, a boolean, an enum
string or a list or mapping of numbers; this walk makes sure of it from the other side: every
target must be one the framework map (rules/frameworks.yaml) or the exporters name, and no
string may hold an interpolation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.export.multitask import TARGET as MULTITASK_TARGET
from lossadvisor.export.schedule import HYDRA_STEPS
from lossadvisor.export.schedule import TARGET as SCHEDULE_TARGET
from lossadvisor.export.sklearn import PIPELINE, SCALER
from lossadvisor.export.sklearn_gbm import MODULE as GBM_MODULE
from lossadvisor.rules.frameworks import Entry, load_frameworks

TARGET_KEYS = ("_target_", "class_path")
"""Keys whose value names code a config loader imports and calls."""
OWN_INTERPOLATIONS = frozenset({HYDRA_STEPS})
"""The interpolations the exporters write themselves (the schedule's step count)."""


@functools.lru_cache(maxsize=1)
def allowed_targets() -> frozenset[str]:
    """Every dotted path an export may name: the framework map's, plus the exporters' own."""
    names = {MULTITASK_TARGET, SCHEDULE_TARGET, "torch.tensor", SCALER, PIPELINE}
    # The sklearn gbm form: validate's proxy and its preprocessing, behind fit/predict.
    names.update(
        f"{GBM_MODULE}.{name}"
        for name in ("LossGBMRegressor", "LossGBMClassifier", "TablePreprocessor")
    )
    frameworks = load_frameworks()
    for table in (frameworks.losses, frameworks.optimizers):
        for entries in table.values():
            for entry in entries.values():
                names.update(_entry_targets(entry))
    names.update(form.wrapper for form in frameworks.exposure_forms.values() if form.wrapper)
    return frozenset(names)


def _entry_targets(entry: Entry) -> set[str]:
    found = {t for t in (entry.target, entry.list_wrapper) if t}
    if entry.multiclass:
        found.update(t for t in (entry.multiclass.target,) if t)
    return found


def check_output(data: Any, fmt: str) -> None:
    """InputError when the export holds a target it should not, or a `${...}` string."""
    allowed = allowed_targets()
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if "${" in value and value not in OWN_INTERPOLATIONS:
                raise InputError(
                    f"{fmt} export: {where or 'a value'} holds '${{', which OmegaConf would "
                    "resolve as an interpolation; refusing to write it"
                )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                if key in TARGET_KEYS and item not in allowed:
                    raise InputError(
                        f"{fmt} export: {path} names {item!r}, which is not a loss or "
                        "optimizer of the framework map; refusing to write it"
                    )
                stack.append((key, path))
                stack.append((item, path))
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
