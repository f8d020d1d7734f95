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


# --- duplicate header names -----------------------------------------------------------------------


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


# --- ±inf and beyond float64 ----------------------------------------------------------------------


def test_infinite_target_values_are_counted_apart_from_missing(tmp_path: Path) -> None:
    # 1e400 and -1e400 are beyond float64's max (≈1.8e308): pyarrow reads them as ±inf.
    finite = [1.0, 2.0, 3.0, 4.0, 5.0, 2.5, 3.5]
    data = tmp_path / "inf.csv"
    data.write_text("y\n" + "\n".join(map(str, finite)) + "\ninf\n1e400\n-1e400\n\n-inf\n")
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    facts = json.loads(outcome.stdout)["targets"][0]["facts"]
    n_rows = len(finite) + 4
    assert facts["n_rows"] == n_rows
    assert facts["infinite_ratio"] == pytest.approx(4 / n_rows)
    assert facts["missing_ratio"] == pytest.approx(4 / n_rows)
    mean = sum(finite) / len(finite)
    assert facts["mean"] == pytest.approx(mean)  # the moments leave the infinities out
    assert facts["max"] == 5.0
    shown = run_cli(["profile", str(data), "--target", "y"])
    assert "4 values ±inf / beyond float64 range" in " ".join(shown.stdout.split())


def test_a_finite_target_has_no_infinite_ratio(tmp_path: Path) -> None:
    data = tmp_path / "finite.csv"
    data.write_text("y\n1.5\n2\n\n3\n7\n")
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    assert "infinite_ratio" not in json.loads(outcome.stdout)["targets"][0]["facts"]


def test_an_all_infinite_target_is_not_called_missing(tmp_path: Path) -> None:
    data = tmp_path / "allinf.csv"
    data.write_text("y,x\ninf,1\n1e400,2\n-1e999,3\n-inf,4\n")
    outcome = run_cli(["profile", str(data), "--target", "y"])
    expect_error(outcome, "no finite value", "4 of 4 rows", "±inf")
    assert "missing" not in outcome.stderr


# --- integers beyond 64 bits ----------------------------------------------------------------------


@pytest.mark.parametrize("base", [2**64, 2**70, -(2**66)])
def test_integers_beyond_64_bits_are_not_called_constant(tmp_path: Path, base: int) -> None:
    # Distinct integers past uint64 are read as float64 (53-bit mantissa): they collapse.
    data = tmp_path / "big.csv"
    data.write_text("y,x\n" + "".join(f"{base + i},{i}\n" for i in range(40)))
    assert len({float(base + i) for i in range(40)}) == 1  # the collapse is real
    outcome = run_cli(["profile", str(data), "--target", "y"])
    expect_error(outcome, "beyond the 64-bit integer range", "40 non-missing rows")
    assert "constant" not in outcome.stderr


def test_huge_integers_in_json_lines_are_reported_too(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    data.write_text("".join(f'{{"y": {2**70 + i}, "x": {i}}}\n' for i in range(30)))
    expect_error(run_cli(["profile", str(data), "--target", "y"]), "64-bit integer range")


def test_a_small_constant_target_is_still_called_constant(tmp_path: Path) -> None:
    data = tmp_path / "const.csv"
    data.write_text("y,x\n" + "".join(f"7,{i}\n" for i in range(20)))
    expect_error(run_cli(["profile", str(data), "--target", "y"]), "constant")


# --- rows longer than the read block --------------------------------------------------------------

LONG = 3 << 20  # a 3 MiB field: longer than the default 1 MiB block, shorter than the cap


def long_row_csv(path: Path, field: int = LONG) -> list[int]:
    ys = [i % 7 for i in range(60)] + [3] + [i % 5 for i in range(60)]
    with path.open("w") as out:
        out.write("y,note\n")
        for i, y in enumerate(ys):
            out.write(f'{y},"{"a" * field if i == 60 else "short"}"\n')
    return ys


def test_a_row_longer_than_the_block_is_read_whole(tmp_path: Path) -> None:
    data = tmp_path / "long.csv"
    ys = long_row_csv(data)
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    facts = json.loads(outcome.stdout)["targets"][0]["facts"]
    assert facts["n_rows"] == len(ys)  # no row lost or read twice across the retry
    assert facts["mean"] == pytest.approx(sum(ys) / len(ys))


def test_a_long_json_lines_row_is_read_whole(tmp_path: Path) -> None:
    data = tmp_path / "long.jsonl"
    ys = [i % 4 for i in range(101)]
    with data.open("w") as out:
        for i, y in enumerate(ys):
            out.write(json.dumps({"y": y, "note": "b" * LONG if i == 50 else "s"}) + "\n")
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["targets"][0]["facts"]["n_rows"] == len(ys)


def test_a_header_wider_than_the_header_block_is_read(tmp_path: Path) -> None:
    names = ["y"] + [f"f{i:04d}_" + "n" * 200 for i in range(1_500)]  # ~310 KiB of header
    data = tmp_path / "wide.csv"
    rows = [",".join([str(r % 3)] + ["1"] * (len(names) - 1)) for r in range(6)]
    data.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n")
    assert len(names[0]) + sum(len(n) + 1 for n in names[1:]) > 256 << 10
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["n_rows"] == 6


def test_a_row_beyond_the_block_cap_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lossadvisor.io

    # The cap is 64 MiB; a cap at the first block (1 MiB) proves the error without writing
    # 64 MiB of test data.
    monkeypatch.setattr(lossadvisor.io, "MAX_BLOCK_SIZE", 1 << 20)
    data = tmp_path / "long.csv"
    long_row_csv(data)
    expect_error(run_cli(["profile", str(data), "--target", "y"]), "longer than 1 MiB")
