"""Hydra exports load with hydra.utils.instantiate and train one step (torch CPU, MONAI)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml
from export_helpers import (
    FAMILIES,
    SEGMENTATION,
    catalog,
    facts_for,
    frameworks_yaml,
    make_rec,
    run_once,
    torch_inputs,
)
from hydra.utils import instantiate
from omegaconf import OmegaConf

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import Recommendation

TORCH_LOSSES = sorted(frameworks_yaml()["losses"])
SEG_MULTICLASS = sorted(SEGMENTATION)


def catalog_params(loss: str) -> dict[str, Any]:
    """The catalog defaults, with a concrete weight vector where the default is 'computed'."""
    params = {
        name: spec.get("default") for name, spec in (catalog()[loss].get("params") or {}).items()
    }
    if "class_weights" in params and params["class_weights"] is None:
        params["class_weights"] = [1.0, 2.0, 0.5]
    return params


def load_exported(rec: Recommendation, tmp_path: Path, pick: str | None = None) -> Any:
    """Write the hydra export to a file and read it back as hydra would (OmegaConf)."""
    path = tmp_path / "conf.yaml"
    write_yaml(
        export_recommendation(rec, "hydra", pick=pick, rules_digest="sha256:test"), str(path)
    )
    return OmegaConf.load(path)


def one_step(cfg: Any) -> tuple[torch.nn.Linear, torch.Tensor]:
    """Apply the exported optimizer partial to a tiny model and take a step; params must move."""
    model = torch.nn.Linear(3, 1)
    before = model.weight.detach().clone()
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    model(x).pow(2).mean().backward()
    optimizer.step()
    return model, before


@pytest.mark.parametrize("loss", TORCH_LOSSES)
def test_every_catalog_loss_instantiates_and_backpropagates(loss: str, tmp_path: Path) -> None:
    cfg = load_exported(make_rec(loss, catalog_params(loss), facts=facts_for(loss)), tmp_path)
    loss_fn = instantiate(cfg.loss)
    assert isinstance(loss_fn, torch.nn.Module)
    value, grad = run_once(loss_fn, loss)
    assert torch.isfinite(value), f"{loss}: {value}"
    assert grad is not None and grad.abs().sum() > 0, f"{loss}: zero gradient"


@pytest.mark.parametrize("loss", SEG_MULTICLASS)
def test_segmentation_losses_switch_to_softmax_for_several_classes(
    loss: str, tmp_path: Path
) -> None:
    cfg = load_exported(make_rec(loss, catalog_params(loss), facts={"n_classes": 3}), tmp_path)
    value, grad = run_once(instantiate(cfg.loss), loss, multiclass=True)
    assert torch.isfinite(value) and grad.abs().sum() > 0


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "multitask"])
def test_family_loss_and_optimizer_train_one_step(family: str, tmp_path: Path) -> None:
    rec = FAMILIES[family]()
    cfg = load_exported(rec, tmp_path)
    loss_id = rec.ranking[0].loss
    multiclass = rec.facts.get("n_classes", 2) > 2
    value, grad = run_once(instantiate(cfg.loss), loss_id, multiclass=multiclass)
    assert torch.isfinite(value) and grad.abs().sum() > 0
    model, before = one_step(cfg)
    assert not torch.equal(model.weight, before)
    assert cfg.optimizer._partial_ is True


def test_optimizer_settings_reach_the_torch_optimizer(tmp_path: Path) -> None:
    rec = FAMILIES["classification"]()  # sgd, lr 0.05, momentum 0.9, nesterov
    cfg = load_exported(rec, tmp_path)
    opt = instantiate(cfg.optimizer)(torch.nn.Linear(2, 1).parameters())
    assert isinstance(opt, torch.optim.SGD)
    group = opt.param_groups[0]
    assert (group["lr"], group["momentum"], group["nesterov"]) == (0.05, 0.9, True)


def test_lamb_points_to_the_lossadvisor_implementation(tmp_path: Path) -> None:
    from lossadvisor.torch_losses import Lamb

    cfg = load_exported(FAMILIES["detection"](), tmp_path)
    assert cfg.optimizer._target_ == "lossadvisor.torch_losses.Lamb"
    opt = instantiate(cfg.optimizer)(torch.nn.Linear(2, 1).parameters())
    assert isinstance(opt, Lamb) and opt.param_groups[0]["weight_decay"] == 0.01


def test_lamb_step_matches_the_paper_update() -> None:
    """One LAMB step by hand: Adam direction (bias-corrected) + wd·w, scaled by ‖w‖/‖update‖."""
    from lossadvisor.torch_losses import Lamb

    w0 = np.array([0.5, -1.0, 2.0])
    grad = np.array([0.1, 0.3, -0.2])
    param = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = Lamb([param], lr=0.1, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01)
    param.grad = torch.tensor(grad, dtype=torch.float64)
    opt.step()
    m_hat = (0.1 * grad) / 0.1
    v_hat = (0.001 * grad**2) / 0.001
    update = m_hat / (np.sqrt(v_hat) + 1e-6) + 0.01 * w0
    expected = w0 - 0.1 * np.linalg.norm(w0) / np.linalg.norm(update) * update
    np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-6)


def test_pos_weight_becomes_a_tensor_the_loss_uses(tmp_path: Path) -> None:
    rec = FAMILIES["imbalance"]()
    cfg = load_exported(rec, tmp_path)
    raw = yaml.safe_load((tmp_path / "conf.yaml").read_text())
    assert raw["loss"]["pos_weight"] == {
        "_target_": "torch.tensor",
        "_args_": [[rec.ranking[0].params["pos_weight"].value]],
    }
    loss_fn = instantiate(cfg.loss)
    w = rec.ranking[0].params["pos_weight"].value
    assert math.isclose(float(loss_fn.pos_weight), w, rel_tol=1e-6)
    # independent check: -[w·y·log σ(x) + (1−y)·log(1−σ(x))]
    x = np.array([0.3, -1.2, 2.0])
    y = np.array([1.0, 0.0, 1.0])
    s = 1 / (1 + np.exp(-x))
    expected = np.mean(-(w * y * np.log(s) + (1 - y) * np.log(1 - s)))
    got = loss_fn(torch.tensor(x), torch.tensor(y))
    assert math.isclose(float(got), expected, rel_tol=1e-5)


def test_class_weights_become_the_cross_entropy_weight(tmp_path: Path) -> None:
    rec = FAMILIES["classification"]()
    loss_fn = instantiate(load_exported(rec, tmp_path).loss)
    expected = rec.ranking[0].params["class_weights"].value
    np.testing.assert_allclose(loss_fn.weight.numpy(), expected, rtol=1e-6)


def test_multitask_export_builds_one_module_per_head(tmp_path: Path) -> None:
    import monai.losses

    from lossadvisor.torch_losses import MultiTaskLoss

    rec = FAMILIES["multitask"]()
    cfg = load_exported(rec, tmp_path)
    assert set(cfg.loss.losses) == {"seg", "depth"}
    assert dict(cfg.loss.weights) == {"seg": 1.0, "depth": 0.5}
    assert cfg.loss.method == "uncertainty"
    total_fn = instantiate(cfg.loss)
    assert isinstance(total_fn, MultiTaskLoss)
    assert isinstance(total_fn.losses["seg"], monai.losses.DiceCELoss)
    assert (
        isinstance(total_fn.losses["depth"], torch.nn.HuberLoss)
        and total_fn.losses["depth"].delta == 0.5
    )
    seg_pred, seg_rest = torch_inputs("dice_ce", multiclass=True)
    depth_pred, depth_rest = torch_inputs("huber")
    total = total_fn(
        {"seg": seg_pred, "depth": depth_pred}, {"seg": seg_rest[0], "depth": depth_rest[0]}
    )
    total.backward()
    assert torch.isfinite(total)
    assert seg_pred.grad.abs().sum() > 0 and depth_pred.grad.abs().sum() > 0
    # the learned log-variances are parameters an optimizer can train
    assert all(p.grad is not None for p in total_fn.log_vars.values())
    # independent recomputation of the uncertainty-weighted total (s = −0.5 at init)
    seg = total_fn.losses["seg"](seg_pred, seg_rest[0]).item()
    depth = total_fn.losses["depth"](depth_pred, depth_rest[0]).item()
    s = -0.5
    expected = sum(0.5 * math.exp(-s) * w * v + 0.5 * s for w, v in ((1.0, seg), (0.5, depth)))
    assert math.isclose(total.item(), expected, rel_tol=1e-5)


def test_multitask_gradnorm_is_exported_as_fixed_weights_with_a_note(tmp_path: Path) -> None:
    data = export_recommendation(FAMILIES["multitask"]("gradnorm"), "hydra")
    assert data["loss"]["method"] == "fixed"
    assert any("gradnorm" in note for note in data["lossadvisor"]["notes"])
    assert data["lossadvisor"]["balancing"]["method"] == "gradnorm"
