"""Satisfiability of a condition: facts under which it holds, or under which it does not.

`rules check` uses it to reject a `when` no facts can meet (an "unsatisfiable condition": it
would load and never fire), and `rules test`'s generated examples start from it. A small
backtracking search over the typed condition (condition.py): `not` is pushed down to the fact
tests, `any` tries each branch, and each fact tries the values its comparisons and its declared
range suggest (missing included). It is bounded (MAX_STEPS): a condition it cannot decide in
time counts as satisfiable, so the check never rejects a rule it has not proven dead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lossadvisor.facts import FACTS, FactSpec
from lossadvisor.rules.condition import All, Condition, FactTest, Not

MAX_STEPS = 20_000
MISSING: Any = object()
"""A fact chosen to stay missing."""


@dataclass(frozen=True, slots=True)
class _Literal:
    test: FactTest
    positive: bool


class _OutOfSteps(Exception):
    pass


def _push(condition: Condition, positive: bool) -> _Conj | _Disj | _Literal:
    """Negation normal form: `not` moved down onto the fact tests."""
    if isinstance(condition, FactTest):
        return _Literal(condition, positive)
    if isinstance(condition, Not):
        return _push(condition.inner, not positive)
    items = tuple(_push(i, positive) for i in condition.items)
    conjunction = isinstance(condition, All) == positive
    return _Conj(items) if conjunction else _Disj(items)


@dataclass(frozen=True, slots=True)
class _Conj:
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Disj:
    items: tuple[Any, ...]


def _candidates(
    spec: FactSpec, test: FactTest, choices: Mapping[str, tuple[str, ...]]
) -> list[Any]:
    """Values worth trying for a fact under a test, most natural first."""
    literals = [
        v
        for c in test.comparisons
        if c.op in ("eq", "in", "not_in")
        for v in (c.arg if isinstance(c.arg, tuple) else (c.arg,))
    ]
    if spec.kind == "boolean":
        return [True, False]
    if spec.kind == "choice":
        known = list(choices.get(spec.name, spec.choices))
        return _unique([*literals, *known]) or ["x"]
    points = [float(c.arg) for c in test.comparisons if c.op in ("gt", "ge", "lt", "le")]
    lo = spec.minimum if spec.minimum is not None else -1e6
    hi = spec.maximum if spec.maximum is not None else 1e6
    bounds = sorted({lo, hi, *points})
    values: list[float] = [v for v in literals if isinstance(v, int | float)]
    values += [(a + b) / 2 for a, b in itertools.pairwise(bounds)]  # strictly between
    values += [p + d for p in points for d in (1e-6, -1e-6, 1, -1)]
    values += bounds
    if spec.kind == "integer":
        values = [v for x in values for v in (math.floor(x), math.ceil(x))]
    return _unique([v for v in values if lo <= v <= hi])


def _unique(values: list[Any]) -> list[Any]:
    """First occurrences, in order (values from an unchecked file may be unhashable)."""
    out: list[Any] = []
    for value in values:
        if not any(value is seen or (type(value) is type(seen) and value == seen) for seen in out):
            out.append(value)
    return out


class _Search:
    def __init__(self, choices: Mapping[str, tuple[str, ...]]) -> None:
        self.choices = choices
        self.steps = 0

    def solve(self, todo: tuple[Any, ...], facts: dict[str, Any]) -> dict[str, Any] | None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _OutOfSteps
        if not todo:
            return facts
        first, rest = todo[0], todo[1:]
        if isinstance(first, _Conj):
            return self.solve((*first.items, *rest), facts)
        if isinstance(first, _Disj):
            for item in first.items:
                found = self.solve((item, *rest), dict(facts))
                if found is not None:
                    return found
            return None
        test, positive = first.test, first.positive
        if test.fact in facts:
            value = facts[test.fact]
            met = test.holds_for(value, value is not MISSING)
            return self.solve(rest, facts) if met == positive else None
        spec = FACTS.get(test.fact)
        values = _candidates(spec, test, self.choices) if spec is not None else []
        options = [MISSING, *values] if positive else [*values, MISSING]
        for value in options:
            if test.holds_for(value, value is not MISSING) == positive:
                found = self.solve(rest, {**facts, test.fact: value})
                if found is not None:
                    return found
        return None


def _run(
    condition: Condition, positive: bool, choices: Mapping[str, tuple[str, ...]] | None
) -> dict[str, Any] | bool | None:
    search = _Search(choices or {})
    try:
        found = search.solve((_push(condition, positive),), {})
    except _OutOfSteps:
        return True  # undecided
    if found is None:
        return None
    return {k: v for k, v in found.items() if v is not MISSING}


def example(
    condition: Condition, choices: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, Any] | None:
    """Facts (missing ones left out) under which the condition holds; None when none exist
    or the search ran out of steps."""
    found = _run(condition, True, choices)
    return found if isinstance(found, dict) else None


def counterexample(
    condition: Condition, choices: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, Any] | None:
    """Facts under which the condition does not hold (None: it always holds)."""
    found = _run(condition, False, choices)
    return found if isinstance(found, dict) else None


def unsatisfiable(
    condition: Condition, choices: Mapping[str, tuple[str, ...]] | None = None
) -> bool:
    """Whether no facts at all meet the condition (proven; undecided counts as no)."""
    return _run(condition, True, choices) is None
