"""`lossadvisor profile`: the facts about a target column that decide the loss."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

from lossadvisor.cli.app import app
from lossadvisor.cli.feature_opts import (
    ExposureOption,
    FeaturesOption,
    NoFeaturesOption,
    feature_options,
)
from lossadvisor.cli.vision_cli import ImagesOption
from lossadvisor.errors import InputError
from lossadvisor.outfile import refuse_existing, write_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

# Progress is worth drawing only for inputs that take a moment to read.
_PROGRESS_MIN_BYTES = 32 << 20


@app.command("profile")
def profile_command(
    data: str = typer.Argument(
        ..., help="CSV, TSV, Parquet or JSON Lines file (.gz/.bz2/.zst ok); - for stdin."
    ),
    target: list[str] = typer.Option(
        [],
        "--target",
        "-t",
        help="Target column (repeat for several). Default: a column named "
        "target/label/y/class/outcome, else the last column.",
    ),
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="csv, tsv, parquet or jsonl (default: from the extension)."
    ),
    target_type: str | None = typer.Option(
        None,
        "--target-type",
        help="Override the inferred type: binary, multiclass, multilabel, "
        "continuous, count, proportion, positive_continuous, ordinal.",
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        metavar="A,B,C",
        help='The levels of an ordinal target, lowest first: --order "low,medium,high".',
    ),
    sample_size: int = typer.Option(
        100_000,
        "--sample-size",
        help="Reservoir size for quantiles, MAD and outlier ratios (exact below it).",
    ),
    encoding: str = typer.Option(
        "utf-8", "--encoding", help="Text encoding of CSV/TSV/JSONL input, e.g. latin-1."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Save the profile as YAML (for recommend --profile)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the -o file if it exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str = typer.Option(
        "pyarrow",
        "--engine",
        help="pyarrow (streaming, default) or dask (same statistics; DATA may then be a "
        "directory, glob or fsspec URL of files, one partition each).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: a dask.distributed scheduler (tcp://host:8786); default "
        "$DASK_SCHEDULER_ADDRESS, else dask's local threads.",
    ),
    features: FeaturesOption = None,
    no_features: NoFeaturesOption = False,
    exposure: ExposureOption = None,
    task: str | None = typer.Option(
        None,
        "--task",
        help="segmentation (a mask folder or glob) or detection (COCO .json, YOLO or VOC "
        "folder); inferred from DATA when omitted.",
    ),
    sample_files: int | None = typer.Option(
        None, "--sample-files", metavar="N", help="Masks/annotations: read a seeded sample of N."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of --sample-files."),
    images: ImagesOption = None,
) -> None:
    """Profile the target column(s) of DATA: type, balance, spread, outliers, tails, zeros.

    DATA may also be a folder or glob of segmentation masks (PNG/TIFF/BMP, .npy/.npz,
    NIfTI) or detection annotations (COCO .json, YOLO .txt folder, Pascal VOC .xml).

    \b
    Examples:
      lossadvisor profile examples/insurance_claims.csv --target claims --json
      lossadvisor profile masks/ --task segmentation
      lossadvisor profile instances.json --task detection
    """
    from lossadvisor.profile import dump_profile, profile_dataset
    from lossadvisor.profile.infer import parse_order
    from lossadvisor.vision import is_vision_source

    levels = parse_order(order) if order is not None else None
    if output == "-" and as_json:
        raise InputError("-o - and --json both write to stdout; pick one.")
    options = feature_options(features, no_features, exposure)
    if output is not None:
        refuse_existing(output, force)  # before the long read, not after it
    # --engine dask reads tables, whose DATA may be a folder of files too
    if task in ("segmentation", "detection") or (engine != "dask" and is_vision_source(data)):
        _profile_vision(data, task, sample_files, seed, quiet, as_json, output, force, images)
        return
    if task is not None or sample_files is not None or images is not None:
        raise InputError(
            "--task, --sample-files and --images apply to masks and annotations; "
            "for a table use --target (and --target-type)."
        )
    with _progress(data, quiet) as progress:
        profile = profile_dataset(
            data,
            target,
            fmt=fmt,
            target_type=target_type,
            sample_size=sample_size,
            encoding=encoding,
            progress=progress,
            engine=engine,
            features=options,
            order=levels,
            scheduler=scheduler,
        )
    if output is not None:
        write_text(dump_profile(profile), output, force)
    if as_json:
        sys.stdout.write(profile.model_dump_json(indent=2) + "\n")
    elif output != "-":
        from rich.console import Console

        from lossadvisor.render.profile import print_profile

        print_profile(profile, Console())


def _profile_vision(
    data: str,
    task: str | None,
    sample_files: int | None,
    seed: int,
    quiet: bool,
    as_json: bool,
    output: str | None,
    force: bool,
    images: str | None = None,
) -> None:
    from lossadvisor.cli.vision_cli import header, report_skipped, run_vision
    from lossadvisor.profile import dump_profile

    result = run_vision(data, task, sample_files, seed, quiet, images)
    if output is not None:
        write_text(dump_profile(result.profile), output, force)
    if as_json:
        sys.stdout.write(result.profile.model_dump_json(indent=2) + "\n")
    elif output != "-":
        from rich.console import Console
        from rich.text import Text

        from lossadvisor.render.profile import render_profile

        console = Console()
        console.print(Text(header(result)))
        for part in list(render_profile(result.profile).renderables)[1:]:
            console.print(part)
    report_skipped(result)


def _progress(data: str, quiet: bool) -> AbstractContextManager[Callable[[int], None] | None]:
    """A rich progress bar on stderr for large files, only when stderr is a terminal."""
    from contextlib import contextmanager

    @contextmanager
    def bar() -> Iterator[Callable[[int], None] | None]:
        size = os.path.getsize(data) if data != "-" and os.path.isfile(data) else 0
        if quiet or not sys.stderr.isatty() or size < _PROGRESS_MIN_BYTES:
            yield None
            return
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        with Progress(
            "profiling",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task("read", total=size)
            yield lambda done: progress.update(task, completed=done)

    return bar()
