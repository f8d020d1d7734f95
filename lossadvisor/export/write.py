"""Exports as YAML text, written through the shared atomic writer (`lossadvisor.outfile`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from lossadvisor.outfile import write_text


def plain(value: Any) -> Any:
    """Plain YAML/JSON data: tuples -> lists, mappings -> dicts, numpy scalars/arrays -> Python."""
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    # numpy scalars and arrays (not imported here): .tolist() gives Python numbers or lists
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        return plain(value.tolist())
    return value


# A top-level key holding text written as `#` comment lines, for configs whose reader rejects
# unknown keys (LightningCLI): the provenance stays in the file without being data.
COMMENT_KEY = "#"


def dump_yaml(data: Mapping[str, Any]) -> str:
    """Block-style YAML, keys in the order given; COMMENT_KEY's text becomes leading comments."""
    body = {k: v for k, v in data.items() if k != COMMENT_KEY}
    text = yaml.safe_dump(
        plain(body), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    comment = data.get(COMMENT_KEY)
    if not comment:
        return text
    lines = "".join(f"# {line}".rstrip() + "\n" for line in str(comment).splitlines())
    return lines + text


def write_yaml(data: Mapping[str, Any], path: str, force: bool = False) -> None:
    """Write `data` as YAML to `path` ("-" = stdout); refuse to replace a file unless `force`."""
    write_text(dump_yaml(data), path, force)
