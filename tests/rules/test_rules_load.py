"""Loading: built-ins then user files, replacement by id, digest, catalogs, safety."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE, write

from lossadvisor.errors import InputError
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.load import builtin_files, check_files, load_rulebase
from lossadvisor.rules.schema import TABLES, RuleBase

USER = """\
table: data
title: my team's rules
rules:
  - id: data.outliers.robust          # replaces the built-in rule of the same id
    covers: [table2.row1]
    when: {task: regression, outlier_ratio: {gt: 0.2}}
    score: {mae: 5}
    because: "our data: {outlier_ratio:.0%} outliers"
    source: "team wiki"
  - id: data.team.small_data          # a new rule
    covers: []
    when: {task: regression, n_rows: {lt: 1000}}
    score: {huber: 1}
    because: "only {n_rows} rows"
    source: "team wiki"
"""


def test_load_order_and_tables(fixture_base: RuleBase) -> None:
    tables_in_order = list(dict.fromkeys(r.table for r in fixture_base.rules))
    assert tables_in_order == list(TABLES)
    assert list(fixture_base.tables) == list(TABLES)
    assert fixture_base.tables["data"].title == "Data characteristics → loss"
    assert list(fixture_base.losses)[:3] == ["mse", "mae", "huber"]  # catalog order
    assert set(fixture_base.optimizers) == {"sgd", "adam", "adamw", "lamb", "rmsprop", "adadelta"}
    rule = fixture_base.rule("data.outliers.robust")
    assert rule is not None and rule.file.endswith("data.yaml") and rule.line == 4


def test_digest_is_sha256_of_the_files_in_load_order(fixture_base: RuleBase) -> None:
    expected = hashlib.sha256()
    for path in builtin_files(FIXTURE_BASE):
        expected.update(path.read_bytes())
    assert fixture_base.digest == expected.hexdigest()


def test_user_file_replaces_by_id_and_adds(tmp_path: Path, fixture_base: RuleBase) -> None:
    user = write(tmp_path, "team.yaml", USER)
    base = load_rulebase([user], builtin_dir=FIXTURE_BASE)
    ids = [r.id for r in base.rules]
    assert len(ids) == len(fixture_base.rules) + 1
    assert ids.count("data.outliers.robust") == 1
    # replaced in place, so load order (and ties) stay as in the built-ins
    assert ids.index("data.outliers.robust") == [r.id for r in fixture_base.rules].index(
        "data.outliers.robust"
    )
    assert ids[-1] == "data.team.small_data"
    replaced = base.rule("data.outliers.robust")
    assert replaced is not None and replaced.source == "team wiki" and replaced.file == str(user)
    ev = evaluate(base, {"task": "regression", "outlier_ratio": 0.3, "n_rows": 500})
    assert [c.rule_id for c in ev.loss_ledger["mae"]] == [
        "task.regression.default",
        "data.outliers.robust",
    ]
    assert "huber" in ev.loss_ledger and all(
        c.rule_id != "data.outliers.robust" for c in ev.loss_ledger["huber"]
    )
    assert ev.loss_ledger["mae"][1].because == "our data: 30% outliers"
    assert base.digest != fixture_base.digest


def test_a_user_file_is_checked_alone(tmp_path: Path) -> None:
    user = write(tmp_path, "team.yaml", USER)
    assert check_files([FIXTURE_BASE / "losses.yaml", FIXTURE_BASE / "methods.yaml", user]) == []


def test_missing_user_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: cannot read"):
        load_rulebase([tmp_path / "nope.yaml"], builtin_dir=FIXTURE_BASE)


def test_not_a_rule_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "- just\n- a list\n")
    problems = check_files([path])
    assert problems == [f"{path}:1: " + problems[0].split(": ", 1)[1]]
    assert "not a rule file" in problems[0]


def test_rules_do_not_share_mutable_state(fixture_base: RuleBase) -> None:
    facts = {"task": "regression", "outlier_ratio": 0.05}
    first = evaluate(fixture_base, facts)
    first.param_hints["huber"]["delta"].clear()
    assert evaluate(fixture_base, facts).param_hints["huber"]["delta"]
