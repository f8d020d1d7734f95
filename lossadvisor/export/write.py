"""Writing an export without ever leaving a partial or clobbered file.

The YAML text is produced first; then it goes to a temporary file in the target's directory,
is flushed to disk and moved into place in one step (link or os.replace). Any failure or
Ctrl-C before that step removes the temporary file and leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lossadvisor.errors import InputError


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


def _new_file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_yaml(data: Mapping[str, Any], path: str, force: bool = False) -> None:
    """Write `data` as YAML to `path` ("-" = stdout); refuse to replace a file unless `force`."""
    text = dump_yaml(data)
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the export")
    if target.exists() and not force:
        raise InputError(f"{path}: already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise InputError(f"{path}: the directory {str(target.parent)!r} does not exist")
    mode = _new_file_mode(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise InputError(f"{path}: cannot write here: {err.strerror}") from err
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if force:
            os.replace(tmp, target)
        else:
            _move_no_clobber(tmp, target, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _move_no_clobber(tmp: Path, target: Path, path: str) -> None:
    """Move into place unless the target appeared meanwhile (link fails atomically if it exists)."""
    try:
        os.link(tmp, target)
    except FileExistsError as err:
        raise InputError(f"{path}: already exists; pass --force to replace it") from err
    except OSError:
        # File systems without hard links: the exists() check above is the guard.
        os.replace(tmp, target)
        return
    tmp.unlink()
