"""`lossadvisor export`: turn a native export into a config another tool loads as it is."""

from __future__ import annotations

import sys

import typer

from lossadvisor.cli.app import app


@app.command("export")
def export_command(
    source: str = typer.Argument(
        ..., help="A native export (recommend --export FILE --format native); - for stdin."
    ),
    fmt: str = typer.Option(
        ...,
        "--format",
        "-f",
        help="native, hydra, lightning, lightgbm, xgboost, sklearn, sklearn_hydra or keras.",
    ),
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
    class_order: str | None = typer.Option(
        None,
        "--class-order",
        metavar="A,B,C",
        help="Your label encoder's class order (index 0 first); per-class values follow it.",
    ),
    steps: int | None = typer.Option(
        None,
        "--steps",
        metavar="N",
        help="Scheduler steps of the run (hydra: trainer.max_steps; lightning: epochs).",
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        metavar="linear",
        help="sklearn: the estimator (linear = a standardised, unpenalised GLM; the default).",
    ),
    vendor_dir: str | None = typer.Option(
        None,
        "--vendor",
        metavar="DIR",
        help="Copy the torch module the config uses into DIR, so training needs no lossadvisor.",
    ),
) -> None:
    """Convert the native export SOURCE into another config format.

    Example:

        lossadvisor export rec.yaml --format hydra -o conf/loss/advised.yaml
        lossadvisor export rec.yaml --format keras --class-order "Fair,Good,Very Good"
        lossadvisor export rec.yaml --format hydra --vendor conf/ -o conf/train.yaml
    """
    from lossadvisor.export import export_recommendation, load_native, write_yaml
    from lossadvisor.export.native import check_digest
    from lossadvisor.export.vendor import vendor
    from lossadvisor.outfile import refuse_existing
    from lossadvisor.rules.load import load_rulebase

    base = load_rulebase()
    rec, header = load_native(source, base)
    warning = check_digest(header, base.digest, "<stdin>" if source == "-" else source, force)
    if warning:
        print(f"lossadvisor: warning: {warning}", file=sys.stderr)
    chosen = pick if pick is not None else header.get("pick")
    order = class_order.split(",") if class_order is not None else None
    data = export_recommendation(
        rec,
        fmt,
        pick=chosen,
        rules_digest=header.get("rules_digest"),
        class_order=order,
        steps=steps,
        base=base,
        model=model,
    )
    written = ""
    if vendor_dir is not None:
        if output != "-":
            refuse_existing(output, force)  # before writing the module, not after
        data, written = vendor(data, vendor_dir, force=force)
    write_yaml(data, output, force=force)
    if written:
        print(f"lossadvisor: wrote {written} (the config's torch module)", file=sys.stderr)
    if output != "-":
        block = data.get("lossadvisor", {})
        what = block.get("loss") or block.get("heads") or chosen or "the top choice"
        print(f"lossadvisor: wrote {output} ({fmt}: {what})", file=sys.stderr)
