"""The shipped rule base: loss ids exist, every rule is reachable, loading is fast."""

from __future__ import annotations

from typing import Any

import yaml
from rules_scenarios import scenario

from lossadvisor.facts import LOSS_FAMILIES
from lossadvisor.resources import rules_dir
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.schema import EXTRA_TABLES, TABLES, RuleBase


def _loss_conditions(condition: Any) -> list[Any]:
    """Every literal the condition compares the `loss` fact with."""
    found: list[Any] = []
    if isinstance(condition, dict):
        for key, test in condition.items():
            if key == "loss":
                if isinstance(test, dict):
                    for op in ("in", "not"):
                        arg = test.get(op, [])
                        found += arg if isinstance(arg, list) else [arg]
                else:
                    found += test if isinstance(test, list) else [test]
            elif key in ("all", "any"):
                for sub in test:
                    found += _loss_conditions(sub)
            elif key == "not":
                found += _loss_conditions(test)
    return found


def _fact_names(condition: Any) -> set[str]:
    """Every fact name a raw `when` mapping tests, read independently of the package."""
    names: set[str] = set()
    for key, test in condition.items():
        if key in ("all", "any"):
            for sub in test:
                names |= _fact_names(sub)
        elif key == "not":
            names |= _fact_names(test)
        else:
            names.add(key)
    return names


def test_every_loss_id_a_rule_uses_exists(builtin_base: RuleBase) -> None:
    catalog = set(builtin_base.losses)
    used: set[str] = set()
    for rule in builtin_base.rules:
        used |= set(rule.score) | set(rule.exclude) | set(rule.params)
        used |= set(map(str, _loss_conditions(rule.when)))
    assert used, "the built-in rules name no loss at all"
    assert used - catalog == set()


def test_catalog_is_complete_enough(builtin_base: RuleBase) -> None:
    assert len(builtin_base.losses) >= 30
    assert {s.family for s in builtin_base.losses.values()} <= set(LOSS_FAMILIES)
    assert [t for t in builtin_base.tables if t in TABLES] == list(TABLES)  # the article's 8
    assert set(builtin_base.tables) - set(TABLES) <= set(EXTRA_TABLES)


def _assert_every_rule_fires(base: RuleBase) -> None:
    choices = {
        "loss": tuple(base.losses),
        "optimizer": tuple(base.optimizers),
        "task_family": base.vocabulary.family_ids(),
        "architecture": base.vocabulary.architecture_ids(),
        "head_task": base.vocabulary.head_task_ids(),
    }
    dead: list[str] = []
    for rule in base.rules:
        facts = scenario(rule.when, choices)
        if facts is None:
            dead.append(f"{rule.id}: no scenario satisfies {dict(rule.when)}")
            continue
        ev = evaluate(base, facts)
        if rule.id not in ev.fired:
            dead.append(f"{rule.id}: did not fire on {facts}")
            continue
        for loss_id, delta in rule.score.items():
            mine = [c for c in ev.loss_ledger[loss_id] if c.rule_id == rule.id]
            assert [c.delta for c in mine] == [delta], rule.id
            # the ledger records exactly the facts the rule reads, with the scenario's values
            assert mine[0].facts == {f: facts.get(f) for f in _fact_names(rule.when)}, rule.id
        for loss_id in rule.exclude:
            assert rule.id in [c.rule_id for c in ev.exclusions[loss_id]]
        if rule.caution:
            assert rule.id in [c.rule_id for c in ev.cautions]
    assert dead == []


def test_every_builtin_rule_is_reachable(builtin_base: RuleBase) -> None:
    _assert_every_rule_fires(builtin_base)


def test_every_fixture_rule_is_reachable(fixture_base: RuleBase) -> None:
    _assert_every_rule_fires(fixture_base)


def test_scenarios_respect_negation() -> None:
    facts = scenario({"task": {"not": "segmentation"}, "not": {"priority": "speed"}})
    assert facts is not None
    assert facts["task"] != "segmentation"
    assert facts.get("priority") != "speed"
    assert scenario({"outlier_ratio": {"gt": 0.2, "lt": 0.1}}) is None


def test_a_caution_names_the_losses_its_rule_acts_on(builtin_base: RuleBase) -> None:
    """Read independently from the YAML: the losses a cautioning rule scores, excludes or tunes."""
    rule = builtin_base.rule("gradient.focal.prior_init")
    assert rule is not None and rule.caution
    raw = yaml.safe_load((rules_dir() / f"{rule.table}.yaml").read_text(encoding="utf-8"))
    entry = next(r for r in raw["rules"] if r["id"] == rule.id)
    named = [*entry.get("score", {}), *entry.get("exclude", {}), *entry.get("params", {})]
    expected = list(dict.fromkeys(named))
    facts = scenario(rule.when)
    assert facts is not None
    evaluation = evaluate(builtin_base, facts)
    (caution,) = [c for c in evaluation.cautions if c.rule_id == rule.id]
    assert expected and caution.losses == expected
