"""Speed and memory of `lossadvisor profile` against the pyarrow floor and pandas.

    python benchmarks/profile_speed.py [--size-gb 1] [--rounds 3] [--dist-size-gb 1 4]

Generates a ~SIZE GB, 12-column CSV in benchmarks/_data/ (git-ignored; re-used when present),
then, in interleaved rounds, times three fresh processes on the target column `y`:

- floor:  pyarrow.csv.open_csv(include_columns=[y], block_size=1 MiB) + the same per-block
          numpy statistics (moments, min/max, missing, zeros, a uniform sample, the extremes)
- pandas: pandas.read_csv(usecols=[y]) + the same statistics on the whole array
- lossadvisor: `lossadvisor profile big.csv --target y --json`
- the same with `--no-features` (marginal facts only, as the floor), by the pyarrow engine and
  by `--engine dask` on dask's local threads, the one CSV cut into byte ranges at line
  boundaries (at most 16, of at least 64 MiB each)

Wall time (interpreter start and imports included) and each child's own peak RSS (from
os.wait4) are reported as medians over the rounds, with ratios to the floor. `--size-gb 0`
skips these rows.

The distributed rows (`--dist-files 16`, skipped with 0), at each size of `--dist-size-gb`
(default 1 and 4 GB in CSV terms, the issue's 4 GB file; the sizes actually run are printed):
the same generator writes the rows as one Parquet file and as DIST_FILES Parquet parts; in
the same rounds, `lossadvisor profile whole.parquet` (the pyarrow engine),
`lossadvisor profile parts/ --engine dask --scheduler ADDRESS` and the same on whole.parquet
(split into partitions of its row groups) on a dask.distributed
cluster of 2 worker processes (`dask scheduler` + 2 x `dask worker --nthreads 1`, started
before the timing, as a running cluster would be; a fresh cluster for each size) are timed,
all with --no-features; each worker's peak RSS is read from the worker itself (getrusage)
after the rounds. Flat in data size means a worker's peak stays put while the data grows:
the last line gives the largest size's worker peak over the smallest's. Disk: about 1.5 GB
of Parquet per GB of CSV (whole file + parts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
CLI = Path(sys.executable).with_name("lossadvisor")

STATS = r"""
import numpy as np

def block_stats(x, state, rng, sample=100_000, k=2000):
    ok = x[np.isfinite(x)]
    state["rows"] += x.size
    state["missing"] += x.size - ok.size
    if ok.size == 0:
        return
    n_b, mean_b = ok.size, float(ok.mean())
    d = ok - mean_b
    d2 = d * d
    m2b, m3b, m4b = float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())
    na, ma = state["n"], state["mean"]
    n = na + n_b
    delta = mean_b - ma
    dn = delta / n
    state["m4"] += (m4b + delta * dn**3 * na * n_b * (na * na - na * n_b + n_b * n_b)
                    + 6 * dn * dn * (na * na * m2b + n_b * n_b * state["m2"])
                    + 4 * dn * (na * m3b - n_b * state["m3"]))
    state["m3"] += (m3b + delta * dn * dn * na * n_b * (na - n_b)
                    + 3 * dn * (na * m2b - n_b * state["m2"]))
    state["m2"] += m2b + delta * dn * na * n_b
    state["mean"] = ma + n_b * dn
    state["n"] = n
    state["min"] = min(state["min"], float(ok.min()))
    state["max"] = max(state["max"], float(ok.max()))
    state["zeros"] += int(np.count_nonzero(ok == 0))
    state["sample"].append(ok[rng.random(ok.size) < sample / 1e7])
    top = state["top"]
    both = np.concatenate([top, ok])
    state["top"] = np.partition(both, -k)[-k:] if both.size > k else both
"""

FLOOR = (
    STATS
    + r"""
import sys
import pyarrow as pa, pyarrow.csv as pc
state = dict(rows=0, missing=0, n=0, mean=0.0, m2=0.0, m3=0.0, m4=0.0, min=np.inf, max=-np.inf,
             zeros=0, sample=[], top=np.empty(0))
rng = np.random.default_rng(0)
reader = pc.open_csv(sys.argv[1], read_options=pc.ReadOptions(block_size=1 << 20),
                     convert_options=pc.ConvertOptions(include_columns=["y"],
                                                       column_types={"y": pa.float64()}))
for batch in reader:
    col = batch.column(0)
    col = col.fill_null(float("nan")) if col.null_count else col  # to_numpy would import pandas
    x = np.frombuffer(col.buffers()[1], dtype=np.float64, count=len(col), offset=col.offset * 8)
    block_stats(x, state, rng)
s = np.concatenate(state["sample"])
print(state["n"], state["mean"], np.quantile(s, [0.01, 0.5, 0.99]))
"""
)

PANDAS = (
    STATS
    + r"""
import sys
import pandas as pd
x = pd.read_csv(sys.argv[1], usecols=["y"])["y"].to_numpy(dtype="float64")
ok = x[np.isfinite(x)]
med = np.median(ok)
mad = np.median(np.abs(ok - med))
q = np.quantile(ok, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
d = ok - ok.mean()
print(ok.size, ok.mean(), (d**2).sum(), (d**3).sum(), (d**4).sum(), q, mad,
      np.mean(np.abs(ok - med) > 3.5 * 1.4826 * mad), np.sort(np.abs(ok - med))[-1001:].sum())
"""
)


def _tables(size_gb: float, chunk: int = 500_000) -> Any:
    """Chunks of a 12-column table: lognormal target y with ~3 % Pareto outliers and 1 %
    missing; ~size_gb GB when written as CSV (about 110 bytes a row)."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(2026)
    rows, written = int(size_gb * 1e9 / 110), 0
    while written < rows:
        n = min(chunk, rows - written)
        y = rng.lognormal(3.0, 0.8, n)
        bad = rng.random(n) < 0.03
        y[bad] = (rng.pareto(1.5, bad.sum()) + 1) * 200
        y = np.round(y, 3)
        y[rng.random(n) < 0.01] = np.nan
        cols = {f"x{i}": np.round(rng.normal(0, 10, n), 5) for i in range(1, 9)}
        cols["id"] = np.arange(written, written + n) % 9_999_991
        cols["region"] = rng.choice(np.array(["north", "south", "east", "west"]), n)
        cols["n_items"] = rng.poisson(2.0, n)
        cols["y"] = y
        yield pa.table(cols)
        written += n


def generate(path: Path, size_gb: float) -> None:
    """The CSV of _tables, written to a temporary name and renamed when complete."""
    import pyarrow as pa
    import pyarrow.csv as pc

    tmp = path.with_suffix(".part")
    with pa.OSFile(str(tmp), "wb") as sink:
        writer = None
        for table in _tables(size_gb):
            if writer is None:
                writer = pc.CSVWriter(sink, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    tmp.rename(path)


def generate_parquet(folder: Path, size_gb: float, files: int) -> None:
    """The rows of _tables as one Parquet file (whole.parquet) and as `files` parts."""
    import pyarrow.parquet as pq

    tmp = folder.with_name(folder.name + ".part")
    (tmp / "parts").mkdir(parents=True, exist_ok=True)
    whole = parts = None
    try:
        for i, table in enumerate(_tables(size_gb, chunk=200_000)):
            if whole is None:
                whole = pq.ParquetWriter(tmp / "whole.parquet", table.schema)
                parts = [
                    pq.ParquetWriter(tmp / "parts" / f"part-{k:02d}.parquet", table.schema)
                    for k in range(files)
                ]
            whole.write_table(table)
            assert parts is not None
            parts[i % files].write_table(table)
    finally:
        for writer in [whole, *(parts or [])]:
            if writer is not None:
                writer.close()
    tmp.rename(folder)


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one child process, its own rusage via wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err[-500:]}")
    return wall, usage.ru_maxrss / 1024  # Linux: KiB


DIST_PYARROW = "pyarrow engine, whole.parquet"
DIST_DASK = "dask engine, 2 workers, parts/"
DIST_DASK_WHOLE = "dask engine, 2 workers, whole.parquet (row groups)"


class _Cluster:
    """A scheduler and 2 single-thread worker processes started as their own programs (the
    `dask` CLI, no nanny), so each worker's peak RSS is its own and not this script's."""

    def __init__(self, folder: Path) -> None:
        import json

        dask_cli = str(Path(sys.executable).with_name("dask"))
        info = folder / "scheduler.json"
        info.unlink(missing_ok=True)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.procs = [
            subprocess.Popen(
                [
                    dask_cli,
                    "scheduler",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(info),
                ],
                **quiet,
            )
        ]
        for _ in range(2):
            self.procs.append(
                subprocess.Popen(
                    [
                        dask_cli,
                        "worker",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--scheduler-file",
                        str(info),
                    ],
                    **quiet,
                )
            )
        deadline = time.monotonic() + 120
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.scheduler_address = json.loads(info.read_text())["address"]
        from distributed import Client

        with Client(self.scheduler_address) as client:
            client.wait_for_workers(2, timeout=120)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=30)


def _distributed(size_gb: float, files: int) -> tuple[Any, dict[str, list[str]]]:
    """A fresh 2-worker cluster and the two commands of the distributed row at this size."""
    folder = DATA / f"parquet_{size_gb:g}gb_{files}"
    if not folder.exists():
        print(f"generating {folder} ...", flush=True)
        # in a child process: this script's memory is what its children's peak RSS starts at
        subprocess.run(
            [sys.executable, __file__, "--generate-parquet", str(folder), str(size_gb), str(files)],
            check=True,
        )
    cluster = _Cluster(DATA)
    common = ["--target", "y", "--json", "--no-features"]
    return cluster, {
        DIST_PYARROW: [str(CLI), "profile", str(folder / "whole.parquet"), *common],
        DIST_DASK: [
            str(CLI),
            "profile",
            str(folder / "parts"),
            *common,
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        ],
        DIST_DASK_WHOLE: [
            str(CLI),
            "profile",
            str(folder / "whole.parquet"),
            *common,
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        ],
    }


def _worker_peaks(cluster: Any) -> dict[str, float]:
    """Each worker process's own peak RSS in MB (getrusage in the worker)."""
    from distributed import Client

    def peak_mb() -> float:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with Client(cluster.scheduler_address) as client:
        return dict(client.run(peak_mb))


def _rounds(engines: dict[str, list[str]], rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, peak RSS) of each command in each round, interleaved."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for round_no in range(rounds):
        for name, cmd in engines.items():
            results[name].append(timed(cmd))
        print(f"round {round_no + 1}/{rounds} done", flush=True)
    return results


def _csv_rows(size_gb: float, rounds: int) -> None:
    path = DATA / f"big_{size_gb:g}gb.csv"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, size_gb)  # (then re-run: this process's memory inflates children)
    size_mb = path.stat().st_size / 1e6
    marginal = [str(CLI), "profile", str(path), "--target", "y", "--json", "--no-features"]
    engines = {
        "floor (pyarrow open_csv + numpy)": [sys.executable, "-c", FLOOR, str(path)],
        "pandas read_csv(usecols) + numpy": [sys.executable, "-c", PANDAS, str(path)],
        "lossadvisor profile --json": [str(CLI), "profile", str(path), "--target", "y", "--json"],
        # marginal facts only (what the floor computes), by the pyarrow engine and by the dask
        # engine on its local threads, the file cut into byte ranges (split_byte_ranges)
        "lossadvisor --no-features": [*marginal],
        "lossadvisor --no-features --engine dask": [*marginal, "--engine", "dask"],
    }
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the cache
    results = _rounds(engines, rounds)
    floor = statistics.median(w for w, _ in results[next(iter(engines))])
    print(f"\n{path.name}: {size_mb:,.0f} MB, median of {rounds} rounds")
    print(f"{'engine':36s} {'wall s':>8s} {'x floor':>8s} {'peak RSS MB':>12s}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"{name:36s} {wall:8.2f} {wall / floor:8.2f} {rss:12.0f}")


def _distributed_rows(sizes: list[float], files: int, rounds: int) -> None:
    """The distributed rows at each size, then how the workers' peak RSS moved with size."""
    peaks: dict[float, list[float]] = {}
    lines = []
    for size in sizes:
        cluster, engines = _distributed(size, files)
        try:
            results = _rounds(engines, rounds)
            worker_rss = _worker_peaks(cluster)
        finally:
            cluster.close()
        whole = next(p for p in engines[DIST_PYARROW] if p.endswith(".parquet"))
        parquet_mb = Path(whole).stat().st_size / 1e6
        pyarrow_wall = statistics.median(w for w, _ in results[DIST_PYARROW])
        dask_wall = statistics.median(w for w, _ in results[DIST_DASK])
        whole_wall = statistics.median(w for w, _ in results[DIST_DASK_WHOLE])
        pyarrow_rss = max(r for _, r in results[DIST_PYARROW])
        client_rss = max(r for _, r in results[DIST_DASK])
        peaks[size] = sorted(worker_rss.values())
        workers = ", ".join(f"{mb:,.0f}" for mb in peaks[size])
        lines.append(
            f"{size:6g} GB ({parquet_mb:6,.0f} MB Parquet)  pyarrow {pyarrow_wall:7.2f} s "
            f"{pyarrow_rss:6,.0f} MB | dask {dask_wall:7.2f} s ({dask_wall / pyarrow_wall:.2f}x) "
            f"client {client_rss:5,.0f} MB, workers {workers} MB | dask on whole.parquet "
            f"{whole_wall:7.2f} s"
        )
    print(
        f"\ndistributed: {files} Parquet parts on 2 dask workers (1 thread each) vs the pyarrow "
        f"engine on whole.parquet, median wall of {rounds} rounds, peak RSS"
    )
    for line in lines:
        print("  " + line)
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        growth = max(peaks[large]) / max(peaks[small])
        print(
            f"  worker peak RSS at {large:g} GB / at {small:g} GB: {growth:.2f}x "
            f"for {large / small:g}x the data"
        )


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--generate-parquet":
        generate_parquet(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="the CSV rows (0: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dist-files", type=int, default=16, help="Parquet parts (0: skip)")
    parser.add_argument(
        "--dist-size-gb",
        type=float,
        nargs="+",
        default=[1.0, 4.0],
        help="sizes of the distributed rows, in CSV-equivalent GB",
    )
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    if args.size_gb > 0:
        _csv_rows(args.size_gb, args.rounds)
    if args.dist_files > 0:
        _distributed_rows(sorted(args.dist_size_gb), args.dist_files, args.rounds)


if __name__ == "__main__":
    main()
