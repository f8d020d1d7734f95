"""The advised learning-rate schedule as a Keras 3 `LearningRateSchedule` (the optimizer's
`learning_rate`, serialized as `{module, class_name, config}`; keras.optimizers.deserialize
builds it and the optimizer calls it with its step counter on every update).

Keras counts optimizer steps, so the schedule needs the run's step count: `export --steps N`.
Without it the optimizer keeps its constant lr and a note says how to get the schedule.
The curves are the torch WarmupLR's (export/schedule.py), step for step:
  cosine      CosineDecay(lr·1e-3 → lr over the warm-up: warmup_target/warmup_steps, then
              cosine over the rest to eta_min: alpha = eta_min / lr)
  polynomial  PolynomialDecay(lr, T, end_learning_rate 0, power)
  step        PiecewiseConstantDecay(boundaries = milestone − 1, values lr·γ^k): Keras uses
              values[k] while step <= boundaries[k], torch multiplies by γ from the milestone on
Keras' PolynomialDecay and PiecewiseConstantDecay have no warm-up: a warm-up advised with them
is left out, and a note says so.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.schedule import arguments
from lossadvisor.models import OptimizerAdvice

MODULE = "keras.optimizers.schedules"
START_FACTOR = 1e-3  # WarmupLR's default: the warm-up starts at lr · 1e-3


def _node(name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"module": MODULE, "class_name": name, "config": config}


def learning_rate(
    advice: OptimizerAdvice, lr: float, steps: int | None, notes: list[str]
) -> dict[str, Any] | None:
    """The schedule node for `learning_rate`, or None (constant lr, or no --steps)."""
    args = arguments(advice, notes)
    if args is None or args["decay"] == "constant":
        return None
    if steps is None:
        notes.append(
            f"learning_rate: the advised {args['decay']} schedule needs the run's optimizer step "
            "count; export --steps N writes it as a keras LearningRateSchedule"
        )
        return None
    ratio = float(args.get("warmup_ratio", 0.0) or 0.0)
    warm = round(ratio * steps)
    decay = args["decay"]
    if decay == "cosine":
        config: dict[str, Any] = {"initial_learning_rate": lr, "decay_steps": steps}
        config["alpha"] = float(args.get("eta_min", 0.0) or 0.0) / lr
        if warm > 0:
            config.update(
                initial_learning_rate=lr * START_FACTOR,
                decay_steps=steps - warm,
                warmup_target=lr,
                warmup_steps=warm,
            )
        node = _node("CosineDecay", config)
    elif decay == "polynomial":
        power = float(args.get("power", 1.0))
        node = _node(
            "PolynomialDecay",
            {
                "initial_learning_rate": lr,
                "decay_steps": steps,
                "end_learning_rate": 0.0,
                "power": power,
            },
        )
    else:
        gamma = float(args.get("gamma", 0.1))
        marks = sorted({round(float(r) * steps) for r in args.get("milestones_ratio", [])})
        marks = [m for m in marks if 0 < m <= steps]
        values = [lr * gamma**k for k in range(len(marks) + 1)]
        node = _node(
            "PiecewiseConstantDecay", {"boundaries": [m - 1 for m in marks], "values": values}
        )
    if warm > 0 and decay != "cosine":
        notes.append(
            f"learning_rate: Keras {node['class_name']} has no warm-up; the advised "
            f"{ratio:g} warm-up is left out"
        )
    what = f"linear warm-up over {warm} steps, then " if warm > 0 and decay == "cosine" else ""
    notes.append(
        f"learning_rate: {what}{decay} decay over {steps} optimizer steps "
        f"(keras {node['class_name']}, called with optimizer.iterations)"
    )
    return node
