"""Problems found in rule files and their one-line messages: `file:line: entry-id: message`.

One mechanism for every message: pydantic's validation errors are translated here (unknown key
with "did you mean", missing key, wrong literal), and the checks of catalog_checks.py and
rule_checks.py build the same Problem records, so `rules check` lists all of them alike.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from lossadvisor.errors import did_you_mean, one_line
from lossadvisor.rules.yaml_lines import LineDict, line_of


@dataclass(frozen=True)
class Problem:
    """One load problem, printed as `file:line: entry-id: message`."""

    file: str
    line: int | None
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = (
            f"{where}: {self.entry}: {self.message}" if self.entry else f"{where}: {self.message}"
        )
        return one_line(text)  # a key or id with a newline must not split the listing


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _keys_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys allowed in the mapping at `loc` (for 'did you mean' on an unknown key)."""
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(step))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def pydantic_problems(
    err: ValidationError,
    model: type[BaseModel],
    tree: Any,
    file: str,
    entry: str | None,
    prefix: Sequence[Any] = (),
) -> list[Problem]:
    """Translate a ValidationError on `tree` (validated as `model`) into Problems with lines."""
    problems: list[Problem] = []
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = line_of(tree, loc)
        where = ".".join(str(p) for p in (*prefix, *loc))
        kind = e["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            hint = did_you_mean(key, _keys_at(model, loc[:-1]))
            msg = f"unknown key '{where}'.{hint}"
        elif kind == "missing":
            msg = f"missing required key '{where}'"
            if loc and loc[-1] in ("source", "sources"):
                msg += " (every entry needs a source)"
        elif kind == "literal_error":
            expected = e.get("ctx", {}).get("expected", "")
            msg = f"the '{where}' must be one of {expected}. Got {show(e['input'])} instead."
        elif kind in ("too_short", "string_too_short"):
            msg = f"the '{where}' must not be empty. Got {show(e['input'])} instead."
        else:
            text = e["msg"]
            text = text[0].lower() + text[1:]
            msg = f"the '{where}' is invalid: {text}. Got {show(e['input'])} instead."
        problems.append(Problem(file, line, entry, msg))
    return problems


def show(value: Any) -> str:
    """A short repr of a value for messages (at most 60 characters)."""
    text = repr(dict(value) if isinstance(value, dict) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def entry_name(raw: Any, fallback: str) -> str:
    """The id of a raw entry, for messages; `fallback` (its position) when it has none."""
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return fallback


def line_at(tree: Any, *loc: Any) -> int:
    """The line of the key or item at `loc` in a parsed tree."""
    return line_of(tree, loc)


def top_keys(tree: LineDict, file: str, allowed: Sequence[str]) -> list[Problem]:
    """A problem for each top-level key of a file that is not `allowed`."""
    return [
        Problem(
            file,
            tree.key_lines.get(key, tree.line),
            None,
            f"unknown top-level key '{key}'.{did_you_mean(str(key), allowed)}",
        )
        for key in tree
        if key not in allowed
    ]
