"""The `lossadvisor` command line: the only place that parses argv and prints.

Each command lives in its own module as a plain function; cli/commands.py lists them all and
cli/app.py registers that list on the typer app. Command modules import
heavy libraries (numpy, pandas, pyarrow) inside the command function, never at module level,
so that `recommend --task ...` starts at bare-Python speed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading

from lossadvisor.cli.app import app, build_command  # noqa: F401 (app: for tests and plugins)
from lossadvisor.errors import InputError, one_line

try:  # typer >= 0.20 vendors click, whose exceptions are not click's own
    from typer._click import exceptions as _click
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import exceptions as _click  # type: ignore[no-redef]

_NO_ARGS: tuple[type[Exception], ...] = tuple(
    c for c in (getattr(_click, "NoArgsIsHelpError", None),) if isinstance(c, type)
)
_USAGE = _click.UsageError
_CLICK = _click.ClickException
_ABORT: type[BaseException] = getattr(_click, "Abort", KeyboardInterrupt)


def main() -> None:
    """Console-script entry point: every error a user can cause is one line on stderr, exit 2.

    SIGTERM and SIGHUP become SystemExit, so the `finally` blocks that remove temporary files
    and spooled stdin run as they do for Ctrl-C. A closed pipe on stdout (`... | head -1`) ends
    the run quietly with the status a SIGPIPE death gives (141), as other Unix tools do.
    """
    # pydantic looks for plugins (an entry-point scan of every installed distribution, ~15 ms)
    # when it builds its first validator; the CLI's models are internal, so it skips them, as
    # typer does while building its own adapters. An explicit setting is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                signal.signal(signum, _exit_on_signal)
    try:
        code = build_command()(standalone_mode=False)
        sys.stdout.flush()
    except InputError as err:
        _fail(str(err))
    except _NO_ARGS as err:  # `lossadvisor` alone: the help, as before
        print(getattr(err, "format_message", err.__str__)(), file=sys.stderr)
        sys.exit(2)
    except _USAGE as err:
        _fail(_usage_line(err))
    except _CLICK as err:
        _fail(" ".join(err.format_message().split()))
    except _ABORT:
        print("lossadvisor: aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _quiet_pipe_exit()
    except OSError as err:
        if err.errno not in _OUTPUT_ERRNOS:
            raise
        _fail(f"cannot write the output: {err.strerror}")
    sys.exit(code if isinstance(code, int) else 0)


# Failures of the output stream (a full disk, /dev/full, a dead terminal): the user's setup, not
# a bug. Errors while reading input are translated where the input is read (lossadvisor.io).
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EROFS}


def _fail(message: str) -> None:
    print(f"lossadvisor: error: {one_line(message)}", file=sys.stderr)
    sys.exit(2)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _quiet_pipe_exit() -> None:
    # Python would complain again when it flushes stdout at exit: point stdout at /dev/null.
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


def _usage_line(err: Exception) -> str:
    """click's several-line usage error as one line: the message, and where to read more."""
    message = " ".join(err.format_message().split())  # type: ignore[attr-defined]
    message = message[:1].lower() + message[1:]
    ctx = getattr(err, "ctx", None)
    command = ctx.command_path if ctx is not None else "lossadvisor"
    return f"{message} (see `{command} --help`)"
