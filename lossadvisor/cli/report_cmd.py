"""`lossadvisor report`: the profile, the pictures and the recommendation as one page."""

from __future__ import annotations

import sys

import typer

from lossadvisor.errors import InputError


def report_command(
    data: str = typer.Argument(..., metavar="DATA", help="CSV/TSV/Parquet/JSONL file."),
    target: str = typer.Option(..., "--target", "-t", metavar="COL", help="Target column."),
    output: str = typer.Option(
        ..., "--output", "-o", metavar="FILE", help="The report file (report.html, report.md)."
    ),
    fmt: str = typer.Option(
        "html", "--format", help="html (one self-contained file) or md (PNGs beside it)."
    ),
    validate: bool = typer.Option(
        False, "--validate", help="Cross-validate the top losses too (the validate extra)."
    ),
    top: int = typer.Option(10, help="How many ranked losses the ranking shows."),
    force: bool = typer.Option(False, "--force", help="Replace an existing report."),
) -> None:
    """Write a report on DATA's target: its distribution with the fitted candidate families,
    tail and Q-Q plots or class balance, the ranking with every rule's signed contribution,
    hyperparameters with derivations, the optimizer, and with --validate the fold scores.

    \b
    Examples:
      lossadvisor report claims.csv -t claims -o report.html
      lossadvisor report house.csv -t price -o report.md --format md --validate
    """
    from pathlib import Path

    from lossadvisor.outfile import refuse_existing, write_text

    if fmt not in ("html", "md"):
        raise InputError(f"--format: expected html or md. Got '{fmt}' instead.")
    if output == "-" and fmt == "md":
        raise InputError("--format md writes PNG files beside the report; give -o FILE.")
    refuse_existing(output, force)  # before the work, not after it
    from lossadvisor import api
    from lossadvisor.render import plots, report

    plots.require_matplotlib()
    dataset = api.profile(data, target)
    first = dataset.targets[0]
    rec = api.recommend(profile=dataset)
    validation = api.validate(data, target) if validate else None
    drawn = report.figures(first, dataset.values_of(first.name), rec, validation)
    if fmt == "html":
        text = report.html_report(dataset, first, rec, drawn, validation, top=top)
        write_text(text, output, force)
    else:
        folder = Path(output).with_suffix("").name + "_files"
        images = Path(output).parent / folder
        images.mkdir(exist_ok=True)
        for figure in drawn:
            (images / f"{figure.id}.png").write_bytes(plots.png(figure.figure))
        text = report.markdown_report(dataset, first, rec, drawn, folder, validation, top=top)
        write_text(text, output, force)
    if output != "-":
        print(f"lossadvisor: wrote {output} ({len(drawn)} figures)", file=sys.stderr)
