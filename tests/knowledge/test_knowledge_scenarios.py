"""The scoring scale produces the outcomes the knowledge brief requires.

Scenarios are fact sets (as the profiler and the CLI produce them). Ranking here is computed
independently of recommend.py: sum the engine's ledger per loss, keep losses that fit the task
and target type and are not excluded, break ties by catalog order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from lossadvisor.facts import FactValue
from lossadvisor.rules.engine import Evaluation, evaluate
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase

FIRST_PASS = ("task", "data", "output", "efficiency", "robustness", "gradient", "multitask")
TASK_OF_TARGET = {"binary": "binary", "multiclass": "multiclass", "multilabel": "multilabel"}

Facts = Mapping[str, FactValue]


@pytest.fixture(scope="module")
def base() -> RuleBase:
    return load_rulebase()


def ranking(base: RuleBase, facts: Facts) -> tuple[list[tuple[str, float]], Evaluation]:
    result = evaluate(base, facts, tables=FIRST_PASS)
    task = facts.get("task") or TASK_OF_TARGET.get(str(facts.get("target_type")), "regression")
    order = list(base.losses)
    ranked = []
    for loss, ledger in result.loss_ledger.items():
        spec = base.losses[loss]
        fits_type = (
            not spec.target_types
            or "target_type" not in facts
            or facts["target_type"] in spec.target_types
        )
        if task in spec.tasks and fits_type and loss not in result.exclusions:
            ranked.append((loss, sum(c.delta for c in ledger)))
    ranked.sort(key=lambda item: (-item[1], order.index(item[0])))
    return ranked, result


def top(base: RuleBase, facts: Facts) -> str:
    return ranking(base, facts)[0][0][0]


def score(base: RuleBase, facts: Facts, loss: str) -> float:
    return dict(ranking(base, facts)[0]).get(loss, float("nan"))


def derivations(result: Evaluation, loss: str, param: str) -> set[str | None]:
    return {hint.derive for hint in result.param_hints.get(loss, {}).get(param, [])}


CLEAN: dict[str, FactValue] = {
    "target_type": "continuous",
    "outlier_ratio": 0.001,
    "skewness": 0.05,
    "excess_kurtosis": 0.1,
    "tail": "light",
    "mad_sigma": 1.0,
    "std": 1.0,
    "min": -3.2,
    "zero_ratio": 0.0,
    "is_nonnegative": False,
    "low_density_ratio": 0.01,
}


# --- regression ------------------------------------------------------------------------------


def test_task_alone_and_clean_gaussian_target_rank_mse_first(base: RuleBase) -> None:
    assert top(base, {"task": "regression"}) == "mse"
    assert top(base, CLEAN) == "mse"
    assert top(base, {**CLEAN, "task": "regression"}) == "mse"


@pytest.mark.parametrize(
    "change",
    [
        {"outlier_ratio": 0.02},
        {"outlier_ratio": 0.08},
        {"tail": "heavy"},
        {"tail": "heavy", "outlier_ratio": 0.05},
    ],
)
def test_outliers_or_heavy_tail_put_huber_first_and_penalise_mse(
    base: RuleBase, change: dict[str, FactValue]
) -> None:
    facts: dict[str, FactValue] = {**CLEAN, **change}
    ranked, result = ranking(base, facts)
    assert ranked[0][0] == "huber"
    assert dict(ranked)["mse"] < score(base, {"task": "regression"}, "mse")
    assert "huber_delta_mad" in derivations(result, "huber", "delta")


def test_overdispersed_counts(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "count",
        "dispersion_index": 3.0,
        "zero_inflation": 1.2,
        "zero_ratio": 0.04,
        "is_nonnegative": True,
        "is_integer": True,
        "outlier_ratio": 0.03,
        "skewness": 1.4,
    }
    ranked, _ = ranking(base, facts)
    assert ranked[0][0] in {"negative_binomial", "tweedie"}
    assert "poisson" in [loss for loss, _ in ranked[:3]]
    assert dict(ranked)["poisson"] > dict(ranked)["mse"]


def test_plain_counts_prefer_poisson_over_mse(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "count",
        "dispersion_index": 1.05,
        "zero_ratio": 0.05,
        "zero_inflation": 1.0,
    }
    assert top(base, facts) == "poisson"


def test_zero_inflated_counts_prefer_tweedie(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "count",
        "dispersion_index": 3.5,
        "zero_inflation": 3.0,
        "zero_ratio": 0.6,
        "is_nonnegative": True,
    }
    ranked, result = ranking(base, facts)
    assert ranked[0][0] == "tweedie"
    assert "tweedie_power_shape" in derivations(result, "tweedie", "power")


def test_positive_skewed_amounts(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "positive_continuous",
        "skewness": 4.0,
        "medcouple": 0.39,  # a lognormal(σ = 1) bulk: skewed by the robust measure too
        "outlier_ratio": 0.08,
        "tail": "heavy",
        "is_nonnegative": True,
        "zero_ratio": 0.0,
        "min": 0.3,
        "mad_sigma": 2.0,
    }
    assert top(base, facts) in {"gamma", "tweedie"}
    assert score(base, facts, "mse") < score(base, facts, "gamma")


def test_non_negative_amounts_with_many_zeros_prefer_tweedie_and_exclude_gamma(
    base: RuleBase,
) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "continuous",
        "skewness": 1.8,
        "medcouple": 0.3,
        "outlier_ratio": 0.04,
        "is_nonnegative": True,
        "zero_ratio": 0.5,
        "min": 0.0,
        "mad_sigma": 0.0,
    }
    ranked, result = ranking(base, facts)
    assert ranked[0][0] == "tweedie"
    assert "gamma" in result.exclusions or "gamma" not in dict(ranked)


def test_low_density_regions_raise_berhu_with_its_caution(base: RuleBase) -> None:
    ranked, result = ranking(base, {**CLEAN, "low_density_ratio": 0.3})
    assert dict(ranked)["berhu"] >= 3
    assert "berhu" not in dict(ranking(base, CLEAN)[0])
    assert any("LARGE" in c.text for c in result.cautions if c.rule_id == "data.low_density.berhu")


def test_proportions_prefer_cross_entropy_on_soft_labels(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "proportion",
        "bounded_01": True,
        "outlier_ratio": 0.0,
        "skewness": 0.6,
    }
    assert top(base, facts) == "soft_bce"


# --- metrics ---------------------------------------------------------------------------------


def test_quantile_metric_selects_pinball_with_tau_from_the_metric(base: RuleBase) -> None:
    ranked, result = ranking(
        base, {"task": "regression", "metric": "quantile", "metric_quantile": 0.9}
    )
    assert ranked[0][0] == "pinball"
    assert derivations(result, "pinball", "tau") == {"quantile_from_metric"}


@pytest.mark.parametrize("metric", ["mae", "median_absolute_error"])
def test_median_metrics_rank_mae_or_huber_above_mse(base: RuleBase, metric: str) -> None:
    ranked, _ = ranking(base, {**CLEAN, "metric": metric})
    assert ranked[0][0] in {"mae", "huber"}
    assert dict(ranked)["mse"] < dict(ranked)[ranked[0][0]]


def test_rmse_keeps_mse_first_and_poisson_deviance_lifts_poisson(base: RuleBase) -> None:
    assert top(base, {"task": "regression", "metric": "rmse"}) == "mse"
    counts: dict[str, FactValue] = {"target_type": "count", "dispersion_index": 1.0}
    assert (
        score(base, {**counts, "metric": "poisson_deviance"}, "poisson")
        == score(base, counts, "poisson") + 3
    )


def test_log_loss_favours_plain_cross_entropy_and_lowers_focal(base: RuleBase) -> None:
    plain: dict[str, FactValue] = {"task": "binary"}
    judged: dict[str, FactValue] = {"task": "binary", "metric": "log_loss"}
    assert top(base, judged) == "bce"
    assert score(base, judged, "focal_binary") < score(base, plain, "focal_binary")
    assert top(base, {"task": "multiclass", "metric": "log_loss"}) == "ce"


# --- classification --------------------------------------------------------------------------


def test_balanced_classification_defaults(base: RuleBase) -> None:
    assert top(base, {"target_type": "binary", "imbalance_ratio": 1.2}) == "bce"
    assert top(base, {"target_type": "multiclass", "imbalance_ratio": 1.3, "n_classes": 3}) == "ce"
    assert top(base, {"task": "multilabel"}) == "bce"


def test_imbalanced_binary_keeps_bce_unless_the_metric_is_threshold_based(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "binary", "imbalance_ratio": 20.0, "minority_ratio": 0.05
    }
    for metric in (None, "log_loss", "brier", "roc_auc", "pr_auc"):
        judged = facts if metric is None else {**facts, "metric": metric}
        assert top(base, judged) == "bce", metric
    ranked, result = ranking(base, {**facts, "metric": "balanced_accuracy"})
    assert ranked[0][0] == "weighted_bce"
    assert dict(ranked)["bce"] < dict(ranked)["weighted_bce"]
    assert "pos_weight_ratio" in derivations(result, "weighted_bce", "pos_weight")
    assert top(base, {**facts, "priority": "recall"}) == "weighted_bce"


def test_imbalanced_multiclass_keeps_ce_unless_the_metric_is_macro(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {
        "target_type": "multiclass", "imbalance_ratio": 20.0, "n_classes": 6
    }
    assert top(base, facts) == "ce"
    assert top(base, {**facts, "metric": "log_loss"}) == "ce"
    ranked, result = ranking(base, {**facts, "metric": "balanced_accuracy"})
    assert ranked[0][0] in {"class_balanced_ce", "weighted_ce"}
    assert "class_weights_inverse" in derivations(result, "weighted_ce", "class_weights")
    assert "class_weights_effective" in derivations(result, "class_balanced_ce", "class_weights")


def test_f1_with_imbalance_lifts_reweighting(base: RuleBase) -> None:
    facts: dict[str, FactValue] = {"target_type": "binary", "imbalance_ratio": 5.0}
    # task.metric.imbalance_aware +2 and data.imbalance.binary.threshold +3
    assert (
        score(base, {**facts, "metric": "f1"}, "weighted_bce")
        == score(base, facts, "weighted_bce") + 5
    )


# --- other tasks and model outputs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("segmentation", "dice_ce"),
        ("detection", "giou"),
        ("keypoints", "wing"),
        ("sequence", "seq_ce"),
        ("distillation", "distillation_kl"),
        ("multimodal", "info_nce"),
    ],
)
def test_canonical_loss_per_task(base: RuleBase, task: str, expected: str) -> None:
    assert top(base, {"task": task}) == expected


def test_overlap_metric_and_small_foreground(base: RuleBase) -> None:
    seg: dict[str, FactValue] = {"task": "segmentation"}
    for loss in ("dice", "jaccard", "lovasz"):
        assert score(base, {**seg, "metric": "iou"}, loss) == score(base, seg, loss) + 2
    ranked, result = ranking(base, {**seg, "foreground_ratio": 0.01})
    assert ranked[0][0] in {"tversky", "dice_ce", "dice_focal", "focal_tversky"}
    assert derivations(result, "tversky", "beta") == {"tversky_from_foreground"}


def test_real_outputs_exclude_cross_entropy(base: RuleBase) -> None:
    ranked, result = ranking(base, {"task": "multiclass", "model_output": "real"})
    assert "ce" in result.exclusions and "ce" not in dict(ranked)
    assert ranked[0][0] == "hinge"


def test_probability_outputs_warn_to_use_logits(base: RuleBase) -> None:
    _, result = ranking(base, {"task": "binary", "model_output": "probabilities"})
    assert any("logit" in c.text for c in result.cautions)


def test_box_and_mask_outputs(base: RuleBase) -> None:
    det: dict[str, FactValue] = {"task": "detection"}
    assert score(base, {**det, "model_output": "boxes"}, "smooth_l1") > score(
        base, det, "smooth_l1"
    )
    seg: dict[str, FactValue] = {"task": "segmentation"}
    assert score(base, {**seg, "model_output": "mask_logits"}, "dice") > score(base, seg, "dice")


def test_speed_priority_penalises_the_sorting_loss_only(base: RuleBase) -> None:
    seg: dict[str, FactValue] = {"task": "segmentation"}
    fast = {**seg, "priority": "speed"}
    assert score(base, fast, "lovasz") < score(base, seg, "lovasz")
    assert score(base, fast, "tversky") >= score(base, seg, "tversky")


# --- the optimizer pass and multi-task balancing ---------------------------------------------


def optimizer_pick(base: RuleBase, facts: Facts) -> tuple[str, Evaluation]:
    result = evaluate(base, facts, tables=("optimizer",))
    totals = {
        name: sum(c.delta for c in ledger) for name, ledger in result.optimizer_ledger.items()
    }
    order = list(base.optimizers)
    return min(totals, key=lambda name: (-totals[name], order.index(name))), result


def test_optimizer_defaults_and_overrides(base: RuleBase) -> None:
    assert optimizer_pick(base, {"loss": "mse", "task": "regression"})[0] == "adamw"
    pick, result = optimizer_pick(base, {"loss": "giou", "task": "detection"})
    assert pick == "sgd" and result.optimizer_settings["sgd"]["momentum"] == 0.9
    assert (
        optimizer_pick(base, {"loss": "seq_ce", "task": "sequence", "batch_size": 8192})[0]
        == "lamb"
    )
    pick, result = optimizer_pick(base, {"loss": "huber", "task": "regression"})
    assert pick == "adamw" and "rmsprop" in result.optimizer_ledger  # a precedent, not a winner


def test_constant_gradient_losses_get_a_decay_caution(base: RuleBase) -> None:
    for loss in ("mae", "pinball"):
        _, result = optimizer_pick(base, {"loss": loss})
        assert any("decay" in c.text for c in result.cautions), loss
        assert result.optimizer_settings["sgd"]["nesterov"] is True


def test_focal_keeps_adam_beta2_and_reports_the_article_figure(base: RuleBase) -> None:
    _, result = optimizer_pick(base, {"loss": "focal_binary"})
    assert result.optimizer_settings["adam"]["betas"] == [0.9, 0.999]
    assert any("article reports" in c.text for c in result.cautions)


def balancing_pick(base: RuleBase, facts: Facts) -> tuple[str, Evaluation]:
    result = evaluate(base, facts, tables=("multitask",))
    totals = {
        name: sum(c.delta for c in ledger) for name, ledger in result.balancing_ledger.items()
    }
    order = list(base.balancing)
    return min(totals, key=lambda name: (-totals[name], order.index(name))), result


def test_balancing(base: RuleBase) -> None:
    assert balancing_pick(base, {"n_heads": 2, "heads_mixed_families": True})[0] == "uncertainty"
    assert (
        balancing_pick(base, {"n_heads": 2, "multitask_kind": "main_auxiliary"})[0] == "uncertainty"
    )
    pick, result = balancing_pick(base, {"n_heads": 3, "multitask_kind": "shared_backbone"})
    assert pick == "gradnorm" and result.balancing_settings["gradnorm"]["alpha"] == 1.5
    assert result.balancing_settings["dwa"]["temperature"] == 2.0
    assert balancing_pick(base, {"n_heads": 2, "multitask_kind": "multimodal"})[0] == "dtp"
    assert evaluate(base, {"n_heads": 1}, tables=("multitask",)).balancing_ledger == {}


# --- real data -------------------------------------------------------------------------------


def profiled(tmp_path: Path, target: Any) -> dict[str, FactValue]:
    import pandas as pd

    from lossadvisor.profile import profile_dataset

    path = tmp_path / "data.csv"
    pd.DataFrame({"y": target}).to_csv(path, index=False)
    return dict(profile_dataset(str(path), targets=["y"]).targets[0].facts)


def test_real_datasets(base: RuleBase, tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

    diabetes = profiled(tmp_path, load_diabetes().target)  # clean, mildly skewed, no outliers
    assert diabetes["outlier_ratio"] == 0.0 and top(base, diabetes) == "mse"
    assert top(base, profiled(tmp_path, load_breast_cancer().target)) == "bce"
    assert top(base, profiled(tmp_path, load_wine().target)) == "ce"
