"""The passes of a recommendation (stages): which facts each can see, which effects it uses.

`recommend` runs the rules in three passes. Each table declares the pass it belongs to
(`stage:`; the built-in tables default from their name), and the checker rejects a rule that
reads a fact its stage never has, or has an effect its stage never reads: such a rule would
load and then silently never take effect.

loss       ranks the losses: every profile and context fact, plus the head facts of a
           multi-task head (head_task); not the chosen loss, not the balancing facts.
optimizer  runs after a loss was chosen: the same facts plus `loss` and `loss_family`.
balancing  runs once per multi-task model: only the facts every head shares, plus what
           recommend learns about the heads (heads_preset, heads_mixed_families).
"""

from __future__ import annotations

from typing import Literal, get_args

Stage = Literal["loss", "optimizer", "balancing"]
STAGES: tuple[str, ...] = get_args(Stage)

BUILTIN_STAGES: dict[str, Stage] = {
    "task": "loss",
    "data": "loss",
    "output": "loss",
    "efficiency": "loss",
    "robustness": "loss",
    "gradient": "loss",
    "practice": "loss",
    "multitask": "balancing",
    "optimizer": "optimizer",
}
"""The stage of each built-in table name (a table file may leave `stage:` out for these)."""

SHARED_HEAD_FACTS: tuple[str, ...] = (
    "priority",
    "optimizer",
    "batch_size",
    "n_heads",
    "multitask_kind",
)
"""Context facts every head of a multi-task model shares (the rest describe the main task)."""

CHOSEN_LOSS_FACTS: tuple[str, ...] = ("loss", "loss_family")
"""Set by recommend for the optimizer pass only: the loss the first pass chose."""

HEADS_FACTS: tuple[str, ...] = ("heads_preset", "heads_mixed_families")
"""Set by recommend for the balancing pass only: what it learnt about the heads."""

BALANCING_FACTS: frozenset[str] = frozenset((*SHARED_HEAD_FACTS, *HEADS_FACTS))

EFFECTS: dict[Stage, tuple[str, ...]] = {
    # The loss pass also collects optimizer advice: reference recipes (rules/practice.yaml)
    # name the optimizer their task trains with, and choose_optimizer merges both passes.
    "loss": ("score", "exclude", "params", "optimizer", "caution"),
    "optimizer": ("optimizer", "caution"),
    "balancing": ("balancing", "caution"),
}
"""The effects each stage's pass reads; any other effect of its rules would be dropped."""


def sees(stage: Stage, fact: str) -> bool:
    """Whether a rule of this stage can ever be evaluated with `fact` present."""
    if stage == "balancing":
        return fact in BALANCING_FACTS
    if fact in HEADS_FACTS:
        return False
    return stage == "optimizer" or fact not in CHOSEN_LOSS_FACTS


def why_unseen(stage: Stage, fact: str) -> str:
    """Why a rule of this stage never sees `fact` (for the checker's message)."""
    if fact in CHOSEN_LOSS_FACTS:
        return f"'{fact}' is the loss the first pass chose; only the optimizer stage sees it"
    if fact in HEADS_FACTS:
        return f"'{fact}' describes the heads; only the balancing stage sees it"
    return (
        f"the balancing stage sees only the facts every head shares "
        f"({', '.join(sorted(BALANCING_FACTS))}), not '{fact}'"
    )
