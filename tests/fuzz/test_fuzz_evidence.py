"""Fuzzing `validate` and `tune`: small hostile tables (odd cells, near-limit and non-finite
numbers, rare classes, label sets, few rows) with the options a user combines, run through the
CLI in-process. Every case must keep the error contract (exit 0, or 2 with one error line; no
traceback) within the case limit, as `profile` and `recommend` do (test_fuzz_data.py).
"""

from __future__ import annotations

import pytest
from fuzz_helpers import run_cli
from fuzz_surfaces import CASE_LIMIT, counted, fuzz_settings, write
from hypothesis import given
from hypothesis import strategies as st

HOSTILE_NUMBERS = ["", "nan", "inf", "-inf", "1e300", "-1e300", "1e-300", "1e38", "-0"]
# Each target type the rules serve: (a clean cell, the corner values a few rows get, losses and
# metrics that fit it). Most cells are clean so that most runs train; the corners are hostile.
KINDS = {
    "real": (st.floats(-50, 50).map(lambda v: f"{v:.4g}"), HOSTILE_NUMBERS, ["mse,mae", "huber",
             "pinball"], ["mae", "pinball:0.9", "crps"]),
    "count": (st.integers(0, 6).map(str), ["250", "", "-1", "0.5"], ["poisson", "mse,poisson"],
              ["poisson_deviance"]),
    "positive": (st.floats(0.01, 100).map(lambda v: f"{v:.4g}"), ["1e-300", "0", "1e38"],
                 ["gamma", "gamma,mse"], ["gamma_deviance"]),
    "proportion": (st.floats(0.0, 1.0).map(lambda v: f"{v:.3f}"), ["0", "1", "", "1.5"],
                   ["soft_bce", "soft_bce,mse"], ["log_loss"]),
    "classes": (st.sampled_from(["a", "b", "c"]), ["rare", "", "d"], ["ce", "weighted_ce"],
                ["f1", "log_loss"]),
    "binary": (st.sampled_from(["yes", "no"]), ["maybe", ""], ["bce,focal_binary"],
               ["log_loss", "balanced_accuracy"]),
    "labels": (st.sampled_from(["a|b", "a", "b|c", "c"]), ["", "a|b|c", "d"], ["bce"], ["f1"]),
}  # fmt: skip
feature_cell = st.floats(-10, 10).map(lambda v: f"{v:.3g}")
odd_feature = st.sampled_from([*HOSTILE_NUMBERS, "u", "v", "x,y"])


def _cell(text: str) -> str:
    return f'"{text}"' if "," in text or "|" in text else text


@st.composite
def evidence_case(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(CSV text, CLI arguments after DATA) of one validate or tune run."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    clean, corners, losses, metrics = KINDS[kind]
    n = draw(st.integers(0, 9) if draw(st.integers(0, 5)) == 5 else st.integers(10, 45))
    width = draw(st.integers(1, 3))
    rows = [[*(draw(feature_cell) for _ in range(width)), draw(clean)] for _ in range(n)]
    for _ in range(draw(st.integers(0, 2)) if n else 0):  # a few hostile cells
        row, column = draw(st.integers(0, n - 1)), draw(st.integers(0, width))
        rows[row][column] = draw(st.sampled_from(corners) if column == width else odd_feature)
    header = [f"x{j}" for j in range(width)] + ["y"]
    text = "".join(",".join(map(_cell, r)) + "\n" for r in [header, *rows])
    if draw(st.integers(0, 2)) == 2:  # tune: one loss, a couple of trials
        loss = draw(st.sampled_from(losses)).split(",")[0]
        args = ["tune", "-t", "y", "--loss", loss, "--trials", "2"]
    else:
        args = ["validate", "-t", "y", "--folds", str(draw(st.sampled_from([2, 3, 5, 10])))]
        chosen = draw(st.sampled_from(["", *losses, draw(st.sampled_from(["mse", "ce"]))]))
        args += ["--losses", chosen] if chosen else []
        if draw(st.integers(0, 4)) == 4:  # the MLP on 2 folds: its many small fits are slow
            args = [*args[:-1], "2", "--proxy", "mlp"]
    metric = draw(st.just("x") if draw(st.integers(0, 9)) == 9 else st.sampled_from(["", *metrics]))
    return text, args + (["--metric", metric] if metric else [])


@fuzz_settings(120)
@given(evidence_case())
def test_validate_and_tune_keep_the_error_contract(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, list[str]]
) -> None:
    text, args = drawn
    path = write(tmp_path_factory.mktemp("evidence") / "data.csv", text)
    with counted("evidence.cli"):
        run_cli([args[0], str(path), *args[1:], "--json"], limit=CASE_LIMIT).check_contract()
