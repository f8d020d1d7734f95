"""`--engine dask` cuts one CSV / TSV / JSONL file into byte ranges at line boundaries, on a
real dask.distributed cluster (2 worker processes): the same profile as the pyarrow engine on
the same file (exact counts; estimates within their sampling error), a column whose type
changes between ranges is text as in the pyarrow engine, and a quoted field that spans lines
makes the file one partition again (with a note), never a wrong profile.

The split block is lowered to 32 KiB so that files of a few hundred KiB give 16 ranges."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")

import pyarrow.csv as pacsv  # noqa: E402
from test_profile_distributed import TARGETS, assert_same, table  # noqa: E402

from lossadvisor.profile import distributed as engine  # noqa: E402
from lossadvisor.profile import profile_dataset  # noqa: E402

BLOCK = 32 << 10


@pytest.fixture
def small_block(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(engine, "SPLIT_BLOCK", BLOCK)
    return BLOCK


@pytest.fixture(scope="module")
def whole_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("split") / "whole.csv"
    pacsv.write_csv(pa.concat_tables([table(i) for i in range(6)]), path)
    return path


def partitions_run(cluster: Any, source: Path, targets: list[str], **options: Any) -> Any:
    """The dask profile of `source` and the partition tasks the cluster ran for it."""
    client = distributed.Client(cluster.scheduler_address)
    try:
        with distributed.get_task_stream(client) as stream:
            got = profile_dataset(
                str(source), targets, engine="dask", scheduler=cluster.scheduler_address,
                **options,
            )  # fmt: skip
    finally:
        client.close()
    keys = {str(t["key"]) for t in stream.data if "lossadvisor-partition" in str(t["key"])}
    return got, keys


def test_byte_ranges_cover_the_file_and_start_at_line_starts(whole_csv: Path) -> None:
    raw = whole_csv.read_bytes()
    header_end = raw.index(b"\n") + 1
    ranges, why = engine.split_byte_ranges(str(whole_csv), "csv", "utf-8", block=BLOCK)
    assert why is None and ranges is not None
    assert len(ranges) == engine.MAX_PARTITIONS  # the file is > 16 blocks
    assert b"".join(raw[start:end] for start, end, _ in ranges) == raw
    assert ranges[0][0] == 0 and ranges[0][2] == 0  # the first range holds the header itself
    for start, end, header in ranges[1:]:
        assert raw[start - 1 : start] == b"\n" and end > start and header == header_end
    assert engine.split_byte_ranges(str(whole_csv), "csv", "utf-8", limit=4, block=BLOCK)[0]
    assert len(engine.split_byte_ranges(str(whole_csv), "csv", "utf-8", 4, BLOCK)[0] or []) == 4
    # too small to split: one partition, nothing to say
    assert engine.split_byte_ranges(str(whole_csv), "csv", "utf-8") == (None, None)


def test_files_that_cannot_be_cut_say_why(tmp_path: Path, whole_csv: Path) -> None:
    packed = tmp_path / "whole.csv.gz"
    packed.write_bytes(gzip.compress(whole_csv.read_bytes(), compresslevel=1))
    big = 1 << 10  # the compressed file is far above two of these blocks
    assert engine.split_byte_ranges(str(packed), "csv", "utf-8", block=big)[1] == (
        "a compressed file cannot be cut into byte ranges"
    )
    assert "not one byte" in str(
        engine.split_byte_ranges(str(whole_csv), "csv", "utf-16", block=BLOCK)[1]
    )
    quoted = tmp_path / "quoted-header.csv"
    quoted.write_bytes(b'"y\nz",x\n' + b"1,2\n" * 40_000)
    assert "header" in str(engine.split_byte_ranges(str(quoted), "csv", "utf-8", block=BLOCK)[1])


def test_one_csv_split_into_byte_ranges_equals_pyarrow(
    whole_csv: Path, cluster: Any, small_block: int
) -> None:
    reference = profile_dataset(str(whole_csv), TARGETS)
    got, keys = partitions_run(cluster, whole_csv, TARGETS)
    assert len(keys) == engine.MAX_PARTITIONS, keys  # one task per byte range, on the cluster
    assert_same(reference, got)


def test_estimates_of_a_split_csv_within_their_sampling_error(
    whole_csv: Path, cluster: Any, small_block: int
) -> None:
    reference = profile_dataset(str(whole_csv), ["y"], sample_size=2_000)
    got, _ = partitions_run(cluster, whole_csv, ["y"], sample_size=2_000)
    a, b = reference.targets[0], got.targets[0]
    assert a.estimated and a.estimated == b.estimated
    for name, value in a.facts.items():
        if name not in a.estimated and isinstance(value, float):
            assert b.facts[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    p = float(a.facts["outlier_ratio"])  # a share estimated from 2,000 values: s.e. ≈ √(p(1−p)/n)
    assert abs(float(b.facts["outlier_ratio"]) - p) < 5 * np.sqrt(p * (1 - p) / 2_000) + 1e-3


def test_one_jsonl_split_into_byte_ranges_equals_pyarrow(
    tmp_path: Path, cluster: Any, small_block: int
) -> None:
    rows = pa.concat_tables([table(i, rows=2_000) for i in range(3)]).to_pylist()
    path = tmp_path / "whole.jsonl"
    with path.open("w") as out:
        for row in rows:
            clean = {
                k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()
            }
            out.write(json.dumps(clean) + "\n")
    reference = profile_dataset(str(path), TARGETS)
    got, keys = partitions_run(cluster, path, TARGETS)
    assert len(keys) > 8, keys
    assert_same(reference, got)


def test_a_type_change_between_ranges_is_text_as_in_pyarrow(
    tmp_path: Path, cluster: Any, small_block: int
) -> None:
    """'code' holds numbers in the first 90 % of the rows and also a word in the last 10 %:
    read as text in every range, with the class counts of the pyarrow engine."""
    rng = np.random.default_rng(7)
    codes = rng.integers(1, 4, 30_000).astype(str)
    codes[27_000::40] = "other"
    values = rng.normal(size=30_000)
    lines = ["code,v", *(f"{c},{v:.5f}" for c, v in zip(codes, values, strict=True))]
    path = tmp_path / "change.csv"
    path.write_text("\n".join(lines) + "\n")
    reference = profile_dataset(str(path), ["code"])
    assert reference.targets[0].class_counts is not None
    assert reference.targets[0].class_counts["other"] == 75
    got, keys = partitions_run(cluster, path, ["code"])
    assert any(k.endswith("-text") for k in keys)  # the ranges that held numbers, read again
    assert_same(reference, got)


def test_a_quoted_newline_reads_the_file_as_one_partition(
    tmp_path: Path, cluster: Any, small_block: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """A quoted field with a newline in the middle of the file: a cut there would split a row,
    so the file is read again as one partition, with a note; the profile is pyarrow's."""
    rng = np.random.default_rng(3)
    lines = ["label,v,note"]
    for i in range(30_000):
        note = '"two\nlines"' if i == 15_000 else ('"a, ""b"""' if i % 7 == 0 else "plain")
        lines.append(f"{rng.choice(['s', 'm', 'l'])},{rng.normal():.6f},{note}")
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(lines) + "\n")
    reference = profile_dataset(str(path), ["label", "note"])
    assert reference.n_rows == 30_000
    assert reference.targets[1].class_counts is not None
    assert reference.targets[1].class_counts["two\nlines"] == 1
    got, keys = partitions_run(cluster, path, ["label", "note"])
    assert "one partition" in capsys.readouterr().err
    assert "lossadvisor-partition-00000-first-whole" in keys
    assert_same(reference, got)


def test_a_bad_row_in_a_late_range_is_named_at_its_line_in_the_file(
    tmp_path: Path, cluster: Any, small_block: int
) -> None:
    """A ragged row far into the file: the one-line error names the file (not the range's
    temporary copy) and the row's line in the whole file, as the pyarrow engine does."""
    from lossadvisor.errors import InputError

    lines = ["a,b", *(f"{i},{i % 7}" for i in range(60_000))]
    lines[45_000] = "1,2,3"  # line 45,001 of the file
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as pyarrow_error:
        profile_dataset(str(path), ["b"])
    with pytest.raises(InputError) as dask_error:
        partitions_run(cluster, path, ["b"])
    assert "line 45001 " in str(pyarrow_error.value)
    assert str(dask_error.value).endswith(str(pyarrow_error.value))
