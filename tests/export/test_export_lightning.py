"""Lightning exports: jsonargparse, as LightningCLI uses it, builds loss and optimizer."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from export_helpers import FAMILIES, facts_for, make_rec, run_once, torch_inputs
from jsonargparse import ArgumentParser
from test_export_hydra import TORCH_LOSSES, catalog_params

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import Recommendation


class TinyModule:
    """Stands in for a LightningModule whose __init__ takes the loss (LightningCLI(TinyModule))."""

    def __init__(self, loss_fn: torch.nn.Module) -> None:
        self.loss_fn = loss_fn


def parser() -> ArgumentParser:
    """The groups LightningCLI builds: the model's init args, the optimizer and lr_scheduler
    subclasses (built later with the optimizer, as LightningCLI does) and the trainer's epochs."""
    p = ArgumentParser(exit_on_error=False)
    p.add_class_arguments(TinyModule, "model")
    p.add_subclass_arguments(torch.optim.Optimizer, "optimizer", skip={"params"}, instantiate=False)
    p.add_subclass_arguments(
        (torch.optim.lr_scheduler.LRScheduler, torch.optim.lr_scheduler.ReduceLROnPlateau),
        "lr_scheduler",
        skip={"optimizer"},
        instantiate=False,
    )
    p.add_argument("--trainer.max_epochs", type=int | None, default=None)
    return p


def build(rec: Recommendation, tmp_path: Path) -> tuple[TinyModule, torch.optim.Optimizer, Path]:
    path = tmp_path / "lightning.yaml"
    write_yaml(export_recommendation(rec, "lightning", rules_digest="sha256:test"), str(path))
    p = parser()
    cfg = p.parse_path(str(path))
    init = p.instantiate(cfg)
    # LightningCLI builds the optimizer itself once the model's parameters exist; do the same.
    spec = init.optimizer
    module, _, name = spec.class_path.rpartition(".")
    opt_class = getattr(importlib.import_module(module), name)
    params = torch.nn.Linear(3, 1).parameters()
    optimizer = opt_class(params, **dict(vars(spec.init_args)))
    return init.model, optimizer, path


@pytest.mark.parametrize("loss", TORCH_LOSSES)
def test_every_catalog_loss_builds_from_class_path(loss: str, tmp_path: Path) -> None:
    rec = make_rec(loss, catalog_params(loss), facts=facts_for(loss))
    model, optimizer, _ = build(rec, tmp_path)
    value, grad = run_once(model.loss_fn, loss)
    assert torch.isfinite(value) and grad.abs().sum() > 0
    assert isinstance(optimizer, torch.optim.Adam)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "multitask"])
def test_family_exports_parse_and_train(family: str, tmp_path: Path) -> None:
    rec = FAMILIES[family]()
    model, optimizer, path = build(rec, tmp_path)
    loss_id = rec.ranking[0].loss
    value, grad = run_once(model.loss_fn, loss_id, multiclass=rec.facts.get("n_classes", 2) > 2)
    assert torch.isfinite(value) and grad.abs().sum() > 0
    assert optimizer.param_groups[0]["lr"] == rec.optimizer.settings["lr"]
    text = path.read_text()
    # provenance is kept as comments: LightningCLI rejects unknown top-level keys
    assert text.startswith("# lossadvisor:")
    scheduled = {"lr_scheduler", "trainer"} if rec.optimizer.schedule else set()
    assert set(yaml.safe_load(text)) == {"model", "optimizer", *scheduled}


def test_tensor_arguments_use_the_list_wrapper(tmp_path: Path) -> None:
    rec = FAMILIES["imbalance"]()
    data = export_recommendation(rec, "lightning")
    node = data["model"]["loss_fn"]
    assert node["class_path"] == "lossadvisor.torch_losses.BCEWithLogitsLossFromList"
    assert node["init_args"]["pos_weight"] == [rec.ranking[0].params["pos_weight"].value]
    model, _, _ = build(rec, tmp_path)
    assert float(model.loss_fn.pos_weight) == pytest.approx(
        rec.ranking[0].params["pos_weight"].value
    )


def test_multitask_builds_through_jsonargparse(tmp_path: Path) -> None:
    from lossadvisor.torch_losses import MultiTaskLoss

    rec = FAMILIES["multitask"]()
    model, _, _ = build(rec, tmp_path)
    total_fn = model.loss_fn
    assert isinstance(total_fn, MultiTaskLoss)
    assert total_fn.weights == {"seg": 1.0, "depth": 0.5} and total_fn.method == "uncertainty"
    seg_pred, seg_rest = torch_inputs("dice_ce", multiclass=True)
    depth_pred, depth_rest = torch_inputs("huber")
    preds: Mapping[str, Any] = {"seg": seg_pred, "depth": depth_pred}
    total = total_fn(preds, {"seg": seg_rest[0], "depth": depth_rest[0]})
    total.backward()
    assert torch.isfinite(total) and seg_pred.grad.abs().sum() > 0
