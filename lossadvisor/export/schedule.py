"""The advised learning-rate schedule as a scheduler node for the torch formats.

Every recommendation's optimizer advice has a schedule (rules/methods.yaml: cosine, step,
polynomial or constant, with a warm-up ratio). Hydra and Lightning exports carry it as a real
torch scheduler, `lossadvisor.torch_losses.WarmupLR` (a SequentialLR of LinearLR and
CosineAnnealingLR / PolynomialLR / MultiStepLR / ConstantLR), built with the optimizer:

    hydra:      scheduler = instantiate(cfg.lr_scheduler)(optimizer); scheduler.step() per step
                total_steps: ${trainer.max_steps}  (fill trainer.max_steps, or export --steps N)
    lightning:  the top-level `lr_scheduler:` group LightningCLI reads (class_path/init_args);
                LightningCLI steps it once per epoch, so total_steps = trainer.max_epochs.

The step count is the one thing the advice cannot know: it is an explicit parameter.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import out_of_range
from lossadvisor.models import OptimizerAdvice

TARGET = "lossadvisor.torch_losses.WarmupLR"
# schedule advice key -> WarmupLR argument (the advice's `name` is the decay)
ARGS = {
    "warmup_ratio": "warmup_ratio",
    "power": "power",
    "milestones_ratio": "milestones_ratio",
    "gamma": "gamma",
    "eta_min": "eta_min",
}
DECAYS = ("cosine", "polynomial", "step", "constant")
HYDRA_STEPS = "${trainer.max_steps}"
# LightningCLI's Trainer runs 1000 epochs when neither max_epochs nor max_steps is set.
LIGHTNING_DEFAULT_EPOCHS = 1000


def check_steps(steps: int | None) -> int | None:
    """--steps as given: a whole number >= 1, or None."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise out_of_range("--steps", "an integer >= 1", steps)
    return steps


def arguments(advice: OptimizerAdvice, notes: list[str]) -> dict[str, Any] | None:
    """WarmupLR's arguments (without total_steps) for the advised schedule; None if none fits."""
    schedule = dict(advice.schedule)
    name = schedule.pop("name", None)
    if name is None:
        return None
    if name not in DECAYS:
        notes.append(
            f"schedule '{name}' has no torch form in this export; "
            "the optimizer runs at its constant lr"
        )
        return None
    args: dict[str, Any] = {"decay": name}
    for key, value in schedule.items():
        if key in ARGS:
            args[ARGS[key]] = value
        else:
            notes.append(f"schedule setting {key}={value!r} has no WarmupLR counterpart; left out")
    return args


def describe(args: dict[str, Any], where: str, unit: str) -> str:
    """One note on what the scheduler does and which number the user fills."""
    warm = float(args.get("warmup_ratio", 0.0) or 0.0)
    warmup = f"linear warm-up over {warm:g} of the steps, then " if warm > 0 else ""
    return (
        f"lr_scheduler: {warmup}{args['decay']} decay (WarmupLR = torch SequentialLR); "
        f"total_steps is the number of scheduler.step() calls ({unit}): set {where}"
    )


def hydra_nodes(advice: OptimizerAdvice, steps: int | None, notes: list[str]) -> dict[str, Any]:
    """`trainer.max_steps` (??? until filled) and the `lr_scheduler:` partial node."""
    args = arguments(advice, notes)
    if args is None:
        return {}
    notes.append(
        describe(args, "trainer.max_steps (or export --steps N)", "one per optimizer step")
    )
    node = {"_target_": TARGET, "_partial_": True, "total_steps": HYDRA_STEPS, **args}
    if any(isinstance(v, list | tuple) for v in args.values()):
        node["_convert_"] = "all"
    return {"trainer": {"max_steps": steps if steps is not None else "???"}, "lr_scheduler": node}


def lightning_nodes(advice: OptimizerAdvice, steps: int | None, notes: list[str]) -> dict[str, Any]:
    """`trainer.max_epochs` and LightningCLI's `lr_scheduler:` group, the same step count."""
    args = arguments(advice, notes)
    if args is None:
        return {}
    total = steps if steps is not None else LIGHTNING_DEFAULT_EPOCHS
    notes.append(
        describe(
            args,
            "total_steps equal to trainer.max_epochs (export --steps N sets both)",
            "LightningCLI steps it once per epoch",
        )
    )
    return {
        "trainer": {"max_epochs": total},
        "lr_scheduler": {"class_path": TARGET, "init_args": {"total_steps": total, **args}},
    }
