"""Rule conditions (`when`): load-time checking and matching against facts.

A condition is a mapping; every entry must hold. Keys are facts (facts.FACTS) or the
combinators `all`, `any`, `not`. A fact's test is a literal (equality), a list (any of) or a
mapping of comparisons `gt ge lt le in not present`. A condition on a missing fact is false,
except `{present: false}`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lossadvisor.errors import did_you_mean
from lossadvisor.facts import FACTS, FactSpec, FactValue
from lossadvisor.rules.condition import Loc, build, equal
from lossadvisor.rules.problems import show

COMBINATORS = ("all", "any", "not")
COMPARISONS = ("gt", "ge", "lt", "le", "in", "not", "not_in", "present")
ORDERINGS = ("gt", "ge", "lt", "le")


# --- matching (the typed model in condition.py does it; these take a raw mapping) -----------


def holds(condition: Mapping[str, Any], facts: Mapping[str, FactValue]) -> bool:
    """Whether every entry of a `when` mapping holds for these facts."""
    return build(condition).holds(facts)


def facts_read(condition: Mapping[str, Any]) -> Iterator[str]:
    """Every fact name a condition reads, combinators included, in order of appearance."""
    return build(condition).facts()


# --- load-time checking --------------------------------------------------------------------------


def check_condition(
    condition: Any, choices: Mapping[str, Sequence[str]] | None = None, loc: Loc = ()
) -> list[tuple[Loc, str]]:
    """Every problem in a `when` mapping as (path, message); [] when it is valid.

    `choices` overrides a fact's admissible values (the fact `loss` takes catalog ids).
    """
    if not isinstance(condition, Mapping):
        return [(loc, f"a condition must be a mapping of facts. Got {show(condition)} instead.")]
    problems: list[tuple[Loc, str]] = []
    for key, test in condition.items():
        here = (*loc, key)
        if key in ("all", "any"):
            if not isinstance(test, list) or not test:
                problems.append(
                    (
                        here,
                        f"'{key}' takes a non-empty list of conditions. Got {show(test)} instead.",
                    )
                )
                continue
            for i, sub in enumerate(test):
                problems += check_condition(sub, choices, (*here, i))
        elif key == "not":
            problems += check_condition(test, choices, here)
        elif key in FACTS:
            problems += [(here, m) for m in _check_test(FACTS[key], test, choices)]
        else:
            hint = did_you_mean(str(key), [*FACTS, *COMBINATORS])
            problems.append((here, f"unknown fact '{key}'.{hint}"))
    return problems


def _check_test(
    spec: FactSpec, test: Any, choices: Mapping[str, Sequence[str]] | None
) -> list[str]:
    if isinstance(test, Mapping):
        problems: list[str] = []
        if not test:
            problems.append(f"the test on '{spec.name}' is empty")
        for op, arg in test.items():
            if op not in COMPARISONS:
                hint = did_you_mean(str(op), COMPARISONS)
                problems.append(f"unknown comparison '{op}' on '{spec.name}'.{hint}")
            elif op == "present":
                if not isinstance(arg, bool):
                    problems.append(f"'present' takes true or false. Got {show(arg)} instead.")
            elif op in ORDERINGS:
                if spec.kind not in ("number", "integer"):
                    problems.append(f"'{op}' needs a numeric fact; '{spec.name}' is a {spec.kind}")
                else:
                    problems += _check_literal(spec, arg, choices, op)
            elif op == "in" and (not isinstance(arg, list) or not arg):
                problems.append(f"'in' takes a non-empty list. Got {show(arg)} instead.")
            else:
                for item in arg if isinstance(arg, list) else [arg]:
                    problems += _check_literal(spec, item, choices, op)
        if not problems:
            problems += _unsatisfiable(spec, test)
        return problems
    if isinstance(test, list):
        if not test:
            return [f"the list of values for '{spec.name}' is empty"]
        return [m for item in test for m in _check_literal(spec, item, choices, None)]
    return _check_literal(spec, test, choices, None)


def _unsatisfiable(spec: FactSpec, test: Mapping[str, Any]) -> list[str]:
    """A valid comparison mapping that no value meets, e.g. {gt: 0.5, lt: 0.1}."""
    if test.get("present") is False:
        if len(test) > 1:
            return [f"the test on '{spec.name}' asks for it missing and compares it: never true"]
        return []
    lo, lo_open = (spec.minimum, False) if spec.minimum is not None else (-math.inf, True)
    hi, hi_open = (spec.maximum, False) if spec.maximum is not None else (math.inf, True)
    for op in ORDERINGS:
        if op not in test:
            continue
        bound = float(test[op])
        if op in ("gt", "ge") and (bound > lo or (bound == lo and op == "gt")):
            lo, lo_open = bound, op == "gt"
        elif op in ("lt", "le") and (bound < hi or (bound == hi and op == "lt")):
            hi, hi_open = bound, op == "lt"
    if lo > hi or (lo == hi and (lo_open or hi_open)):
        shown = ", ".join(f"{op}: {test[op]}" for op in ORDERINGS if op in test)
        return [f"no value of '{spec.name}' meets {{{shown}}}: the condition can never hold"]
    finite = math.isfinite(lo) and math.isfinite(hi)
    if spec.kind == "integer" and finite and _integers_between(lo, lo_open, hi, hi_open) == 0:
        return [f"no integer value of '{spec.name}' lies in that range: never true"]
    excluded = [
        x
        for op in ("not", "not_in")
        for x in (test[op] if isinstance(test.get(op), list) else [test.get(op)])
        if op in test
    ]
    in_all_excluded = all(any(equal(v, x) for x in excluded) for v in test.get("in", ()))
    if "in" in test and excluded and in_all_excluded:
        return [f"every value 'in' allows for '{spec.name}', 'not' excludes: never true"]
    return []


def _integers_between(lo: float, lo_open: bool, hi: float, hi_open: bool) -> int:
    first = math.floor(lo) + 1 if lo_open or not lo.is_integer() else int(lo)
    last = math.ceil(hi) - 1 if hi_open or not hi.is_integer() else int(hi)
    return max(0, last - first + 1)


def check_literal(
    spec: FactSpec, value: Any, choices: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """Problems of one fact value against its kind, choices and range (saved profiles, exports).

    `choices` holds the choices that come from the rule files (loss ids, task families, ...).
    """
    return _check_literal(spec, value, choices, None)


def _check_literal(
    spec: FactSpec, value: Any, choices: Mapping[str, Sequence[str]] | None, op: str | None
) -> list[str]:
    what = f"value of '{spec.name}'" + (f" in '{op}'" if op else "")
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            return [f"the {what} must be true or false. Got {show(value)} instead."]
        return []
    if spec.kind == "choice":
        allowed = tuple((choices or {}).get(spec.name, spec.choices))
        if not isinstance(value, str) or value not in allowed:
            hint = did_you_mean(str(value), allowed)
            if not hint and len(allowed) <= 12:
                hint = " Valid: " + ", ".join(allowed) + "."
            return [
                f"the {what} must be one of the fact's choices. Got {show(value)} instead.{hint}"
            ]
        return []
    # number / integer
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"the {what} must be a number. Got {show(value)} instead."]
    if not math.isfinite(value):
        return [f"the {what} must be a finite number. Got {show(value)} instead."]
    if spec.kind == "integer" and op is None and not float(value).is_integer():
        return [f"the {what} must be an integer. Got {show(value)} instead."]
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        lo = "-inf" if spec.minimum is None else f"{spec.minimum:g}"
        hi = "inf" if spec.maximum is None else f"{spec.maximum:g}"
        return [f"the {what} must lie in [{lo}, {hi}]. Got {show(value)} instead."]
    return []
