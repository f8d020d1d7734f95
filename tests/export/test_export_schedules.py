"""The advised LR schedule, exported as a real torch scheduler and stepped for the whole run.

Each optimizer's default schedule is read from rules/methods.yaml here (not from the exporter);
the LR curve the exported scheduler produces is compared with the closed forms: linear warm-up
to the base lr over round(warmup_ratio × T) steps, then cosine / polynomial / step decay to the
final lr the schedule implies.
"""

from __future__ import annotations

import importlib
import itertools
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from export_helpers import make_rec, methods
from hydra.utils import instantiate
from omegaconf import OmegaConf
from omegaconf.errors import MissingMandatoryValue

from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import OptimizerAdvice, Recommendation

STEPS = 200
OPTIMIZERS = {o["id"]: o for o in methods()["optimizers"]}
CHILDREN = {
    "cosine": "CosineAnnealingLR",
    "polynomial": "PolynomialLR",
    "step": "MultiStepLR",
    "constant": "ConstantLR",
}


def rec_with(optimizer: str) -> Recommendation:
    spec = OPTIMIZERS[optimizer]
    base = make_rec("huber", {"delta": 1.0})
    advice = OptimizerAdvice(
        name=optimizer, settings=dict(spec["defaults"]), schedule=dict(spec["schedule"])
    )
    return base.model_copy(update={"optimizer": advice})


def expected_curve(schedule: dict[str, Any], lr: float, total: int) -> list[float]:
    """lr before each of the total steps and after the last: the closed forms."""
    warm = round(float(schedule.get("warmup_ratio", 0.0)) * total)
    rest = total - warm
    out = []
    for t in range(total + 1):
        if t < warm:
            out.append(lr * (1e-3 + (1 - 1e-3) * t / warm))
            continue
        s = t - warm
        name = schedule["name"]
        if name == "cosine":
            out.append(lr * (1 + math.cos(math.pi * s / rest)) / 2)
        elif name == "polynomial":
            out.append(lr * (1 - min(s, rest) / rest) ** float(schedule.get("power", 1.0)))
        elif name == "step":
            passed = sum(t >= round(r * total) for r in schedule["milestones_ratio"])
            out.append(lr * float(schedule["gamma"]) ** passed)
        else:
            out.append(lr)
    return out


def run_curve(scheduler: Any, optimizer: torch.optim.Optimizer, total: int) -> list[float]:
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(total):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def check(scheduler: Any, lrs: list[float], optimizer_id: str, total: int) -> None:
    spec = OPTIMIZERS[optimizer_id]
    schedule, lr = spec["schedule"], float(spec["defaults"]["lr"])
    assert isinstance(scheduler, torch.optim.lr_scheduler.SequentialLR)
    kinds = [type(s).__name__ for s in scheduler._schedulers]
    warm = round(float(schedule.get("warmup_ratio", 0.0)) * total)
    assert kinds == ([*(["LinearLR"] if warm else []), CHILDREN[schedule["name"]]])
    assert lrs == pytest.approx(expected_curve(schedule, lr, total), rel=1e-6, abs=1e-12)
    if warm:  # the warm-up rises to the base lr exactly at step round(ratio × T)
        assert all(a < b for a, b in itertools.pairwise(lrs[: warm + 1]))
        assert lrs[warm] == pytest.approx(lr) and lrs[warm - 1] < lr
    final = {"cosine": 0.0, "polynomial": 0.0, "constant": lr}.get(
        schedule["name"],
        lr * float(schedule.get("gamma", 1.0)) ** len(schedule.get("milestones_ratio", [])),
    )
    assert lrs[-1] == pytest.approx(final, abs=1e-12)


@pytest.mark.parametrize("optimizer_id", sorted(OPTIMIZERS))
def test_hydra_scheduler_follows_the_advised_curve(optimizer_id: str) -> None:
    data = export_recommendation(rec_with(optimizer_id), "hydra")
    assert data["lr_scheduler"]["total_steps"] == "${trainer.max_steps}"
    cfg = OmegaConf.merge(
        OmegaConf.create(data), OmegaConf.from_dotlist([f"trainer.max_steps={STEPS}"])
    )
    model = torch.nn.Linear(2, 1)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.lr_scheduler)(optimizer)
    check(scheduler, run_curve(scheduler, optimizer, STEPS), optimizer_id, STEPS)


@pytest.mark.parametrize("optimizer_id", ["adamw", "sgd", "lamb"])
def test_lightning_scheduler_builds_as_lightningcli_does(optimizer_id: str, tmp_path: Path) -> None:
    from test_export_lightning import parser

    path = tmp_path / "lightning.yaml"
    write_yaml(export_recommendation(rec_with(optimizer_id), "lightning", steps=60), str(path))
    p = parser()
    init = p.instantiate(p.parse_path(str(path)))
    assert init.trainer.max_epochs == 60

    def build(spec: Any, *args: Any) -> Any:
        module, _, name = spec.class_path.rpartition(".")
        return getattr(importlib.import_module(module), name)(*args, **dict(vars(spec.init_args)))

    optimizer = build(init.optimizer, torch.nn.Linear(2, 1).parameters())
    scheduler = build(init.lr_scheduler, optimizer)  # LightningCLI passes the optimizer first
    check(scheduler, run_curve(scheduler, optimizer, 60), optimizer_id, 60)


def test_the_step_count_must_be_filled() -> None:
    data = export_recommendation(rec_with("adamw"), "hydra")
    cfg = OmegaConf.create(data)
    assert OmegaConf.is_missing(cfg.trainer, "max_steps")
    optimizer = instantiate(cfg.optimizer)(torch.nn.Linear(2, 1).parameters())
    # hydra refuses it: a missing-value error, or (hydra 1.3.8) the argument left out
    with pytest.raises((MissingMandatoryValue, TypeError), match=r"max_steps|total_steps"):
        instantiate(cfg.lr_scheduler)(optimizer)
    filled = export_recommendation(rec_with("adamw"), "hydra", steps=500)
    assert filled["trainer"]["max_steps"] == 500
    assert any("trainer.max_steps" in n for n in filled["lossadvisor"]["notes"])


def test_bad_step_counts_are_input_errors(tmp_path: Path) -> None:
    for bad in (0, -3):
        with pytest.raises(InputError, match="--steps"):
            export_recommendation(rec_with("adamw"), "hydra", steps=bad)
    native = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(rec_with("adamw"), "native"), str(native))
    result = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "export", str(native), "-f", "hydra", "--steps", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
