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

from collections.abc import Callable, Iterator, Mapping
from dataclasses import FrozenInstanceError
from operator import attrgetter
from typing import Any, ClassVar, Literal

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


class _Node:
    """What `@dataclass(frozen=True, slots=True)` gave the nodes: equality and hash by the
    fields (same class only), the dataclass repr, and no assignment after __init__. Written
    out because the decorator compiles six functions per class and builds each class twice:
    a third of `recommend --task X`'s rule-engine import (issue 18's start-up)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _get: ClassVar[Callable[[Any], tuple[Any, ...]]]  # attrgetter of the fields (2 or more)

    def __init_subclass__(cls) -> None:
        if cls._fields:
            cls._get = attrgetter(*cls._fields)

    def _values(self) -> tuple[Any, ...]:
        return type(self)._get(self)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # copy, deepcopy and pickle rebuild through __init__ (setting slots would raise)
        return self.__class__, self._values()


_init = object.__setattr__


class Comparison(_Node):
    """One comparison of a fact test: `op` with its argument (a tuple for in / not_in)."""

    _fields = ("op", "arg")  # field order: the repr, equality and hash
    __slots__ = _fields
    op: Op
    arg: Any

    def __init__(self, op: Op, arg: Any) -> None:
        _init(self, "op", op)
        _init(self, "arg", arg)

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


class FactTest(_Node):
    """A test on one fact: every comparison must hold. A missing fact fails the test, unless
    the test is exactly `{present: false}`."""

    _fields = ("fact", "comparisons", "form", "loc")  # field order: the repr, equality and hash
    __slots__ = _fields
    fact: str
    comparisons: tuple[Comparison, ...]
    form: Form
    loc: Loc

    def __init__(
        self, fact: str, comparisons: tuple[Comparison, ...], form: Form = "mapping", loc: Loc = ()
    ) -> None:
        _init(self, "fact", fact)
        _init(self, "comparisons", comparisons)
        _init(self, "form", form)
        _init(self, "loc", loc)

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
        comparisons = self.comparisons
        return len(comparisons) == 1 and (comparisons[0].op, comparisons[0].arg) == (
            "present",
            False,
        )

    def facts(self) -> Iterator[str]:
        yield self.fact

    def tests(self) -> Iterator[FactTest]:
        yield self

    def describe(self) -> str:
        if self.form == "list":
            return f"{self.fact} in {_set(self.comparisons[0].arg)}"
        return " and ".join(c.describe(self.fact) for c in self.comparisons)


class _Group(_Node):
    """What a combinator of several conditions reads: the facts and tests of its items."""

    __slots__ = ()
    items: tuple[Condition, ...]

    def facts(self) -> Iterator[str]:
        for item in self.items:
            yield from item.facts()

    def tests(self) -> Iterator[FactTest]:
        for item in self.items:
            yield from item.tests()


class All(_Group):
    """Every item holds. `grouped`: written as `all: [...]` (described in parentheses)."""

    _fields = ("items", "grouped", "loc")  # field order: the repr, equality and hash
    __slots__ = _fields
    items: tuple[Condition, ...]
    grouped: bool
    loc: Loc

    def __init__(self, items: tuple[Condition, ...], grouped: bool = False, loc: Loc = ()) -> None:
        _init(self, "items", items)
        _init(self, "grouped", grouped)
        _init(self, "loc", loc)

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return all(item.holds(facts) for item in self.items)

    def describe(self) -> str:
        if not self.grouped:
            return " and ".join(i.describe() for i in self.items) if self.items else "always"
        return "(" + " and ".join(i.describe() for i in self.items) + ")"


class Any_(_Group):
    """At least one item holds (`any: [...]`)."""

    _fields = ("items", "loc")  # field order: the repr, equality and hash
    __slots__ = _fields
    items: tuple[Condition, ...]
    loc: Loc

    def __init__(self, items: tuple[Condition, ...], loc: Loc = ()) -> None:
        _init(self, "items", items)
        _init(self, "loc", loc)

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return any(item.holds(facts) for item in self.items)

    def describe(self) -> str:
        return "(" + " or ".join(i.describe() for i in self.items) + ")"


class Not(_Node):
    """The inner condition does not hold (`not: {...}`)."""

    _fields = ("inner", "loc")  # field order: the repr, equality and hash
    __slots__ = _fields
    inner: Condition
    loc: Loc

    def __init__(self, inner: Condition, loc: Loc = ()) -> None:
        _init(self, "inner", inner)
        _init(self, "loc", loc)

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
