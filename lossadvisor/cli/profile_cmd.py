"""`lossadvisor profile`: the facts about a target column that decide the loss."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

from lossadvisor.cli.feature_opts import (
    ExposureOption,
    FeaturesOption,
    NoFeaturesOption,
    feature_options,
)
from lossadvisor.cli.options import ForceOption, JsonOption, SeedOption, TargetsOption, words
from lossadvisor.cli.progress import progress_bar
from lossadvisor.cli.vision_cli import ImagesOption
from lossadvisor.errors import InputError
from lossadvisor.facts import TARGET_TYPES
from lossadvisor.io import FORMATS as INPUT_FORMATS
from lossadvisor.outfile import refuse_existing, write_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

# Progress is worth drawing only for inputs that take a moment to read.
_PROGRESS_MIN_BYTES = 32 << 20


def profile_command(
    data: str = typer.Argument(
        ..., help="CSV, TSV, Parquet or JSON Lines file (.gz/.bz2/.zst ok); - for stdin."
    ),
    target: TargetsOption = [],  # noqa: B006 (typer copies the default)
    input_format: str | None = typer.Option(
        None,
        "--input-format",
        help=f"{words(INPUT_FORMATS)} (default: from the extension).",
    ),
    old_format: str | None = typer.Option(
        None, "--format", "-f", hidden=True, help="Deprecated: --input-format."
    ),
    target_type: str | None = typer.Option(
        None, "--target-type", help=f"Override the inferred type: {words(TARGET_TYPES)}."
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
    as_json: JsonOption = False,
    output: str | None = typer.Option(
        None, "--output", "-o", help="Save the profile as YAML (for recommend --profile)."
    ),
    force: ForceOption = False,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str = typer.Option(
        "pyarrow",
        "--engine",
        help="pyarrow (streaming, default) or dask (same statistics; DATA may then be a "
        "directory, glob or fsspec URL of files, one partition each; one big file is split "
        "into row groups or line-aligned byte ranges).",
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
    seed: SeedOption = 0,
    images: ImagesOption = None,
) -> None:
    """Profile the target column(s) of DATA: type, balance, spread, outliers, tails, zeros.

    Without --target: a column named target/label/y/class/outcome, else the last column.

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

    fmt = _input_format(input_format, old_format)
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

        from lossadvisor.render.profile import render_profile

        Console().print(render_profile(profile))


def _input_format(given: str | None, deprecated: str | None) -> str | None:
    """--input-format, or its deprecated spelling --format (with a warning on stderr)."""
    if deprecated is None:
        return given
    if given is not None:
        raise InputError("--format is the deprecated spelling of --input-format; give one.")
    print(
        "lossadvisor: warning: profile --format is deprecated; use --input-format "
        "(elsewhere --format names the output format).",
        file=sys.stderr,
    )
    return deprecated


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


def _progress(data: str, quiet: bool) -> AbstractContextManager[Callable[..., None] | None]:
    """The bar over the bytes of DATA, for files large enough to take a moment."""
    size = os.path.getsize(data) if data != "-" and os.path.isfile(data) else 0
    return progress_bar(
        "profiling", "bytes", total=size, quiet=quiet, min_total=_PROGRESS_MIN_BYTES
    )
