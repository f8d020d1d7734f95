"""Framework arguments from a rules/frameworks.yaml entry, and the named conversions.

The map itself is typed and loaded in lossadvisor/rules/frameworks.py (part of the checked rule
base). The YAML is data; the only code it can reach is the closed set of conversions in
CONVERSIONS, each a small documented function (value, facts) -> framework arguments, one for
each name of rules/frameworks.CONVERSION_NAMES.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lossadvisor.errors import InputError
from lossadvisor.export.labels import ClassLabels
from lossadvisor.facts import FactValue
from lossadvisor.rules.frameworks import Entry, Override


class TensorValue(BaseModel):
    """Numbers the framework needs as a torch tensor; each format renders it its own way."""

    model_config = ConfigDict(frozen=True)
    values: list[float]


def n_classes(facts: Mapping[str, FactValue]) -> int | None:
    value = facts.get("n_classes")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_multiclass(facts: Mapping[str, FactValue]) -> bool:
    """More than two classes, by the profile's n_classes or the task."""
    k = n_classes(facts)
    if k is not None:
        return k > 2
    return facts.get("task") == "multiclass" or facts.get("target_type") == "multiclass"


def is_multilabel(facts: Mapping[str, FactValue]) -> bool:
    return facts.get("target_type") == "multilabel" or facts.get("task") == "multilabel"


def resolve(entry: Entry, facts: Mapping[str, FactValue], what: str, fmt: str) -> Entry:
    """Apply the multilabel or multiclass override; InputError when the entry has no such form."""
    if is_multilabel(facts) and entry.multilabel is not None:
        return _override(entry, entry.multilabel, what, fmt, "several labels per row")
    if not is_multiclass(facts) or entry.multiclass is None:
        return entry
    return _override(
        entry, entry.multiclass, what, fmt, f"{n_classes(facts) or 'more than 2'} classes"
    )


def _override(
    entry: Entry, over: Override | Literal[False], what: str, fmt: str, data: str
) -> Entry:
    if over is False:
        raise InputError(
            f"{what}: {fmt} has '{entry.name()}' for two classes only; the data has {data}."
        )
    changes: dict[str, Any] = {
        "fixed": {**entry.fixed, **over.fixed},
        "multiclass": None,
        "multilabel": None,
    }
    for key in ("target", "class_name", "objective", "feature"):
        if getattr(over, key) is not None:
            changes[key] = getattr(over, key)
    return entry.model_copy(update=changes)


class BuiltArgs(BaseModel):
    model_config = ConfigDict(frozen=True)
    args: dict[str, Any]
    notes: list[str]


def build_args(
    entry: Entry,
    params: Mapping[str, Any],
    facts: Mapping[str, FactValue],
    what: str,
    fmt: str,
    labels: ClassLabels | None = None,
) -> BuiltArgs:
    """Framework arguments from lossadvisor params: fixed ones, then facts, then mapped params."""
    args: dict[str, Any] = dict(entry.fixed)
    notes: list[str] = []
    for arg, fact in entry.facts.items():
        value = facts.get(fact)
        if value is None:
            raise InputError(
                f"{what}: {fmt} needs '{arg}' from the profile fact '{fact}', "
                "which the recommendation does not have (profile the data or pass it)."
            )
        args[arg] = value
    for param, value in params.items():
        spec = entry.args.get(param)
        if spec is None:
            notes.append(
                f"{what}: {param}={value!r} has no counterpart in {entry.name()}; left out"
            )
            continue
        if value is None:
            notes.append(
                f"{what}: {param} has no value in the recommendation; "
                f"{entry.name()}'s default applies"
            )
            continue
        if spec.convert is None:
            args[spec.to] = value
            continue
        converted, note = CONVERSIONS[spec.convert](value, spec.to, facts, what, labels)
        args.update(converted)
        if note:
            notes.append(f"{what}: {note}")
    if entry.note:
        notes.append(f"{what}: {entry.note}")
    if entry.input:
        notes.append(f"{what}: {entry.name()} expects {entry.input}")
    return BuiltArgs(args=args, notes=notes)


# --- conversions ------------------------------------------------------------------------------

# (value, framework argument, facts, what for messages, the classes the values use)
Conversion = Callable[
    [Any, str, Mapping[str, FactValue], str, ClassLabels | None],
    tuple[dict[str, Any], str | None],
]


def _numbers(value: Any, what: str) -> list[float]:
    """A list of numbers from a number, a list or a {class: weight} mapping (mapping order)."""
    items = list(value.values()) if isinstance(value, Mapping) else value
    if not isinstance(items, list | tuple):
        items = [items]
    try:
        return [float(v) for v in items]
    except (TypeError, ValueError) as err:
        raise InputError(f"{what}: expected numbers, got {value!r}") from err


def _tensor(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Numbers a torch loss wants as a Tensor (pos_weight, class weights)."""
    return {to: TensorValue(values=_numbers(value, what))}, None


def _list(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """A plain list of numbers (a {class: weight} mapping gives its values in order)."""
    return {to: _numbers(value, what)}, None


def _scalar(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """One number; a one-element list is unwrapped (GBDT scale_pos_weight is a single float)."""
    numbers = _numbers(value, what)
    if len(numbers) != 1:
        raise InputError(f"{what}: {to} takes one number; got {len(numbers)} ({value!r})")
    return {to: numbers[0]}, None


def _huber_epsilon(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """HuberRegressor's epsilon multiplies its fitted residual scale: ε = δ / mad_sigma (≥ 1)."""
    sigma = facts.get("mad_sigma")
    if not isinstance(sigma, int | float) or isinstance(sigma, bool) or sigma <= 0:
        return {}, (
            f"δ={value} cannot be made scale-free without the profile's mad_sigma; "
            "HuberRegressor keeps its default epsilon=1.35"
        )
    ratio = float(value) / float(sigma)
    epsilon = max(1.0, ratio)
    note = f"{to} = δ / mad_sigma = {float(value):.6g} / {float(sigma):.6g} = {ratio:.4g}"
    if epsilon != ratio:
        note += " raised to 1.0, HuberRegressor's minimum"
    return {to: round(epsilon, 6)}, note


def _pos_weight_to_alpha(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Focal-style α with α/(1−α) = pos_weight: α = w / (1 + w)."""
    (w,) = _scalar(value, to, facts, what)[0].values()
    return {to: w / (1 + w)}, f"{to} = pos_weight/(1+pos_weight) = {w:.6g}/{1 + w:.6g}"


def _typed_labels(keys: Sequence[Any]) -> dict[Any, Any]:
    """Each label as scikit-learn will see it in y: the same type for all of them.

    Labels that all spell integers ('0', '3') become ints and all-numeric ones floats, because a
    numeric column is read as numbers; anything else stays the string it is ('No', 'Yes').
    """
    text = [str(k) for k in keys]
    try:
        as_int = [int(t) for t in text]
    except ValueError:
        as_int = []
    if as_int and all(str(n) == t for n, t in zip(as_int, text, strict=True)):
        return dict(zip(keys, as_int, strict=True))
    try:
        return dict(zip(keys, [float(t) for t in text], strict=True))
    except ValueError:
        return {k: str(k) for k in keys}


def _class_weight_dict(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """scikit-learn class_weight: {label: weight} keyed by the user's labels, in class order.

    A plain list is one weight per class in the order of `labels` (positions when unnamed).
    """
    if isinstance(value, Mapping):
        typed = _typed_labels(list(value))
        return {to: {typed[k]: float(v) for k, v in value.items()}}, None
    weights = _numbers(value, what)
    if labels is not None and labels.named and len(labels.classes) == len(weights):
        typed = _typed_labels(labels.classes)
        return {to: {typed[c]: w for c, w in zip(labels.classes, weights, strict=True)}}, None
    return {to: dict(enumerate(weights))}, f"{to} keys assume class labels 0..{len(weights) - 1}"


def _label_keyed(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """{label: weight} keyed by the labels as text, in class order (Ludwig's class_weights:
    its category vocabulary holds each value as the string it reads from the data)."""
    if isinstance(value, Mapping):
        return {to: {str(k): float(v) for k, v in value.items()}}, None
    weights = _numbers(value, what)
    if labels is not None and labels.named and len(labels.classes) == len(weights):
        return {to: dict(zip(labels.classes, weights, strict=True))}, None
    return {to: weights}, f"{to} is a list in the class index order of the label vocabulary"


def _pos_weight_class_weight(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """scikit-learn class_weight for a binary target: {negative: 1, positive: pos_weight}."""
    (w,) = _scalar(value, to, facts, what)[0].values()
    if labels is not None and labels.positive is not None and len(labels.classes) == 2:
        typed = _typed_labels(labels.classes)
        negative, positive = labels.classes
        return {to: {typed[negative]: 1.0, typed[positive]: w}}, None
    return {to: {0: 1.0, 1: w}}, f"{to} assumes labels 0 (negative) and 1 (positive)"


def _per_class_only(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Keep α only as a per-class list: MONAI reads a scalar α as background-vs-rest."""
    if isinstance(value, list | tuple | Mapping):
        return {to: _numbers(value, what)}, None
    return {}, (
        f"a scalar alpha={value} only rescales multiclass focal loss (MONAI would read it as "
        "background vs the rest); left out — give one alpha per class to weigh classes"
    )


def _split_betas(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """torch `betas` [b1, b2] -> Keras beta_1, beta_2."""
    numbers = _numbers(value, what)
    if len(numbers) != 2:
        raise InputError(f"{what}: betas must be two numbers, got {value!r}")
    return {"beta_1": numbers[0], "beta_2": numbers[1]}, None


def _smooth_both(
    value: Any,
    to: str,
    facts: Mapping[str, FactValue],
    what: str,
    labels: ClassLabels | None = None,
) -> tuple[dict[str, Any], str | None]:
    """One smoothing constant -> MONAI smooth_nr and smooth_dr (numerator, denominator)."""
    return {"smooth_nr": float(value), "smooth_dr": float(value)}, None


CONVERSIONS: dict[str, Conversion] = {
    "tensor": _tensor,
    "list": _list,
    "scalar": _scalar,
    "huber_epsilon": _huber_epsilon,
    "pos_weight_to_alpha": _pos_weight_to_alpha,
    "class_weight_dict": _class_weight_dict,
    "label_keyed": _label_keyed,
    "pos_weight_class_weight": _pos_weight_class_weight,
    "per_class_only": _per_class_only,
    "split_betas": _split_betas,
    "smooth_both": _smooth_both,
}
