"""Keras 3 serialization: `{class_name, config}`, read by keras.losses/optimizers.deserialize.

Multi-task: `loss` and `loss_weights` keyed by output name, as `Model.compile` takes them.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export import keras_schedule
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.mapping import Frameworks
from lossadvisor.models import Recommendation


def loss_node(
    frameworks: Frameworks, choice: LossChoice, rec: Recommendation, notes: list[str]
) -> dict[str, Any]:
    entry, built = loss_args(frameworks, choice, "keras", rec.facts)
    notes.extend(built.notes)
    args = dict(built.args)
    # Keras losses default to probabilities; lossadvisor assumes logits unless told otherwise.
    if "from_logits" in args and rec.context.get("model_output") == "probabilities":
        args["from_logits"] = False
    return {"module": "keras.losses", "class_name": entry.class_name, "config": args}


def build(
    rec: Recommendation, choices: list[LossChoice], frameworks: Frameworks, steps: int | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The Keras config body and notes."""
    notes: list[str] = []
    body: dict[str, Any] = {}
    if len(choices) == 1 and choices[0].head is None:
        body["loss"] = loss_node(frameworks, choices[0], rec, notes)
    else:
        body["loss"] = {c.head or c.loss: loss_node(frameworks, c, rec, notes) for c in choices}
        body["loss_weights"] = {c.head or c.loss: c.weight for c in choices}
        if rec.balancing is not None and rec.balancing.method != "fixed":
            notes.append(
                f"balancing '{rec.balancing.method}' is advised; Keras compile() takes fixed "
                "loss_weights, "
                "so the export starts from them"
            )
    entry, built = optimizer_args(frameworks, rec.optimizer, "keras", rec.facts)
    notes.extend(built.notes)
    config = dict(built.args)
    lr = config.get("learning_rate")
    if isinstance(lr, int | float) and not isinstance(lr, bool):
        schedule = keras_schedule.learning_rate(rec.optimizer, float(lr), steps, notes)
        if schedule is not None:
            config["learning_rate"] = schedule
    body["optimizer"] = {
        "module": "keras.optimizers",
        "class_name": entry.class_name,
        "config": config,
    }
    return body, notes
