"""Writing an output file without ever leaving a partial or clobbered file.

The text goes to a temporary file in the target's directory, is flushed to disk and moved into
place in one step (link or os.replace). Any failure or Ctrl-C before that step removes the
temporary file and leaves the target as it was. Used by every command that writes a file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from lossadvisor.errors import InputError


def refuse_existing(path: str, force: bool) -> None:
    """InputError if `path` exists and `force` is off: call before long work, to fail early."""
    if path != "-" and not force and Path(path).exists():
        raise InputError(f"{path}: already exists; pass --force to replace it")


def _new_file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(text: str, path: str, force: bool = False) -> None:
    """Write `text` to `path` ("-" = stdout); refuse to replace a file unless `force`."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path}: is a directory; give a file name")
    refuse_existing(path, force)
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
