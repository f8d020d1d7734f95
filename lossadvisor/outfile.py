"""Writing an output file without ever leaving a partial or clobbered file.

The text goes to a temporary file in the target's directory, is flushed to disk and moved into
place in one step (link or os.replace). Any failure or Ctrl-C (SIGTERM and SIGHUP too: the CLI
turns them into SystemExit) before that step removes the temporary file and leaves the target
as it was. Used by every command that writes a file.

Special targets: a FIFO or a character device (`/dev/stdout`, a terminal) is written through,
since there is nothing there to clobber; a symbolic link is never replaced by a file: `--force`
replaces the file it points to (the link stays). Every OSError (a name too long, a full disk, a
read-only directory) becomes one InputError line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from lossadvisor.errors import InputError


def refuse_existing(path: str, force: bool) -> None:
    """InputError if `path` exists and `force` is off: call before long work, to fail early."""
    if path == "-" or force:
        return
    try:
        exists = os.path.lexists(path) and not _is_stream(path)
    except OSError as err:
        raise _os_error(path, err) from None
    if exists:
        raise InputError(f"{path}: already exists; pass --force to replace it")


def _is_stream(path: str) -> bool:
    """A FIFO or character device: written through, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _os_error(path: str, err: OSError) -> InputError:
    reason = err.strerror or type(err).__name__
    if err.errno == errno.ENAMETOOLONG:
        reason = "the file name is too long"
    elif err.errno == errno.ENOSPC:
        reason = "no space left on the device (nothing was written)"
    return InputError(f"{path}: cannot write: {reason}")


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
    try:
        if _is_stream(path):
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(text)
            return
        if force and os.path.islink(path):
            path = os.path.realpath(path)  # replace the file the link points to, keep the link
        _write_file(text, path, force)
    except OSError as err:
        raise _os_error(path, err) from None


def _write_file(text: str, path: str, force: bool) -> None:
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
