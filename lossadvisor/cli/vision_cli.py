"""What `profile` and `recommend` share for vision DATA: the file progress bar, the skipped
files report, and the one-line table header. Imports numpy only when called."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated

import typer

from lossadvisor.cli.progress import progress_bar

if TYPE_CHECKING:
    from lossadvisor.vision.profile import VisionProfile

# A bar is worth drawing only for folders that take a moment.
_PROGRESS_MIN_FILES = 50


def file_progress(quiet: bool) -> AbstractContextManager[Callable[..., None] | None]:
    """The bar over files, drawn once a folder holds enough of them to take a moment."""
    return progress_bar("profiling", "items", quiet=quiet, min_total=_PROGRESS_MIN_FILES)


ImagesOption = Annotated[
    str | None,
    typer.Option(
        "--images",
        metavar="DIR",
        help="Masks: the folder of the images they label; a mask whose size differs from its "
        "image (same file name) is skipped and reported.",
    ),
]


def run_vision(
    data: str,
    task: str | None,
    sample_files: int | None,
    seed: int,
    quiet: bool,
    images: str | None = None,
) -> VisionProfile:
    """Profile vision DATA with a progress bar over its files."""
    from lossadvisor.vision.profile import profile_vision

    with file_progress(quiet) as progress:
        return profile_vision(
            data, task, sample_files=sample_files, seed=seed, progress=progress, images=images
        )


def report_skipped(result: VisionProfile) -> None:
    """One line per skipped file or annotation kind, on stderr, then the count."""
    for line in result.skipped:
        print(f"lossadvisor: warning: {line}", file=sys.stderr)


def header(result: VisionProfile) -> str:
    profile = result.profile
    return (
        f"{profile.source} ({profile.format}, {result.task}): {profile.n_rows:,} images; "
        f"{profile.target_choice}"
    )
