"""Keras 3 serialization: `{class_name, config}`, read by keras.losses/optimizers.deserialize.

Multi-task: `loss` and `loss_weights` keyed by output name, as `Model.compile` takes them.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.choice import LossChoice
from lossadvisor.export.common import loss_args, optimizer_args
from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.keras_schedule import learning_rate


def loss_node(job: Job, choice: LossChoice, notes: list[str]) -> dict[str, Any]:
    entry, built = loss_args(job, choice)
    notes.extend(built.notes)
    args = dict(built.args)
    # Keras losses default to probabilities; lossadvisor assumes logits unless told otherwise.
    if "from_logits" in args and job.rec.context.get("model_output") == "probabilities":
        args["from_logits"] = False
    return {"module": "keras.losses", "class_name": entry.class_name, "config": args}


def build(job: Job) -> Body:
    """The Keras config body and notes."""
    rec, choices = job.rec, job.choices
    notes: list[str] = []
    body: dict[str, Any] = {}
    if job.single:
        body["loss"] = loss_node(job, choices[0], notes)
    else:
        body["loss"] = {c.head or c.loss: loss_node(job, c, notes) for c in choices}
        body["loss_weights"] = {c.head or c.loss: c.weight for c in choices}
        if rec.balancing is not None and rec.balancing.method != "fixed":
            notes.append(
                f"balancing '{rec.balancing.method}' is advised; Keras compile() takes fixed "
                "loss_weights, "
                "so the export starts from them"
            )
    entry, built = optimizer_args(job, rec.optimizer)
    notes.extend(built.notes)
    config = dict(built.args)
    lr = config.get("learning_rate")
    if isinstance(lr, int | float) and not isinstance(lr, bool):
        schedule = learning_rate(rec.optimizer, float(lr), job.steps, notes)
        if schedule is not None:
            config["learning_rate"] = schedule
    body["optimizer"] = {
        "module": "keras.optimizers",
        "class_name": entry.class_name,
        "config": config,
    }
    return body, notes


FORMAT = ExportFormat("keras", "keras", multi_head=True, header="block", build=build)
