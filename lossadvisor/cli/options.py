"""Options several commands share, each defined once (as pip's cli/cmdoptions.py does).

A command declares `json_out: JsonOption = False`; the flag, its help and its constraint live
here. A number's range is checked while argv is parsed, before any data is read, and the
message has the one shape the library's checks use ("--folds must be an integer in [2, 50].
Got 1 instead."). Vocabularies in help strings are joined from facts.py, never copied.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

import typer

from lossadvisor.errors import InputError
from lossadvisor.facts import MODEL_OUTPUTS, MULTITASK_KINDS, PRIORITIES

# The export formats, in the registry's order (lossadvisor/export/registry.py). Not imported
# from there: that would load every exporter at start-up; tests/cli checks the two agree.
EXPORT_FORMATS = (
    "native",
    "hydra",
    "lightning",
    "keras",
    "lightgbm",
    "xgboost",
    "sklearn",
    "sklearn_hydra",
    "monai",
    "ludwig",
)


def words(names: tuple[str, ...], last: str = "or") -> str:
    """'a, b or c': a vocabulary for a help string."""
    return ", ".join(names[:-1]) + f" {last} {names[-1]}" if len(names) > 1 else "".join(names)


def at_least(
    flag: str,
    low: float,
    kind: str = "an integer",
    *,
    above: bool = False,
    high: float | None = None,
) -> Callable[[float | None], float | None]:
    """A parse-time check: `flag` is >= low (> low with `above`; <= high when given)."""
    if high is not None:
        expected = f"{kind} in [{low:g}, {high:g}]"
    else:
        expected = f"{kind} {'>' if above else '>='} {low:g}"

    def check(value: float | None) -> float | None:
        if value is None:
            return value
        bad = value <= low if above else value < low
        if bad or (high is not None and value > high) or math.isnan(value):
            raise InputError(f"{flag} must be {expected}. Got {value!r} instead.")
        return value

    return check


TargetsOption = Annotated[
    list[str],
    typer.Option("--target", "-t", metavar="COL", help="Target column; repeat for several."),
]
TargetOption = Annotated[str, typer.Option("--target", "-t", metavar="COL", help="Target column.")]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON on stdout (nothing else).")
]
ExportOption = Annotated[
    str | None,
    typer.Option(
        "--export", metavar="FILE", help="Write a training config to FILE (- for stdout)."
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help=f"Export format: {words(EXPORT_FORMATS)}.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
SeedOption = Annotated[
    int,
    typer.Option("--seed", help="Random seed (>= 0).", callback=at_least("--seed", 0)),
]
ThreadsOption = Annotated[
    int,
    typer.Option(
        "--threads",
        help="Threads per model fit (default 1: one per worker never oversubscribes; 0: all).",
        callback=at_least("--threads", 0),
    ),
]
TimeBudgetOption = Annotated[
    float | None,
    typer.Option(
        "--time-budget",
        metavar="S",
        help="Stop between fits after S seconds and report what was measured by then.",
        callback=at_least("--time-budget", 0, "a number of seconds", above=True),
    ),
]
FoldsOption = Annotated[
    int,
    typer.Option(
        "--folds",
        help="Cross-validation folds (stratified for classes).",
        callback=at_least("--folds", 2, high=50),
    ),
]
TopOption = Annotated[
    int,
    typer.Option(
        "--top", metavar="N", help="How many ranked losses to show.", callback=at_least("--top", 1)
    ),
]

MODEL_OUTPUT_HELP = f"What the last layer emits: {words(MODEL_OUTPUTS)}."
PRIORITY_HELP = f"What matters most: {words(PRIORITIES)}."
MULTITASK_KIND_HELP = f"How the tasks relate: {words(MULTITASK_KINDS)}."
