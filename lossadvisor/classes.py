"""Class labels as a recommendation records them: their natural order and the positive class.

Pure Python (no numpy): `recommend --task X` must stay light. The natural order is the one
`numpy.unique` and scikit-learn's LabelEncoder give the labels as the data holds them: numbers
by value (so 2 comes before 10), text by code point. An export's class index follows it unless
the user gives their own order (`export --class-order`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from lossadvisor.params import positive_class


def _number(label: str) -> float | None:
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def natural_order(labels: Iterable[str]) -> list[str]:
    """Labels sorted as numpy.unique sorts the column: numerically when all are numbers."""
    items = list(dict.fromkeys(labels))
    numbers = [_number(label) for label in items]
    if items and all(n is not None for n in numbers):
        return [label for _, label in sorted(zip(numbers, items, strict=True))]
    return sorted(items)


def class_fields(
    counts: Mapping[str, int] | None, declared: Iterable[str] | None = None
) -> dict[str, Any]:
    """The Recommendation's `classes` and `positive_class` from the profile's class counts.

    `declared`: the order the data declares (a COCO file's categories by id); classes it does
    not name follow in natural order.
    """
    if not counts:
        return {}
    first = [c for c in dict.fromkeys(declared or ()) if c in counts]
    rest = natural_order(c for c in counts if c not in first)
    fields: dict[str, Any] = {"classes": [*first, *rest]}
    if len(counts) == 2:
        fields["positive_class"] = positive_class(counts)[0]
    return fields
