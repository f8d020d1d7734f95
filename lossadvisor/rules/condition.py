"""The typed condition model: a rule's `when`, parsed once, with everything one asks of it.

`build` turns a valid `when` mapping into a tree of All / Any / Not / FactTest nodes; a mapping
from a file is first checked by `conditions.check_condition` (which must cope with anything a
file holds, so it reads the raw mapping), and only a condition without problems is built.
Matching (`holds`), the facts read (`facts`), the text `rules show` prints (`describe`), the
fact tests with their place in the file (`tests`) and satisfiability (`solver.py`) are methods
on the tree, so the grammar is walked in one place.

The YAML keeps both meanings of `not`: as a key of a condition it is the combinator (`Not`);
inside a fact's comparisons it means "none of" and is stored as the comparison `not_in`
(which a file may also spell out).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lossadvisor.facts import FactValue

Loc = tuple[Any, ...]
"""Path from the condition's root to a node (keys and list indexes), for file:line."""

Op = Literal["eq", "in", "not_in", "gt", "ge", "lt", "le", "present"]
Form = Literal["literal", "list", "mapping"]
ORDER_SYMBOLS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}


def equal(value: FactValue, literal: Any) -> bool:
    """Fact equality; True == 1 in Python, but a boolean fact only equals a boolean literal."""
    if isinstance(value, bool) != isinstance(literal, bool):
        return False
    return bool(value == literal)


def show_value(value: Any) -> str:
    """A literal as `rules show` prints it (true, 0.5, [a, b])."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def _set(values: tuple[Any, ...]) -> str:
    return "{" + ", ".join(show_value(v) for v in values) + "}"


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison of a fact test: `op` with its argument (a tuple for in / not_in)."""

    op: Op
    arg: Any

    def holds(self, value: FactValue) -> bool:
        """Whether a present value meets it."""
        op, arg = self.op, self.arg
        if op == "present":
            return bool(arg)
        if op == "eq":
            return equal(value, arg)
        if op == "in":
            return any(equal(value, v) for v in arg)
        if op == "not_in":
            return not any(equal(value, v) for v in arg)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False  # an ordering on a non-number never holds
        if op == "gt":
            return value > arg
        if op == "ge":
            return value >= arg
        if op == "lt":
            return value < arg
        return value <= arg  # le

    def describe(self, fact: str) -> str:
        if self.op in ORDER_SYMBOLS:
            return f"{fact} {ORDER_SYMBOLS[self.op]} {show_value(self.arg)}"
        if self.op == "in":
            return f"{fact} in {_set(self.arg)}"
        if self.op == "not_in":
            return f"{fact} not in {_set(self.arg)}"
        if self.op == "present":
            return f"{fact} is {'known' if self.arg else 'unknown'}"
        return f"{fact} = {show_value(self.arg)}"


@dataclass(frozen=True, slots=True)
class FactTest:
    """A test on one fact: every comparison must hold. A missing fact fails the test, unless
    the test is exactly `{present: false}`."""

    fact: str
    comparisons: tuple[Comparison, ...]
    form: Form = "mapping"
    loc: Loc = ()

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        value = facts.get(self.fact)
        if value is None:
            return self.wants_missing()
        return all(c.holds(value) for c in self.comparisons)

    def holds_for(self, value: Any, present: bool) -> bool:
        """The test on one value (present=False: the fact is missing)."""
        if not present:
            return self.wants_missing()
        return all(c.holds(value) for c in self.comparisons)

    def wants_missing(self) -> bool:
        return len(self.comparisons) == 1 and self.comparisons[0] == Comparison("present", False)

    def facts(self) -> Iterator[str]:
        yield self.fact

    def tests(self) -> Iterator[FactTest]:
        yield self

    def describe(self) -> str:
        if self.form == "list":
            return f"{self.fact} in {_set(self.comparisons[0].arg)}"
        return " and ".join(c.describe(self.fact) for c in self.comparisons)


class _Group:
    """What a combinator of several conditions reads: the facts and tests of its items."""

    __slots__ = ()
    items: tuple[Condition, ...]

    def facts(self) -> Iterator[str]:
        for item in self.items:
            yield from item.facts()

    def tests(self) -> Iterator[FactTest]:
        for item in self.items:
            yield from item.tests()


@dataclass(frozen=True, slots=True)
class All(_Group):
    """Every item holds. `grouped`: written as `all: [...]` (described in parentheses)."""

    items: tuple[Condition, ...]
    grouped: bool = False
    loc: Loc = ()

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return all(item.holds(facts) for item in self.items)

    def describe(self) -> str:
        if not self.grouped:
            return " and ".join(i.describe() for i in self.items) if self.items else "always"
        return "(" + " and ".join(i.describe() for i in self.items) + ")"


@dataclass(frozen=True, slots=True)
class Any_(_Group):
    """At least one item holds (`any: [...]`)."""

    items: tuple[Condition, ...]
    loc: Loc = ()

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return any(item.holds(facts) for item in self.items)

    def describe(self) -> str:
        return "(" + " or ".join(i.describe() for i in self.items) + ")"


@dataclass(frozen=True, slots=True)
class Not:
    """The inner condition does not hold (`not: {...}`)."""

    inner: Condition
    loc: Loc = ()

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return not self.inner.holds(facts)

    def facts(self) -> Iterator[str]:
        yield from self.inner.facts()

    def tests(self) -> Iterator[FactTest]:
        yield from self.inner.tests()

    def describe(self) -> str:
        return f"not ({self.inner.describe()})"


Condition = All | Any_ | Not | FactTest

ALWAYS = All(())


def comparisons_of(test: Any) -> tuple[tuple[Comparison, ...], Form]:
    """A fact's test as written (literal, list or comparison mapping) as comparisons."""
    if isinstance(test, Mapping):
        found = []
        for op, arg in test.items():
            if op in ("not", "not_in"):
                found.append(Comparison("not_in", tuple(arg) if isinstance(arg, list) else (arg,)))
            elif op == "in":
                found.append(Comparison("in", tuple(arg)))
            else:
                found.append(Comparison(op, arg))
        return tuple(found), "mapping"
    if isinstance(test, list):
        return (Comparison("in", tuple(test)),), "list"
    return (Comparison("eq", test),), "literal"


def build(when: Mapping[str, Any], loc: Loc = ()) -> All:
    """The tree of a `when` mapping that passed the checks (no checking here)."""
    items: list[Condition] = []
    for key, test in when.items():
        here = (*loc, key)
        if key == "all":
            items.append(All(tuple(build(s, (*here, i)) for i, s in enumerate(test)), True, here))
        elif key == "any":
            items.append(Any_(tuple(build(s, (*here, i)) for i, s in enumerate(test)), here))
        elif key == "not":
            items.append(Not(build(test, here), here))
        else:
            comparisons, form = comparisons_of(test)
            items.append(FactTest(str(key), comparisons, form, here))
    return All(tuple(items), False, loc)
