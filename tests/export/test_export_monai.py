"""MONAI bundle fragments: monai.bundle.ConfigParser instantiates loss, optimizer, scheduler."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from export_helpers import FAMILIES, run_once
from monai.bundle import ConfigParser

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import OptimizerAdvice


def parsed(data: dict, tmp_path: Path, network: torch.nn.Module) -> ConfigParser:
    path = tmp_path / "train.yaml"
    write_yaml(data, str(path))
    parser = ConfigParser()
    parser.read_config(str(path))
    parser["network"] = network
    return parser


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_builds_in_configparser(family: str, tmp_path: Path) -> None:
    rec = FAMILIES[family]()
    rec = rec.model_copy(
        update={
            "optimizer": OptimizerAdvice(
                name=rec.optimizer.name,
                settings=dict(rec.optimizer.settings),
                schedule={"name": "cosine", "warmup_ratio": 0.1},
            )
        }
    )
    net = torch.nn.Linear(2, 1)
    parser = parsed(export_recommendation(rec, "monai", steps=20), tmp_path, net)
    loss = parser.get_parsed_content("loss")
    optimizer = parser.get_parsed_content("optimizer")
    scheduler = parser.get_parsed_content("lr_scheduler")
    assert optimizer.param_groups[0]["params"][0] is net.weight
    assert scheduler.optimizer is optimizer and scheduler.total_steps == 20
    if family == "multitask":
        assert sorted(loss.losses) == ["depth", "seg"]
        return
    value, grad = run_once(loss, rec.ranking[0].loss, multiclass=rec.facts.get("n_classes", 2) > 2)
    assert torch.isfinite(value) and grad.abs().sum() > 0
    lrs = []
    for _ in range(20):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs[1] == pytest.approx(rec.optimizer.settings["lr"]) and lrs[-1] == pytest.approx(0)


def test_tensor_weights_reach_the_loss(tmp_path: Path) -> None:
    rec = FAMILIES["classification"]()
    parser = parsed(export_recommendation(rec, "monai"), tmp_path, torch.nn.Linear(2, 1))
    loss = parser.get_parsed_content("loss")
    weights = rec.ranking[0].params["class_weights"].value
    assert loss.weight.tolist() == pytest.approx(weights)
