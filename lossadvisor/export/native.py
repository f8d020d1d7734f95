"""The native export: the whole Recommendation plus a header; `load_native` reads it back.

    lossadvisor:      {format: native, schema_version, version, rules_digest, pick}
    recommendation:   Recommendation.model_dump() as plain YAML data

Values go through YAML, so tuples come back as lists; everything else round-trips exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lossadvisor.errors import InputError
from lossadvisor.export.choice import choose
from lossadvisor.export.write import plain
from lossadvisor.models import Recommendation

NATIVE_SCHEMA_VERSION = 1


def build(rec: Recommendation, pick: str | None, rules_digest: str | None) -> dict[str, Any]:
    """The native document; `pick` (checked against the ranking) is what conversions export."""
    from lossadvisor import __version__

    choose(rec, pick)  # refuse a bad pick now rather than at conversion time
    header = {
        "format": "native",
        "schema_version": NATIVE_SCHEMA_VERSION,
        "version": __version__,
        "rules_digest": rules_digest,
        "pick": pick,
    }
    return {"lossadvisor": header, "recommendation": plain(rec.model_dump())}


def from_data(data: Any, where: str) -> tuple[Recommendation, dict[str, Any]]:
    """The Recommendation and header of a parsed native document; InputError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("lossadvisor"), dict):
        raise InputError(f"{where}: not a lossadvisor native export (no 'lossadvisor:' header)")
    header = data["lossadvisor"]
    if header.get("format") != "native":
        raise InputError(
            f"{where}: expected a native export; got format {header.get('format')!r} "
            "(only native exports can be converted)"
        )
    version = header.get("schema_version")
    if not isinstance(version, int) or not 1 <= version <= NATIVE_SCHEMA_VERSION:
        raise InputError(
            f"{where}: the native schema_version must be an integer from 1 to "
            f"{NATIVE_SCHEMA_VERSION}. "
            f"Got {version!r} instead."
        )
    try:
        rec = Recommendation.model_validate(data.get("recommendation"))
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{where}: recommendation.{loc}: {first['msg']}") from err
    return rec, dict(header)


def load_native(path: str) -> tuple[Recommendation, dict[str, Any]]:
    """Read a native export ("-" = stdin): the model and the native header."""
    where = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise InputError(f"{path}: is a directory, expected a native export file") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{where}{line}: not valid YAML ({getattr(err, 'problem', err)})") from err
    return from_data(data, where)
