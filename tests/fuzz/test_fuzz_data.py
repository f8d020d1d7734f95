"""Fuzzing data files: CSV/TSV/JSONL/Parquet structure mutations, random bytes, and truncated or
corrupted compression, profiled in-process (the profiler behind `profile` / `recommend`)."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import zstandard
from fuzz_helpers import run_cli, time_limit
from fuzz_surfaces import CASE_LIMIT, counted, fuzz_settings, hostile_text, write
from hypothesis import given
from hypothesis import strategies as st

from lossadvisor.errors import InputError
from lossadvisor.profile import profile_dataset

cell = st.one_of(
    st.text(max_size=8),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NA", "null", "1e309", "-1e309", '"', '""', "\r", "\n", ",", "\t"]),
)


@st.composite
def delimited(draw: st.DrawFn, sep: str) -> tuple[str, str]:
    """(text, target) of a delimited file: hostile header names, ragged rows, odd cells."""
    width = draw(st.integers(1, 5))
    header = draw(st.lists(st.one_of(hostile_text, st.just("y")), min_size=width, max_size=width))
    rows = draw(
        st.lists(
            st.lists(cell, min_size=max(0, width - 1), max_size=width + 1), min_size=0, max_size=30
        )
    )
    text = sep.join(header) + "\n" + "".join(sep.join(r) + "\n" for r in rows)
    target = draw(st.sampled_from([*header, "y", "missing"]))
    return text, target


def profile_case(path: Path, target: str, fmt: str | None = None) -> None:
    with time_limit(CASE_LIMIT), contextlib.suppress(InputError):
        profile_dataset(str(path), [target], fmt=fmt)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_delimited_structure(sep: str, tmp_path: Path) -> None:
    path = tmp_path / ("data.csv" if sep == "," else "data.tsv")

    @fuzz_settings(500)
    @given(delimited(sep))
    def case(drawn: tuple[str, str]) -> None:
        text, target = drawn
        write(path, text)
        with counted("data.delimited"):
            profile_case(path, target)

    case()


json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=6),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=5,
)


@fuzz_settings(400)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["y", "x", "z"]), json_value, max_size=3), max_size=12
    ),
    st.sampled_from(["y", "x"]),
)
def test_jsonl_structure(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]], target: str
) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "data.jsonl"
    write(path, "".join(json.dumps(r) + "\n" for r in rows))
    with counted("data.jsonl"):
        profile_case(path, target)


@st.composite
def arrow_table(draw: st.DrawFn) -> Any:
    import pyarrow as pa

    n = draw(st.integers(0, 20))
    kinds = {
        "int": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
        "uint": (pa.uint64(), st.integers(0, 2**64 - 1)),
        "float": (pa.float64(), st.floats()),
        "str": (pa.string(), st.text(max_size=5)),
        "bool": (pa.bool_(), st.booleans()),
        "list": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
        "struct": (
            pa.struct([("a", pa.int64())]),
            st.builds(lambda v: {"a": v}, st.integers(-5, 5)),
        ),
    }
    kind = draw(st.sampled_from(sorted(kinds)))
    arrow_type, values = kinds[kind]
    column = draw(st.lists(st.one_of(st.none(), values), min_size=n, max_size=n))
    return pa.table({"y": pa.array(column, type=arrow_type), "x": pa.array(range(n), pa.int64())})


@fuzz_settings(300)
@given(arrow_table())
def test_parquet_types(tmp_path_factory: pytest.TempPathFactory, table: Any) -> None:
    import pyarrow.parquet as pq

    path = tmp_path_factory.mktemp("pq") / "data.parquet"
    pq.write_table(table, path)
    with counted("data.parquet"):
        profile_case(path, "y")


NAMES = ["data.csv", "data.tsv", "data.jsonl", "data.parquet", "data.csv.gz", "data.txt"]


@fuzz_settings(600)
@given(st.binary(max_size=400), st.sampled_from(NAMES))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str) -> None:
    path = write(tmp_path_factory.mktemp("bytes") / name, data)
    with counted("data.bytes"):
        profile_case(path, "y")


CSV = ("y,x\n" + "".join(f"{i % 9 * 0.5},{i}\n" for i in range(3000))).encode()
PACKED = {
    "gz": gzip.compress(CSV),
    "bz2": bz2.compress(CSV),
    "zst": zstandard.compress(CSV),
}


@fuzz_settings(600)
@given(
    st.sampled_from(sorted(PACKED)),
    st.floats(0.0, 1.0),
    st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), max_size=4),
)
def test_truncated_and_corrupted_compression(
    tmp_path_factory: pytest.TempPathFactory,
    codec: str,
    keep: float,
    flips: list[tuple[float, int]],
) -> None:
    data = bytearray(PACKED[codec][: max(1, int(len(PACKED[codec]) * keep))])
    for where, mask in flips:
        data[min(len(data) - 1, int(where * len(data)))] ^= mask
    path = write(tmp_path_factory.mktemp("z") / f"data.csv.{codec}", bytes(data))
    with counted("data.compressed"):
        profile_case(path, "y")


@fuzz_settings(40)
@given(delimited(","), st.sampled_from(["gz", "bz2", "zst", None]), st.booleans())
def test_data_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, str], codec: str | None, stdin: bool
) -> None:
    text, target = drawn
    raw = text.encode("utf-8", "surrogatepass")
    packed = (
        raw
        if codec is None
        else {"gz": gzip.compress, "bz2": bz2.compress, "zst": zstandard.compress}[codec](raw)
    )
    if codec is not None:
        packed = packed[: max(1, len(packed) * 3 // 4)]
    path = write(
        tmp_path_factory.mktemp("cli") / ("data.csv" + (f".{codec}" if codec else "")), packed
    )
    source = "-" if stdin else str(path)
    with counted("data.cli"):
        run_cli(
            ["recommend", source, "--target", target, "--json"], stdin=packed, limit=CASE_LIMIT
        ).check_contract()
