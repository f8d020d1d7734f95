"""Pieces every format shares: finding an entry (or saying which formats have it) and the header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.export.choice import LossChoice
from lossadvisor.export.mapping import (
    FORMAT_FRAMEWORK,
    BuiltArgs,
    Entry,
    Frameworks,
    build_args,
    resolve,
)
from lossadvisor.facts import FactValue
from lossadvisor.models import OptimizerAdvice, Recommendation

# Formats whose config can carry one loss per head.
MULTI_HEAD_FORMATS = ("native", "hydra", "lightning", "keras", "monai", "ludwig")


def loss_args(
    frameworks: Frameworks, choice: LossChoice, fmt: str, facts: Mapping[str, FactValue]
) -> tuple[Entry, BuiltArgs]:
    """The entry for the chosen loss in `fmt` and its arguments; InputError if it has none."""
    framework = FORMAT_FRAMEWORK[fmt]
    entries = frameworks.losses.get(choice.loss)
    if entries is None:
        raise InputError(
            f"{choice.label()}: the framework map (rules/frameworks.yaml) does not know loss "
            f"'{choice.loss}'; only the native format can carry it"
        )
    if framework not in entries:
        have = ", ".join(frameworks.formats_with_loss(choice.loss))
        raise InputError(
            f"{choice.label()}: {fmt} has no implementation of '{choice.loss}'; "
            f"formats that have it: {have}"
        )
    entry = resolve(entries[framework], facts, choice.label(), fmt)
    return entry, build_args(entry, choice.params, facts, choice.label(), fmt, choice.labels)


def optimizer_args(
    frameworks: Frameworks, advice: OptimizerAdvice, fmt: str, facts: Mapping[str, FactValue]
) -> tuple[Entry, BuiltArgs]:
    """The framework entry for the advised optimizer and its settings as arguments."""
    framework = FORMAT_FRAMEWORK[fmt]
    entries = frameworks.optimizers.get(advice.name)
    if entries is None or framework not in entries:
        have = [f for f, fw in FORMAT_FRAMEWORK.items() if entries and fw in entries]
        raise InputError(
            f"optimizer '{advice.name}': {fmt} has no implementation; formats that have it: "
            + ", ".join(["native", *have])
        )
    entry = entries[framework]
    return entry, build_args(entry, advice.settings, facts, f"optimizer {advice.name}", fmt)


def require_single(choices: list[LossChoice], fmt: str) -> LossChoice:
    """GBDT and sklearn configs hold one objective: refuse multi-head recommendations."""
    if len(choices) != 1 or choices[0].head is not None:
        raise InputError(
            f"{fmt} holds one objective, but this recommendation has {len(choices)} heads; "
            "formats with one loss per head: " + ", ".join(MULTI_HEAD_FORMATS)
        )
    return choices[0]


def header(
    rec: Recommendation,
    fmt: str,
    choices: list[LossChoice],
    rules_digest: str | None,
    notes: list[str],
    labels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `lossadvisor:` block of a tool export: where the config came from, and caveats."""
    from lossadvisor import __version__

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
