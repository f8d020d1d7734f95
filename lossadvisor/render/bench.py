"""Rich view of a `lossadvisor bench` run: one row per loss, ratios to the in-run baselines."""

from __future__ import annotations

from rich.table import Table

from lossadvisor.bench.report import BenchReport


def _time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _bytes(n: int) -> str:
    return f"{n / 2**20:.2f} MiB" if n >= 2**16 else f"{n / 2**10:.1f} KiB"


def bench_table(report: BenchReport) -> Table:
    """Median and IQR of forward + backward, peak memory, and the ratios to MSE and CE."""
    logit = report.baselines.get("ce")
    table = Table(
        title=f"lossadvisor bench — forward + backward on {report.setting()}",
        caption=(
            "× = median time (or peak memory) over the same run's baseline; "
            f"{len(report.skipped)} losses do not read this shape (see bench.json 'skipped')"
            if report.skipped
            else "× = median time (or peak memory) over the same run's baseline"
        ),
    )
    table.add_column("loss", style="bold", no_wrap=True)
    table.add_column("median", justify="right")
    table.add_column("IQR", justify="right")
    table.add_column("× MSE", justify="right")
    if logit:
        table.add_column(f"× {logit.upper()}", justify="right")
    table.add_column("peak mem", justify="right")
    table.add_column("mem × MSE", justify="right")
    for r in report.results:
        row = [r.loss, _time(r.median_s), _time(r.iqr_s), f"{r.time_vs_mse:.2f}"]
        if logit:
            row.append(f"{r.time_vs_ce:.2f}" if r.time_vs_ce is not None else "—")
        row += [
            _bytes(r.peak_bytes),
            f"{r.memory_vs_mse:.2f}" if r.memory_vs_mse is not None else "—",
        ]
        table.add_row(*row)
    return table
