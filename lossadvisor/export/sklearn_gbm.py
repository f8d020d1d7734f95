"""`--format sklearn --model gbm`: the estimator `validate` measured, as plain constructor kwargs.

A Pipeline of `lossadvisor.sklearn_gbm.TablePreprocessor` (validate's per-fold preprocessing)
and `LossGBMRegressor` / `LossGBMClassifier` (validate's LightGBM proxy with the loss as its
custom objective, the same tree settings and seed). The loss parameters are the ones validate
trains with (`evidence.advice.rule_params`: rule-derived values, catalog defaults otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.export.choice import LossChoice
from lossadvisor.models import Recommendation

MODULE = "lossadvisor.sklearn_gbm"
Shape = Callable[[str, dict[str, Any]], dict[str, Any]]


def _target_kind(kind: str, rec: Recommendation) -> str:
    """TargetEncoder's target type for the preprocessing step."""
    if kind == "regression":
        return "continuous"
    n_classes = len(rec.classes) or int(rec.facts.get("n_classes", 0) or 0)
    return "binary" if kind == "binary" or n_classes == 2 else "multiclass"


def build(
    rec: Recommendation, choice: LossChoice, shape: Shape, pipeline: str
) -> tuple[dict[str, Any], list[str]]:
    """The `estimator:` Pipeline node and notes; InputError for a loss with no proxy."""
    from lossadvisor.evidence.advice import rule_params
    from lossadvisor.evidence.proxies import PROXIES, ProxySettings

    proxy = PROXIES.get(choice.loss)
    if proxy is None:
        raise InputError(
            f"{choice.label()}: --model gbm (validate's LightGBM proxy) has no form of "
            f"'{choice.loss}'; it trains {', '.join(PROXIES)} (or use --model linear)"
        )
    used = rule_params(rec).get(choice.loss, {})
    loss_params = {name: p.value for name, p in used.items() if p.value is not None}
    settings = ProxySettings()
    args: dict[str, Any] = {"loss": choice.loss}
    if loss_params:
        args["loss_params"] = loss_params
    args.update(
        learning_rate=settings.learning_rate,
        n_estimators=settings.n_iter,  # the cap: fit() chooses the rounds as validate does
        num_leaves=settings.max_leaves,
        min_child_samples=settings.min_leaf,
        min_child_weight=settings.min_hessian,
        random_state=settings.seed,
        n_jobs=settings.threads,
        early_stopping=settings.early_stopping,
        validation_fraction=settings.validation_fraction,
        n_iter_no_change=settings.patience,
    )
    regression = proxy.kind == "regression"
    if not regression and rec.positive_class is not None and len(rec.classes) == 2:
        args["positive_class"] = rec.positive_class
    name = "LossGBMRegressor" if regression else "LossGBMClassifier"
    notes = [
        f"{MODULE}.{name} is validate's proxy ({proxy.model}; {settings.describe()}) behind "
        "scikit-learn's fit/predict: fitted on a validate fold it gives that fold's score; "
        "needs lossadvisor[validate] where it trains",
        f"n_estimators = {settings.n_iter} is the most rounds: fit() keeps the round with the "
        "best score on held-out rows of its training data, exactly as validate chose the "
        "rounds on each fold (the rounds kept: n_estimators_ after fit; validate reports them "
        "per fold); pass scoring= the metric you validated with if it was not the default",
        "TablePreprocessor is validate's per-fold preprocessing (median impute + missing "
        "indicators, one-hot up to 16 levels, else cross-fitted target encoding)",
    ]
    if choice.loss in ("weighted_bce", "weighted_ce", "class_balanced_ce"):
        notes.append(
            "class weights are derived from the labels fit() gets, as validate derives them "
            "per training fold (the rule's values when fitted on the profiled data); "
            "class_weight={label: weight} fixes them"
        )
    notes.append(
        f"optimizer advice ({rec.optimizer.name}) does not apply: the trees boost with "
        f"learning_rate {settings.learning_rate:g}"
    )
    prepare = shape(
        f"{MODULE}.TablePreprocessor",
        {"target_kind": _target_kind(proxy.kind, rec), "seed": settings.seed},
    )
    steps = [["prepare", prepare], ["model", shape(f"{MODULE}.{name}", args)]]
    return {"estimator": shape(pipeline, {"steps": steps})}, notes
