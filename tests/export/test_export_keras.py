"""Keras exports: keras.losses / keras.optimizers deserialize them under the torch backend."""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported anywhere in this process

import math
from typing import Any

import keras
import numpy as np
import pytest
from export_helpers import FAMILIES, frameworks_yaml, make_rec, multiclass_rec
from scipy import special

from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation

KERAS_LOSSES = sorted(k for k, v in frameworks_yaml()["losses"].items() if "keras" in v)
RNG = np.random.default_rng(3)


def keras_arrays(loss: str) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) in the layout the Keras loss expects."""
    f32 = np.float32
    if loss in ("bce", "weighted_bce", "focal_binary", "hinge"):
        return (RNG.random((6, 1)) > 0.5).astype(f32), RNG.normal(size=(6, 1)).astype(f32)
    if loss == "soft_bce":
        return RNG.random((6, 1)).astype(f32), RNG.normal(size=(6, 1)).astype(f32)
    if loss in ("ce", "label_smoothing_ce", "weighted_ce", "class_balanced_ce", "focal_multiclass"):
        return np.eye(3, dtype=f32)[RNG.integers(0, 3, 6)], RNG.normal(size=(6, 3)).astype(f32)
    if loss == "kl_div":
        return special.softmax(RNG.normal(size=(6, 3)), axis=1).astype(f32), special.softmax(
            RNG.normal(size=(6, 3)), axis=1
        ).astype(f32)
    if loss in ("dice", "tversky"):
        return (RNG.random((2, 8, 8, 1)) > 0.7).astype(f32), RNG.random((2, 8, 8, 1)).astype(f32)
    if loss == "seq_ce":
        return RNG.integers(0, 5, (2, 6)).astype(f32), RNG.normal(size=(2, 6, 5)).astype(f32)
    if loss in ("poisson", "mape"):
        return (RNG.random((6, 1)) + 1).astype(f32), (RNG.random((6, 1)) + 0.5).astype(f32)
    return RNG.normal(size=(6, 1)).astype(f32), RNG.normal(size=(6, 1)).astype(f32)


def keras_value(node: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> float:
    loss = keras.losses.deserialize(node)
    return float(keras.ops.convert_to_numpy(loss(y_true, y_pred)))


def default_params(loss: str) -> dict[str, Any]:
    from test_export_hydra import catalog_params

    return catalog_params(loss)


@pytest.mark.parametrize("loss", KERAS_LOSSES)
def test_every_keras_form_deserializes_and_evaluates(loss: str) -> None:
    data = export_recommendation(make_rec(loss, default_params(loss)), "keras")
    y_true, y_pred = keras_arrays(loss)
    value = keras_value(data["loss"], y_true, y_pred)
    assert math.isfinite(value) and value >= 0


def test_huber_delta_reaches_keras() -> None:
    delta = 0.7
    node = export_recommendation(make_rec("huber", {"delta": delta}), "keras")["loss"]
    assert node == {"module": "keras.losses", "class_name": "Huber", "config": {"delta": delta}}
    y_true, y_pred = keras_arrays("huber")
    r = np.abs(y_pred - y_true)
    expected = np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)))
    assert keras_value(node, y_true, y_pred) == pytest.approx(expected, rel=1e-5)


def test_weighted_bce_is_focal_with_gamma_zero_and_keeps_the_weight_ratio() -> None:
    rec = FAMILIES["imbalance"]()
    w = rec.ranking[0].params["pos_weight"].value
    data = export_recommendation(rec, "keras")
    assert data["loss"]["class_name"] == "BinaryFocalCrossentropy"
    assert data["loss"]["config"]["alpha"] == pytest.approx(w / (1 + w))
    y_true, logits = keras_arrays("bce")
    p = special.expit(logits.astype(float))
    torch_style = np.mean(-(w * y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))
    assert keras_value(data["loss"], y_true, logits) == pytest.approx(
        torch_style / (1 + w), rel=1e-4
    )


def test_weighted_ce_uses_per_class_alpha() -> None:
    rec = multiclass_rec("weighted_ce")
    weights = np.array(rec.ranking[0].params["class_weights"].value)
    node = export_recommendation(rec, "keras")["loss"]
    y_true, logits = keras_arrays("ce")
    log_p = special.log_softmax(logits.astype(float), axis=1)
    expected = np.mean(-(y_true * weights * log_p).sum(axis=1))
    assert keras_value(node, y_true, logits) == pytest.approx(expected, rel=1e-4)


def test_focal_binary_matches_the_focal_formula() -> None:
    alpha, gamma = 0.6, 2.0
    node = export_recommendation(
        make_rec("focal_binary", {"alpha": alpha, "gamma": gamma}), "keras"
    )["loss"]
    y, logits = keras_arrays("focal_binary")
    p = special.expit(logits.astype(float))
    p_t = np.where(y == 1, p, 1 - p)
    a_t = np.where(y == 1, alpha, 1 - alpha)
    expected = np.mean(-a_t * (1 - p_t) ** gamma * np.log(p_t))
    assert keras_value(node, y, logits) == pytest.approx(expected, rel=1e-4)


def test_probability_outputs_turn_from_logits_off() -> None:
    rec = make_rec("bce", {}, context={"model_output": "probabilities"})
    assert export_recommendation(rec, "keras")["loss"]["config"]["from_logits"] is False
    assert export_recommendation(make_rec("bce"), "keras")["loss"]["config"]["from_logits"] is True


@pytest.mark.parametrize("family", ["regression", "classification", "imbalance", "segmentation"])
def test_family_optimizers_deserialize_with_their_settings(family: str) -> None:
    rec = FAMILIES[family]() if family != "segmentation" else FAMILIES[family]("tversky")
    data = export_recommendation(rec, "keras")
    optimizer = keras.optimizers.deserialize(data["optimizer"])
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(
        rec.optimizer.settings["lr"]
    )
    if "betas" in rec.optimizer.settings:
        assert optimizer.beta_1 == rec.optimizer.settings["betas"][0]
    assert keras_value(data["loss"], *keras_arrays(rec.ranking[0].loss)) >= 0


def test_lamb_loads_through_keras_saving() -> None:
    rec = make_rec("dice", {}, optimizer="lamb", settings={"lr": 0.02, "betas": [0.8, 0.99]})
    data = export_recommendation(rec, "keras")
    optimizer = keras.saving.deserialize_keras_object(data["optimizer"])
    assert type(optimizer).__name__ == "Lamb" and optimizer.beta_1 == 0.8
    assert any("deserialize_keras_object" in n for n in data["lossadvisor"]["notes"])


def test_multitask_head_without_a_keras_form_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match=r"head 'seg' \(dice_ce\): keras has no implementation"):
        export_recommendation(FAMILIES["multitask"]("uncertainty"), "keras")


def test_multitask_with_keras_forms_compiles_into_a_model() -> None:
    from lossadvisor.models import HeadAdvice, OptimizerAdvice, ParamAdvice, Recommendation

    rec = Recommendation(
        facts={},
        context={},
        ranking=[],
        optimizer=OptimizerAdvice(name="adam", settings={"lr": 0.01}),
        heads=[
            HeadAdvice(
                name="price",
                task="regression",
                loss="huber",
                params={"delta": ParamAdvice(value=1.5, derivation="test")},
                weight=1.0,
            ),
            HeadAdvice(name="sold", task="binary", loss="bce", weight=0.3),
        ],
    )
    data = export_recommendation(rec, "keras")
    inputs = keras.Input((4,))
    outputs = {
        "price": keras.layers.Dense(1, name="price")(inputs),
        "sold": keras.layers.Dense(1, name="sold")(inputs),
    }
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.deserialize(data["optimizer"]),
        loss={k: keras.losses.deserialize(v) for k, v in data["loss"].items()},
        loss_weights=data["loss_weights"],
    )
    x = RNG.normal(size=(16, 4)).astype(np.float32)
    y = {
        "price": RNG.normal(size=(16, 1)).astype(np.float32),
        "sold": (RNG.random((16, 1)) > 0.5).astype(np.float32),
    }
    history = model.fit(x, y, epochs=2, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])
