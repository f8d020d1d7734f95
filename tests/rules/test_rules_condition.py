"""The typed condition model, the satisfiability check of `rules check`, the rule-file schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from rules_helpers import FIXTURE_BASE, line_containing, write
from rules_scenarios import satisfies

from lossadvisor.resources import rules_dir
from lossadvisor.rules.condition import All, Comparison, FactTest, Not, build
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.load import check_files
from lossadvisor.rules.schema import RuleBase
from lossadvisor.rules.solver import counterexample, example

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [FIXTURE_BASE / "losses.yaml", FIXTURE_BASE / "methods.yaml"]
TEMPLATE = """\
table: data
title: t
rules:
  - id: data.case
    covers: [table2.row1]
    when:
{when}
    score: {{huber: 1}}
    because: "x"
    source: "y"
"""


def test_not_is_a_combinator_as_a_key_and_none_of_inside_a_fact_test() -> None:
    (combinator,) = build({"not": {"task": "binary"}}).items
    assert isinstance(combinator, Not)
    (test,) = build({"task": {"not": "binary"}}).items
    assert test == FactTest("task", (Comparison("not_in", ("binary",)),), "mapping", ("task",))
    assert build({"task": {"not_in": ["binary"]}}).items[0] == test  # the explicit spelling


def test_condition_nodes_are_frozen_values() -> None:
    """The nodes behave as the frozen slotted dataclasses they replaced (issue 18's start-up):
    equal and hashed by their fields and class, the dataclass repr, no assignment, and copy,
    deepcopy and pickle give an equal tree."""
    import copy
    import dataclasses
    import pickle

    when = {"task": ["binary", "multiclass"], "any": [{"n_rows": {"gt": 10}}], "not": {"x": 1}}
    tree = build(when)
    assert tree == build(when) and hash(tree) == hash(build(when))
    assert tree != build({"task": ["binary"]})
    assert Comparison("eq", 1) != FactTest("eq", ()) and Comparison("eq", 1) == Comparison("eq", 1)
    assert repr(Comparison("gt", 0.5)) == "Comparison(op='gt', arg=0.5)"
    shown = "Not(inner=All(items=(), grouped=False, loc=()), loc=('not',))"
    assert repr(Not(All(()), ("not",))) == shown
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.grouped = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        tree.extra = 1  # type: ignore[attr-defined]
    for again in (copy.copy(tree), copy.deepcopy(tree), pickle.loads(pickle.dumps(tree))):
        assert again == tree and type(again.items[1]) is type(tree.items[1])
        assert again.holds({"task": "binary", "n_rows": 11, "x": 2})


def test_not_in_is_accepted_by_the_checker(tmp_path: Path) -> None:
    path = write(tmp_path, "u.yaml", TEMPLATE.format(when="      task: {not_in: [binary]}"))
    assert check_files([*CATALOGS, path]) == []


@pytest.mark.parametrize(
    "when",
    [
        "      task: regression\n      not: {task: regression}",
        "      all:\n        - {task: regression}\n        - {task: binary}",
        "      any:\n        - {tail: heavy, not: {tail: heavy}}\n        - {n_rows: {lt: 0}}",
    ],
)
def test_a_contradictory_condition_is_unsatisfiable(tmp_path: Path, when: str) -> None:
    text = TEMPLATE.format(when=when)
    path = write(tmp_path, "u.yaml", text)
    problems = check_files([*CATALOGS, path])
    # n_rows: {lt: 0} is already refused by the fact's range, before the whole condition
    line = line_containing(text, "n_rows") if "n_rows" in when else line_containing(text, "when:")
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{line}"], problems
    assert "unsatisfiable" in problems[0] or "never" in problems[0]


def _choices(base: RuleBase) -> dict[str, tuple[str, ...]]:
    return {
        "loss": tuple(base.losses),
        "optimizer": tuple(base.optimizers),
        "task_family": base.vocabulary.family_ids(),
        "architecture": base.vocabulary.architecture_ids(),
        "head_task": base.vocabulary.head_task_ids(),
    }


def test_the_solver_finds_a_firing_and_a_silent_case_for_every_builtin_rule(
    builtin_base: RuleBase,
) -> None:
    choices = _choices(builtin_base)
    for rule in builtin_base.rules:
        fires, silent = example(rule.condition, choices), counterexample(rule.condition, choices)
        assert fires is not None and silent is not None, rule.id
        # judged by the engine and by the tests' own predicate (rules_scenarios.satisfies)
        assert rule.id in evaluate(builtin_base, fires).fired, (rule.id, fires)
        assert rule.id not in evaluate(builtin_base, silent).fired, (rule.id, silent)
        for fact, test in rule.when.items():
            if fact not in ("all", "any", "not"):
                assert satisfies(fires[fact] if fact in fires else _missing(), test), rule.id


def _missing() -> object:
    from rules_scenarios import MISSING

    return MISSING


def test_a_cached_rule_builds_the_same_condition(builtin_base: RuleBase) -> None:
    rule = builtin_base.rules[0]
    again = type(rule).model_validate_json(rule.model_dump_json())
    assert again == rule and again.condition == build(rule.when)
    assert isinstance(again.condition, All)


def test_the_rule_file_schema_accepts_every_builtin_table_and_refuses_a_typo() -> None:
    schema = json.loads((ROOT / "docs/schemas/rules.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    tables = [p for p in rules_dir().glob("*.yaml") if "rules" in yaml.safe_load(p.read_text())]
    assert len(tables) >= 9
    for path in tables:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(tree)) == [], path.name
    bad = yaml.safe_load(TEMPLATE.format(when="      outlier_ratio: {gtt: 0.1}"))
    assert list(validator.iter_errors(bad)) != []
    bad = yaml.safe_load(TEMPLATE.format(when="      outlier_ratio: {gt: 0.1}"))
    bad["rules"][0]["becuase"] = "typo"
    assert list(validator.iter_errors(bad)) != []
