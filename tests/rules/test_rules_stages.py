"""Stages: rules that would load and silently never take effect fail `rules check` instead.

Each case was reproduced on the old loader (issue 9): it reported the file valid, and the rule
then never fired or had its effect dropped. Expected lines are computed from the text itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE, line_containing, write

from lossadvisor import context as context_module
from lossadvisor.context import make_context
from lossadvisor.errors import InputError
from lossadvisor.options import RecommendOptions
from lossadvisor.resources import rules_dir
from lossadvisor.rules import load as load_module
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.load import check_files, load_rulebase

CATALOGS = [FIXTURE_BASE / "losses.yaml", FIXTURE_BASE / "methods.yaml"]

DATA_RULE = """\
table: data
title: a test table
rules:
  - id: data.stage.case
    covers: [table2.row1]
    when:
      task: regression
{when}
{effects}
    because: "a test"
    source: "a test"
"""


def _check(tmp_path: Path, text: str, name: str = "user.yaml") -> tuple[Path, list[str]]:
    path = write(tmp_path, name, text)
    return path, check_files([*CATALOGS, path])


def _only(problems: list[str], path: Path, line: int, words: str) -> None:
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: data.stage.case: "), problems
    assert words in problems[0], problems


def test_a_loss_stage_rule_cannot_read_the_chosen_loss(tmp_path: Path) -> None:
    text = DATA_RULE.format(when="      loss: mse", effects="    score: {huber: 1}")
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "loss: mse"), "never sees 'loss'")


def test_a_score_in_the_optimizer_stage_is_refused(tmp_path: Path) -> None:
    text = DATA_RULE.format(
        when="      loss: mse", effects="    score: {huber: 1}\n    optimizer: {score: {sgd: 1}}"
    ).replace("table: data", "table: optimizer")
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "score: {huber"), "'score' has no effect")


def test_balancing_advice_outside_the_balancing_stage_is_refused(tmp_path: Path) -> None:
    text = DATA_RULE.format(
        when="", effects="    balancing: {score: {uncertainty: 1}}\n    score: {huber: 1}"
    )
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "balancing:"), "'balancing' has no effect")


def test_a_balancing_rule_cannot_read_a_fact_of_one_head(tmp_path: Path) -> None:
    text = DATA_RULE.format(when="", effects="    balancing: {score: {uncertainty: 1}}")
    text = text.replace("table: data", "table: multitask")
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "task: regression"), "never sees 'task'")


@pytest.mark.parametrize(
    "test",
    ["{gt: 0.5, lt: 0.1}", "{ge: 0.5, lt: 0.5}", "{gt: 1}", "{present: false, gt: 0.1}"],
)
def test_an_unsatisfiable_comparison_is_refused(tmp_path: Path, test: str) -> None:
    # outlier_ratio is a share: the vocabulary bounds it to [0, 1], so {gt: 1} never holds
    text = DATA_RULE.format(when=f"      outlier_ratio: {test}", effects="    score: {huber: 1}")
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "outlier_ratio:"), "never")


def test_an_integer_range_without_integers_is_refused(tmp_path: Path) -> None:
    text = DATA_RULE.format(when="      n_classes: {gt: 3, lt: 4}", effects="    score: {ce: 1}")
    path, problems = _check(tmp_path, text)
    _only(problems, path, line_containing(text, "n_classes:"), "no integer value")


def test_satisfiable_neighbours_stay_valid(tmp_path: Path) -> None:
    for test in ("{ge: 0.5, le: 0.5}", "{gt: 0.1, lt: 0.5}", "{present: false}"):
        text = DATA_RULE.format(
            when=f"      outlier_ratio: {test}", effects="    score: {huber: 1}"
        )
        assert _check(tmp_path, text)[1] == [], test


def test_a_user_table_of_its_own_name_runs_in_its_stage(tmp_path: Path) -> None:
    text = """\
table: my_optimizer_tips
stage: optimizer
rules:
  - id: mine.rmsprop
    when: {loss: huber}
    optimizer: {score: {rmsprop: 9}}
    because: "my own experience"
    source: "my notes"
"""
    path = write(tmp_path, "mine.yaml", text)
    assert check_files([*CATALOGS, path]) == []  # no `covers` needed outside the built-ins
    base = load_rulebase([path], builtin_dir=FIXTURE_BASE)
    (rule,) = [r for r in base.rules if r.id == "mine.rmsprop"]
    assert (rule.table, rule.stage) == ("my_optimizer_tips", "optimizer")
    facts = {"task": "regression", "loss": "huber"}
    assert "mine.rmsprop" in evaluate(base, facts, stage="optimizer").fired
    assert "mine.rmsprop" not in evaluate(base, facts, stage="loss").fired


def test_a_builtin_table_name_keeps_its_stage(tmp_path: Path) -> None:
    text = DATA_RULE.format(when="", effects="    score: {huber: 1}")
    path, problems = _check(tmp_path, text.replace("title:", "stage: optimizer\ntitle:"))
    assert len(problems) == 2, problems  # the contradiction, and `score` in that stage
    assert problems[0].startswith(f"{path}:2: the data table runs in the loss stage")


def test_an_optimizer_added_to_methods_yaml_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    methods = (rules / "methods.yaml").read_text(encoding="utf-8")
    entry = (
        "optimizers:\n  - id: adafactor\n    name: Adafactor\n    defaults: {lr: 0.001}\n"
        '    sources: ["Shazeer & Stern (2018), Adafactor, ICML"]\n'
    )
    (rules / "methods.yaml").write_text(methods.replace("optimizers:\n", entry, 1), "utf-8")
    user = write(
        tmp_path,
        "user.yaml",
        "table: tips\nstage: optimizer\nrules:\n  - id: tips.adafactor\n"
        "    when: {optimizer: adafactor}\n    optimizer: {settings: {adafactor: {lr: 0.01}}}\n"
        '    because: "x"\n    source: "y"\n',
    )
    monkeypatch.setattr(load_module, "rules_dir", lambda: rules)
    assert check_files([user]) == []  # the checker reads the optimizer's id from methods.yaml
    context_module._builtin_optimizers.cache_clear()
    try:  # --optimizer takes the ids of the (here: edited) built-in methods.yaml
        assert make_context(task="regression", optimizer="adafactor").optimizer == "adafactor"
    finally:
        context_module._builtin_optimizers.cache_clear()
    base = load_rulebase([user], builtin_dir=rules)
    assert "adafactor" in base.optimizers
    facts = {"optimizer": "adafactor", "loss": "mse"}
    assert evaluate(base, facts, stage="optimizer").optimizer_settings == {
        "adafactor": {"lr": 0.01}
    }


def test_optimizer_choices_come_from_the_builtin_methods() -> None:
    context_module._builtin_optimizers.cache_clear()
    assert make_context(optimizer="lars").optimizer == "lars"
    with pytest.raises(InputError, match="--optimizer"):
        make_context(optimizer="adamx")


USER_METHODS = """\
optimizers:
  - id: myopt
    name: My optimizer
    defaults: {lr: 0.002, weight_decay: 0.0}
    schedule: {name: cosine, warmup_ratio: 0.0}
    sources: ["a test optimizer"]
balancing: []
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=cwd,
    )  # fmt: skip


def test_a_users_own_optimizer_is_accepted_by_recommend(tmp_path: Path) -> None:
    """A methods file given with --rules adds an optimizer --optimizer then takes (the CLI
    used to check --optimizer against the built-in methods.yaml only)."""
    write(tmp_path, "extra.yaml", USER_METHODS)
    args = ("recommend", "--task", "regression", "--rules", "extra.yaml", "--json")
    result = _cli(*args, "--optimizer", "myopt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    optimizer = json.loads(result.stdout)["optimizer"]
    assert (optimizer["name"], optimizer["requested"]) == ("myopt", True)
    assert optimizer["settings"] == {"lr": 0.002, "weight_decay": 0.0}  # the file's defaults
    # the library face reads the same rule base
    _, context = RecommendOptions(task="regression", optimizer="myopt", rules=(
        str(tmp_path / "extra.yaml"),
    )).resolve()  # fmt: skip
    assert context.optimizer == "myopt"


def test_an_unknown_optimizer_with_user_methods_is_one_line_and_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "extra.yaml", USER_METHODS)
    args = ("recommend", "--task", "regression", "--rules", "extra.yaml")
    result = _cli(*args, "--optimizer", "myopz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "unknown optimizer 'myopz'" in lines[0] and "'myopt'" in lines[0]
    # without the file, its optimizer is unknown
    result = _cli("recommend", "--task", "regression", "--optimizer", "myopt", cwd=tmp_path)
    assert result.returncode == 2 and "unknown optimizer 'myopt'" in result.stderr
