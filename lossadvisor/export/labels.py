"""Labels travel with the config: which class each per-class value belongs to, and the encoding.

A per-class value (class weights, a per-class focal α) is only right if the training code maps
each label to the index the value list uses. Every export therefore states the label encoding
its loss expects (rules/frameworks.yaml `label_encodings`, typed in rules/frameworks.py) and,
where there are classes, the class list in the order the values use and the label -> index
mapping an encoder must follow.

The order is the labels' natural order (numbers by value, else text order: what numpy.unique
and scikit-learn's LabelEncoder give) unless the user passes their own (`--class-order`), e.g.
an ordinal label's Fair < Good < Very Good < Premium < Ideal. Binary 0/1 targets are fixed by
the positive class instead: the negative class is 0, the positive class 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from lossadvisor.classes import natural_order
from lossadvisor.errors import InputError

# Encodings whose index is fixed by the positive class rather than by an order.
BINARY_KINDS = ("binary", "soft")


class ClassLabels(BaseModel):
    """The classes in the order an export's per-class values use; index i = classes[i]."""

    model_config = ConfigDict(frozen=True)
    classes: list[str]
    positive: str | None = None
    named: bool = True  # False: the recommendation had no labels, classes are positions

    def index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.classes)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _keyed(value: Any) -> bool:
    """A {label: number} mapping: a value per class, keyed by the class."""
    return isinstance(value, Mapping) and bool(value) and all(_is_number(v) for v in value.values())


def _per_class_list(value: Any, k: int) -> bool:
    return isinstance(value, list | tuple) and len(value) == k > 1 and all(map(_is_number, value))


def check_order(order: Sequence[str], have: Sequence[str], what: str) -> list[str]:
    """`order` as a permutation of the labels `have`; InputError naming what is off."""
    given = [label.strip() for label in order]
    dupes = sorted({label for label in given if given.count(label) > 1})
    missing = [label for label in have if label not in given]
    unknown = [label for label in given if label not in have]
    if dupes or missing or unknown:
        parts = []
        if dupes:
            parts.append("repeats " + ", ".join(map(repr, dupes)))
        if missing:
            parts.append("lacks " + ", ".join(map(repr, missing)))
        if unknown:
            parts.append("has unknown " + ", ".join(map(repr, unknown)))
        raise InputError(
            f"--class-order: {what} has the classes {', '.join(have)}; the order given "
            + "; ".join(parts)
            + "."
        )
    return given


def class_labels(
    params: Mapping[str, Any],
    data_classes: Sequence[str],
    positive: str | None,
    kind: str,
    order: Sequence[str] | None,
    what: str,
) -> ClassLabels | None:
    """The classes an export's values use, in the order they use them (None: no classes).

    Labels come from the keys of {label: value} parameters, else from the data's classes.
    """
    keyed = [value for value in params.values() if _keyed(value)]
    names = [str(k) for k in keyed[0]] if keyed else list(data_classes)
    named = bool(names)
    if not names:
        lists = [v for v in params.values() if isinstance(v, list | tuple) and len(v) > 1]
        if lists and all(map(_is_number, lists[0])):
            names = [str(i) for i in range(len(lists[0]))]
    if not names:
        if order is not None:
            raise InputError(
                f"--class-order: {what} has no class labels to order "
                "(no per-class values and no classes in the recommendation)"
            )
        return None
    if not named and order is not None:
        raise InputError(
            f"--class-order: {what} has per-class values but the recommendation does not name "
            "the classes (recommend from the data to record them)"
        )
    if kind in BINARY_KINDS and len(names) == 2 and positive in names:
        negative = next(label for label in names if label != positive)
        fixed = [negative, positive]
        if order is not None and check_order(order, names, what) != fixed:
            raise InputError(
                f"--class-order: {what} is trained on 0/1 targets with 1 = the positive class "
                f"'{positive}'; the order must be {negative},{positive}"
            )
        return ClassLabels(classes=fixed, positive=positive)
    # A binary target keeps its positive class for the formats keyed by label (sklearn).
    keep = positive if len(names) == 2 and positive in names else None
    if order is not None:
        return ClassLabels(classes=check_order(order, names, what), positive=keep, named=named)
    if named:
        # The recommendation's own class order (natural, or the one the data declares, as a
        # COCO file's categories by id); labels it does not list follow in natural order.
        known = [c for c in data_classes if c in names]
        names = [*known, *natural_order(n for n in names if n not in known)]
    return ClassLabels(classes=names, positive=keep, named=named)


def reorder(
    params: Mapping[str, Any], labels: ClassLabels, data_classes: Sequence[str]
) -> dict[str, Any]:
    """The loss parameters with every per-class value in the order of `labels`.

    {label: value} mappings are rebuilt in that order; plain lists of one value per class are
    read in the data's natural class order and re-indexed.
    """
    natural = natural_order(data_classes) if data_classes else list(labels.classes)
    out: dict[str, Any] = {}
    for name, value in params.items():
        if _keyed(value) and {str(k) for k in value} == set(labels.classes):
            by_label = {str(k): v for k, v in value.items()}
            out[name] = {label: by_label[label] for label in labels.classes}
        elif labels.named and _per_class_list(value, len(natural)) and natural != labels.classes:
            by_label = dict(zip(natural, value, strict=True))
            out[name] = [by_label[label] for label in labels.classes]
        else:
            out[name] = value
    return out


def header_block(kind: str, meaning: str, labels: ClassLabels | None) -> dict[str, Any]:
    """The `labels:` entry of an export header."""
    block: dict[str, Any] = {"encoding": kind, "means": meaning}
    if labels is not None:
        block["classes"] = list(labels.classes)
        block["index"] = labels.index()
        if labels.positive is not None:
            block["positive"] = labels.positive
        if not labels.named:
            block["note"] = "the recommendation does not name the classes: index = position"
    return block
