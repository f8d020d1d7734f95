"""The closed vocabulary of facts that rules may read.

Profile facts are measured from the target column; context facts come from the user (CLI
options); stage facts are set by `recommend` itself between its passes (the chosen loss, for the
optimizer table). The rule loader rejects any fact not named here, and validates literal values
against the declared kind, choices and range.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, TypedDict, get_args

FactValue = float | int | bool | str | None
FactKind = Literal["number", "integer", "boolean", "choice"]
FactOrigin = Literal["profile", "conditional", "context", "stage"]

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
    # Issue 12: coarse tasks for families whose losses fit none of the above. The words
    # users type (object_detection, face_recognition, ...) map onto these in rules/tasks.yaml.
    "ranking",
    "survival",
    "representation",
    "generative",
    "dense_regression",
    "ordinal",
]
TASKS: tuple[str, ...] = get_args(Task)
# Without --task the measured target type decides the task.
TASK_OF_TARGET_TYPE: dict[str, str] = {
    "binary": "binary",
    "multiclass": "multiclass",
    "multilabel": "multilabel",
    "continuous": "regression",
    "count": "regression",
    "proportion": "regression",
    "positive_continuous": "regression",
    "ordinal": "ordinal",
}
ModelOutput = Literal[
    "real",
    "logits",
    "probabilities",
    "log_probabilities",
    "boxes",
    "mask_logits",
    "token_logits",
    # Issue 12 (synonyms in rules/tasks.yaml, section model_outputs)
    "embeddings",
    "heatmaps",
    "frame_logits",
    "quantiles",
    "images",
    "noise",
    "distribution_params",
    "scores",
    "risk_scores",
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
    "micro_f1",
    "roc_auc",
    "pr_auc",
    "micro_pr_auc",
    "iou",
    "dice",
    "map",
    "perplexity",
    "bleu",
    "brier",
    # Issue 12: the metrics of the task families (synonyms in rules/tasks.yaml, section metrics).
    "mask_map",
    "miou",
    "ndcg",
    "mrr",
    "wer",
    "cer",
    "rouge",
    "psnr",
    "ssim",
    "abs_rel",
    "oks_ap",
    "nme",
    "top1_accuracy",
    "top5_accuracy",
    "pearson",
    "spearman",
    "crps",
    "log_score",  # the logarithmic score of a predictive density (validate's Gaussian ones)
    "concordance_index",
    "fid",
    "recall_at_k",
    "tar_at_far",
    "exact_match",
    "seqeval_f1",
)
# The words users also type for a metric (pinball, macro_f1, NDCG@10, ...) are data: the
# metrics section of rules/tasks.yaml, which recommend, validate and tune all read.
PRIORITIES = ("accuracy", "robustness", "speed", "memory", "recall", "precision")
# The optimizer ids are data: the optimizers of rules/methods.yaml (like `loss` and the catalog).
TAILS = ("light", "moderate", "heavy")
MULTITASK_KINDS = ("main_auxiliary", "multimodal", "shared_backbone")
LossFamily = Literal[
    "regression",
    "classification",
    "segmentation",
    "detection",
    "distribution",
    "sequence",
    "ranking",  # issue 12
]
LOSS_FAMILIES: tuple[str, ...] = get_args(LossFamily)


class FactSpec(NamedTuple):
    """One fact: its name, type, admissible values and what it means.

    An immutable record, not a pydantic model: the ~150 specs are built at import, on the path
    of every command, where a validated model costs a schema build (start-up); `_f` checks
    and converts what the model did."""

    name: str
    kind: FactKind
    origin: FactOrigin
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def _f(
    name: str,
    kind: FactKind,
    origin: FactOrigin,
    description: str,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> FactSpec:
    if kind not in get_args(FactKind) or origin not in get_args(FactOrigin):
        raise ValueError(f"fact {name}: bad kind {kind!r} or origin {origin!r}")
    low = None if minimum is None else float(minimum)
    high = None if maximum is None else float(maximum)
    return FactSpec(name, kind, origin, description, tuple(choices), low, high)


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
    _f(
        "infinite_ratio",
        "number",
        "profile",
        "share of rows whose target is ±inf or beyond float64's ±1.8e308 (counted in "
        "missing_ratio and left out of the moments); present only when some are",
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
    _f("medcouple", "number", "profile", "robust skewness in [-1, 1] (Brys et al. 2004); one gross error barely moves it", minimum=-1, maximum=1),
    _f("bowley_skewness", "number", "profile", "quartile skewness (Q3 + Q1 - 2 Q2) / (Q3 - Q1)", minimum=-1, maximum=1),
    _f("outlier_ratio_adjusted", "number", "profile", "share outside the skew-adjusted boxplot fences (Hubert & Vandervieren 2008)", minimum=0, maximum=1),
    _f("has_exposure", "boolean", "profile", "an exposure column (--exposure, or a column named exposure) scales the target"),
    # --- conditional: residuals of a cross-fitted baseline (docs/conditional-facts.md) ------------
    _f("baseline_fitted", "boolean", "conditional", "a cross-fitted baseline on the feature columns was fitted (the conditional facts exist)"),
    _f("baseline_r2", "number", "conditional", "out-of-fold R² of the baseline (share of the target's variance the features explain)", maximum=1),
    _f("baseline_deviance_explained", "number", "conditional", "out-of-fold deviance explained by the baseline (Poisson deviance for counts and amounts, log-loss for classes)", maximum=1),
    _f("resid_mad_sigma", "number", "conditional", "1.4826 x MAD of the out-of-fold residuals y - fit (target units)", minimum=0),
    _f("resid_outlier_ratio", "number", "conditional", "share of residuals with robust z > 3.5 (standardised by the fitted variance function, scaled by their own MAD)", minimum=0, maximum=1),
    _f("resid_tail_index", "number", "conditional", "Hill tail index of |standardised residual - median|", minimum=0),
    _f("resid_tail", "choice", "conditional", "tail heaviness of the residuals", choices=TAILS),
    _f("resid_skewness", "number", "conditional", "classical skewness of the standardised residuals"),
    _f("resid_medcouple", "number", "conditional", "medcouple of the standardised residuals", minimum=-1, maximum=1),
    _f("heteroscedasticity", "number", "conditional", "R² of the Koenker-Breusch-Pagan auxiliary regression of the squared standardised residual on the fit and the features (0 = constant spread)", minimum=0, maximum=1),
    _f("heteroscedasticity_p", "number", "conditional", "p-value of the Koenker (studentised) Breusch-Pagan test", minimum=0, maximum=1),
    _f("variance_power", "number", "conditional", "slope of log Var(y | fit) on log mean(y | fit) over bins of fitted values (0 Gaussian, 1 Poisson, 2 Gamma)"),
    _f("variance_power_low", "number", "conditional", "lower end of the 95 % interval of variance_power"),
    _f("variance_power_high", "number", "conditional", "upper end of the 95 % interval of variance_power"),
    _f("conditional_dispersion", "number", "conditional", "Pearson χ² / (n - 1) under the fitted Poisson mean (1 = Poisson; counts)", minimum=0),
    _f("nb_alpha", "number", "conditional", "negative-binomial α (Var = μ + αμ²) by maximum likelihood given the fitted means", minimum=0),
    _f("zero_excess_poisson", "number", "conditional", "observed zeros / zeros the fitted Poisson predicts", minimum=0),
    _f("zero_excess_nb", "number", "conditional", "observed zeros / zeros the fitted negative binomial predicts", minimum=0),
    _f(
        "foreground_ratio",
        "number",
        "context",
        "share of foreground pixels/voxels (segmentation): --foreground-ratio, or measured from masks",
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
    _f("optimizer", "choice", "context", "the optimizer the user has chosen (rules/methods.yaml)", choices=()),
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
    # --- issue 12: task vocabulary (choices come from rules/tasks.yaml, like `loss` from the
    # catalog, so that a family is one YAML record)
    _f(
        "task_family",
        "choice",
        "context",
        "the task family a --task word resolved to (rules/tasks.yaml)",
        choices=(),
    ),
    _f(
        "architecture",
        "choice",
        "context",
        "model architecture family (detection: anchor_based, anchor_free, two_stage, "
        "set_prediction; backbones: cnn, transformer; ...), rules/tasks.yaml",
        choices=(),
    ),
    _f(
        "head_task",
        "choice",
        "context",
        "what one head of a multi-head model predicts (box, objectness, class, mask, ...)",
        choices=(),
    ),
    _f(
        "heads_preset",
        "boolean",
        "context",
        "the heads come from the reference preset of the task family (rules/tasks.yaml)",
    ),
    # --- set by recommend between passes ------------------------------------------------------
    _f(
        "loss", "choice", "stage", "the loss chosen in the first pass (optimizer table)", choices=()
    ),
    _f("loss_family", "choice", "stage", "family of the chosen loss", choices=LOSS_FAMILIES),
)

# --- measured on segmentation masks and detection annotations (lossadvisor.vision) ---------
# Listed in docs/vision.md with their exact definitions. Shares are in [0, 1].
class _Bounds(TypedDict):
    minimum: float
    maximum: float


_SHARE: _Bounds = {"minimum": 0, "maximum": 1}
_VISION_SPECS: tuple[FactSpec, ...] = (
    _f("n_images", "integer", "profile", "images (masks, or annotated images) read", minimum=0),
    _f(
        "n_files",
        "integer",
        "profile",
        "mask or annotation files found (before --sample-files)",
        minimum=0,
    ),
    _f(
        "mask_ndim",
        "integer",
        "profile",
        "dimensions of the label maps: 2 (images) or 3 (volumes)",
        minimum=2,
        maximum=3,
    ),
    _f("image_pixels_min", "integer", "profile", "pixels (voxels) of the smallest mask", minimum=0),
    _f("image_pixels_median", "number", "profile", "median pixels (voxels) per mask", minimum=0),
    _f("image_pixels_max", "integer", "profile", "pixels (voxels) of the largest mask", minimum=0),
    _f(
        "image_foreground_mean",
        "number",
        "profile",
        "mean over masks of each mask's foreground share",
        **_SHARE,
    ),
    _f(
        "image_foreground_p10",
        "number",
        "profile",
        "10th percentile of the per-mask foreground share",
        **_SHARE,
    ),
    _f(
        "image_foreground_p50",
        "number",
        "profile",
        "median of the per-mask foreground share",
        **_SHARE,
    ),
    _f(
        "image_foreground_p90",
        "number",
        "profile",
        "90th percentile of the per-mask foreground share",
        **_SHARE,
    ),
    _f(
        "empty_mask_ratio", "number", "profile", "share of masks with no foreground pixel", **_SHARE
    ),
    _f(
        "pixel_imbalance_ratio",
        "number",
        "profile",
        "pixels of the largest class / pixels of the smallest (background included)",
        minimum=1,
    ),
    _f(
        "rarest_class_pixel_ratio",
        "number",
        "profile",
        "share of labelled pixels in the rarest class",
        **_SHARE,
    ),
    _f(
        "classes_per_image_mean",
        "number",
        "profile",
        "mean number of foreground classes present per mask",
        minimum=0,
    ),
    _f(
        "objects_per_image_mean",
        "number",
        "profile",
        "mean connected components (objects) of one class per mask",
        minimum=0,
    ),
    _f("objects_per_image_max", "integer", "profile", "most objects in one mask", minimum=0),
    _f(
        "object_size_p10",
        "number",
        "profile",
        "10th percentile of object size in pixels (voxels)",
        minimum=0,
    ),
    _f(
        "object_size_median",
        "number",
        "profile",
        "median object size in pixels (voxels)",
        minimum=0,
    ),
    _f(
        "object_size_p90",
        "number",
        "profile",
        "90th percentile of object size in pixels (voxels)",
        minimum=0,
    ),
    _f(
        "small_object_ratio",
        "number",
        "profile",
        "share of objects below COCO's 32² = 1,024 pixels",
        **_SHARE,
    ),
    _f(
        "boundary_ratio",
        "number",
        "profile",
        "share of foreground pixels on a class boundary (thin structures: high)",
        **_SHARE,
    ),
    _f(
        "label_overlap_ratio",
        "number",
        "profile",
        "share of foreground pixels carrying two or more labels (multi-label masks)",
        **_SHARE,
    ),
    _f(
        "ignore_value",
        "integer",
        "profile",
        "the label read as 'ignore' (255 beside other labels, or negatives as -1)",
    ),
    _f("ignore_ratio", "number", "profile", "share of pixels with the ignore value", **_SHARE),
    _f("n_instances", "integer", "profile", "boxes read (annotations kept)", minimum=0),
    _f(
        "instance_imbalance_ratio",
        "number",
        "profile",
        "instances of the largest class / of the smallest class with any",
        minimum=1,
    ),
    _f(
        "rare_classes",
        "integer",
        "profile",
        "classes with fewer than 10 instances (0 included)",
        minimum=0,
    ),
    _f(
        "classes_without_instances",
        "integer",
        "profile",
        "declared classes with no instance",
        minimum=0,
    ),
    _f("boxes_per_image_mean", "number", "profile", "mean boxes per image", minimum=0),
    _f("boxes_per_image_p50", "number", "profile", "median boxes per image", minimum=0),
    _f("boxes_per_image_p90", "number", "profile", "90th percentile of boxes per image", minimum=0),
    _f("boxes_per_image_max", "integer", "profile", "most boxes in one image", minimum=0),
    _f(
        "small_box_ratio",
        "number",
        "profile",
        "share of boxes with area < 32² pixels (COCO small)",
        **_SHARE,
    ),
    _f(
        "medium_box_ratio",
        "number",
        "profile",
        "share of boxes with area in 32²..96² pixels (COCO medium)",
        **_SHARE,
    ),
    _f(
        "large_box_ratio",
        "number",
        "profile",
        "share of boxes with area > 96² pixels (COCO large)",
        **_SHARE,
    ),
    _f("box_area_median", "number", "profile", "median box (or mask) area in pixels", minimum=0),
    _f(
        "box_relative_size_median",
        "number",
        "profile",
        "median of sqrt(box area / image area)",
        **_SHARE,
    ),
    _f(
        "box_aspect_spread",
        "number",
        "profile",
        "90th / 10th percentile of box width / height",
        minimum=1,
    ),
    _f("crowd_ratio", "number", "profile", "share of boxes marked iscrowd (COCO)", **_SHARE),
    _f("empty_image_ratio", "number", "profile", "share of images without any box", **_SHARE),
)

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in (*_SPECS, *_VISION_SPECS)}
