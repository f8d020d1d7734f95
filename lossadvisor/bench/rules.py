"""Measured costs as efficiency rules: `recommend --priority speed|memory --bench bench.json`.

Each measured loss becomes one rule of the efficiency table, fired by the priority, whose
score is the measured cost on the article's ±1 efficiency scale and whose reason cites the
figure and the device:

    delta = −min(1, log2(ratio) / 4)     ratio = time (speed) or peak memory (memory) over MSE

so a loss 2× MSE loses 0.25, 4× 0.5, 16× or more the full point; below 1.1× no rule is
written (within the noise of a shared machine). MSE, the elementwise floor, is the yardstick
for every loss, so losses of different families stay comparable within one run.
"""

from __future__ import annotations

import math

from lossadvisor.bench.report import BenchReport
from lossadvisor.errors import unknown_name
from lossadvisor.rules.schema import Rule, RuleBase

NOISE = 1.1
FULL_POINT_AT = 16.0  # ratio at which the penalty reaches the scale's −1


def penalty(ratio: float) -> float:
    """The score delta of a measured cost ratio (0 within the noise band)."""
    if ratio < NOISE:
        return 0.0
    return -round(min(1.0, math.log2(ratio) / math.log2(FULL_POINT_AT)), 2)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


def _rule(kind: str, loss: str, delta: float, because: str, source: str, file: str) -> Rule:
    """One measured efficiency rule: fired by `--priority kind`, it scores `loss` by `delta`."""
    return Rule(
        id=f"efficiency.measured.{kind}.{loss}",
        covers=[],
        when={"priority": kind},
        score={loss: delta},
        because=because,
        source=source,
        table="efficiency",
        file=file,
        line=0,
    )


def measured_rules(report: BenchReport, file: str) -> list[Rule]:
    """One speed and one memory rule per measured loss that costs more than the noise band."""
    rules: list[Rule] = []
    mse = report.result("mse")
    setting = report.setting()
    source = f"lossadvisor bench: {file} ({setting})"
    for r in report.results:
        speed = penalty(r.time_vs_mse)
        if speed:
            base = f" vs {_ms(mse.median_s)}" if mse else ""
            because = (
                f"measured on {setting}: forward + backward {r.time_vs_mse:.2f}× MSE "
                f"(median {_ms(r.median_s)}{base}, IQR {_ms(r.iqr_s)})"
            )
            rules.append(_rule("speed", r.loss, speed, because, source, file))
        memory = penalty(r.memory_vs_mse) if r.memory_vs_mse is not None else 0.0
        if memory:
            because = (
                f"measured on {setting}: peak memory of one step "
                f"{r.memory_vs_mse:.2f}× MSE ({r.peak_bytes / 2**20:.2f} MiB)"
            )
            rules.append(_rule("memory", r.loss, memory, because, source, file))
    return rules


def with_measurements(base: RuleBase, report: BenchReport, file: str) -> RuleBase:
    """The rule base with the measured rules appended (after the built-in efficiency rules).

    InputError when bench.json names a loss the catalog does not have."""
    for r in report.results:
        if r.loss not in base.losses:
            raise unknown_name("loss", r.loss, base.losses, where=f"--bench {file}")
    return base.model_copy(update={"rules": [*base.rules, *measured_rules(report, file)]})
