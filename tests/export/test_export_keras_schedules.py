"""The advised LR schedule in the Keras export: keras deserializes the optimizer with its
LearningRateSchedule, and stepping it (real apply_gradients updates) gives the same curve as
the closed forms of test_export_schedules.py (the torch WarmupLR's), step for step."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported in this process

import numpy as np
import pytest
from export_helpers import frameworks_yaml
from test_export_schedules import OPTIMIZERS, expected_curve, rec_with

from lossadvisor.export import export_recommendation

STEPS = 60
# the optimizers Keras has (rules/frameworks.yaml; LARS, for one, has no Keras form)
KERAS = sorted(o for o in OPTIMIZERS if "keras" in frameworks_yaml()["optimizers"].get(o, {}))


def optimizer_from(data: dict) -> object:
    import keras

    # Lamb: keras.optimizers.deserialize does not know it (rules/frameworks.yaml note)
    return keras.saving.deserialize_keras_object(data["optimizer"])


def stepped_curve(optimizer: object, total: int) -> list[float]:
    """The lr each of `total` real updates used, then the one after the last."""
    import keras

    var = keras.Variable(np.ones(3, dtype="float32"))
    lrs = []
    for _ in range(total):
        lrs.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))  # type: ignore[attr-defined]
        optimizer.apply_gradients([(keras.ops.ones(3), var)])  # type: ignore[attr-defined]
    lrs.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))  # type: ignore[attr-defined]
    assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == total  # type: ignore[attr-defined]
    return lrs


@pytest.mark.parametrize("optimizer_id", KERAS)
def test_keras_schedule_follows_the_advised_curve(optimizer_id: str) -> None:
    spec = OPTIMIZERS[optimizer_id]
    schedule, lr = dict(spec["schedule"]), float(spec["defaults"]["lr"])
    data = export_recommendation(rec_with(optimizer_id), "keras", steps=STEPS)
    notes = data["lossadvisor"]["notes"]
    node = data["optimizer"]["config"]["learning_rate"]
    optimizer = optimizer_from(data)
    if schedule["name"] == "constant":
        assert isinstance(node, float)
        assert stepped_curve(optimizer, 5) == pytest.approx([lr] * 6)
        return
    assert node["module"] == "keras.optimizers.schedules"
    warm = round(float(schedule.get("warmup_ratio", 0.0)) * STEPS)
    if warm and schedule["name"] != "cosine":  # Keras has no warm-up for it: said, and left out
        assert any("warm-up is left out" in n for n in notes)
        schedule["warmup_ratio"] = 0.0
    expected = expected_curve(schedule, lr, STEPS)
    assert stepped_curve(optimizer, STEPS) == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_the_keras_optimizers_cover_every_schedule_kind() -> None:
    assert {OPTIMIZERS[o]["schedule"]["name"] for o in KERAS} == {
        "cosine", "polynomial", "step", "constant"
    }  # fmt: skip


def test_without_steps_the_lr_stays_constant_and_the_note_says_how() -> None:
    data = export_recommendation(rec_with("adamw"), "keras")
    assert isinstance(data["optimizer"]["config"]["learning_rate"], float)
    assert any("export --steps N" in n for n in data["lossadvisor"]["notes"])
