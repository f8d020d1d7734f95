"""Structure of the eight table files, checked independently of the engine's loader."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import pytest
from knowledge_helpers import TABLES, admits

from lossadvisor.facts import FACTS, FactValue
from lossadvisor.params import DERIVATION_NAMES

COMBINATORS = {"all", "any", "not"}
EFFECTS = {"score", "exclude", "params", "optimizer", "balancing", "caution"}
RULE_KEYS = {"id", "covers", "when", "because", "source", "references", "examples"} | EFFECTS


def facts_in(condition: Any) -> Iterator[str]:
    """Every fact name a `when` condition reads (walking all / any / not)."""
    if isinstance(condition, list):
        for item in condition:
            yield from facts_in(item)
    elif isinstance(condition, dict):
        for key, value in condition.items():
            if key in COMBINATORS:
                yield from facts_in(value)
            else:
                yield key


def sample(name: str) -> FactValue:
    """A plausible value of a fact, to format the `because` texts with."""
    spec = FACTS[name]
    if spec.kind == "number":
        return 0.25
    if spec.kind == "integer":
        return 3
    if spec.kind == "boolean":
        return True
    return spec.choices[0] if spec.choices else "huber"


def fields(text: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]


def test_table_headers(tables: dict[str, dict[str, Any]]) -> None:
    for name, data in tables.items():
        assert data["table"] == name
        assert data["title"] and data["article_section"].startswith("§")
        assert data["rules"], name


def test_rule_ids_unique_and_prefixed(rules: list[dict[str, Any]]) -> None:
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["id"].startswith(f"{rule['_table']}."), rule["id"]
        assert rule["id"] == rule["id"].lower()


def test_every_rule_is_complete(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        keys = set(rule) - {"_table"}
        assert keys <= RULE_KEYS, (rule["id"], keys - RULE_KEYS)
        assert rule["covers"] and rule["because"].strip() and rule["source"].strip(), rule["id"]
        assert isinstance(rule["when"], dict), rule["id"]
        assert keys & EFFECTS, f"{rule['id']} has no effect"


def test_conditions_read_only_known_facts(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        unknown = set(facts_in(rule["when"])) - set(FACTS)
        assert not unknown, (rule["id"], unknown)
        assert rule["when"], f"{rule['id']} always fires; give it a condition"


def test_because_formats_with_the_facts_its_condition_reads(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        named = fields(rule["because"])
        assert named, f"{rule['id']}: the because text cites no fact value"
        assert set(named) <= set(facts_in(rule["when"])), (rule["id"], named)
        rule["because"].format_map({name: sample(name) for name in named})


def test_effects_name_catalog_entries(
    rules: list[dict[str, Any]], losses: dict[str, Any], methods: dict[str, Any]
) -> None:
    optimizers = {o["id"]: o for o in methods["optimizers"]}
    balancing = {b["id"]: b for b in methods["balancing"]}
    for rule in rules:
        rid = rule["id"]
        for loss in [
            *(rule.get("score") or {}),
            *(rule.get("exclude") or {}),
            *(rule.get("params") or {}),
        ]:
            assert loss in losses, (rid, loss)
        for reason in (rule.get("exclude") or {}).values():
            assert reason.strip(), rid
        for key, catalog in (("optimizer", optimizers), ("balancing", balancing)):
            advice = rule.get(key) or {}
            for method in [*(advice.get("score") or {}), *(advice.get("settings") or {})]:
                assert method in catalog, (rid, method)
            for method, settings in (advice.get("settings") or {}).items():
                assert set(settings) <= set(catalog[method]["defaults"]), (rid, method, settings)


def test_param_advice_is_a_derivation_or_an_in_range_literal(
    rules: list[dict[str, Any]], losses: dict[str, Any]
) -> None:
    seen_derivations = set()
    for rule in rules:
        for loss, params in (rule.get("params") or {}).items():
            for name, value in params.items():
                spec = losses[loss]["params"].get(name)
                assert spec is not None, (rule["id"], loss, name)
                if isinstance(value, dict):
                    assert set(value) == {"derive"}, (rule["id"], value)
                    assert value["derive"] in DERIVATION_NAMES, (rule["id"], value)
                    seen_derivations.add(value["derive"])
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    assert admits(spec, value), (rule["id"], loss, name, value)
    # every derivation the engine offers is used by some rule, except focal_alpha_prior, kept for
    # user rules: the built-ins follow Lin et al. (2017, Table 1b), α = 0.25 with γ = 2 (issue 11)
    assert seen_derivations == set(DERIVATION_NAMES) - {"focal_alpha_prior"}


def test_optimizer_table_gives_only_optimizer_advice(tables: dict[str, dict[str, Any]]) -> None:
    for rule in tables["optimizer"]["rules"]:
        assert set(rule) & EFFECTS <= {"optimizer", "caution"}, rule["id"]
        assert rule.get("optimizer"), rule["id"]


def test_only_the_optimizer_table_advises_optimizers(tables: dict[str, dict[str, Any]]) -> None:
    for name, data in tables.items():
        if name != "optimizer":
            assert not any("optimizer" in rule for rule in data["rules"]), name


def test_multitask_table_scores_balancing_methods(tables: dict[str, dict[str, Any]]) -> None:
    for rule in tables["multitask"]["rules"]:
        assert rule.get("balancing", {}).get("score"), rule["id"]
        assert "n_heads" in set(facts_in(rule["when"])), rule["id"]


@pytest.mark.parametrize("table", TABLES)
def test_each_source_cites_a_reference(tables: dict[str, dict[str, Any]], table: str) -> None:
    """Sources are named (author/year/title or doc name), never a bare '[R1]'."""
    for rule in tables[table]["rules"]:
        source = rule["source"]
        assert "[R" not in source, rule["id"]
        assert any(ch.isdigit() for ch in source) or "docs" in source, rule["id"]
