"""One test per kind of load error: each names the exact file:line and rule id."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE, line_containing, write

from lossadvisor.errors import InputError
from lossadvisor.rules.load import check_files, load_rulebase

CATALOGS = [FIXTURE_BASE / "losses.yaml", FIXTURE_BASE / "methods.yaml"]

RULE = """\
table: data
title: a test table
rules:
  - id: data.first
    covers: [table2.row1]
    when:
      task: regression
    score: {huber: 1}
    because: "regression"
    source: "a test"
  - id: data.test.rule
    covers: [table2.row1]
    when:
      task: regression
      outlier_ratio: {gt: 0.05}
    score: {huber: 2, mse: -1}
    because: "{outlier_ratio:.1%} outliers"
    source: "a test"
"""


def problems_for(tmp_path: Path, text: str, name: str = "user.yaml") -> tuple[Path, list[str]]:
    path = write(tmp_path, name, text)
    return path, check_files([*CATALOGS, path])


def assert_problem(problems: list[str], path: Path, line: int, rule_id: str, words: str) -> None:
    prefix = f"{path}:{line}: {rule_id}: " if rule_id else f"{path}:{line}: "
    hits = [p for p in problems if p.startswith(prefix) and words in p]
    assert hits, f"no problem starting {prefix!r} mentioning {words!r} in {problems}"


def test_the_template_is_valid(tmp_path: Path) -> None:
    _, problems = problems_for(tmp_path, RULE)
    assert problems == []


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = RULE.replace("score: {huber: 2, mse: -1}", "score: {huber: 2, mse: -1")
    path, problems = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0]
    # libyaml reports the flow mapping error at or just after the broken line
    line = int(problems[0].split(":")[1])
    broken = line_containing(text, "score: {huber: 2, mse: -1")
    assert broken <= line <= broken + 1
    assert problems[0].startswith(f"{path}:")


def test_unsafe_tag_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = RULE.replace(
        'source: "a test"\n  - id: data.test.rule',
        f'source: !!python/object/apply:os.system ["touch {marker}"]\n  - id: data.test.rule',
    )
    path, problems = problems_for(tmp_path, text)
    assert not marker.exists()
    assert len(problems) == 1 and "python/object/apply" in problems[0]
    assert "refused by safe loading" in problems[0]
    assert problems[0].startswith(f"{path}:{line_containing(text, '!!python')}:")


def test_unknown_key(tmp_path: Path) -> None:
    text = RULE.replace('    because: "regression"', '    becuase: "x"\n    because: "regression"')
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "becuase"), "data.first", "unknown key")
    assert "Did you mean 'because'" in problems[0]
    assert len(problems) == 1


def test_unknown_key_in_nested_advice(tmp_path: Path) -> None:
    text = RULE.replace(
        "    score: {huber: 1}\n",
        "    score: {huber: 1}\n    optimizer:\n      scores: {adam: 1}\n",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "scores:"), "data.first", "'optimizer.scores'"
    )


def test_unknown_fact(tmp_path: Path) -> None:
    text = RULE.replace("outlier_ratio: {gt: 0.05}", "outlier_rate: {gt: 0.05}")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "outlier_rate:"), "data.test.rule", "unknown fact"
    )


def test_unknown_fact_inside_combinators(tmp_path: Path) -> None:
    text = RULE.replace(
        "      outlier_ratio: {gt: 0.05}\n",
        "      any:\n        - not: {skewnes: {gt: 1}}\n        - {outlier_ratio: {gt: 0.05}}\n",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "skewnes"), "data.test.rule", "'skewnes'")


@pytest.mark.parametrize(
    ("section", "bad"),
    [("score", "score: {hubr: 2, mse: -1}"), ("exclude", 'exclude: {hubr: "no"}')],
)
def test_unknown_loss_id(tmp_path: Path, section: str, bad: str) -> None:
    text = RULE.replace("score: {huber: 2, mse: -1}", bad)
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "hubr"), "data.test.rule", "unknown loss id 'hubr'"
    )
    assert "Did you mean 'huber'" in problems[0]


def test_unknown_loss_id_in_a_condition(tmp_path: Path) -> None:
    text = RULE.replace(
        "      task: regression\n      outlier", "      loss: hubber\n      outlier"
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "hubber"), "data.test.rule", "'hubber'")


def test_unknown_optimizer_and_balancing_ids(tmp_path: Path) -> None:
    text = RULE.replace(
        "    score: {huber: 1}\n",
        "    score: {huber: 1}\n    optimizer:\n      score: {adamm: 1}\n"
        "    balancing:\n      settings: {gradnrm: {alpha: 1}}\n",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "adamm"), "data.first", "unknown optimizer id"
    )
    assert_problem(
        problems, path, line_containing(text, "gradnrm"), "data.first", "unknown balancing id"
    )


def test_duplicate_rule_id_in_one_file(tmp_path: Path) -> None:
    text = RULE.replace("id: data.test.rule", "id: data.first")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems,
        path,
        line_containing(text, "id: data.first", 2),
        "data.first",
        "duplicate rule id",
    )
    assert len(problems) == 1


def test_duplicate_rule_id_across_builtin_files(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    for source in FIXTURE_BASE.glob("*.yaml"):
        (builtin / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    data = (builtin / "data.yaml").read_text(encoding="utf-8")
    (builtin / "data.yaml").write_text(
        data.replace("id: data.imbalance.focal", "id: task.binary.bce"), encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load_rulebase(builtin_dir=builtin)
    line = line_containing((builtin / "data.yaml").read_text(encoding="utf-8"), "task.binary.bce")
    assert f"data.yaml:{line}: task.binary.bce: duplicate rule id" in str(err.value)
    assert "task.yaml:" in str(err.value)  # where the first one stands


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("outlier_ratio: {gt: 0.05}", "outlier_ratio: {gt: 1.5}", "[0, 1]"),  # fact range
        (
            "task: regression\n      outlier",
            "task: regresion\n      outlier",
            "Did you mean",
        ),  # choice
        ("outlier_ratio: {gt: 0.05}", "outlier_ratio: {gt: high}", "must be a number"),  # kind
        ("outlier_ratio: {gt: 0.05}", "outlier_ratio: {above: 0.05}", "unknown comparison"),
    ],
)
def test_value_outside_a_facts_range_or_choices(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    text = RULE.replace(old, new)
    path, problems = problems_for(tmp_path, text)
    needle = new.split("\n")[0]
    assert_problem(problems, path, line_containing(text, needle), "data.test.rule", words)


def test_boolean_fact_needs_a_boolean(tmp_path: Path) -> None:
    text = RULE.replace("outlier_ratio: {gt: 0.05}", "is_integer: 1")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "is_integer"), "data.test.rule", "true or false"
    )


def test_parameter_value_outside_its_range(tmp_path: Path) -> None:
    text = RULE.replace(
        "    score: {huber: 1}\n", "    score: {huber: 1}\n    params:\n      huber: {delta: -2}\n"
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "delta: -2"), "data.first", "(0, inf)")


def test_unknown_parameter(tmp_path: Path) -> None:
    text = RULE.replace(
        "    score: {huber: 1}\n", "    score: {huber: 1}\n    params:\n      huber: {beta: 1}\n"
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "beta: 1"), "data.first", "unknown parameter 'beta'"
    )


def test_unknown_derivation(tmp_path: Path) -> None:
    text = RULE.replace(
        "    score: {huber: 1}\n",
        "    score: {huber: 1}\n    params:\n      huber:\n        delta: {derive: huber_delta}\n",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "derive:"), "data.first", "unknown derivation"
    )
    assert "huber_delta_mad" in problems[0]


def test_rule_without_a_source(tmp_path: Path) -> None:
    text = RULE.replace('    source: "a test"\n  - id: data.test.rule', "  - id: data.test.rule")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "id: data.first"), "data.first", "'source'"
    )


def test_because_naming_a_non_fact(tmp_path: Path) -> None:
    text = RULE.replace("{outlier_ratio:.1%} outliers", "{outliers:.1%} outliers")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "{outliers"), "data.test.rule", "not a fact"
    )


def test_because_with_a_format_that_cannot_work(tmp_path: Path) -> None:
    text = RULE.replace("{outlier_ratio:.1%} outliers", "{task:.1%} outliers")
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "{task"), "data.test.rule", "fails")


def test_covers_must_name_an_article_row(tmp_path: Path) -> None:
    text = RULE.replace(
        "covers: [table2.row1]\n    when:\n      task: regression\n    score",
        "covers: [table2.row1, row3]\n    when:\n      task: regression\n    score",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "row3"), "data.first", "'row3'")


def test_a_table_of_its_own_name_must_declare_its_stage(tmp_path: Path) -> None:
    text = RULE.replace("table: data", "table: dataset")
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, 1, "", "is not a built-in table: say which pass")
    _, problems = problems_for(
        tmp_path, text.replace("table: dataset", "table: dataset\nstage: loss")
    )
    assert problems == []


def test_user_file_may_use_any_table_but_builtin_must_match_its_name(tmp_path: Path) -> None:
    _, problems = problems_for(tmp_path, RULE.replace("table: data", "table: robustness"))
    assert problems == []
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    for source in FIXTURE_BASE.glob("*.yaml"):
        (builtin / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    task = (builtin / "task.yaml").read_text(encoding="utf-8")
    (builtin / "task.yaml").write_text(task.replace("table: task", "table: data"), encoding="utf-8")
    with pytest.raises(InputError, match=r"task.yaml:1: the 'table' of a built-in file must equal"):
        load_rulebase(builtin_dir=builtin)


def test_rule_without_effect(tmp_path: Path) -> None:
    text = RULE.replace("    score: {huber: 1}\n", "")
    path, problems = problems_for(tmp_path, text)
    assert_problem(
        problems, path, line_containing(text, "id: data.first"), "data.first", "at least one effect"
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = RULE.replace(
        '    because: "regression"', '    because: "regression"\n    because: "again"'
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "again"), "", "duplicate key 'because'")


def test_every_problem_is_listed_and_the_load_error_is_one_line(tmp_path: Path) -> None:
    text = (
        RULE.replace("task: regression\n    score", "task: regresion\n    score")
        .replace("score: {huber: 2, mse: -1}", "score: {hubr: 2, mse: -1}")
        .replace("{outlier_ratio:.1%}", "{ratio}")
    )
    path, problems = problems_for(tmp_path, text)
    assert len(problems) == 3
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    for source in FIXTURE_BASE.glob("*.yaml"):
        (builtin / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_rulebase([path], builtin_dir=builtin)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(problems[0])
    assert message.endswith(f"(and 2 more; run `lossadvisor rules check {path}`)")


def test_catalog_errors_are_reported_with_the_loss_id(tmp_path: Path) -> None:
    losses = (FIXTURE_BASE / "losses.yaml").read_text(encoding="utf-8")
    text = losses.replace("family: segmentation", "family: segmentaton").replace(
        "delta: {default: 1.0,", "delta: {default: -1.0,"
    )
    path = write(tmp_path, "losses.yaml", text)
    problems = check_files([path])
    assert_problem(problems, path, line_containing(text, "segmentaton"), "dice", "must be one of")
    assert_problem(problems, path, line_containing(text, "default: -1.0"), "huber", "(0, inf)")


def test_score_delta_must_be_a_number_not_text_or_boolean(tmp_path: Path) -> None:
    text = RULE.replace("score: {huber: 2, mse: -1}", 'score: {huber: "2", mse: true}')
    path, problems = problems_for(tmp_path, text)
    line = line_containing(text, 'huber: "2"')
    assert_problem(problems, path, line, "data.test.rule", "'score.huber'")
    assert_problem(problems, path, line, "data.test.rule", "'score.mse'")


def test_empty_in_list(tmp_path: Path) -> None:
    text = RULE.replace("outlier_ratio: {gt: 0.05}", "tail: {in: []}")
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "tail:"), "data.test.rule", "non-empty")


def test_problems_of_different_kinds_in_one_rule_are_all_listed(tmp_path: Path) -> None:
    text = RULE.replace("    score: {huber: 1}\n", "").replace(
        "covers: [table2.row1]\n    when:\n      task: regression\n    because",
        "covers: [row1]\n    when:\n      task: regression\n    because",
    )
    path, problems = problems_for(tmp_path, text)
    assert_problem(problems, path, line_containing(text, "[row1]"), "data.first", "'row1'")
    assert_problem(
        problems, path, line_containing(text, "id: data.first"), "data.first", "at least one effect"
    )


def test_a_search_space_outside_its_parameters_range_is_a_problem(tmp_path: Path) -> None:
    # tweedie's power lies in (1, 2): a grid point of 2.5 or an empty range would reach tune.
    losses = (Path(__file__).parents[2] / "rules" / "losses.yaml").read_text(encoding="utf-8")
    grid = "grid: [1.1, 1.3, 1.5, 1.7, 1.9], low: 1.01, high: 1.99"
    assert grid in losses
    for broken, expected in (
        ("grid: [1.1, 1.3, 1.5, 1.7, 2.5], low: 1.01, high: 1.99", "Got 2.5 instead"),
        ("grid: [1.1, 1.3, 1.5, 1.7, 1.9], low: 1.01, high: 2.2", "Got 2.2 instead"),
        ("grid: [1.1, 1.3, 1.5, 1.7, 1.9], low: 1.99, high: 1.01", "low < high"),
    ):
        text = losses.replace(grid, broken)
        path = write(tmp_path, "losses.yaml", text)
        problems = check_files([path])
        assert_problem(problems, path, line_containing(text, broken), "tweedie", expected)
