"""`lossadvisor bench`: forward + backward time and peak memory of the catalog's torch losses."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lossadvisor.cli.app import app


@app.command("bench")
def bench(
    shape: Annotated[
        str,
        typer.Option(
            "--shape",
            metavar="NxC[x...]",
            help="The model output the loss reads: 256x1000 logits, 8x1x256x256 masks, "
            "1024x4 boxes, 50x16x30 frame logits (T×N×C), 4096 scores.",
        ),
    ] = "256x1000",
    dtype: Annotated[
        str, typer.Option(help="float32, float64, bfloat16 or float16.", metavar="DTYPE")
    ] = "float32",
    device: Annotated[
        str, typer.Option(help="cpu, or cuda when torch sees a GPU.", metavar="DEVICE")
    ] = "cpu",
    loss: Annotated[
        list[str] | None,
        typer.Option("--loss", help="Measure only these losses (repeatable, or a,b,c)."),
    ] = None,
    min_time: Annotated[
        float,
        typer.Option(
            "--min-time", metavar="SECONDS", help="Measuring time per loss (more: less spread)."
        ),
    ] = 0.1,
    threads: Annotated[int, typer.Option(help="torch threads (1: one core, comparable).")] = 1,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Where to write the results (- for stdout, '' for nowhere)."
        ),
    ] = "bench.json",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --output.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print bench.json on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress line.")] = False,
) -> None:
    """Measure what each catalog loss with a torch form costs here, against MSE and CE.

    Forward + backward time (median and IQR, torch.utils.benchmark) and peak memory of each
    loss at the output shape given, next to MSE and CE (BCE for one channel) in the same run.
    Losses that do not read the shape are listed as skipped. The results go to bench.json;
    `recommend --priority speed --bench bench.json` ranks with them.

    \b
    Examples:
      lossadvisor bench --shape 256x1000
      lossadvisor bench --shape 8x1x256x256 -o masks-bench.json
      lossadvisor bench --shape 1024x4 --loss giou,diou,ciou --device cuda
    """
    from lossadvisor.bench import check_device, run_bench
    from lossadvisor.bench.inputs import parse_shape
    from lossadvisor.errors import InputError, out_of_range
    from lossadvisor.outfile import refuse_existing, write_text
    from lossadvisor.rules.load import load_rulebase

    dims = parse_shape(shape)
    if not 0 < min_time <= 60:
        raise out_of_range("value", "a number of seconds in (0, 60]", min_time, "--min-time")
    if threads < 1:
        raise out_of_range("value", "an integer >= 1", threads, "--threads")
    if as_json and output == "-":
        raise InputError("--json and --output - both print to stdout; give one of them.")
    if output:
        refuse_existing(output, force)  # before measuring, not after
    if device not in ("cpu", "cuda"):
        check_device(device)  # the one-line message; cuda is checked once torch is imported
    names = [n.strip() for item in loss or [] for n in item.split(",") if n.strip()]
    base = load_rulebase()
    show_progress = not quiet and sys.stderr.isatty()

    def progress(name: str) -> None:
        if show_progress:
            print(f"\rmeasuring {name:<24}", end="", file=sys.stderr, flush=True)

    report = run_bench(base, dims, dtype, device, names or None, min_time, threads, progress)
    if show_progress:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)
    text = report.model_dump_json(indent=2) + "\n"
    if output:
        write_text(text, output, force=force)
    if as_json:
        sys.stdout.write(text)
    elif output != "-":
        from rich.console import Console

        from lossadvisor.render.bench import bench_table

        Console().print(bench_table(report))
        if output:
            print(f"wrote {output}", file=sys.stderr)
