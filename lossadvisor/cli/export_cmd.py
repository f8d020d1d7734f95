"""`lossadvisor export`: turn a native export into a config another tool loads as it is."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lossadvisor.cli.export_opts import (
    ClassOrderOption,
    ModelOption,
    StepsOption,
    VendorOption,
    export_options,
    write_export,
)
from lossadvisor.cli.options import FormatOption


def export_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A native export (recommend --export FILE --format native); - for stdin."
        ),
    ],
    fmt: FormatOption,
    output: str = typer.Option("-", "--output", "-o", help="Output file; - (default) = stdout."),
    pick: str | None = typer.Option(
        None, "--pick", help="Export this ranked loss instead of the one the native file names."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace the output file if it exists; export a file made with another rule base "
        "(with a warning).",
    ),
    class_order: ClassOrderOption = None,
    steps: StepsOption = None,
    model: ModelOption = None,
    vendor_dir: VendorOption = None,
) -> None:
    """Convert the native export SOURCE into another config format.

    \b
    Examples:
      lossadvisor export rec.yaml --format hydra -o conf/loss/advised.yaml
      lossadvisor export rec.yaml -f keras --class-order "Fair,Good,Very Good"
      lossadvisor export rec.yaml --format hydra --vendor conf/ -o conf/train.yaml
    """
    from lossadvisor.export import load_native
    from lossadvisor.export.native import check_digest
    from lossadvisor.rules.load import load_rulebase

    base = load_rulebase()
    rec, header = load_native(source, base)
    warning = check_digest(header, base.digest, "<stdin>" if source == "-" else source, force)
    if warning:
        print(f"lossadvisor: warning: {warning}", file=sys.stderr)
    chosen = pick if pick is not None else header.get("pick")
    options = export_options(class_order, steps, model, vendor_dir)
    data = write_export(
        rec,
        fmt,
        output,
        options,
        pick=chosen,
        rules_digest=header.get("rules_digest"),
        force=force,
        base=base,
    )
    if output != "-":
        block = data.get("lossadvisor", {})
        what = block.get("loss") or block.get("heads") or chosen or "the top choice"
        print(f"lossadvisor: wrote {output} ({fmt}: {what})", file=sys.stderr)
