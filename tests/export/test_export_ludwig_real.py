"""The Ludwig exports in a real Ludwig: validated, loaded, scheduled and trained by Ludwig itself.

Ludwig 0.17 needs Python >= 3.12 and its own torch stack, so it is not a dependency of this
project: set LOSSADVISOR_LUDWIG_PYTHON to an interpreter that has Ludwig (e.g. a separate venv)
to run these tests; without it they are skipped, and test_export_ludwig.py checks every export
against Ludwig's own JSON Schema instead. What is compared here comes from Ludwig (its loss
module, vocabulary and LR scheduler) and from lossadvisor's torch schedule (WarmupLR), the one
the Hydra and Lightning exports train with.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from ludwig_schema import INPUTS
from test_export_labels import SIZES, balanced, labelled_frame, rec_from

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import OptimizerAdvice, Recommendation
from lossadvisor.torch_losses import WarmupLR

LUDWIG_PYTHON = os.environ.get("LOSSADVISOR_LUDWIG_PYTHON")
pytestmark = pytest.mark.skipif(
    not LUDWIG_PYTHON, reason="LOSSADVISOR_LUDWIG_PYTHON (an interpreter with Ludwig) is not set"
)
CHECK = Path(__file__).parent / "ludwig_real_check.py"
STEPS = 40


def run_ludwig(jobs: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(jobs), encoding="utf-8")
    done = subprocess.run(
        [str(LUDWIG_PYTHON), str(CHECK), str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def config_file(rec: Recommendation, tmp_path: Path, name: str) -> str:
    data = export_recommendation(rec, "ludwig", steps=STEPS)
    data["input_features"] = INPUTS  # as the export's note asks
    path = tmp_path / f"{name}.yaml"
    write_yaml(data, str(path))
    return str(path)


def with_schedule(rec: Recommendation, schedule: dict[str, Any]) -> Recommendation:
    advice = OptimizerAdvice(name="adamw", settings={"lr": 0.01}, schedule=schedule)
    return rec.model_copy(update={"optimizer": advice})


def torch_curve(schedule: dict[str, Any], lr: float) -> list[float]:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    args = {k: v for k, v in schedule.items() if k != "name"}
    scheduler = WarmupLR(optimizer, total_steps=STEPS, decay=schedule["name"], **args)
    curve = []
    for _ in range(STEPS):
        curve.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return curve


def test_class_weights_reach_ludwigs_loss_by_label(tmp_path: Path) -> None:
    rec = rec_from(tmp_path, SIZES)
    csv = tmp_path / "sizes.csv"
    labelled_frame(SIZES, 0).to_csv(csv, index=False)
    (result,) = run_ludwig(
        [{"config": config_file(rec, tmp_path, "w"), "csv": str(csv), "steps": 4}], tmp_path
    )
    trained = result["trained"]
    assert trained["loss_class"] == "CrossEntropyLoss"
    expected = balanced(SIZES)
    assert set(trained["class_weights"]) == set(SIZES)
    for label, weight in trained["class_weights"].items():
        assert weight == pytest.approx(expected[label], rel=1e-6), label


def test_the_positive_class_is_the_one_ludwig_reads_as_true(tmp_path: Path) -> None:
    counts = {"benign": 400, "malignant": 40}
    rec = rec_from(tmp_path, counts, seed=2)
    csv = tmp_path / "tumours.csv"
    labelled_frame(counts, 2).to_csv(csv, index=False)
    assert rec.ranking[0].loss == "weighted_bce"
    (result,) = run_ludwig(
        [{"config": config_file(rec, tmp_path, "b"), "csv": str(csv), "steps": 4}], tmp_path
    )
    trained = result["trained"]
    assert trained["true_labels"] == ["malignant"]
    assert trained["positive_class_weight"] == pytest.approx(400 / 40, rel=1e-6)


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "cosine", "warmup_ratio": 0.1},
        {"name": "polynomial", "warmup_ratio": 0.1, "power": 1.0},
        {"name": "polynomial", "warmup_ratio": 0.0, "power": 2.0},
        {"name": "constant", "warmup_ratio": 0.25},
    ],
)
def test_ludwigs_scheduler_follows_the_advised_curve(
    schedule: dict[str, Any], tmp_path: Path
) -> None:
    rec = with_schedule(rec_from(tmp_path, SIZES), schedule)
    (result,) = run_ludwig(
        [{"config": config_file(rec, tmp_path, "s"), "csv": None, "steps": STEPS}], tmp_path
    )
    ludwig, ours = np.array(result["lr"]), np.array(torch_curve(schedule, 0.01))
    warm = round(schedule["warmup_ratio"] * STEPS)
    # the warm-ups differ only in where they start (Ludwig from 0, WarmupLR from 1e-3 · lr)
    assert ludwig[warm] == pytest.approx(0.01) and ours[warm] == pytest.approx(0.01)
    np.testing.assert_allclose(ludwig[warm:], ours[warm:], rtol=1e-6, atol=1e-12)
    assert result["optimizer"]["type"] == "adamw"


def test_a_regression_config_trains(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    frame["y"] = 2 * frame.x1 + rng.standard_t(2, size=300)
    csv = tmp_path / "reg.csv"
    frame.to_csv(csv, index=False)
    from lossadvisor.api import recommend

    rec = recommend(str(csv), target="y")
    assert rec.ranking[0].loss in ("huber", "mae", "mse")
    (result,) = run_ludwig(
        [{"config": config_file(rec, tmp_path, "r"), "csv": str(csv), "steps": 4}], tmp_path
    )
    assert result["loss"]["type"] in ("huber", "mean_absolute_error", "mean_squared_error")
    if rec.ranking[0].loss == "huber":
        delta = rec.ranking[0].params["delta"].value
        assert result["loss"]["delta"] == pytest.approx(delta)
        assert result["trained"]["delta"] == pytest.approx(delta)
    assert result["trained"]["loss_class"]
