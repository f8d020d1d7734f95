"""The exposure column in an export: log(exposure) as an offset, in the form each framework takes.

A count or amount measured over unequal exposures is modelled as a rate with log(exposure) as an
offset (rule data.exposure.offset). How a framework takes it is data (rules/frameworks.yaml: the
entry's `exposure:` form and `exposure_forms:`):
  offset       torch: the loss node is wrapped in ExposureOffsetLoss, called loss(log_rate, y, e)
  init_score   LightGBM: Dataset(init_score=log(e))
  base_margin  XGBoost: DMatrix(base_margin=log(e))
  rate_weight  scikit-learn, Keras: fit on y / e with sample_weight=e
The header's `exposure:` block names the column, the form and the line of training code, so a
config without the column cannot silently train without the offset.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.formats import ExportFormat
from lossadvisor.rules.frameworks import Frameworks

# Formats whose loss node is a torch module the wrapper can hold, and the node's key names.
WRAPPED_NODE = {
    "hydra": ("_target_", None),
    "monai": ("_target_", None),
    "lightning": ("class_path", "init_args"),
}


def _wrap(node: dict[str, Any], fmt: str, wrapper: str) -> dict[str, Any]:
    key, args = WRAPPED_NODE[fmt]
    if args is None:
        return {key: wrapper, "loss": node}
    return {key: wrapper, args: {"loss": node}}


def carry(
    exposure: str | None,
    spec: ExportFormat,
    choices: list[LossChoice],
    frameworks: Frameworks,
    body: dict[str, Any],
    notes: list[str],
) -> dict[str, Any] | None:
    """The header's `exposure:` block (None without an exposure column); wraps torch loss nodes.

    `body` is changed in place for the torch formats; a loss with no exposure form in `fmt`
    gets a note instead, so the user knows the offset is theirs to add.
    """
    if exposure is None:
        return None
    fmt = spec.name
    if len(choices) != 1 or choices[0].head is not None:
        notes.append(f"exposure column '{exposure}': multi-head exports do not carry the offset")
        return None
    loss = choices[0].loss
    entry = frameworks.losses.get(loss, {}).get(spec.framework) if spec.framework else None
    form_name = entry.exposure if entry is not None else None
    if form_name is None:
        notes.append(
            f"exposure column '{exposure}' is not carried: {loss} has no exposure form in {fmt} "
            "(the log-link losses poisson, gamma, tweedie and negative_binomial have one)"
        )
        return None
    form = frameworks.exposure_forms[form_name]
    if form.wrapper is not None and fmt in WRAPPED_NODE:
        if fmt == "lightning":
            body["model"]["loss_fn"] = _wrap(body["model"]["loss_fn"], fmt, form.wrapper)
        else:
            body["loss"] = _wrap(body["loss"], fmt, form.wrapper)
    return {
        "column": exposure,
        "form": form_name,
        "use": form.use.replace("COL", exposure),
        "source": form.source,
    }
