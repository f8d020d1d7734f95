"""Rules carry examples (`examples:`): shown by `rules show`, run by `rules test`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from rules_helpers import line_containing, write

from lossadvisor.resources import rules_dir
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.examples import check_examples, write_missing
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase

USER_RULE = """table: data
title: mine
rules:
  - id: team.counts.near_poisson
    covers: []
    when: {target_type: count, dispersion_index: {le: 1.5}}
    score: {poisson: 1}
    because: "close to Poisson"
    source: "our decision record"
    examples:
      fires: [{target_type: count, dispersion_index: 1.2}]
      silent: [{target_type: count, dispersion_index: 3.0}]
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args], capture_output=True, text=True, check=False
    )


def test_every_builtin_rule_has_a_firing_and_a_silent_example_that_hold(
    builtin_base: RuleBase,
) -> None:
    count, problems = check_examples(builtin_base, require=True)
    assert problems == []
    assert count >= 2 * len(builtin_base.rules)
    for rule in builtin_base.rules:  # judged again by the whole engine, not by the rule alone
        assert rule.examples is not None
        for facts in rule.examples.fires:
            assert rule.id in evaluate(builtin_base, facts).fired, (rule.id, facts)
        for facts in rule.examples.silent:
            assert rule.id not in evaluate(builtin_base, facts).fired, (rule.id, facts)


def test_rules_test_passes_on_the_builtins_and_the_example_file() -> None:
    done = cli("rules", "test", "--require")
    assert done.returncode == 0, done.stderr
    assert "example(s) passed" in done.stderr
    done = cli("rules", "test", "examples/my_rules.yaml")
    assert done.returncode == 0 and "3 example(s) passed" in done.stderr, done.stderr


def test_a_wrong_example_fails_with_file_and_line(tmp_path: Path) -> None:
    text = USER_RULE.replace("dispersion_index: 1.2}", "dispersion_index: 2.2}").replace(
        "silent: [{target_type: count, dispersion_index: 3.0}]",
        "silent: [{target_type: count, dispersion_index: 1.0}, {target_type: count, dispersn: 1}]",
    )
    path = write(tmp_path, "mine.yaml", text)
    done = cli("rules", "test", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    where = f"{path}:{line_containing(text, '- id:')}: team.counts.near_poisson: "
    assert lines[:3] == [
        where + 'fires example {"target_type": "count", "dispersion_index": 2.2}: the rule '
        "stays silent",
        where + 'silent example {"target_type": "count", "dispersion_index": 1.0}: the rule fires',
        where + "silent example names unknown fact(s) dispersn",
    ], lines
    assert lines[3] == "3 failing example(s) of 3."


def test_an_edit_that_changes_when_a_builtin_rule_fires_fails_its_examples(tmp_path: Path) -> None:
    # the same rule, with its threshold moved: its own examples now catch the change
    source = (rules_dir() / "data.yaml").read_text(encoding="utf-8")
    assert "outlier_ratio: {gt: 0.01, lt: 0.02}" in source
    changed = source.replace("outlier_ratio: {gt: 0.01, lt: 0.02}", "outlier_ratio: {gt: 0.03}", 1)
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    (copy / "data.yaml").write_text(changed, encoding="utf-8")
    base = load_rulebase(builtin_dir=copy)
    _, problems = check_examples(base, [copy / "data.yaml"])
    assert [p.rule for p in problems] == ["data.outliers.mild"], problems


def test_rules_show_prints_the_examples() -> None:
    done = cli("rules", "show", "data.outliers.mild")
    assert done.returncode == 0, done.stderr
    assert "fires:" in done.stdout and "silent:" in done.stdout


def test_the_solver_writes_examples_that_pass_into_a_new_rule(tmp_path: Path) -> None:
    text = USER_RULE.split("    examples:")[0]
    path = write(tmp_path, "new.yaml", text)
    base = load_rulebase([path])
    assert write_missing(path, base) == 1
    written = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"][0]["examples"]
    assert written["fires"] and written["silent"]
    base = load_rulebase([path])
    count, problems = check_examples(base, [path], require=True)
    assert (count, problems) == (2, [])
    assert write_missing(path, base) == 0  # a rule that has examples keeps them
