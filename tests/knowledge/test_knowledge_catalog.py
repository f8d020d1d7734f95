"""The loss catalog and the method catalog: complete entries, sane ranges, real defaults."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest
from knowledge_helpers import admits, read_yaml

from lossadvisor.facts import LOSS_FAMILIES, MODEL_OUTPUTS, TARGET_TYPES, TASKS

REQUIRED_LOSSES = [
    "mse",
    "mae",
    "huber",
    "smooth_l1",
    "pseudo_huber",
    "log_cosh",
    "pinball",
    "berhu",
    "poisson",
    "negative_binomial",
    "gamma",
    "tweedie",
    "gaussian_nll",
    "mape",
    "bce",
    "weighted_bce",
    "ce",
    "weighted_ce",
    "class_balanced_ce",
    "label_smoothing_ce",
    "focal_binary",
    "focal_multiclass",
    "kl_div",
    "dice",
    "generalized_dice",
    "tversky",
    "focal_tversky",
    "dice_ce",
    "dice_focal",
    "lovasz",
    "jaccard",
    "giou",
    "diou",
    "ciou",
    "wing",
    "hinge",
    "seq_ce",
    "distillation_kl",
    "barron",
]

PROPERTY_KEYS = {
    "outlier_sensitivity",
    "gradient_continuity",
    "gradient_bounded",
    "gradient_scale",
    "time_complexity",
    "memory",
    "gpu_friendly",
}


def test_catalog_size_and_required_ids(losses: dict[str, Any]) -> None:
    assert len(losses) >= 30
    assert not set(REQUIRED_LOSSES) - set(losses)


def test_ids_are_snake_case_and_unique() -> None:
    ids = [entry["id"] for entry in read_yaml("losses.yaml")["losses"]]
    assert len(ids) == len(set(ids))
    assert all(i.replace("_", "").isalnum() and i == i.lower() for i in ids)


def test_every_loss_is_complete(losses: dict[str, Any]) -> None:
    for loss_id, entry in losses.items():
        for key in ("name", "formula", "gradient"):
            assert entry[key].strip(), f"{loss_id}.{key}"
        assert entry["sources"] and all(s.strip() for s in entry["sources"]), loss_id
        assert entry["family"] in LOSS_FAMILIES, loss_id
        assert entry["output"] in MODEL_OUTPUTS, loss_id
        assert entry["tasks"] and set(entry["tasks"]) <= set(TASKS), loss_id
        assert set(entry["target_types"]) <= set(TARGET_TYPES), loss_id
        assert set(entry["properties"]) == PROPERTY_KEYS, loss_id
        assert isinstance(entry["properties"]["gradient_bounded"], bool), loss_id


def test_every_param_has_default_and_meaning_and_default_in_range(losses: dict[str, Any]) -> None:
    for loss_id, entry in losses.items():
        for name, spec in entry["params"].items():
            assert "default" in spec and spec["meaning"].strip(), f"{loss_id}.{name}"
            default = spec["default"]
            if isinstance(default, int | float) and not isinstance(default, bool):
                assert admits(spec, default), f"{loss_id}.{name} default {default} out of range"
            if spec.get("min") is not None and spec.get("max") is not None:
                assert spec["min"] < spec["max"], f"{loss_id}.{name}"


@pytest.mark.parametrize(
    ("loss", "param", "default"),
    [
        ("huber", "delta", 1.0),  # torch HuberLoss
        ("smooth_l1", "beta", 1.0),  # torch SmoothL1Loss
        ("pinball", "tau", 0.5),  # sklearn mean_pinball_loss
        ("tweedie", "power", 1.5),  # LightGBM tweedie_variance_power
        ("focal_binary", "alpha", 0.25),  # RetinaNet / torchvision
        ("focal_binary", "gamma", 2.0),
        ("tversky", "alpha", 0.3),  # Salehi et al. (FP weight)
        ("tversky", "beta", 0.7),  # (FN weight)
        ("label_smoothing_ce", "epsilon", 0.1),  # Szegedy et al.
        ("class_balanced_ce", "beta", 0.999),
        ("weighted_bce", "pos_weight", 1.0),
        ("weighted_ce", "class_weights", None),
        ("wing", "w", 10.0),  # Feng et al. / mmpose
        ("wing", "epsilon", 2.0),
        ("barron", "alpha", 1.0),
        ("barron", "scale", 1.0),
        ("berhu", "c", 1.0),
        ("focal_tversky", "exponent", 0.75),
    ],
)
def test_documented_defaults(losses: dict[str, Any], loss: str, param: str, default: Any) -> None:
    assert losses[loss]["params"][param]["default"] == default


def test_tweedie_power_is_the_open_compound_poisson_gamma_interval(losses: dict[str, Any]) -> None:
    spec = losses["tweedie"]["params"]["power"]
    assert (spec["min"], spec["max"]) == (1, 2)
    assert not admits(spec, 1.0) and not admits(spec, 2.0) and admits(spec, 1.5)


def test_candidacy_fields(losses: dict[str, Any]) -> None:
    for loss in ("bce", "weighted_bce", "focal_binary"):
        assert "binary" in losses[loss]["target_types"]
        assert {"binary", "multilabel"} <= set(losses[loss]["tasks"])
    # plain CE also serves ordinal targets (it ignores the order: the unordered alternative)
    assert losses["ce"]["target_types"] == ["multiclass", "ordinal"]
    for loss in ("cumulative_link", "coral"):
        assert losses[loss]["target_types"] == ["ordinal"] == losses[loss]["tasks"]
    for loss in (
        "weighted_ce",
        "class_balanced_ce",
        "label_smoothing_ce",
        "focal_multiclass",
    ):
        assert losses[loss]["target_types"] == ["multiclass"]
    for loss in (
        "dice",
        "generalized_dice",
        "tversky",
        "focal_tversky",
        "dice_ce",
        "dice_focal",
        "lovasz",
        "jaccard",
    ):
        assert losses[loss]["tasks"] == ["segmentation"] and losses[loss]["target_types"] == []
    for loss in ("giou", "diou", "ciou"):
        assert losses[loss]["tasks"] == ["detection"] and losses[loss]["output"] == "boxes"
    assert losses["poisson"]["target_types"] == ["count"]
    assert losses["gamma"]["target_types"] == ["positive_continuous"]
    assert "regression" not in losses["wing"]["tasks"]  # a landmark loss, not a general one


def test_corrected_properties(losses: dict[str, Any]) -> None:
    props = {loss_id: entry["properties"] for loss_id, entry in losses.items()}
    assert props["huber"]["gradient_continuity"] == "continuous"  # C¹, not "piecewise"
    assert props["mae"]["gradient_continuity"] == "discontinuous"
    assert props["mse"]["gradient_bounded"] is False
    assert props["log_cosh"]["outlier_sensitivity"] != "low"  # as robust as MAE, not more
    assert props["berhu"]["outlier_sensitivity"] == "high"  # weights large residuals more
    assert props["berhu"]["gradient_bounded"] is False
    assert props["tversky"]["gpu_friendly"] == "high" and props["tversky"]["memory"] == "low"
    assert props["focal_binary"]["memory"] == props["bce"]["memory"]
    sorts = [loss_id for loss_id, p in props.items() if "log p" in p["time_complexity"]]
    assert sorts == ["lovasz"]


# --- methods --------------------------------------------------------------------------------


def test_method_ids(methods: dict[str, Any]) -> None:
    assert [o["id"] for o in methods["optimizers"]] == [
        "sgd",
        "adam",
        "adamw",
        "lamb",
        "lars",
        "rmsprop",
        "adadelta",
    ]
    assert [b["id"] for b in methods["balancing"]] == [
        "fixed",
        "uncertainty",
        "gradnorm",
        "dwa",
        "dtp",
    ]
    for entry in methods["optimizers"] + methods["balancing"]:
        assert entry["sources"] and entry["name"], entry["id"]
    for entry in methods["optimizers"]:
        assert entry["schedule"].get("name"), entry["id"]


@pytest.mark.parametrize(
    ("ours", "torch_name", "keys"),
    [
        ("adam", "Adam", ("lr", "betas", "eps", "weight_decay")),
        ("adamw", "AdamW", ("lr", "betas", "eps", "weight_decay")),
        ("rmsprop", "RMSprop", ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")),
        ("adadelta", "Adadelta", ("lr", "rho", "eps", "weight_decay")),
    ],
)
def test_optimizer_defaults_match_torch(
    methods: dict[str, Any], ours: str, torch_name: str, keys: tuple[str, ...]
) -> None:
    torch = pytest.importorskip("torch")
    signature = inspect.signature(getattr(torch.optim, torch_name).__init__)
    defaults = next(o for o in methods["optimizers"] if o["id"] == ours)["defaults"]
    for key in keys:
        theirs = signature.parameters[key].default
        mine = defaults[key]
        if isinstance(theirs, tuple):
            assert list(theirs) == mine, f"{ours}.{key}"
        else:
            assert math.isclose(float(mine), float(theirs)), f"{ours}.{key}: {mine} != {theirs}"


def test_sgd_and_lamb_and_balancing_defaults(methods: dict[str, Any]) -> None:
    optimizers = {o["id"]: o["defaults"] for o in methods["optimizers"]}
    assert optimizers["sgd"]["momentum"] == 0.9 and "nesterov" in optimizers["sgd"]
    assert optimizers["lamb"]["eps"] == 1.0e-6 and optimizers["lamb"]["weight_decay"] == 0.01
    balancing = {b["id"]: b["defaults"] for b in methods["balancing"]}
    assert balancing["gradnorm"]["alpha"] == 1.5
    assert balancing["dwa"]["temperature"] == 2.0
    assert balancing["uncertainty"]["init_log_var"] == -0.5
