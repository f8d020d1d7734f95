"""Pieces every format shares: finding an entry (or saying which formats have it) and the header."""

from __future__ import annotations

from typing import Any

from lossadvisor import __version__
from lossadvisor.errors import InputError
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.formats import Job, formats_with
from lossadvisor.export.mapping import BuiltArgs, build_args, resolve
from lossadvisor.models import OptimizerAdvice, Recommendation
from lossadvisor.rules.frameworks import Entry


def loss_args(job: Job, choice: LossChoice) -> tuple[Entry, BuiltArgs]:
    """The entry for the chosen loss in the job's format and its arguments; InputError if none."""
    fmt, framework, facts = job.format.name, job.framework, job.rec.facts
    entries = job.frameworks.losses.get(choice.loss)
    if entries is None:
        raise InputError(
            f"{choice.label()}: the framework map (rules/frameworks.yaml) does not know loss "
            f"'{choice.loss}'; only the native format can carry it"
        )
    if framework not in entries:
        have = ", ".join(formats_with(job.formats, set(entries)))
        raise InputError(
            f"{choice.label()}: {fmt} has no implementation of '{choice.loss}'; "
            f"formats that have it: {have}"
        )
    entry = resolve(entries[framework], facts, choice.label(), fmt)
    return entry, build_args(entry, choice.params, facts, choice.label(), fmt, choice.labels)


def optimizer_args(job: Job, advice: OptimizerAdvice) -> tuple[Entry, BuiltArgs]:
    """The framework entry for the advised optimizer and its settings as arguments."""
    fmt, framework = job.format.name, job.framework
    entries = job.frameworks.optimizers.get(advice.name)
    if entries is None or framework not in entries:
        have = formats_with(job.formats, set(entries or ()))
        raise InputError(
            f"optimizer '{advice.name}': {fmt} has no implementation; formats that have it: "
            + ", ".join(have)
        )
    entry = entries[framework]
    return entry, build_args(entry, advice.settings, job.rec.facts, f"optimizer {advice.name}", fmt)


def require_single(job: Job) -> LossChoice:
    """GBDT and sklearn configs hold one objective: refuse multi-head recommendations."""
    if not job.single:
        multi = [f.name for f in job.formats.values() if f.multi_head]
        raise InputError(
            f"{job.format.name} holds one objective, but this recommendation has "
            f"{len(job.choices)} heads; formats with one loss per head: " + ", ".join(multi)
        )
    return job.choices[0]


def header(
    rec: Recommendation,
    fmt: str,
    choices: list[LossChoice],
    rules_digest: str | None,
    notes: list[str],
    labels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `lossadvisor:` block of a tool export: where the config came from, and caveats."""
    block: dict[str, Any] = {"format": fmt, "version": __version__, "rules_digest": rules_digest}
    single = len(choices) == 1 and choices[0].head is None
    if single:
        block["loss"] = choices[0].loss
    else:
        block["heads"] = {c.head: c.loss for c in choices}
        if rec.balancing is not None:
            block["balancing"] = rec.balancing.model_dump(
                mode="json", include={"method", "settings"}
            )
    block["optimizer"] = rec.optimizer.name
    if rec.optimizer.schedule:
        block["schedule"] = dict(rec.optimizer.schedule)
    if labels:
        # the label encoding the loss expects, and the classes its per-class values use
        block["labels"] = (
            labels[0] if single else {c.head: b for c, b in zip(choices, labels, strict=True)}
        )
    block["notes"] = notes
    return block
