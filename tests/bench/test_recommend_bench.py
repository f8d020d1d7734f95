"""`recommend --priority speed --bench bench.json` ranks with the measured costs."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from bench_helpers import run_lossadvisor

cli = partial(run_lossadvisor, timeout=120)


def report(ratios: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """A bench.json with known ratios: loss -> (time ratio to MSE, memory ratio to MSE)."""
    mse_s, mse_bytes = 1e-3, 1 << 20
    results = [
        {
            "loss": loss,
            "module": "torch.nn.Module",
            "inputs": "pred (256, 10)",
            "median_s": mse_s * t,
            "iqr_s": 1e-5,
            "runs": 100,
            "peak_bytes": int(mse_bytes * m),
            "time_vs_mse": t,
            "time_vs_ce": None,
            "memory_vs_mse": m,
        }
        for loss, (t, m) in {"mse": (1.0, 1.0), **ratios}.items()
    ]
    return {
        "schema_version": 1,
        "lossadvisor_version": "0",
        "torch_version": "2.13.0",
        "device": "cpu",
        "device_name": "Test CPU",
        "dtype": "float32",
        "shape": [256, 10],
        "threads": 1,
        "min_run_time_s": 0.1,
        "baselines": {"mse": "mse"},
        "timing": "t",
        "memory": "m",
        "results": results,
        "skipped": [],
    }


def ledger(rec: dict[str, Any], loss: str) -> dict[str, dict[str, Any]]:
    entry = next(r for r in rec["ranking"] if r["loss"] == loss)
    return {c["rule_id"]: c for c in entry["ledger"]}


def test_measured_ratios_enter_the_efficiency_table(tmp_path: Path) -> None:
    (tmp_path / "bench.json").write_text(
        json.dumps(report({"focal_multiclass": (8.0, 3.0), "label_smoothing_ce": (1.05, 1.0)})),
        encoding="utf-8",
    )
    plain = cli("recommend", "--task", "multiclass", "--priority", "speed", "--json", cwd=tmp_path)
    done = cli(
        "recommend",
        "--task",
        "multiclass",
        "--priority",
        "speed",
        "--bench",
        "bench.json",
        "--json",
        cwd=tmp_path,
    )
    assert plain.returncode == 0 and done.returncode == 0, done.stderr
    before, after = json.loads(plain.stdout), json.loads(done.stdout)
    rule = ledger(after, "focal_multiclass")["efficiency.measured.speed.focal_multiclass"]
    assert rule["table"] == "efficiency"
    assert rule["delta"] == pytest.approx(-math.log2(8.0) / 4)  # the documented scale
    assert "8.00× MSE" in rule["because"] and "cpu (Test CPU)" in rule["because"]
    assert "bench.json" in rule["source"]
    score = {r["loss"]: r["score"] for r in before["ranking"]}
    score_after = {r["loss"]: r["score"] for r in after["ranking"]}
    assert score_after["focal_multiclass"] == pytest.approx(score["focal_multiclass"] - 0.75)
    # within the noise band: no measured rule at all
    assert not any("measured" in k for k in ledger(after, "label_smoothing_ce"))
    memory = cli(
        "recommend",
        "--task",
        "multiclass",
        "--priority",
        "memory",
        "--bench",
        "bench.json",
        "--json",
        cwd=tmp_path,
    )
    rule = ledger(json.loads(memory.stdout), "focal_multiclass")
    assert rule["efficiency.measured.memory.focal_multiclass"]["delta"] == pytest.approx(
        -round(math.log2(3.0) / 4, 2)
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("{not json", "not a bench.json"),
        ('{"schema_version": 1}', "lossadvisor_version"),
        ('{"schema_version": 9}', "schema_version 9"),
        ("unknown-loss", "unknown loss 'nope'"),
    ],
)
def test_bad_bench_json_is_one_line(tmp_path: Path, content: str | None, says: str) -> None:
    path = tmp_path / "bench.json"
    if content == "unknown-loss":
        path.write_text(json.dumps(report({"nope": (2.0, 2.0)})), encoding="utf-8")
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    done = cli(
        "recommend",
        "--task",
        "multiclass",
        "--priority",
        "speed",
        "--bench",
        "bench.json",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_bench_needs_a_cost_priority(tmp_path: Path) -> None:
    (tmp_path / "bench.json").write_text(json.dumps(report({})), encoding="utf-8")
    done = cli("recommend", "--task", "multiclass", "--bench", "bench.json", cwd=tmp_path)
    assert done.returncode == 2 and "--priority speed" in done.stderr
