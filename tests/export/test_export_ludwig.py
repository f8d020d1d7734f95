"""`--format ludwig`: output_features[].loss and trainer.optimizer, checked with Ludwig's schema.

Every catalog loss and optimizer the framework map gives a Ludwig form exports a config that
Ludwig 0.17.10's own JSON Schema accepts (ludwig_schema.py says where the schema comes from),
with no key the schema does not declare for that loss or optimizer type. Class weights are
checked by class name against n / (K · n_c) computed here from generated string labels.
test_export_ludwig_real.py runs the same exports through a real Ludwig where one is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from export_helpers import (
    advice,
    frameworks_yaml,
    imbalance_rec,
    make_rec,
    multiclass_rec,
    regression_rec,
)
from ludwig_schema import errors, loss_properties
from test_export_hydra import catalog_params
from test_export_labels import ANSWERS, SIZES, balanced, rec_from

from lossadvisor.cli import app
from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import BalancingAdvice, HeadAdvice, OptimizerAdvice, Recommendation

FRAMEWORKS = frameworks_yaml()
LUDWIG_LOSSES = sorted(k for k, v in FRAMEWORKS["losses"].items() if "ludwig" in v)
LUDWIG_OPTIMIZERS = sorted(k for k, v in FRAMEWORKS["optimizers"].items() if "ludwig" in v)
FACTS = {
    "binary": {"target_type": "binary", "n_classes": 2},
    "category": {"target_type": "multiclass", "n_classes": 3},
    "image": {"task": "segmentation", "n_classes": 3},
    "number": {"target_type": "continuous"},
}


def ludwig_rec(loss: str) -> Recommendation:
    feature = FRAMEWORKS["losses"][loss]["ludwig"]["feature"]
    params = catalog_params(loss)
    if loss in ("weighted_ce", "class_balanced_ce"):
        params = {"class_weights": [0.5, 1.0, 2.0]}
    return make_rec(loss, params, dict(FACTS[feature]))


def test_the_map_covers_the_core_losses() -> None:
    # the losses Ludwig itself has (its loss schemas for number, binary, category, image)
    assert {"mse", "mae", "huber", "bce", "weighted_bce", "ce", "weighted_ce"} <= set(LUDWIG_LOSSES)
    assert {"sgd", "adam", "adamw", "rmsprop", "adadelta"} <= set(LUDWIG_OPTIMIZERS)


@pytest.mark.parametrize("loss", LUDWIG_LOSSES)
def test_every_ludwig_loss_passes_ludwigs_schema(loss: str) -> None:
    data = export_recommendation(ludwig_rec(loss), "ludwig")
    assert errors(data) == []
    (feature,) = data["output_features"]
    entry = FRAMEWORKS["losses"][loss]["ludwig"]
    assert feature["loss"]["type"] == entry["objective"]
    assert feature["type"] == entry["feature"]


@pytest.mark.parametrize("optimizer", LUDWIG_OPTIMIZERS)
def test_every_ludwig_optimizer_passes_ludwigs_schema(optimizer: str) -> None:
    settings = {"lr": 0.003, "weight_decay": 0.01}
    data = export_recommendation(
        make_rec("mse", {}, {"target_type": "continuous"}, optimizer, settings), "ludwig"
    )
    assert errors(data) == []
    trainer = data["trainer"]
    assert trainer["learning_rate"] == 0.003  # Ludwig keeps the lr beside the optimizer
    assert trainer["optimizer"] == {"type": optimizer, "weight_decay": 0.01}


def test_the_schema_check_can_fail() -> None:
    data = export_recommendation(regression_rec("huber"), "ludwig")
    data["output_features"][0]["loss"]["delt"] = 1.0  # a typo Ludwig's open schema admits
    assert errors(data) == ["loss key 'delt' of huber"]
    data["output_features"][0]["loss"]["type"] = "huberr"
    assert errors(data)


def test_huber_delta_and_positive_weight_reach_the_loss() -> None:
    rec = regression_rec("huber")
    loss = export_recommendation(rec, "ludwig")["output_features"][0]["loss"]
    assert loss == {"type": "huber", "delta": rec.ranking[0].params["delta"].value}
    rec = imbalance_rec("weighted_bce")
    loss = export_recommendation(rec, "ludwig")["output_features"][0]["loss"]
    assert loss["positive_class_weight"] == pytest.approx(357 / 212)  # n_neg / n_pos


def test_class_weights_are_keyed_by_the_users_labels(tmp_path: Path) -> None:
    rec = rec_from(tmp_path, SIZES)
    assert rec.ranking[0].loss == "weighted_ce"
    data = export_recommendation(rec, "ludwig")
    assert errors(data) == []
    (feature,) = data["output_features"]
    assert feature["name"] == "label" and feature["type"] == "category"
    weights = feature["loss"]["class_weights"]
    expected = balanced(SIZES)
    assert set(weights) == set(SIZES)
    for label, weight in weights.items():
        assert weight == pytest.approx(expected[label]), label


def test_a_positive_class_ludwig_would_not_guess_is_named(tmp_path: Path) -> None:
    # Ludwig reads "Yes" as true by itself; "malignant" it would not (strings_utils.str2bool)
    rec = rec_from(tmp_path, ANSWERS, seed=1)
    (feature,) = export_recommendation(rec, "ludwig")["output_features"]
    assert feature["type"] == "binary" and "preprocessing" not in feature
    rec = rec_from(tmp_path, {"benign": 500, "malignant": 40}, seed=2)
    assert rec.positive_class == "malignant"
    (feature,) = export_recommendation(rec, "ludwig")["output_features"]
    assert feature["preprocessing"] == {"fallback_true_label": "malignant"}


def test_multiclass_focal_says_ludwig_drops_alpha() -> None:
    rec = make_rec("focal_multiclass", {"alpha": 0.25, "gamma": 2.0}, dict(FACTS["category"]))
    data = export_recommendation(rec, "ludwig")
    assert data["output_features"][0]["loss"] == {"type": "focal", "gamma": 2.0}
    assert any("alpha" in note for note in data["lossadvisor"]["notes"])


def test_multilabel_bce_is_a_set_feature() -> None:
    rec = make_rec("bce", {}, {"target_type": "multilabel", "n_classes": 6})
    data = export_recommendation(rec, "ludwig")
    assert errors(data) == []
    feature = data["output_features"][0]
    assert feature["type"] == "set" and feature["loss"] == {"type": "sigmoid_cross_entropy"}
    rec = make_rec("weighted_bce", {"pos_weight": 3.0}, {"target_type": "multilabel"})
    with pytest.raises(InputError, match="ludwig has 'binary_weighted_cross_entropy' for two"):
        export_recommendation(rec, "ludwig")


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ({"name": "cosine", "warmup_ratio": 0.1}, {"warmup_fraction": 0.1, "decay": "cosine"}),
        ({"name": "polynomial", "power": 2.0}, {"decay": "polynomial", "polynomial_power": 2.0}),
        ({"name": "polynomial", "power": 1.0, "warmup_ratio": 0.1}, {"decay": "linear"}),
        ({"name": "constant", "warmup_ratio": 0.05}, {"warmup_fraction": 0.05}),
    ],
)
def test_schedules(schedule: dict[str, Any], expected: dict[str, Any]) -> None:
    rec = regression_rec("mse")
    rec = rec.model_copy(
        update={"optimizer": OptimizerAdvice(name="adam", settings={"lr": 0.01}, schedule=schedule)}
    )
    trainer = export_recommendation(rec, "ludwig", steps=200)["trainer"]
    scheduler = trainer["learning_rate_scheduler"]
    assert trainer["train_steps"] == 200
    assert {k: scheduler[k] for k in expected} == expected
    if schedule["name"] == "cosine":
        # one cosine cycle over the steps after the warm-up: no restart inside the run
        assert scheduler["t_0"] == 200 - 20 and scheduler["t_mult"] == 1
    assert errors({"output_features": [{"name": "y", "type": "number"}], "trainer": trainer}) == []


def test_step_schedule_has_no_ludwig_form_and_says_so() -> None:
    rec = regression_rec("mse").model_copy(
        update={
            "optimizer": OptimizerAdvice(
                name="sgd",
                settings={"lr": 0.1},
                schedule={"name": "step", "milestones_ratio": [0.5, 0.75], "gamma": 0.1},
            )
        }
    )
    data = export_recommendation(rec, "ludwig")
    assert "decay" not in data["trainer"].get("learning_rate_scheduler", {})
    assert any("MultiStepLR" in n and "no Ludwig form" in n for n in data["lossadvisor"]["notes"])


def _two_heads(method: str, settings: dict[str, Any]) -> Recommendation:
    return Recommendation(
        facts={"n_classes": 3},
        context={"n_heads": 2},
        ranking=[],
        optimizer=OptimizerAdvice(name="adam", settings={"lr": 0.001}),
        heads=[
            HeadAdvice(name="kind", task="multiclass", loss="ce", params={}, weight=1.0),
            HeadAdvice(
                name="price",
                task="regression",
                loss="huber",
                params=advice({"delta": 2.0}),
                weight=0.5,
            ),
        ],
        balancing=BalancingAdvice(method=method, settings=settings, reasons=["scales differ"]),
    )


@pytest.mark.parametrize(
    ("method", "settings", "trainer_keys"),
    [
        ("uncertainty", {"init_log_var": -0.5}, {"loss_balancing": "uncertainty"}),
        ("gradnorm", {"alpha": 1.5}, {"loss_balancing": "gradnorm", "loss_balancing_alpha": 1.5}),
        ("dwa", {"temperature": 2.0}, {"loss_balancing": "none"}),
    ],
)
def test_heads_are_output_features_with_their_weights(
    method: str, settings: dict[str, Any], trainer_keys: dict[str, Any]
) -> None:
    data = export_recommendation(_two_heads(method, settings), "ludwig")
    assert errors(data) == []
    by_name = {f["name"]: f for f in data["output_features"]}
    assert by_name["kind"]["type"] == "category" and by_name["kind"]["loss"]["weight"] == 1.0
    assert by_name["price"]["loss"] == {"type": "huber", "delta": 2.0, "weight": 0.5}
    assert {k: data["trainer"][k] for k in trainer_keys} == trainer_keys
    if method == "dwa":
        assert any("'dwa' has no Ludwig form" in n for n in data["lossadvisor"]["notes"])


@pytest.mark.parametrize(
    ("rec", "message"),
    [
        (
            make_rec("huber", {"delta": 1.0}, {}, "lars", {"lr": 0.1}),
            "optimizer 'lars': ludwig has no implementation",
        ),
        (make_rec("poisson", {}, {"target_type": "count"}), "ludwig has no implementation of"),
        (multiclass_rec("weighted_ce").model_copy(update={"facts": {}}), None),
    ],
)
def test_what_ludwig_cannot_carry_is_one_line(rec: Recommendation, message: str | None) -> None:
    if message is None:  # weights without named classes: a list in Ludwig's index order, noted
        data = export_recommendation(rec, "ludwig")
        assert isinstance(data["output_features"][0]["loss"]["class_weights"], list)
        return
    with pytest.raises(InputError, match=message) as err:
        export_recommendation(rec, "ludwig")
    assert "\n" not in str(err.value)


def test_cli_writes_a_ludwig_config(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    native = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(regression_rec("huber"), "native"), str(native))
    out = tmp_path / "ludwig.yaml"
    result = CliRunner().invoke(app, ["export", str(native), "--format", "ludwig", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert errors(data) == []
    assert (loss_properties("number", "huber") or set()) >= set(data["output_features"][0]["loss"])


def test_a_polynomial_decay_after_warm_up_notes_ludwigs_double_count() -> None:
    schedule = {"name": "polynomial", "power": 2.0, "warmup_ratio": 0.1}
    rec = regression_rec("mse").model_copy(
        update={"optimizer": OptimizerAdvice(name="adam", settings={"lr": 0.01}, schedule=schedule)}
    )
    notes = export_recommendation(rec, "ludwig")["lossadvisor"]["notes"]
    assert any("counts the warm-up twice" in n for n in notes)
