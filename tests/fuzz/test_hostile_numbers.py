"""Regressions the fuzz suite found after the conditional pass landed (issue 13, Low: ±1e308
targets; Medium: rule files `rules check` calls valid that crash later), one test each.

Each runs the real entry point in-process and records every warning: a numpy or statsmodels
warning would reach the user's stderr.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fuzz_helpers import Outcome, run_cli


@contextmanager
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]


def profile_json(path: Path, *args: str) -> dict[str, Any]:
    with no_warnings():
        outcome: Outcome = run_cli(["profile", str(path), "--target", "y", "--json", *args])
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    return json.loads(outcome.stdout, parse_constant=_bare)


def _bare(name: str) -> None:
    raise AssertionError(f"bare {name} in JSON")


def test_targets_near_the_float64_limit_have_no_moments_and_no_warnings(tmp_path: Path) -> None:
    # (1e308)² is beyond float64 (max ≈ 1.8e308): the variance cannot be represented.
    data = tmp_path / "huge.csv"
    data.write_text("y\n1e308\n-1e308\n5\n1e308\n3\n2.5\n")
    facts = profile_json(data, "--target-type", "continuous")["targets"][0]["facts"]
    assert facts["std"] is None and facts["skewness"] is None
    assert facts["excess_kurtosis"] is None
    assert facts["max"] == 1e308 and facts["min"] == -1e308


def test_a_spread_of_1e_minus_131_is_not_a_division_by_zero(tmp_path: Path) -> None:
    # M2 ≈ 1e-261 > 0 but M2**1.5 underflows to 0: skewness is unknown, not a crash.
    data = tmp_path / "tiny.csv"
    data.write_text("y\n4.96e-131\n0.0\n4.96e-131\n0.0\n4.96e-131\n")
    facts = profile_json(data, "--target-type", "continuous")["targets"][0]["facts"]
    assert facts["skewness"] is None
    assert facts["mean"] == 4.96e-131 * 3 / 5


def test_the_baseline_fits_beside_features_near_1e308_and_inf(tmp_path: Path) -> None:
    # y = 2·x1 + noise; x2 alternates 0 / 1e308 (standardising it unscaled overflows), x3 has
    # infinities. The OLS baseline must still be fitted (its R² > 0.5 from x1 alone).
    rows = [
        f"{2 * (i % 10) + (0.5 if i % 3 else -0.5)},{i % 10},{0 if i % 2 else 1e308},"
        f"{'inf' if i % 7 == 0 else i % 4}"
        for i in range(60)
    ]
    data = tmp_path / "features.csv"
    data.write_text("y,x1,x2,x3\n" + "\n".join(rows) + "\n")
    target = profile_json(data)["targets"][0]
    assert target["facts"]["baseline_fitted"] is True
    assert target["conditional"]["model"].startswith("OLS")
    assert target["facts"]["baseline_r2"] > 0.5


def _rule_with_schedule(schedule: str) -> str:
    return (
        "table: robustness\nrules:\n  - id: user.schedule\n    covers: [table5.row1]\n"
        '    when: {task: regression}\n    because: "x"\n    source: "x"\n'
        f"    score: {{huber: 1}}\n    optimizer:\n      score: {{adamw: 1}}\n"
        f"      schedule: {{adamw: {schedule}}}\n"
    )


def test_schedule_values_in_rule_files_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "sched.yaml"
    for schedule, words in [
        ("{name: cosine, warmup_ratio: {_target_: builtins.open}}", "schedule.warmup_ratio"),
        ('{name: cosine, lr_scales_with: "${oc.env:HOME}"}', "schedule.lr_scales_with"),
        ("{name: cosine, warmup_steps: -3}", "schedule.warmup_steps"),
        ("{name: cosine, no_such: 1}", "unknown setting 'schedule.no_such'"),
    ]:
        path.write_text(_rule_with_schedule(schedule))
        outcome = run_cli(["rules", "check", str(path)])
        outcome.check_contract()
        assert outcome.code == 2 and "sched.yaml:" in outcome.stderr, outcome.stderr
        assert words in outcome.stderr, outcome.stderr
    path.write_text(_rule_with_schedule("{name: cosine, warmup_steps: 500, min_lr: 6.0e-5}"))
    assert run_cli(["rules", "check", str(path)]).code == 0
