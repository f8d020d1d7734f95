"""The one progress bar of the CLI: on stderr, only when stderr is a terminal, gone when done.

    with progress_bar("profiling", unit="bytes", total=size, quiet=quiet) as update:
        work(progress=update)          # update(done), or update(done, total, label)

`update` is None when no bar is drawn, so library code calls it only when given one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

Update = Callable[..., None]


@contextmanager
def progress_bar(
    what: str,
    unit: Literal["bytes", "items"] = "items",
    *,
    total: int | None = None,
    quiet: bool = False,
    min_total: int = 0,
) -> Iterator[Update | None]:
    """A rich bar over bytes read or items done; None (no bar) when quiet, not a terminal, or
    the work is smaller than `min_total` (not worth a bar)."""
    if quiet or not sys.stderr.isatty() or (total is not None and total < min_total):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns: tuple[ProgressColumn, ...] = (
        (BarColumn(), DownloadColumn(), TimeRemainingColumn())
        if unit == "bytes"
        else (
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeRemainingColumn(),
        )
    )
    with Progress(TextColumn(what), *columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=total)

        def update(done: int, of: int | None = None, label: str = "") -> None:
            if of is not None and of < min_total:
                return
            bar.update(task, completed=done, description=label)
            if of is not None:
                bar.update(task, total=of)

        yield update
