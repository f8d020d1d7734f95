"""`--engine dask` on a real dask.distributed cluster (2 worker processes, 1 thread each):
the same profile as the pyarrow engine on the same rows, from a Parquet directory, a glob of
CSVs and an fsspec URL; a type change between files; a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")

import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from profile_helpers import run_cli  # noqa: E402

from lossadvisor.profile import profile_dataset  # noqa: E402

N_FILES, ROWS = 6, 4_000
TARGETS = ["y", "claims", "label"]


def table(i: int, rows: int = ROWS) -> Any:
    """Rows with known structure: a lognormal target with Pareto outliers and missing values,
    Poisson counts, and three labels; seeded per file."""
    rng = np.random.default_rng(100 + i)
    y = rng.lognormal(2.0, 0.7, rows)
    bad = rng.random(rows) < 0.03
    y[bad] = (rng.pareto(1.5, bad.sum()) + 1) * 100
    y = np.round(y, 4)
    y[rng.random(rows) < 0.01] = np.nan
    return pa.table(
        {
            "y": y,
            "claims": rng.poisson(0.4, rows),
            "label": rng.choice(np.array(["small", "medium", "large"]), rows, p=[0.7, 0.2, 0.1]),
            "x": rng.normal(size=rows),
        }
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("dask-data")
    (root / "parquet").mkdir()
    (root / "csv").mkdir()
    tables = [table(i) for i in range(N_FILES)]
    for i, t in enumerate(tables):
        pq.write_table(t, root / "parquet" / f"part-{i:02d}.parquet")
        pacsv.write_csv(t, root / "csv" / f"part-{i:02d}.csv")
    (root / "parquet" / "_SUCCESS").write_text("")  # a Spark marker: not data
    whole = pa.concat_tables(tables)
    pq.write_table(whole, root / "whole.parquet")
    pacsv.write_csv(whole, root / "whole.csv")
    return {"root": root, "parquet": root / "parquet", "csv": root / "csv"}


def assert_same(a: Any, b: Any) -> None:
    """Same targets, types, class counts, estimate flags and facts (floats to 1e-9)."""
    assert a.n_rows == b.n_rows
    for x, y in zip(a.targets, b.targets, strict=True):
        assert (x.name, x.target_type, x.class_counts, x.estimated) == (
            y.name,
            y.target_type,
            y.class_counts,
            y.estimated,
        )
        assert x.facts.keys() == y.facts.keys()
        for name, value in x.facts.items():
            if isinstance(value, float):
                assert y.facts[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
            else:
                assert y.facts[name] == value, name


def test_parquet_directory_on_the_cluster_equals_pyarrow(data: dict, cluster: Any) -> None:
    reference = profile_dataset(str(data["root"] / "whole.parquet"), TARGETS)
    got = profile_dataset(
        str(data["parquet"]), TARGETS, engine="dask", scheduler=cluster.scheduler_address
    )
    assert got.n_rows == N_FILES * ROWS  # the _SUCCESS marker is not read
    assert_same(reference, got)


def test_glob_of_csvs_via_the_environment_address(
    data: dict, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    reference = profile_dataset(str(data["root"] / "whole.csv"), TARGETS)
    got = profile_dataset(str(data["csv"] / "part-*.csv"), TARGETS, engine="dask")
    assert_same(reference, got)


def test_estimates_past_the_reservoir(data: dict, cluster: Any) -> None:
    """With a reservoir smaller than the rows, exact facts stay exact and the estimated ones
    agree within sampling error (24,000 rows, a 2,000-value reservoir)."""
    reference = profile_dataset(str(data["root"] / "whole.parquet"), ["y"], sample_size=2_000)
    got = profile_dataset(
        str(data["parquet"]),
        ["y"],
        engine="dask",
        scheduler=cluster.scheduler_address,
        sample_size=2_000,
    )
    a, b = reference.targets[0], got.targets[0]
    assert a.estimated and a.estimated == b.estimated
    for name, value in a.facts.items():
        if name in a.estimated or not isinstance(value, float):
            continue
        assert b.facts[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    p = float(a.facts["outlier_ratio"])  # a share estimated from 2,000 values: s.e. ≈ √(p(1−p)/n)
    assert abs(float(b.facts["outlier_ratio"]) - p) < 5 * np.sqrt(p * (1 - p) / 2_000) + 1e-3


def test_fsspec_memory_url_on_local_threads(data: dict) -> None:
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    for path in sorted(data["parquet"].glob("*.parquet")):
        memory.pipe(f"/lossadvisor-test/{path.name}", path.read_bytes())
    reference = profile_dataset(str(data["root"] / "whole.parquet"), TARGETS)
    got = profile_dataset("memory://lossadvisor-test", TARGETS, engine="dask")
    assert_same(reference, got)


def test_type_change_between_files_is_text_as_in_pyarrow(tmp_path: Path, cluster: Any) -> None:
    """'code' holds numbers in three files and a word in the last: the column is text, with
    the same class counts the pyarrow engine gives on the concatenated file."""
    parts = []
    for i in range(4):
        rng = np.random.default_rng(i)
        codes = rng.integers(1, 4, 500).astype(str)
        if i == 3:
            codes[::50] = "other"
        parts.append(pa.table({"code": codes, "v": rng.normal(size=500)}))
    folder = tmp_path / "parts"
    folder.mkdir()
    lines = ["code,v"]
    for i, t in enumerate(parts):
        rows = [f"{c},{v}" for c, v in zip(t["code"].to_pylist(), t["v"].to_pylist(), strict=True)]
        (folder / f"p{i}.csv").write_text("\n".join(["code,v", *rows]) + "\n")
        lines += rows
    (tmp_path / "whole.csv").write_text("\n".join(lines) + "\n")
    reference = profile_dataset(str(tmp_path / "whole.csv"), ["code"])
    got = profile_dataset(str(folder), ["code"], engine="dask", scheduler=cluster.scheduler_address)
    assert reference.targets[0].class_counts is not None
    assert "other" in reference.targets[0].class_counts
    assert_same(reference, got)


def test_a_worker_killed_mid_run_is_one_line_and_no_output(tmp_path: Path, cluster: Any) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(8):  # big enough that a task is still running when its worker is killed
        pq.write_table(table(i, rows=400_000), folder / f"p{i}.parquet", row_group_size=20_000)
    client = distributed.Client(cluster.scheduler_address)
    scheduler = cluster.scheduler
    scheduler.allowed_failures = 0  # no retry: the failure must reach the user
    killed: list[str] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for address, keys in client.processing().items():
                if any("lossadvisor-partition" in str(k) for k in keys):
                    pid = client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.02)

    out = tmp_path / "profile.yaml"
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        done = run_cli(
            "profile",
            str(folder),
            "-t",
            "y",
            "--engine",
            "dask",
            "--no-features",
            "--scheduler",
            cluster.scheduler_address,
            "-o",
            str(out),
        )
    finally:
        killer.join()
        scheduler.allowed_failures = 3
        client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
        client.close()
    assert killed, "no task was seen running"
    assert done.code == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "partition" in lines[0] and "p" in lines[0], lines
    assert "died" in lines[0] or "KilledWorker" in lines[0]
    assert not out.exists()


def test_unreachable_scheduler_is_one_line(data: dict) -> None:
    done = run_cli(
        "profile",
        str(data["parquet"]),
        "-t",
        "y",
        "--engine",
        "dask",
        "--no-features",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert done.code == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "cannot reach the dask scheduler" in done.stderr


def test_conditional_facts_on_the_cluster_equal_pyarrow_when_every_row_fits(
    data: dict, cluster: Any
) -> None:
    """All 24,000 rows fit the sample: the cluster's sample is every row in file order, so the
    baseline and its residual facts are the pyarrow engine's on the concatenated file."""
    from lossadvisor.profile.options import FeatureOptions

    features = FeatureOptions()
    reference = profile_dataset(str(data["root"] / "whole.parquet"), ["y"], features=features)
    got = profile_dataset(
        str(data["parquet"]), ["y"], features=features, engine="dask",
        scheduler=cluster.scheduler_address,
    )  # fmt: skip
    assert_same(reference, got)
    ref, mine = reference.targets[0].conditional, got.targets[0].conditional
    assert ref is not None and mine is not None and ref.model is not None
    assert (mine.model, mine.n_rows, mine.sampled, mine.features) == (
        ref.model, ref.n_rows, ref.sampled, ref.features,
    )  # fmt: skip
    assert got.targets[0].facts["baseline_fitted"] is True


def test_the_cluster_sample_is_seeded_and_uniform_over_files_of_unequal_size(
    tmp_path: Path, cluster: Any
) -> None:
    """Each file keeps its rows with the smallest seeded keys and the client the smallest of
    all: every row is equally likely, so a file's share of the sample follows its share of
    the rows (hypergeometric: 1,000 / 3,000 / 6,000 rows, 2,000 drawn)."""
    from lossadvisor.profile.distributed import DaskSource, dask_sample

    sizes = [1_000, 3_000, 6_000]
    files = []
    for i, n in enumerate(sizes):
        path = tmp_path / f"part-{i}.parquet"
        pq.write_table(pa.table({"file": np.full(n, i), "row": np.arange(n)}), path)
        files.append(str(path))
    found = DaskSource(files=files, kind="parquet", header=["file", "row"])
    draw = 2_000
    sample = dask_sample(found, ["file", "row"], "utf-8", draw, cluster.scheduler_address)
    again = dask_sample(found, ["file", "row"], "utf-8", draw)  # local threads, same seeds
    frame = sample.frame
    assert (sample.n_rows_read, sample.sampled, len(frame)) == (sum(sizes), True, draw)
    assert frame.equals(again.frame)
    assert not frame.duplicated().any()
    keys = list(zip(frame["file"], frame["row"], strict=True))
    assert keys == sorted(keys)  # file order
    total = sum(sizes)
    for i, n in enumerate(sizes):
        p = n / total
        expected = draw * p
        sd = (draw * p * (1 - p) * (total - draw) / (total - 1)) ** 0.5
        assert abs((frame["file"] == i).sum() - expected) < 5 * sd, i


def test_one_parquet_file_is_split_into_row_group_partitions(tmp_path: Path, cluster: Any) -> None:
    """A single big Parquet file spreads over the workers by row groups (here 6 of 4,000 rows)
    and gives the pyarrow engine's profile of the same file."""
    from lossadvisor.profile.distributed import split_row_groups

    path = tmp_path / "one.parquet"
    pq.write_table(pa.concat_tables([table(i) for i in range(N_FILES)]), path, row_group_size=ROWS)
    assert pq.ParquetFile(path).num_row_groups == N_FILES
    assert split_row_groups(str(path)) == [(i,) for i in range(N_FILES)]
    assert split_row_groups(str(path), limit=4) == [(0, 1), (2, 3), (4, 5)]
    reference = profile_dataset(str(path), TARGETS)
    client = distributed.Client(cluster.scheduler_address)
    try:
        with distributed.get_task_stream(client) as stream:
            got = profile_dataset(
                str(path), TARGETS, engine="dask", scheduler=cluster.scheduler_address
            )
    finally:
        client.close()
    ran = {str(t["key"]) for t in stream.data if "lossadvisor-partition" in str(t["key"])}
    assert len(ran) == N_FILES, ran  # one task per row group, on the cluster
    assert_same(reference, got)
