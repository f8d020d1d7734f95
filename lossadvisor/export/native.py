"""The native export: the whole Recommendation plus a header; `load_native` reads it back.

    lossadvisor:      {format: native, schema_version, version, rules_digest, pick}
    recommendation:   Recommendation.model_dump() as plain YAML data

Values go through YAML, so tuples come back as lists; everything else round-trips exactly.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from lossadvisor import __version__
from lossadvisor.boundary import recommendation_problems
from lossadvisor.errors import InputError
from lossadvisor.export.choice import choose
from lossadvisor.export.formats import ExportFormat
from lossadvisor.export.write import plain
from lossadvisor.models import Recommendation
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.problems import show
from lossadvisor.rules.yaml_lines import LineDict, YamlProblem, line_of, load_with_lines

if TYPE_CHECKING:
    from lossadvisor.rules.schema import RuleBase

NATIVE_SCHEMA_VERSION = 1
# The whole recommendation with its own header, not a tool's config: no framework entry, no
# builder of the tool formats' kind (export_recommendation calls build below).
FORMAT = ExportFormat("native", None, multi_head=True, header="none", build=None)


def build(rec: Recommendation, pick: str | None, rules_digest: str | None) -> dict[str, Any]:
    """The native document; `pick` (checked against the ranking) is what conversions export."""
    choose(rec, pick)  # refuse a bad pick now rather than at conversion time
    header = {
        "format": "native",
        "schema_version": NATIVE_SCHEMA_VERSION,
        "version": __version__,
        "rules_digest": rules_digest,
        "pick": pick,
    }
    return {"lossadvisor": header, "recommendation": plain(rec.model_dump())}


def from_data(
    data: Any, where: str, base: RuleBase | None = None
) -> tuple[Recommendation, dict[str, Any]]:
    """The Recommendation and header of a parsed native document; InputError if it is not one.

    The model is validated strictly (no unknown keys, no "1.5" for 1.5), then every value
    against its spec in the catalog of `base` (the built-in rule base when None): a tampered
    parameter, setting, fact or loss id is refused with its line when `data` came from
    `load_with_lines`.
    """
    if not isinstance(data, dict) or not isinstance(data.get("lossadvisor"), dict):
        raise InputError(f"{where}: not a lossadvisor native export (no 'lossadvisor:' header)")
    header = data["lossadvisor"]
    if header.get("format") != "native":
        raise InputError(
            f"{where}: expected a native export; got format {show(header.get('format'))} "
            "(only native exports can be converted)"
        )
    version = header.get("schema_version")
    if not isinstance(version, int) or not 1 <= version <= NATIVE_SCHEMA_VERSION:
        raise InputError(
            f"{where}: the native schema_version must be an integer from 1 to "
            f"{NATIVE_SCHEMA_VERSION}. "
            f"Got {show(version)} instead."
        )
    for key, value in header.items():
        if key not in HEADER_KEYS:
            raise InputError(
                f"{where}{_at(data, ('lossadvisor', key))}: unknown header key {show(key)}"
            )
        if value is not None and not isinstance(value, HEADER_KEYS[key]):
            raise InputError(
                f"{where}{_at(data, ('lossadvisor', key))}: the header's '{key}' must be "
                f"{HEADER_KEYS[key].__name__}. Got {show(value)} instead."
            )
    try:
        rec = Recommendation.model_validate(data.get("recommendation"), strict=True)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        dotted = ".".join(str(p) for p in loc)
        raise InputError(
            f"{where}{_at(data, ('recommendation', *loc))}: recommendation.{dotted}: {first['msg']}"
        ) from None
    if base is None:
        base = load_rulebase()
    problems = recommendation_problems(rec, base)
    if problems:
        loc, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{where}{_at(data, ('recommendation', *loc))}: {message}{more}")
    return rec, dict(header)


HEADER_KEYS: dict[str, type] = {
    "format": str,
    "schema_version": int,
    "version": str,
    "rules_digest": str,
    "pick": str,
}


def _at(tree: Any, loc: Sequence[Any]) -> str:
    """':LINE' of the node at `loc` when the tree knows its lines, else ''."""
    return f":{line_of(tree, loc)}" if isinstance(tree, LineDict) else ""


def check_digest(header: Mapping[str, Any], digest: str, where: str, force: bool) -> str | None:
    """InputError when the file was made with another rule base, unless `force`: then a warning.

    Returns the warning text (None when the digests match).
    """
    theirs = header.get("rules_digest")
    if theirs is None or theirs == digest:
        return None
    text = (
        f"{where}: made with another rule base (rules_digest {str(theirs)[:12]}…, this "
        f"installation's is {digest[:12]}…)"
    )
    if not force:
        raise InputError(
            text + "; re-run `lossadvisor recommend --export`, or pass --force to export anyway"
        )
    return text + "; exported anyway (--force)"


def load_native(path: str, base: RuleBase | None = None) -> tuple[Recommendation, dict[str, Any]]:
    """Read a native export ("-" = stdin): the model and the native header (see from_data)."""
    where = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise InputError(f"{path}: is a directory, expected a native export file") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    except PermissionError as err:
        raise InputError(f"{path}: permission denied") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from err
    try:
        data, _duplicates = load_with_lines(text)
    except YamlProblem as err:
        if err.message.startswith("YAML syntax error"):
            raise InputError(f"{where}:{err.line}: not valid YAML ({err.message})") from None
        raise InputError(f"{where}:{err.line}: {err.message}") from None
    return from_data(data, where, base)
