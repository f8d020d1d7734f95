"""A stream input (stdin, a pipe, a FIFO, a /proc file) as a regular file the readers can seek.

local_copy(source) -> path      the one stdin spool: profile, recommend, validate and tune use it
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

from lossadvisor.errors import InputError
from lossadvisor.io import is_stream, os_error


@contextlib.contextmanager
def local_copy(source: str) -> Iterator[str]:
    """stdin, a pipe, a FIFO or a /proc file spooled to a temporary file (read once, in 1 MiB
    pieces, then from disk: the reader needs to seek); regular files as they are."""
    if not is_stream(source):
        yield source
        return
    shown = "stdin" if source == "-" else source
    fd, path = tempfile.mkstemp(prefix="lossadvisor-stdin-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                if source == "-":
                    if sys.stdin is None or sys.stdin.closed:
                        raise InputError("stdin: closed; pass a file or pipe data in.")
                    shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
                else:
                    with open(source, "rb") as stream:
                        shutil.copyfileobj(stream, out, 1 << 20)
            except (OSError, ValueError) as err:
                if isinstance(err, OSError) and err.errno == errno.ENOSPC:
                    raise InputError(
                        f"{shown}: no space left in the temporary directory to spool the input; "
                        "set TMPDIR to a larger disk"
                    ) from None
                if isinstance(err, OSError):
                    raise os_error(err, shown) from None
                raise InputError(f"{shown}: cannot be read ({err}).") from None
        if os.path.getsize(path) == 0:
            raise InputError(f"{shown}: no data; expected a header and rows.")
        yield path
    finally:
        os.unlink(path)
