"""The closed vocabulary of facts that rules may read.

Profile facts are measured from the target column; context facts come from the user (CLI
options); stage facts are set by `recommend` itself between its passes (the chosen loss, for the
optimizer table). The rule loader rejects any fact not named here, and validates literal values
against the declared kind, choices and range.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

FactValue = float | int | bool | str | None
FactKind = Literal["number", "integer", "boolean", "choice"]
FactOrigin = Literal["profile", "context", "stage"]

TargetType = Literal[
    "binary",
    "multiclass",
    "multilabel",
    "continuous",
    "count",
    "proportion",
    "positive_continuous",
    "ordinal",
]
TARGET_TYPES: tuple[str, ...] = get_args(TargetType)
Task = Literal[
    "regression",
    "binary",
    "multiclass",
    "multilabel",
    "segmentation",
    "detection",
    "keypoints",
    "sequence",
    "distillation",
    "multimodal",
    "ordinal",
]
TASKS: tuple[str, ...] = get_args(Task)
ModelOutput = Literal[
    "real",
    "logits",
    "probabilities",
    "log_probabilities",
    "boxes",
    "mask_logits",
    "token_logits",
]
MODEL_OUTPUTS: tuple[str, ...] = get_args(ModelOutput)
METRICS = (
    "mse",
    "rmse",
    "mae",
    "median_absolute_error",
    "mape",
    "quantile",
    "poisson_deviance",
    "gamma_deviance",
    "tweedie_deviance",
    "r2",
    "log_loss",
    "accuracy",
    "balanced_accuracy",
    "f1",
    "roc_auc",
    "pr_auc",
    "iou",
    "dice",
    "map",
    "perplexity",
    "bleu",
)
PRIORITIES = ("accuracy", "robustness", "speed", "memory")
OPTIMIZERS = ("sgd", "adam", "adamw", "lamb", "rmsprop", "adadelta")
TAILS = ("light", "moderate", "heavy")
MULTITASK_KINDS = ("main_auxiliary", "multimodal", "shared_backbone")
LossFamily = Literal[
    "regression", "classification", "segmentation", "detection", "distribution", "sequence"
]
LOSS_FAMILIES: tuple[str, ...] = get_args(LossFamily)


class FactSpec(BaseModel):
    """One fact: its name, type, admissible values and what it means."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: FactKind
    origin: FactOrigin
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def _f(name: str, kind: FactKind, origin: FactOrigin, description: str, **kw: object) -> FactSpec:
    return FactSpec(name=name, kind=kind, origin=origin, description=description, **kw)


_SPECS: tuple[FactSpec, ...] = (
    # --- measured on the target column -------------------------------------------------------
    _f("target_type", "choice", "profile", "inferred type of the target", choices=TARGET_TYPES),
    _f(
        "n_rows",
        "integer",
        "profile",
        "rows read (including rows whose target is missing)",
        minimum=0,
    ),
    _f(
        "missing_ratio",
        "number",
        "profile",
        "share of rows whose target is missing",
        minimum=0,
        maximum=1,
    ),
    _f("n_unique", "integer", "profile", "distinct non-missing target values", minimum=0),
    _f("n_classes", "integer", "profile", "number of classes (categorical targets)", minimum=0),
    _f(
        "imbalance_ratio",
        "number",
        "profile",
        "majority class count / minority class count",
        minimum=1,
    ),
    _f("minority_ratio", "number", "profile", "share of the rarest class", minimum=0, maximum=1),
    _f(
        "class_entropy",
        "number",
        "profile",
        "class entropy normalised to 0..1 (1 = balanced)",
        minimum=0,
        maximum=1,
    ),
    _f("mean", "number", "profile", "mean of the target"),
    _f("std", "number", "profile", "standard deviation of the target", minimum=0),
    _f("min", "number", "profile", "smallest target value"),
    _f("max", "number", "profile", "largest target value"),
    _f("median", "number", "profile", "median of the target"),
    _f(
        "mad_sigma",
        "number",
        "profile",
        "robust scale: 1.4826 x median absolute deviation",
        minimum=0,
    ),
    _f("skewness", "number", "profile", "sample skewness (Fisher-Pearson, biased)"),
    _f("excess_kurtosis", "number", "profile", "excess kurtosis (0 for a Gaussian)"),
    _f(
        "outlier_ratio",
        "number",
        "profile",
        "share with robust z = |x - median| / mad_sigma > 3.5",
        minimum=0,
        maximum=1,
    ),
    _f(
        "outlier_ratio_iqr",
        "number",
        "profile",
        "share outside Tukey's fences (1.5 IQR)",
        minimum=0,
        maximum=1,
    ),
    _f(
        "tail_index",
        "number",
        "profile",
        "Hill estimate of the upper tail index of |x - median|",
        minimum=0,
    ),
    _f(
        "tail",
        "choice",
        "profile",
        "tail heaviness read from tail_index and kurtosis",
        choices=TAILS,
    ),
    _f("zero_ratio", "number", "profile", "share of targets equal to 0", minimum=0, maximum=1),
    _f("is_integer", "boolean", "profile", "every value is a whole number"),
    _f("is_nonnegative", "boolean", "profile", "no value is below 0"),
    _f("bounded_01", "boolean", "profile", "every value lies in [0, 1]"),
    _f(
        "dispersion_index",
        "number",
        "profile",
        "variance / mean (counts; 1 for Poisson)",
        minimum=0,
    ),
    _f(
        "zero_inflation",
        "number",
        "profile",
        "observed zeros / zeros a Poisson with the same mean expects",
        minimum=0,
    ),
    _f(
        "low_density_ratio",
        "number",
        "profile",
        "share of targets in sparse, low-density regions of the distribution",
        minimum=0,
        maximum=1,
    ),
    _f(
        "foreground_ratio",
        "number",
        "context",
        "share of foreground pixels/voxels (segmentation)",
        minimum=0,
        maximum=1,
    ),
    # --- given by the user ---------------------------------------------------------------------
    _f("task", "choice", "context", "the learning task", choices=TASKS),
    _f(
        "model_output",
        "choice",
        "context",
        "what the model's last layer emits",
        choices=MODEL_OUTPUTS,
    ),
    _f("metric", "choice", "context", "the metric the model is judged on", choices=METRICS),
    _f(
        "metric_quantile",
        "number",
        "context",
        "the quantile level of --metric quantile:TAU",
        minimum=0,
        maximum=1,
    ),
    _f("priority", "choice", "context", "what matters most", choices=PRIORITIES),
    _f("optimizer", "choice", "context", "the optimizer the user has chosen", choices=OPTIMIZERS),
    _f("batch_size", "integer", "context", "training batch size", minimum=1),
    _f("n_heads", "integer", "context", "number of output heads (multi-task when > 1)", minimum=1),
    _f(
        "multitask_kind",
        "choice",
        "context",
        "shape of a multi-task model",
        choices=MULTITASK_KINDS,
    ),
    _f(
        "heads_mixed_families",
        "boolean",
        "context",
        "the heads use losses of different families/scales",
    ),
    # --- set by recommend between passes ------------------------------------------------------
    _f(
        "loss", "choice", "stage", "the loss chosen in the first pass (optimizer table)", choices=()
    ),
    _f("loss_family", "choice", "stage", "family of the chosen loss", choices=LOSS_FAMILIES),
)

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in _SPECS}
