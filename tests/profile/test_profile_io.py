"""Readers: every format and compression gives the same profile; only the needed columns."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st
from profile_helpers import EXAMPLES

from lossadvisor import io
from lossadvisor.errors import InputError
from lossadvisor.profile import dump_profile, load_profile, profile_dataset

SOURCE = EXAMPLES / "insurance_claims.csv"


def _facts(path: Path, fmt: str | None = None) -> dict:
    return profile_dataset(str(path), ["claims"], fmt=fmt).targets[0].facts


def _assert_same_facts(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for name, value in want.items():
        if isinstance(value, float):
            assert got[name] == pytest.approx(value, rel=1e-12), name
        else:
            assert got[name] == value, name


@pytest.fixture(scope="module")
def expected() -> dict:
    return _facts(SOURCE)


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("claims.tsv", lambda df, p: df.to_csv(p, sep="\t", index=False)),
        ("claims.parquet", lambda df, p: df.to_parquet(p, index=False)),
        ("claims.jsonl", lambda df, p: df.to_json(p, orient="records", lines=True)),
        (
            "claims.csv.gz",
            lambda df, p: p.write_bytes(gzip.compress(df.to_csv(index=False).encode())),
        ),
        (
            "claims.csv.bz2",
            lambda df, p: p.write_bytes(bz2.compress(df.to_csv(index=False).encode())),
        ),
        (
            "claims.csv.zst",
            lambda df, p: p.write_bytes(zstandard.compress(df.to_csv(index=False).encode())),
        ),
    ],
)
def test_formats_agree(tmp_path: Path, expected: dict, name: str, write: object) -> None:
    path = tmp_path / name
    write(pd.read_csv(SOURCE), path)  # type: ignore[operator]
    _assert_same_facts(_facts(path), expected)


def test_format_option_overrides_extension(tmp_path: Path, expected: dict) -> None:
    path = tmp_path / "claims.data"
    path.write_bytes(SOURCE.read_bytes())
    with pytest.raises(InputError, match="unsupported format"):
        _facts(path)
    assert _facts(path, fmt="csv") == expected


def test_iter_columns_reads_only_the_named_columns() -> None:
    batches = list(io.iter_columns(str(SOURCE), ["claims", "age"], block_size=1 << 16))
    assert len(batches) > 1  # streamed in several blocks
    assert {tuple(b.schema.names) for b in batches} == {("claims", "age")}  # in the order asked for
    assert sum(b.num_rows for b in batches) == len(pd.read_csv(SOURCE))


def test_header_and_dataframe() -> None:
    assert io.read_columns_header(str(SOURCE))[-1] == "claims"
    frame = io.read_dataframe(str(SOURCE))
    pd.testing.assert_frame_equal(frame, pd.read_csv(SOURCE), check_dtype=False)


def test_numbers_then_text_are_reread_as_labels(tmp_path: Path) -> None:
    """pyarrow infers types from the first block; a later text value must not crash."""
    rng = np.random.default_rng(0)
    codes = rng.choice(["1", "2", "3"], size=300_000).tolist() + ["unknown"] * 500
    path = tmp_path / "late_text.csv"
    pd.DataFrame({"x": range(len(codes)), "y": codes}).to_csv(path, index=False)
    (target,) = profile_dataset(str(path), ["y"]).targets
    assert target.target_type == "multiclass"
    assert target.class_counts is not None and target.class_counts["unknown"] == 500
    assert sum(target.class_counts.values()) == len(codes)


def test_unknown_encoding_name() -> None:
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        list(io.iter_columns(str(SOURCE), ["claims"], encoding="klingon"))


def test_yaml_round_trip_and_bad_profile(tmp_path: Path) -> None:
    profile = profile_dataset(str(EXAMPLES / "multilabel.csv"))
    path = tmp_path / "p.yaml"
    path.write_text(dump_profile(profile))
    assert load_profile(str(path)) == profile
    (tmp_path / "bad.yaml").write_text("schema_version: 1\ntargets: 3\n")
    with pytest.raises(InputError, match="not a lossadvisor profile"):
        load_profile(str(tmp_path / "bad.yaml"))


@given(
    cells=st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), max_size=200),
    start=st.integers(0, 50),
)
def test_float_values_matches_arrow(cells: list[float | None], start: int) -> None:
    """The numpy view with the validity bitmap applied equals arrow's own conversion."""
    import pyarrow as pa

    from lossadvisor.profile import float_values

    column = pa.array(cells, type=pa.float64()).slice(min(start, len(cells)))
    got = float_values(column)
    want = [np.nan if v is None else v for v in column.to_pylist()]
    np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))


def test_progress_reports_bytes_up_to_the_file_size(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=200_000), "y": rng.normal(size=200_000)}).to_csv(path)
    seen: list[int] = []
    profile_dataset(str(path), ["y"], progress=seen.append)
    assert len(seen) > 2  # one call per block of about 1 MiB
    assert seen == sorted(seen) and seen[-1] == path.stat().st_size
