"""Matching semantics and the evaluation ledger."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rules_helpers import FIXTURE_BASE

from lossadvisor.context import make_context
from lossadvisor.recommend import recommend
from lossadvisor.rules.conditions import facts_read, holds
from lossadvisor.rules.engine import evaluate, fires, format_because
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase

NUMBERS = st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(-1000, 1000)
OPS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


@given(value=NUMBERS, threshold=NUMBERS, op=st.sampled_from(sorted(OPS)))
def test_comparisons_agree_with_python(value: float, threshold: float, op: str) -> None:
    assert holds({"skewness": {op: threshold}}, {"skewness": value}) == OPS[op](value, threshold)


@given(value=NUMBERS, lo=NUMBERS, hi=NUMBERS)
def test_several_comparisons_all_hold(value: float, lo: float, hi: float) -> None:
    condition = {"skewness": {"ge": lo, "lt": hi}}
    assert holds(condition, {"skewness": value}) == (lo <= value < hi)


def test_equality_lists_in_and_not() -> None:
    facts = {"task": "regression", "n_classes": 3}
    assert holds({"task": "regression"}, facts)
    assert not holds({"task": "binary"}, facts)
    assert holds({"task": ["binary", "regression"]}, facts)
    assert holds({"task": {"in": ["binary", "regression"]}}, facts)
    assert not holds({"task": {"not": "regression"}}, facts)
    assert holds({"task": {"not": ["binary", "multiclass"]}}, facts)
    assert holds({"n_classes": 3}, facts)
    assert holds({"n_classes": 3.0}, facts)  # numbers compare by value


def test_booleans_do_not_equal_numbers() -> None:
    assert holds({"is_integer": True}, {"is_integer": True})
    assert not holds({"is_integer": True}, {"is_integer": 1})
    assert not holds({"n_classes": 1}, {"n_classes": True})


def test_missing_fact_is_false_except_present_false() -> None:
    assert not holds({"skewness": {"gt": 0}}, {})
    assert not holds({"skewness": {"lt": 0}}, {"skewness": None})
    assert not holds({"task": "regression"}, {})
    assert not holds({"task": {"not": "binary"}}, {})  # even a negated value needs the fact
    assert holds({"skewness": {"present": False}}, {})
    assert holds({"skewness": {"present": False}}, {"skewness": None})
    assert not holds({"skewness": {"present": False}}, {"skewness": 0.0})
    assert holds({"skewness": {"present": True}}, {"skewness": 0.0})
    assert not holds({"skewness": {"present": True}}, {})


def test_combinators() -> None:
    facts = {"task": "regression", "skewness": 2.0}
    assert holds({"all": [{"task": "regression"}, {"skewness": {"gt": 1}}]}, facts)
    assert not holds({"all": [{"task": "regression"}, {"skewness": {"gt": 3}}]}, facts)
    assert holds({"any": [{"task": "binary"}, {"skewness": {"gt": 1}}]}, facts)
    assert not holds({"any": [{"task": "binary"}, {"skewness": {"gt": 3}}]}, facts)
    assert holds({"not": {"task": "binary"}}, facts)
    assert not holds({"not": {"task": "regression"}}, facts)
    # not over a missing fact: the inner condition is false, so `not` holds
    assert holds({"not": {"tail": "heavy"}}, facts)
    assert holds({}, {})  # an empty condition always matches
    nested = {"any": [{"all": [{"task": "regression"}, {"not": {"skewness": {"lt": 1}}}]}]}
    assert holds(nested, facts)


def test_ordering_on_non_numbers_never_holds() -> None:
    assert not holds({"skewness": {"gt": 0}}, {"skewness": "big"})
    assert not holds({"skewness": {"gt": 0}}, {"skewness": True})


def test_facts_read_include_combinators() -> None:
    condition = {"task": "x", "any": [{"skewness": {"gt": 1}}, {"not": {"tail": "heavy"}}]}
    assert list(facts_read(condition)) == ["task", "skewness", "tail"]


def test_because_is_formatted_or_left_raw() -> None:
    assert format_because("{outlier_ratio:.1%} out", {"outlier_ratio": 0.0512}) == "5.1% out"
    assert format_because("{outlier_ratio:.1%} out", {}) == "{outlier_ratio:.1%} out"
    assert format_because("{outlier_ratio:.1%} out", {"outlier_ratio": "x"}) == (
        "{outlier_ratio:.1%} out"
    )
    assert format_because("plain {{braces}}", {}) == "plain {braces}"
    assert format_because("broken {", {}) == "broken {"


def test_evaluate_records_a_ledger(fixture_base: RuleBase) -> None:
    facts: dict[str, Any] = {"task": "regression", "outlier_ratio": 0.05, "mad_sigma": 2.0}
    ev = evaluate(fixture_base, facts)
    assert ev.fired == ["task.regression.default", "data.outliers.robust"]
    huber = ev.loss_ledger["huber"]
    assert [(c.rule_id, c.table, c.delta) for c in huber] == [
        ("task.regression.default", "task", 1.0),
        ("data.outliers.robust", "data", 3.0),
    ]
    assert huber[1].because == "5.0% of targets are outliers"
    assert huber[1].facts == {"task": "regression", "outlier_ratio": 0.05}
    assert huber[1].source == "article §2 row 1; Huber (1964)"
    assert ev.score("mse") == 2 - 3
    hints = ev.param_hints["huber"]["delta"]
    assert [(h.rule_id, h.derive, h.value) for h in hints] == [
        ("data.outliers.robust", "huber_delta_mad", None)
    ]
    # nothing fires on a fact it does not read
    assert "robustness.no_profile" not in ev.fired


def test_present_false_rule_fires_without_the_fact(fixture_base: RuleBase) -> None:
    ev = evaluate(fixture_base, {"task": "regression"})
    assert "robustness.no_profile" in ev.fired
    assert [c.rule_id for c in ev.cautions] == ["robustness.no_profile"]
    assert ev.cautions[0].text == "no profile: outlier robustness unknown"


def test_exclusions_literal_params_and_tables_filter(fixture_base: RuleBase) -> None:
    facts = {"task": "binary", "model_output": "probabilities", "imbalance_ratio": 19.0}
    ev = evaluate(fixture_base, facts)
    assert [c.rule_id for c in ev.exclusions["bce"]] == ["output.probabilities.no_logits"]
    assert ev.exclusions["bce"][0].delta == 0
    assert ev.exclusions["bce"][0].because == "BCEWithLogits expects logits, not probabilities"
    assert [h.value for h in ev.param_hints["focal"]["gamma"]] == [2.0]
    assert ev.param_hints["bce"]["pos_weight"][0].derive == "pos_weight_ratio"
    only_data = evaluate(fixture_base, facts, tables={"data"})
    assert only_data.fired == ["data.imbalance.focal"]
    assert only_data.exclusions == {}


def test_optimizer_and_balancing_advice(fixture_base: RuleBase) -> None:
    facts = {
        "batch_size": 8192,
        "loss": "huber",
        "loss_family": "regression",
        "optimizer": "sgd",
        "n_heads": 3,
        "heads_mixed_families": True,
    }
    ev = evaluate(fixture_base, facts)
    assert [c.delta for c in ev.optimizer_ledger["lamb"]] == [3.0]
    assert ev.optimizer_ledger["lamb"][0].because == "batch size 8192"
    assert ev.optimizer_settings == {
        "lamb": {"weight_decay": 0.01},
        "sgd": {"momentum": 0.95, "nesterov": True},
    }
    assert ev.balancing_settings == {"uncertainty": {"init_log_var": 0.0}}
    assert [c.delta for c in ev.balancing_ledger["fixed"]] == [-1.0]
    assert ev.balancing_ledger["uncertainty"][0].because == "3 heads of different scales"


def test_later_rules_win_settings(fixture_base: RuleBase) -> None:
    first = fixture_base.rule("optimizer.large_batch")
    second = fixture_base.rule("optimizer.sgd_momentum")
    assert first is not None and second is not None
    assert first.optimizer is not None and second.optimizer is not None
    late = second.model_copy(
        update={
            "optimizer": second.optimizer.model_copy(
                update={"settings": {"lamb": {"weight_decay": 0.1}}}
            )
        }
    )
    base = fixture_base.model_copy(update={"rules": [first, late]})
    ev = evaluate(base, {"batch_size": 8192, "loss_family": "regression", "optimizer": "sgd"})
    assert ev.optimizer_settings == {"lamb": {"weight_decay": 0.1}}


def test_fires_matches_holds(fixture_base: RuleBase) -> None:
    rule = fixture_base.rule("efficiency.speed")
    assert rule is not None
    assert fires(rule, {"priority": "speed", "task": "regression"})
    assert not fires(rule, {"priority": "speed", "task": "segmentation"})
    assert fires(rule, {"priority": "speed"})  # not(task = segmentation) holds when task is unknown


TWO_SETTERS = """\
table: tips
stage: optimizer
rules:
  - id: tips.first
    when: {optimizer: sgd}
    optimizer: {settings: {sgd: {lr: 0.05, momentum: 0.8}}, schedule: {sgd: {name: step}}}
    because: "a test"
    source: "a test"
  - id: tips.second
    when: {optimizer: sgd, loss: mse}
    optimizer: {settings: {sgd: {lr: 0.02}}}
    because: "a test"
    source: "a test"
"""


def test_the_evaluation_keeps_which_rule_set_each_setting(tmp_path: Path) -> None:
    """Settings merge rule by rule, and each rule's own values stay attributed to it."""
    user = tmp_path / "tips.yaml"
    user.write_text(TWO_SETTERS, encoding="utf-8")
    base = load_rulebase([user], builtin_dir=FIXTURE_BASE)
    ev = evaluate(
        base, {"optimizer": "sgd", "loss": "mse", "task": "regression"}, stage="optimizer"
    )
    mine = [
        (s.rule_id, s.values) for s in ev.set_by("optimizer", "sgd") if s.rule_id[:5] == "tips."
    ]
    assert mine == [("tips.first", {"lr": 0.05, "momentum": 0.8}), ("tips.second", {"lr": 0.02})]
    assert [(s.rule_id, s.values) for s in ev.set_by("schedule", "sgd")] == [
        ("tips.first", {"name": "step"})
    ]
    assert ev.optimizer_settings["sgd"]["lr"] == 0.02  # the later rule wins the merge
    # the recommendation says who set what, from the evaluation (not by rescanning the rules)
    rec = recommend(base, make_context(task="regression", optimizer="sgd"), None)
    notes = [r for r in rec.optimizer.reasons if "(rule tips." in r]
    assert notes == [
        "set lr = 0.05, momentum = 0.8 (rule tips.first)",
        "set lr = 0.02 (rule tips.second)",
        'schedule name = "step" (rule tips.first)',
    ]
    # a rule that does not fire sets nothing
    quiet = evaluate(base, {"optimizer": "sgd", "loss": "mae"}, stage="optimizer")
    assert "tips.second" not in {s.rule_id for s in quiet.setters}
