"""Regressions for the last items of issue 13's Low list: duplicate header names, ±inf and
beyond-float64 targets, integers beyond 64 bits, rows longer than the read block, the rule cache.

Each runs the real entry point in-process; inputs are built here with known structure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fuzz_helpers import Outcome, run_cli


def expect_error(outcome: Outcome, *words: str) -> None:
    outcome.check_contract()
    assert outcome.code == 2, outcome.stderr
    assert outcome.stderr.count("\n") == 1, outcome.stderr
    for word in words:
        assert word in outcome.stderr, outcome.stderr


# --- duplicate header names -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet"])
def test_a_repeated_column_name_is_named_with_its_positions(tmp_path: Path, fmt: str) -> None:
    names = ["y", "x", "y", "z"]
    rows = [[i, i * 2, 100 - i, i % 3] for i in range(30)]
    data = tmp_path / f"dup.{fmt}"
    if fmt == "parquet":
        table = pa.table([[r[j] for r in rows] for j in range(4)], names=names)
        pq.write_table(table, data)
    else:
        sep = "," if fmt == "csv" else "\t"
        data.write_text("\n".join(sep.join(map(str, r)) for r in [names, *rows]) + "\n")
    for command in (["profile", str(data), "--target", "x"], ["profile", str(data)]):
        expect_error(run_cli(command), "'y'", "2 times", "columns 1, 3")


def test_a_repeated_column_name_on_stdin_is_refused(tmp_path: Path) -> None:
    text = "a,b,a\n" + "".join(f"{i},{i + 1},{i + 2}\n" for i in range(20))
    expect_error(run_cli(["profile", "-", "--target", "b"], stdin=text.encode()), "columns 1, 3")
