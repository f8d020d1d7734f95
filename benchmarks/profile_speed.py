"""Speed and memory of `lossadvisor profile` against the pyarrow floor and pandas.

    python benchmarks/profile_speed.py [--size-gb 1] [--rounds 3]

Generates a ~SIZE GB, 12-column CSV in benchmarks/_data/ (git-ignored; re-used when present),
then, in interleaved rounds, times three fresh processes on the target column `y`:

- floor:  pyarrow.csv.open_csv(include_columns=[y], block_size=1 MiB) + the same per-block
          numpy statistics (moments, min/max, missing, zeros, a uniform sample, the extremes)
- pandas: pandas.read_csv(usecols=[y]) + the same statistics on the whole array
- lossadvisor: `lossadvisor profile big.csv --target y --json`

Wall time (interpreter start and imports included) and each child's own peak RSS (from
os.wait4) are reported as medians over the rounds, with ratios to the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def generate(path: Path, size_gb: float) -> None:
    """A 12-column CSV: lognormal target y with ~3 % Pareto outliers and 1 % missing."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pc

    target_bytes = int(size_gb * 1e9)
    rng = np.random.default_rng(2026)
    tmp = path.with_suffix(".part")
    written, chunk = 0, 500_000
    with pa.OSFile(str(tmp), "wb") as sink:
        writer = None
        while written < target_bytes:
            y = rng.lognormal(3.0, 0.8, chunk)
            bad = rng.random(chunk) < 0.03
            y[bad] = (rng.pareto(1.5, bad.sum()) + 1) * 200
            y = np.round(y, 3)
            y[rng.random(chunk) < 0.01] = np.nan
            cols = {f"x{i}": np.round(rng.normal(0, 10, chunk), 5) for i in range(1, 9)}
            cols["id"] = np.arange(written, written + chunk) % 9_999_991
            cols["region"] = rng.choice(np.array(["north", "south", "east", "west"]), chunk)
            cols["n_items"] = rng.poisson(2.0, chunk)
            cols["y"] = y
            table = pa.table(cols)
            if writer is None:
                writer = pc.CSVWriter(sink, table.schema)
            writer.write_table(table)
            written = sink.tell()
        if writer is not None:
            writer.close()
    tmp.rename(path)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = DATA / f"big_{args.size_gb:g}gb.csv"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, args.size_gb)
    size_mb = path.stat().st_size / 1e6
    engines = {
        "floor (pyarrow open_csv + numpy)": [sys.executable, "-c", FLOOR, str(path)],
        "pandas read_csv(usecols) + numpy": [sys.executable, "-c", PANDAS, str(path)],
        "lossadvisor profile --json": [str(CLI), "profile", str(path), "--target", "y", "--json"],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the cache
    for round_no in range(args.rounds):
        for name, cmd in engines.items():
            results[name].append(timed(cmd))
        print(f"round {round_no + 1}/{args.rounds} done", flush=True)
    floor = statistics.median(w for w, _ in results[next(iter(engines))])
    print(f"\n{path.name}: {size_mb:,.0f} MB, median of {args.rounds} rounds")
    print(f"{'engine':36s} {'wall s':>8s} {'x floor':>8s} {'peak RSS MB':>12s}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"{name:36s} {wall:8.2f} {wall / floor:8.2f} {rss:12.0f}")


if __name__ == "__main__":
    main()
