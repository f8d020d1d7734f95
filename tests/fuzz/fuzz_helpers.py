"""Running the CLI in-process as a user runs it, with a per-case time limit.

`run_cli` calls the console entry point `lossadvisor.cli.main` (not typer's runner, which
would bypass the error contract) with argv, stdin bytes and captured streams, and returns the
exit code, stdout and stderr. A case that runs past its limit raises `Hang` from SIGALRM, so a
hang fails the case instead of the suite.
"""

from __future__ import annotations

import io
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from lossadvisor.cli import main

_LISTING = re.compile(r"\d+ problem\(s\) in \d+ file\(s\)\.")


class _Buffer(io.BytesIO):
    """Bytes that survive the text wrapper around them being closed or collected."""

    def close(self) -> None:
        pass


class Hang(Exception):
    """The case ran past its time limit."""


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    def check_contract(self) -> None:
        """Exit 0 or 2; on 2 exactly one `lossadvisor: error:` line; never a traceback.

        `rules check` is the one listing command: on 2 it prints one `file:line: message` line
        per problem and a count, no `error:` line.
        """
        assert "Traceback" not in self.stderr, self.stderr
        assert self.code in (0, 2), (self.code, self.stderr[-2000:])
        if self.code == 2:
            lines = self.stderr.splitlines()
            if lines and _LISTING.fullmatch(lines[-1]):
                assert all(":" in line for line in lines[:-1]), self.stderr[-2000:]
                return
            errors = [line for line in lines if line.startswith("lossadvisor: error: ")]
            assert len(errors) == 1 and lines[-1] == errors[0], self.stderr[-2000:]


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def _raise(_signum: int, _frame: object) -> None:
        raise Hang(f"ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(args: Sequence[str], stdin: bytes = b"", limit: float = 20.0) -> Outcome:
    """Run `lossadvisor ARGS` in this process; SystemExit gives the code, anything else fails."""
    saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
    out, err = _Buffer(), _Buffer()
    sys.argv = ["lossadvisor", *args]
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        with time_limit(limit):
            main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    text = {name: b.getvalue().decode("utf-8", "replace") for name, b in (("o", out), ("e", err))}
    return Outcome(code, text["o"], text["e"])
