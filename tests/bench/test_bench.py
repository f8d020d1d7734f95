"""`lossadvisor bench`: every catalog loss with a torch form runs forward + backward at two
shapes; the report's ratios and memory are checked against independent arithmetic (no timing
assertions: this machine is shared and noisy)."""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
import yaml
from bench_helpers import ROOT, run_lossadvisor

torch = pytest.importorskip("torch")

from lossadvisor.bench import run_bench  # noqa: E402
from lossadvisor.bench.inputs import READINGS  # noqa: E402
from lossadvisor.bench.rules import penalty  # noqa: E402
from lossadvisor.resources import rules_dir  # noqa: E402
from lossadvisor.rules.load import load_rulebase  # noqa: E402

cli = partial(run_lossadvisor, timeout=300)  # measuring every loss takes a while

# Small shapes of every output kind: logits / rows / boxes N×C (all losses run at these two),
# then masks N×C×H×W (binary and multiclass), frame logits T×N×C and 1-D scores, where only the
# losses not yet measured twice run (the suite's time budget). Each loss reads two of them.
FULL_SHAPES = [(16, 4), (8, 4)]
EXTRA_SHAPES = [(2, 1, 8, 8), (2, 3, 8, 8), (12, 2, 5), (20, 3, 6), (64,), (32, 1)]


def torch_form_losses() -> set[str]:
    """Losses with a torch entry, read from the YAML directly (not through lossadvisor)."""
    frameworks = yaml.safe_load((rules_dir() / "frameworks.yaml").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((rules_dir() / "losses.yaml").read_text(encoding="utf-8"))
    ids = {entry["id"] for entry in catalog["losses"]}
    return {loss for loss, forms in frameworks["losses"].items() if "torch" in forms} & ids


@pytest.fixture(scope="module")
def reports() -> list:
    from lossadvisor.bench.inputs import NotAtShape, inputs_for

    base = load_rulebase()
    done = [run_bench(base, shape, min_run_time=0.002) for shape in FULL_SHAPES]
    runs = Counter(r.loss for report in done for r in report.results)
    for shape in EXTRA_SHAPES:
        wanted = []
        for loss in sorted(torch_form_losses()):
            try:
                inputs_for(loss, shape, torch.float32)
            except NotAtShape:
                continue
            if runs[loss] < 2:
                wanted.append(loss)
        if wanted:
            report = run_bench(base, shape, losses=wanted, min_run_time=0.002)
            runs.update(r.loss for r in report.results)
            done.append(report)
    return done


def test_every_torch_loss_has_a_reading() -> None:
    assert torch_form_losses() <= set(READINGS)


def test_every_torch_loss_runs_at_two_shapes(reports: list) -> None:
    runs = Counter(r.loss for report in reports for r in report.results)
    missing = {loss: runs[loss] for loss in torch_form_losses() if runs[loss] < 2}
    assert not missing, f"measured at fewer than two shapes: {missing}"
    for report in reports:
        measured = {r.loss for r in report.results}
        skipped = {s.loss for s in report.skipped}
        assert not measured & skipped
        if tuple(report.shape) in FULL_SHAPES:
            assert measured | skipped == torch_form_losses()  # every loss accounted for
        for skip in report.skipped:
            assert "failed" not in skip.reason, (report.shape, skip)  # a skip is a shape rule


def test_ratios_are_the_medians_over_the_in_run_baselines(reports: list) -> None:
    for report in reports:
        by_loss = {r.loss: r for r in report.results}
        mse = by_loss["mse"]
        assert mse.time_vs_mse == pytest.approx(1.0)
        logit = by_loss.get(report.baselines.get("ce", ""))
        for r in report.results:
            assert math.isfinite(r.median_s) and r.median_s > 0 and r.iqr_s >= 0
            assert r.time_vs_mse == pytest.approx(r.median_s / mse.median_s)
            if logit is not None:
                assert r.time_vs_ce == pytest.approx(r.median_s / logit.median_s)
            assert r.memory_vs_mse == pytest.approx(r.peak_bytes / mse.peak_bytes)


def test_peak_memory_holds_at_least_the_prediction_gradient(reports: list) -> None:
    """Backward allocates d loss / d prediction, as large as the prediction (float32: 4 B)."""
    for report in reports:
        for r in report.results:
            numel = math.prod(report.shape)
            if r.loss in ("coral", "dfl", "ctc", "kl_div"):
                continue  # the leaf is transformed first; still the same size, checked below
            assert r.peak_bytes >= 4 * numel, (report.shape, r.loss, r.peak_bytes)
    mse = next(r for r in reports[0].results if r.loss == "mse")
    # MSE forward: the difference (N·C floats); backward: the gradient (N·C): at most a few.
    assert 4 * 16 * 4 <= mse.peak_bytes <= 6 * 4 * 16 * 4


def test_dtype_and_threads_are_recorded() -> None:
    report = run_bench(
        load_rulebase(), (8, 3), dtype="float64", losses=["mse", "ce", "huber"], min_run_time=0.002
    )
    assert report.dtype == "float64" and report.threads == 1
    assert [r.loss for r in report.results] == ["mse", "ce", "huber"]
    mse = report.result("mse")
    assert mse is not None and mse.peak_bytes >= 8 * 8 * 3  # float64 gradient


def test_penalty_scale() -> None:
    assert penalty(1.05) == 0.0
    assert penalty(2.0) == -0.25
    assert penalty(4.0) == -0.5
    assert penalty(64.0) == -1.0


# --- the command ---------------------------------------------------------------------------------


def test_cli_writes_bench_json_matching_its_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    done = cli(
        "bench",
        "--shape",
        "8x3",
        "--loss",
        "huber,focal_multiclass",
        "--min-time",
        "0.002",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "× MSE" in done.stdout and "focal_multiclass" in done.stdout
    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs/schemas/bench.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert [r["loss"] for r in data["results"]] == ["mse", "ce", "huber", "focal_multiclass"]
    assert data["shape"] == [8, 3] and data["device"] == "cpu"
    again = cli("bench", "--shape", "8x3", "--loss", "mse", cwd=tmp_path)  # never clobbers
    assert again.returncode == 2 and "--force" in again.stderr
    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8")) == data


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--shape", "256y1000"], "--shape"),
        (["--shape", "0x3"], "--shape"),
        (["--loss", "focl"], "unknown loss 'focl'"),
        (["--dtype", "float8"], "unknown dtype"),
        (["--device", "tpu"], "unknown device"),
        (["--min-time", "0"], "--min-time"),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    done = cli("bench", "-o", "", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cli_cuda_without_a_gpu_is_one_line(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    done = cli("bench", "--device", "cuda", cwd=tmp_path)
    assert done.returncode == 2 and "no CUDA device" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "bench.json").exists()
