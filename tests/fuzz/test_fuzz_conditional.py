"""Fuzzing the conditional pass: CSVs with feature columns, so every case samples the rows,
screens the features and cross-fits a baseline (statsmodels below 300 rows, boosted trees from
300 up) on hostile values: huge, tiny and non-finite numbers, text categories, blanks, an
exposure column, constant and ID-like columns, targets of every type.

Each case must end in a profile or an InputError, within the case limit, with no warning (a
numpy or statsmodels warning would reach the user's stderr).
"""

from __future__ import annotations

import contextlib
import io
import random
import warnings
from pathlib import Path

import pytest
from fuzz_helpers import run_cli, time_limit
from fuzz_surfaces import CASE_LIMIT, counted, fuzz_settings, write
from hypothesis import given
from hypothesis import strategies as st

from lossadvisor.errors import InputError
from lossadvisor.profile import profile_dataset
from lossadvisor.profile.options import FeatureOptions

number = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0, 1e308, -1e308, 1e-308, 5e-324, 2**53 + 1]),
).map(lambda v: repr(v) if isinstance(v, float) else str(v))
feature_cell = st.one_of(
    number,
    st.sampled_from(["", "NA", "a", "b", "c", "1e309", "-1e309", "nan", "inf", "true", "false"]),
)
exposure_cell = st.floats(0.01, 100.0).map(repr)
# Targets by type: counts, reals, proportions, classes, and hostile mixtures of them.
target_cell = {
    "count": st.integers(0, 50).map(str),
    "continuous": st.floats(-1e6, 1e6).map(repr),
    "positive": st.floats(0.0, 1e300).map(repr),
    "proportion": st.floats(0.0, 1.0).map(repr),
    "binary": st.sampled_from(["yes", "no"]),
    "multiclass": st.sampled_from(["a", "b", "c", "d"]),
    "hostile": st.one_of(number, st.sampled_from(["", "NA", "x"])),
}


@st.composite
def table(draw: st.DrawFn, min_rows: int, max_rows: int) -> tuple[str, str | None]:
    """(CSV text, exposure column or None): target y, 1-4 hostile features, maybe exposure.

    Each column draws a small pool of values and a style; the rows pick from the pools with a
    drawn seed, so a 300-row table costs a few dozen draws, not thousands.
    """
    kind = draw(st.sampled_from(sorted(target_cell)))
    n = draw(st.integers(min_rows, max_rows))
    width = draw(st.integers(1, 4))
    exposure = draw(st.sampled_from([None, "exposure", "w"]))
    names = [f"x{i}" for i in range(width)] + ([exposure] if exposure else [])
    y_pool = draw(st.lists(target_cell[kind], min_size=2, max_size=8, unique=True))
    # cells: picked per row from the pool; constant; id: the row number; copy: the target (a leak)
    style = st.sampled_from(["cells", "cells", "cells", "constant", "id", "copy"])
    styles = [draw(style) for _ in names]
    pools = [draw(st.lists(feature_cell, min_size=2, max_size=8)) for _ in names]
    if exposure:  # mostly positive exposures, with hostile ones among them
        styles[-1] = "cells"
        pools[-1] = draw(st.lists(st.one_of(exposure_cell, feature_cell), min_size=1, max_size=8))
    pick = random.Random(draw(st.integers(0, 2**32 - 1)))
    rows = []
    for i in range(n):
        y = pick.choice(y_pool)
        cells = [y]
        for style, pool in zip(styles, pools, strict=True):
            if style == "constant":
                cells.append(pool[0])
            elif style == "id":
                cells.append(str(i))
            elif style == "copy":
                cells.append(y)
            else:
                cells.append(pick.choice(pool))
        rows.append(",".join(cells))
    return "y," + ",".join(names) + "\n" + "\n".join(rows) + "\n", exposure


def conditional_case(path: Path, exposure: str | None) -> None:
    """Profile with the conditional pass on: a profile or an InputError, no warning, no print."""
    printed = io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stderr(printed),
        time_limit(CASE_LIMIT),
    ):
        warnings.simplefilter("always")
        try:
            profile_dataset(str(path), ["y"], features=FeatureOptions(exposure=exposure))
        except InputError as err:
            assert "\n" not in str(err), str(err)
    assert not caught, [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                        for w in caught]
    assert printed.getvalue() == ""


@pytest.mark.parametrize("part", range(2))
def test_small_tables_with_features(part: int, tmp_path: Path) -> None:
    """The statsmodels baselines (OLS with PRESS residuals, Poisson GLM, logistic regression)."""
    path = tmp_path / "data.csv"

    @fuzz_settings(150)
    @given(table(3 + part * 40, 40 + part * 80))
    def case(drawn: tuple[str, str | None]) -> None:
        text, exposure = drawn
        write(path, text)
        with counted("conditional.small"):
            conditional_case(path, exposure)

    case()


def test_boosted_baseline_tables(tmp_path: Path) -> None:
    """From 300 rows the boosted baseline fits: fewer cases, each a few boosted fits."""
    path = tmp_path / "data.csv"

    @fuzz_settings(6)
    @given(table(300, 330))
    def case(drawn: tuple[str, str | None]) -> None:
        text, exposure = drawn
        write(path, text)
        with counted("conditional.boosted"):
            conditional_case(path, exposure)

    case()


@fuzz_settings(15)
@given(table(3, 60), st.booleans())
def test_conditional_pass_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str | None], as_json: bool
) -> None:
    text, exposure = drawn
    path = write(tmp_path_factory.mktemp("cond") / "data.csv", text)
    args = ["recommend", str(path), "--target", "y", *(["--json"] if as_json else [])]
    if exposure:
        args += ["--exposure", exposure]
    with counted("conditional.cli"):
        outcome = run_cli(args, limit=CASE_LIMIT)
    outcome.check_contract()
    if outcome.code == 0:
        assert "Warning" not in outcome.stderr, outcome.stderr
