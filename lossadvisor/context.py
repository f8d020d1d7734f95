"""What the user tells `recommend` besides the data: task, model output, metric, heads, ...

`Context` holds the CLI options as validated values; `Context.facts()` turns them into rule
facts. `check_task` is the one place that decides whether a --task fits a measured target type.
Nothing here imports numpy or pandas: `recommend --task X` must start at bare-Python speed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from lossadvisor.errors import InputError, out_of_range, unknown_name
from lossadvisor.facts import (
    FACTS,
    METRICS,
    MODEL_OUTPUTS,
    MULTITASK_KINDS,
    PRIORITIES,
    TASK_OF_TARGET_TYPE,
    TASKS,
    FactValue,
)
from lossadvisor.models import Frozen

if TYPE_CHECKING:
    from lossadvisor.vocabulary import Vocabulary

# Tasks whose target is one tabular column, and the measured target types each accepts.
# Tasks not listed (segmentation, detection, keypoints, sequence, distillation, multimodal)
# describe the model's output rather than one column, so no column type contradicts them.
TASKS_FOR_TARGET_TYPE: dict[str, tuple[str, ...]] = {
    "binary": ("binary", "multiclass"),  # two classes can also be trained with softmax CE
    "multiclass": ("multiclass",),  # + regression when the labels are numbers (see check_task)
    "multilabel": ("multilabel",),
    "continuous": ("regression",),
    "count": ("regression", "multiclass"),  # small integer labels may be classes (digits 0..9)
    "proportion": ("regression",),  # soft labels: the catalog's soft_bce serves regression
    "positive_continuous": ("regression",),
    # ordered levels may also be trained as unordered classes, or regressed on level numbers
    "ordinal": ("ordinal", "multiclass", "regression"),
}
TABULAR_TASKS = ("regression", "binary", "multiclass", "multilabel", "ordinal")


class HeadSpec(Frozen):
    """One output head of a multi-task model: `--head NAME:TASK[:WEIGHT]`."""

    name: str
    task: str
    weight: float | None = None
    head_task: str | None = None
    task_family: str | None = None


class Context(Frozen):
    """The user's options as facts. Every field is optional; `facts()` returns the given ones."""

    task: str | None = None
    model_output: str | None = None
    metric: str | None = None
    metric_quantile: float | None = None
    priority: str | None = None
    optimizer: str | None = None
    batch_size: int | None = None
    foreground_ratio: float | None = None
    multitask_kind: str | None = None
    heads: list[HeadSpec] = Field(default_factory=list)
    task_family: str | None = None
    architecture: str | None = None
    task_word: str | None = Field(
        default=None, description="the --task word as typed, when it was a synonym"
    )

    def facts(self) -> dict[str, FactValue]:
        """The given options as rule facts (n_heads when there is more than one head)."""
        out: dict[str, FactValue] = {}
        for name in (
            "task",
            "model_output",
            "metric",
            "metric_quantile",
            "priority",
            "optimizer",
            "batch_size",
            "foreground_ratio",
            "multitask_kind",
            "task_family",
            "architecture",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if len(self.heads) > 1:
            out["n_heads"] = len(self.heads)
        return out


def _choice(kind: str, value: str | None, choices: tuple[str, ...], option: str) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise unknown_name(kind, value, choices, where=option)
    return value


def _in_unit_interval(what: str, value: float | None, option: str, open_ends: bool) -> None:
    if value is None:
        return
    bad = not (0 < value < 1) if open_ends else not (0 <= value <= 1)
    if bad:
        expected = "a number strictly between 0 and 1" if open_ends else "a number in [0, 1]"
        raise out_of_range(what, expected, value, where=option)


def make_context(
    task: str | None = None,
    model_output: str | None = None,
    metric: str | None = None,
    priority: str | None = None,
    optimizer: str | None = None,
    batch_size: int | None = None,
    foreground_ratio: float | None = None,
    multitask_kind: str | None = None,
    heads: list[str] | None = None,
    architecture: str | None = None,
    vocabulary: Vocabulary | None = None,
    optimizers: Sequence[str] | None = None,
) -> Context:
    """Validate raw option strings (as typed on the command line) into a Context.

    With the rule base's `vocabulary` (rules/tasks.yaml), --task, --head, --metric,
    --model-output and --architecture accept the words users type (synonyms); without it only
    the fact vocabulary's own names. `optimizers`: the rule base's optimizer ids (default: the
    built-in rules/methods.yaml's). Raises InputError with one line naming the option, the
    bad value and the closest names.
    """
    if vocabulary is not None:
        return _make_context_with_words(
            vocabulary,
            task=task,
            model_output=model_output,
            metric=metric,
            priority=priority,
            optimizer=optimizer,
            batch_size=batch_size,
            foreground_ratio=foreground_ratio,
            multitask_kind=multitask_kind,
            heads=heads,
            architecture=architecture,
            optimizers=optimizers,
        )
    if architecture is not None:
        raise InputError("--architecture needs the rule base's vocabulary (rules/tasks.yaml).")
    metric_name, quantile = parse_metric(metric) if metric is not None else (None, None)
    if batch_size is not None and batch_size < 1:
        raise out_of_range("batch size", "an integer >= 1", batch_size, where="--batch-size")
    _in_unit_interval("foreground ratio", foreground_ratio, "--foreground-ratio", open_ends=False)
    head_specs = [parse_head(text) for text in heads or []]
    names = [h.name for h in head_specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"--head: each head needs its own name. Got '{duplicates[0]}' twice.")
    return _context(
        task=_choice("task", task, TASKS, "--task"),
        model_output=_choice("model output", model_output, MODEL_OUTPUTS, "--model-output"),
        metric=metric_name,
        metric_quantile=quantile,
        priority=_choice("priority", priority, PRIORITIES, "--priority"),
        optimizer=_choice(
            "optimizer", optimizer, _optimizer_ids(optimizer, optimizers), "--optimizer"
        ),
        batch_size=batch_size,
        foreground_ratio=foreground_ratio,
        multitask_kind=_choice(
            "multi-task kind", multitask_kind, MULTITASK_KINDS, "--multitask-kind"
        ),
        heads=head_specs,
    )


# The exact types make_context's checked values have when they came from the command line;
# a Context of those alone is constructed (building its validator costs `recommend --task X`
# some milliseconds of start-up), anything else (an int foreground ratio from the API, a
# string batch size) is validated as before, with the same result or error.
_EXACT: dict[str, type] = {"metric_quantile": float, "batch_size": int, "foreground_ratio": float}


def _context(**values: Any) -> Context:
    heads = values["heads"]
    exact = all(
        value is None or type(value) is _EXACT.get(name, str)
        for name, value in values.items()
        if name != "heads"
    )
    if exact and type(heads) is list and all(type(h) is HeadSpec for h in heads):
        return Context.model_construct(**values)
    return Context(**values)


def _make_context_with_words(
    vocabulary: Vocabulary,
    *,
    task: str | None,
    model_output: str | None,
    metric: str | None,
    priority: str | None,
    optimizer: str | None,
    batch_size: int | None,
    foreground_ratio: float | None,
    multitask_kind: str | None,
    heads: list[str] | None,
    architecture: str | None,
    optimizers: Sequence[str] | None,
) -> Context:
    """make_context with the words of rules/tasks.yaml resolved to the rule base's ids."""
    family = vocabulary.resolve_task(task) if task is not None else None
    output = (
        vocabulary.resolve_term("model_outputs", model_output, "--model-output")
        if model_output is not None
        else None
    )
    arch = (
        vocabulary.resolve_term("architectures", architecture, "--architecture")
        if architecture is not None
        else None
    )
    metric_text = None
    if metric is not None:
        name, tau = parse_metric(metric, vocabulary)
        metric_text = name if tau is None else f"{name}:{tau!r}"
    base = make_context(
        task=family.task if family is not None else None,
        model_output=output,
        metric=metric_text,
        priority=priority,
        optimizer=optimizer,
        batch_size=batch_size,
        foreground_ratio=foreground_ratio,
        multitask_kind=multitask_kind,
        optimizers=optimizers,
    )
    head_specs = [parse_head(text, vocabulary) for text in heads or []]
    names = [h.name for h in head_specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"--head: each head needs its own name. Got '{duplicates[0]}' twice.")
    word = task if family is not None and task is not None and task != family.id else None
    return base.model_copy(
        update={
            "heads": head_specs,
            "task_family": family.id if family is not None else None,
            "architecture": arch,
            "task_word": word,
        }
    )


def _optimizer_ids(optimizer: str | None, given: Sequence[str] | None) -> tuple[str, ...]:
    if given is not None:
        return tuple(given)
    return () if optimizer is None else _builtin_optimizers()


@functools.cache
def _builtin_optimizers() -> tuple[str, ...]:
    """The optimizer ids of the built-in rules/methods.yaml (read only when --optimizer is)."""
    from lossadvisor.rules.load import load_rulebase

    return tuple(load_rulebase().optimizers)


@functools.cache
def _builtin_vocabulary() -> Vocabulary:
    from lossadvisor.rules.load import load_rulebase

    return load_rulebase().vocabulary


def _metric_word(name: str) -> str:
    """'NDCG@10' -> 'NDCG' (the cut-off does not change which loss fits), 'mAP@50' -> 'mAP50'."""
    head, at, tail = name.partition("@")
    if not at:
        return name
    return head + tail if head.strip().lower() == "map" else head


def parse_metric(text: str, vocabulary: Vocabulary | None = None) -> tuple[str, float | None]:
    """'quantile:0.9' -> ('quantile', 0.9); 'mae' -> ('mae', None). InputError on anything else.

    A metric's other words (pinball:0.9, macro_f1, NDCG@10, ...) are those of rules/tasks.yaml
    (section metrics, the one metric vocabulary): `vocabulary`, or the built-in rule base's,
    read once and only when the name is not already a metric id (validate and tune come here
    without a rule base).
    """
    name, sep, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in METRICS:
        words = vocabulary if vocabulary is not None else _builtin_vocabulary()
        name = words.resolve_term("metrics", _metric_word(name), "--metric")
    if name != "quantile":
        if sep:
            raise InputError(
                f"--metric: only 'quantile' takes a level (quantile:TAU). Got '{text}'."
            )
        return name, None
    if not sep:
        raise InputError("--metric: quantile needs its level, as in quantile:0.9. Got 'quantile'.")
    try:
        tau = float(rest)
    except ValueError:
        expected = "a number strictly between 0 and 1"
        raise out_of_range("quantile level", expected, rest, "--metric") from None
    _in_unit_interval("quantile level", tau, "--metric", open_ends=True)
    return name, tau


def parse_head(text: str, vocabulary: Vocabulary | None = None) -> HeadSpec:
    """'NAME:TASK[:WEIGHT]' -> HeadSpec; the weight must be a positive number.

    With the vocabulary, TASK may be a head task (box, objectness, class, mask, embedding,
    keypoint_heatmap, ...) or any task-family word; the head then trains as that coarse task.
    """
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InputError(f"--head: expected NAME:TASK or NAME:TASK:WEIGHT. Got '{text}'.")
    name, task = parts[0], parts[1]
    head_task: str | None = None
    task_family: str | None = None
    if vocabulary is not None:
        head_task, family = vocabulary.resolve_head_task(task, where=f"--head {text}")
        if head_task is not None:
            spec = vocabulary.head_task(head_task)
            assert spec is not None
            task = spec.task
        elif family is not None:
            task, task_family = family.task, family.id
    if task not in TASKS:
        raise unknown_name("task", task, TASKS, where=f"--head {text}")
    weight: float | None = None
    if len(parts) == 3:
        try:
            weight = float(parts[2])
        except ValueError:
            raise out_of_range(
                "head weight", "a positive number", parts[2], f"--head {text}"
            ) from None
        if not 0 < weight < float("inf"):
            raise out_of_range("head weight", "a positive number", weight, f"--head {text}")
    return HeadSpec(
        name=name, task=task, weight=weight, head_task=head_task, task_family=task_family
    )


def infer_task(target_type: str) -> str:
    """The task a measured target type implies when the user gives no --task."""
    return TASK_OF_TARGET_TYPE[target_type]


def check_task(task: str, target_type: str, target: str, numeric: bool) -> None:
    """InputError naming both when --task contradicts the measured target type.

    `numeric`: the target's values are numbers (a numeric multiclass target may be regressed).
    """
    if task not in TABULAR_TASKS:
        return
    allowed = TASKS_FOR_TARGET_TYPE.get(target_type, ())
    if task in allowed or (target_type == "multiclass" and numeric and task == "regression"):
        if task == "regression" and target_type == "ordinal" and not numeric:
            raise InputError(
                f"--task regression needs numbers; target '{target}' has text levels. "
                "Use --task ordinal or multiclass."
            )
        return
    if task == "ordinal":
        raise InputError(
            f"--task ordinal needs the order of target '{target}' (measured as {target_type}): "
            'give --order "lowest,...,highest" or --target-type ordinal.'
        )
    fits = ", ".join(allowed)
    raise InputError(
        f"--task {task} contradicts target '{target}', measured as {target_type} "
        f"(a {target_type} target fits --task {fits}); drop --task or pick another target."
    )


def numeric_target(facts: Mapping[str, FactValue], class_counts: Mapping[str, int] | None) -> bool:
    """Whether a target's values are numbers: measured moments, or class labels that all parse
    as numbers (integer class codes such as 31..46)."""
    if isinstance(facts.get("mean"), int | float):
        return True
    if not class_counts:
        return False
    try:
        for label in class_counts:
            float(label)
    except ValueError:
        return False
    return True


def retype_for_task(task: str, target_type: str) -> str | None:
    """The target type to re-profile with when --task fits the target but not its measured
    type (integer codes measured as counts, 0/1 trained as two classes, numeric classes
    regressed), or None when the measured type already serves the task."""
    if task == "multiclass" and target_type in ("binary", "count", "ordinal"):
        return "multiclass"
    if task == "regression" and target_type in ("multiclass", "ordinal"):
        return "continuous"
    return None


def context_fact_names() -> tuple[str, ...]:
    """The facts a Context can set (for documentation and tests)."""
    return tuple(name for name, spec in FACTS.items() if spec.origin == "context")
