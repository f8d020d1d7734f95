"""Ludwig: the `output_features` and `trainer` sections of a Ludwig (ECD) model config.

Ludwig configs name each output feature's loss under `output_features[].loss` (`type` plus its
parameters) and the optimizer under `trainer.optimizer`, with the learning rate and its
schedule beside it (`trainer.learning_rate`, `trainer.learning_rate_scheduler`). The export is
those two sections: add your `input_features` (Ludwig needs at least one) and train with
`ludwig train --config config.yaml --dataset data.csv`. Checked against the JSON Schema that
Ludwig 0.17.10 generates for its own configs (`python -m ludwig.schema.export_schema`).

Labels: Ludwig reads class labels as the data spells them, so per-class weights are keyed by
label (`class_weights: {label: weight}`) and a binary target's positive class is named with
`preprocessing.fallback_true_label` when it is not a conventional true value.

The schedule: Ludwig's warm-up is linear over `warmup_fraction` of `trainer.train_steps`, and
its decays take that step count too; the advised decay maps to Ludwig's as follows (Ludwig's
ludwig/modules/lr_scheduler.py):
  cosine      decay: cosine with t_0 = the steps after warm-up (one cycle, no restart), eta_min
  polynomial  power 1: decay: linear (exact); other powers: decay: polynomial, polynomial_power,
              which after a warm-up counts the warm-up twice in Ludwig 0.17.10 (its progress
              subtracts the warm-up from a step count that already restarts at 0), so the export
              says so in a note
  constant    no decay (the warm-up only)
  step        no Ludwig form (MultiStep): the lr stays constant after warm-up, and a note says so
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.schedule import LIGHTNING_DEFAULT_EPOCHS, arguments
from lossadvisor.models import Recommendation
from lossadvisor.rules.frameworks import Frameworks

# Ludwig trains 100 epochs by default, so the step count is unknown: like the Lightning export,
# the schedule assumes this many steps unless `--steps` says otherwise.
DEFAULT_STEPS = LIGHTNING_DEFAULT_EPOCHS
# Values Ludwig's binary feature reads as 1 without being told (ludwig/utils/strings_utils.py).
TRUE_STRINGS = frozenset({"true", "1", "1.0", "yes", "y", "t", "on"})


def output_feature(job: Job, choice: LossChoice, notes: list[str]) -> dict[str, Any]:
    """One `output_features` entry: the column, its Ludwig type, and its loss."""
    rec = job.rec
    entry, built = loss_args(job, choice)
    notes.extend(built.notes)
    if entry.feature is None or entry.objective is None:
        raise InputError(f"{choice.label()}: the ludwig entry needs `objective` and `feature`")
    loss: dict[str, Any] = {"type": entry.objective, **built.args}
    if choice.head is not None:
        loss["weight"] = choice.weight
    target = choice.head or rec.target
    if target is None:
        target = "target"
        notes.append(
            "output_features[0].name: set it to your target column (the recommendation "
            "was not made from data)"
        )
    feature: dict[str, Any] = {"name": target, "type": entry.feature, "loss": loss}
    positive = choice.labels.positive if choice.labels is not None else None
    if entry.feature == "binary" and positive and positive.strip().lower() not in TRUE_STRINGS:
        feature["preprocessing"] = {"fallback_true_label": positive}
    if entry.feature == "set":
        notes.append(
            f"{choice.label()}: a Ludwig set feature splits each cell with "
            "preprocessing.tokenizer (default: space); set it to match your label separator"
        )
    return feature


def _scheduler(rec: Recommendation, total: int, notes: list[str]) -> dict[str, Any]:
    """trainer.learning_rate_scheduler for the advised schedule ({} for none)."""
    args = arguments(rec.optimizer, notes)
    if args is None:
        return {}
    warmup = float(args.get("warmup_ratio", 0.0) or 0.0)
    out: dict[str, Any] = {"warmup_fraction": warmup} if warmup > 0 else {}
    decay = args["decay"]
    if decay == "cosine":
        rest = total - round(warmup * total)
        out.update(decay="cosine", t_0=max(rest, 1), t_mult=1)
        if args.get("eta_min"):
            out["eta_min"] = args["eta_min"]
    elif decay == "polynomial":
        power = float(args.get("power", 1.0))
        if power == 1.0:
            out["decay"] = "linear"
        else:
            out.update(decay="polynomial", polynomial_power=power)
            if warmup > 0:
                notes.append(
                    "Ludwig 0.17.10's polynomial decay counts the warm-up twice "
                    "(ludwig/modules/lr_scheduler.py polynomial_decay): right after the warm-up "
                    f"its lr is (1 + w/(T − w))^{power:g} × lr, not lr; drop warmup_fraction "
                    "for the exact decay"
                )
    elif decay == "step":
        notes.append(
            "schedule 'step' (MultiStepLR) has no Ludwig form: the lr stays constant after the "
            "warm-up; Ludwig's closest is decay: exponential with staircase: true"
        )
    notes.append(
        f"learning_rate_scheduler: the schedule spans trainer.train_steps = {total} optimizer "
        "steps (export --steps N sets it; Ludwig then ignores epochs)"
    )
    return out


def _balancing(rec: Recommendation, frameworks: Frameworks, notes: list[str]) -> dict[str, Any]:
    """trainer keys of the advised multi-task balancing (static weights when Ludwig has none)."""
    if rec.balancing is None:
        return {}
    form = frameworks.ludwig_balancing.get(rec.balancing.method)
    if form is None:
        notes.append(
            f"balancing '{rec.balancing.method}' has no Ludwig form; the export keeps the "
            "static loss weights (trainer.loss_balancing: none)"
        )
        return {"loss_balancing": "none"}
    out: dict[str, Any] = {"loss_balancing": form.method}
    for name, value in rec.balancing.settings.items():
        key = form.settings.get(name)
        if key is None:
            notes.append(f"balancing setting {name}={value!r} has no Ludwig counterpart; left out")
        elif value is not None:
            out[key] = value
    return out


def build(job: Job) -> Body:
    """The `output_features` and `trainer` sections, and notes."""
    rec, choices, frameworks, steps = job.rec, job.choices, job.frameworks, job.steps
    notes: list[str] = []
    features = [output_feature(job, c, notes) for c in choices]
    entry, built = optimizer_args(job, rec.optimizer)
    notes.extend(built.notes)
    settings = dict(built.args)
    trainer: dict[str, Any] = {}
    if "learning_rate" in settings:
        trainer["learning_rate"] = settings.pop("learning_rate")
    trainer["optimizer"] = {"type": entry.objective, **settings}
    total = steps if steps is not None else DEFAULT_STEPS
    scheduler = _scheduler(rec, total, notes)
    if scheduler:
        trainer["train_steps"] = total
        trainer["learning_rate_scheduler"] = scheduler
    if len(choices) > 1 or choices[0].head is not None:
        trainer.update(_balancing(rec, frameworks, notes))
    notes.append("add your input_features: Ludwig needs at least one")
    return {"output_features": features, "trainer": trainer}, notes


FORMAT = ExportFormat("ludwig", "ludwig", multi_head=True, header="block", build=build)
