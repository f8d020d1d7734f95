"""The error contract: bad input raises InputError, which the CLI prints as one line, exit 2.

Every user-facing message is built here so that all of them read alike (scikit-learn style:
what was expected, what was got, where, and the closest valid name).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


class InputError(Exception):
    """The user's input (data, options, rule files) is unusable. Never a bug: exit code 2."""


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The valid names nearest to `name`, best first (case-insensitive)."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x' or 'y'?' or '' when nothing is close."""
    hits = closest(name, choices)
    if not hits:
        return ""
    quoted = " or ".join(f"'{h}'" for h in hits)
    return f" Did you mean {quoted}?"


def unknown_name(kind: str, name: str, choices: Iterable[str], where: str = "") -> InputError:
    """Uniform message for an unknown column, loss, rule, fact, format, ..."""
    options = sorted(choices)
    prefix = f"{where}: " if where else ""
    hint = did_you_mean(name, options)
    if not hint and len(options) <= 12:
        hint = " Valid: " + ", ".join(options) + "."
    return InputError(f"{prefix}unknown {kind} '{name}'.{hint}")


def out_of_range(what: str, expected: str, got: object, where: str = "") -> InputError:
    """'The X must be Y. Got Z instead.' — the one shape for every range/type violation."""
    prefix = f"{where}: " if where else ""
    return InputError(f"{prefix}the {what} must be {expected}. Got {got!r} instead.")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """`text` on one line: newlines, tabs and other control characters escaped (\\n, \\x1b)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
