"""Build a scenario (a facts mapping) that satisfies a rule's `when`, from the condition alone.

An independent little solver: it reads the fact vocabulary's kinds and ranges, picks a value
for each equality / list / comparison, takes the first satisfiable branch of `any`, and for
`not` keeps (or picks) a value that violates the inner condition. It has its own predicate
(`satisfies`) and does not call the engine, so that a rule the engine fails to fire shows up.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

from lossadvisor.facts import FACTS, FactSpec

MISSING = object()


def satisfies(value: Any, test: Any) -> bool:
    """Whether a present value meets a fact test (literal, list, or comparison mapping)."""
    if isinstance(test, Mapping):
        for op, arg in test.items():
            if op == "present":
                ok = (value is not MISSING) == bool(arg)
            elif value is MISSING:
                ok = False
            elif op == "gt":
                ok = value > arg
            elif op == "ge":
                ok = value >= arg
            elif op == "lt":
                ok = value < arg
            elif op == "le":
                ok = value <= arg
            elif op == "in":
                ok = value in arg
            elif op == "not":
                ok = value not in (arg if isinstance(arg, list) else [arg])
            else:
                raise ValueError(op)
            if not ok:
                return False
        return True
    if value is MISSING:
        return False
    if isinstance(test, list):
        return value in test
    return bool(value == test)


def _candidates(spec: FactSpec, test: Any, choices: Mapping[str, tuple[str, ...]]) -> list[Any]:
    """Values worth trying for a fact under a test, most natural first."""
    if spec.kind == "boolean":
        return [True, False]
    if spec.kind == "choice":
        return list(choices.get(spec.name, spec.choices)) or ["x"]
    points: list[float] = []
    tests = [test] if isinstance(test, Mapping) else []
    for t in tests:
        for op in ("gt", "ge", "lt", "le"):
            if op in t:
                points.append(float(t[op]))
    lo = spec.minimum if spec.minimum is not None else -1e6
    hi = spec.maximum if spec.maximum is not None else 1e6
    values: list[float] = []
    bounds = sorted({lo, hi, *points})
    for a, b in itertools.pairwise(bounds):
        values.append((a + b) / 2)  # strictly between thresholds
    values += [p + d for p in points for d in (1e-6, -1e-6, 1, -1)]
    values += bounds
    if not isinstance(test, Mapping):
        values = [*(test if isinstance(test, list) else [test]), *values]
    if spec.kind == "integer":
        values = [v for x in values for v in (math.floor(x), math.ceil(x))]
    return [v for v in values if lo <= v <= hi]


def solve(
    condition: Mapping[str, Any],
    facts: dict[str, Any] | None = None,
    choices: Mapping[str, tuple[str, ...]] | None = None,
    banned: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """Facts extending `facts` under which `condition` holds, or None if none was found.

    `banned` facts must stay missing (a `present: false` or a `not` chose absence).
    """
    facts = dict(facts or {})
    choices = choices or {}
    plain = [(k, t) for k, t in condition.items() if k not in ("all", "any", "not")]
    combined = [(k, t) for k, t in condition.items() if k in ("all", "any")]
    negated = [t for k, t in condition.items() if k == "not"]
    for name, test in plain:
        found = _set_fact(facts, name, test, choices)
        if found is None:
            return None
        facts = found
    for key, subs in combined:
        if key == "all":
            for sub in subs:
                found = solve(sub, facts, choices)
                if found is None:
                    return None
                facts = found
        else:
            for sub in subs:
                found = solve(sub, facts, choices)
                if found is not None:
                    facts = found
                    break
            else:
                return None
    for inner in negated:
        found = violate(inner, facts, choices)
        if found is None:
            return None
        facts = found
    return facts


def _set_fact(
    facts: dict[str, Any], name: str, test: Any, choices: Mapping[str, tuple[str, ...]]
) -> dict[str, Any] | None:
    current = facts.get(name, MISSING)
    if name in facts:
        return facts if satisfies(current, test) else None
    if satisfies(MISSING, test):
        facts[name] = MISSING  # `present: false`: keep it missing
        return facts
    for value in _candidates(FACTS[name], test, choices):
        if satisfies(value, test):
            facts[name] = value
            return facts
    return None


def violate(
    condition: Mapping[str, Any], facts: dict[str, Any], choices: Mapping[str, tuple[str, ...]]
) -> dict[str, Any] | None:
    """Facts under which `condition` does NOT hold: break one entry (a value if possible)."""
    for key, test in condition.items():
        if key == "not":
            found = solve(test, facts, choices)
        elif key == "all":
            found = next(
                (f for f in (violate(sub, dict(facts), choices) for sub in test) if f is not None),
                None,
            )
        elif key == "any":
            found = dict(facts)
            for sub in test:
                found = violate(sub, found, choices) if found is not None else None
        else:
            found = _break_fact(dict(facts), key, test, choices)
        if found is not None:
            return found
    return None


def _break_fact(
    facts: dict[str, Any], name: str, test: Any, choices: Mapping[str, tuple[str, ...]]
) -> dict[str, Any] | None:
    if name in facts:
        return facts if not satisfies(facts[name], test) else None
    for value in _candidates(FACTS[name], test, choices):
        if not satisfies(value, test):
            facts[name] = value
            return facts
    if not satisfies(MISSING, test):
        facts[name] = MISSING
        return facts
    return None


def scenario(
    condition: Mapping[str, Any], choices: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, Any] | None:
    """A facts mapping (missing facts left out) under which the condition holds."""
    facts = solve(condition, {}, choices)
    if facts is None:
        return None
    return {k: v for k, v in facts.items() if v is not MISSING}
