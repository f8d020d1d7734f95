"""Fuzzing rule files: every shipped rule with one field mutated, YAML-level attacks, the CLI.

A rule the checker accepts must also be safe to run: it is evaluated against facts that make
its condition fire, so that `rules check` saying "valid" means `recommend` cannot crash on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_helpers import run_cli, time_limit
from fuzz_surfaces import (
    CASE_LIMIT,
    counted,
    fuzz_settings,
    mutated,
    shipped_rules,
    to_yaml,
    write,
    yaml_attack,
)
from hypothesis import given
from hypothesis import strategies as st

from lossadvisor.rules.catalog_checks import Catalog
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.rule_checks import check_table
from lossadvisor.rules.schema import RuleBase
from lossadvisor.rules.yaml_lines import YamlProblem, load_with_lines

SEEDS = shipped_rules()
BASE = load_rulebase()
CATALOG = Catalog(
    losses=BASE.losses,
    optimizers=BASE.optimizers,
    balancing=BASE.balancing,
    settings=BASE.settings,
)
FACTS: list[dict[str, Any]] = [
    {
        "task": "regression",
        "target_type": "continuous",
        "outlier_ratio": 0.2,
        "zero_ratio": 0.5,
        "skewness": 3.0,
        "batch_size": 10**9,
        "missing_ratio": 0.1,
    },
    {
        "task": "binary",
        "target_type": "binary",
        "imbalance_ratio": 50.0,
        "minority_ratio": 0.02,
        "n_classes": 2,
        "batch_size": 32,
    },
    {"task": "multiclass", "target_type": "multiclass", "n_classes": 10, "imbalance_ratio": 100},
]


def check_text(text: str, table: str) -> None:
    """Load and check one rule file's text; a rule found valid is then run by the engine."""
    try:
        tree, _ = load_with_lines(text)
    except YamlProblem as err:
        assert "\n" not in err.message
        return
    if not isinstance(tree, dict) or not isinstance(tree.get("rules"), list):
        return
    _info, rules, problems = check_table(tree, "fuzz.yaml", table, False, CATALOG)
    for problem in problems:
        assert "\n" not in str(problem)
    if rules:
        base = RuleBase.model_construct(**{**dict(BASE), "rules": rules})
        for facts in FACTS:
            evaluate(base, facts)


@pytest.mark.parametrize("part", range(4))
def test_mutated_shipped_rules(part: int) -> None:
    @fuzz_settings(950)
    @given(
        st.sampled_from(SEEDS[part::4]).flatmap(
            lambda seed: st.tuples(st.just(seed[0]), mutated(seed[1]))
        )
    )
    def case(seed: tuple[str, Any]) -> None:
        table, entry = seed
        with counted("rules.mutated"), time_limit(CASE_LIMIT):
            check_text(to_yaml({"table": table, "rules": [entry]}), table)

    case()


@fuzz_settings(800)
@given(yaml_attack, st.sampled_from(["params", "when", "covers", "caution", "exclude", "top"]))
def test_yaml_attacks_inside_rule_files(attack: str, where: str) -> None:
    indented = "\n".join("      " + line for line in attack.splitlines())
    if where == "top":
        text = attack
    else:
        text = (
            "table: robustness\nrules:\n  - id: user.fuzz\n    covers: [table5.row1]\n"
            '    when: {task: regression}\n    because: "x"\n    source: "x"\n'
            f"    score: {{huber: 1}}\n    {where}:\n{indented}\n"
        )
    with counted("rules.yaml_attack"), time_limit(CASE_LIMIT):
        check_text(text, "robustness")


@fuzz_settings(30)
@given(st.sampled_from(SEEDS).flatmap(lambda seed: st.tuples(st.just(seed[0]), mutated(seed[1]))))
def test_mutated_rules_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, seed: tuple[str, Any]
) -> None:
    table, entry = seed
    path = write(
        tmp_path_factory.mktemp("rules") / "user.yaml", to_yaml({"table": table, "rules": [entry]})
    )
    with counted("rules.cli"):
        run_cli(["rules", "check", str(path)], limit=CASE_LIMIT).check_contract()
        run_cli(
            ["recommend", "--task", "regression", "--rules", str(path), "--json"], limit=CASE_LIMIT
        ).check_contract()
