"""The options that shape an export, defined once for `export` and `recommend --export`.

Both commands take the same --class-order, --steps, --model and --vendor, and write through
`write_export`, so the two paths cannot drift apart.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    from lossadvisor.models import Recommendation
    from lossadvisor.rules.schema import RuleBase

ClassOrderOption = Annotated[
    str | None,
    typer.Option(
        "--class-order",
        metavar="A,B,C",
        help="Your label encoder's class order (index 0 first); per-class values follow it.",
        show_default=False,
    ),
]
StepsOption = Annotated[
    int | None,
    typer.Option(
        "--steps",
        metavar="N",
        help="Scheduler steps of the run (hydra: trainer.max_steps; lightning: epochs; "
        "keras: optimizer steps).",
        show_default=False,
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="gbm|linear",
        help="sklearn: the estimator (gbm = the LightGBM proxy validate measured, the "
        "default; linear = a standardised, unpenalised GLM).",
        show_default=False,
    ),
]
VendorOption = Annotated[
    str | None,
    typer.Option(
        "--vendor",
        metavar="DIR",
        help="Copy the module the config uses into DIR, so training needs no lossadvisor.",
        show_default=False,
    ),
]


class ExportOptions(NamedTuple):  # a NamedTuple: a tenth of a dataclass's import cost
    """What the shared options say, checked: the class order split, the vendor folder."""

    class_order: list[str] | None = None
    steps: int | None = None
    model: str | None = None
    vendor_dir: str | None = None

    def given(self) -> list[str]:
        """The flags set, as the user typed them (for 'only apply with --export')."""
        names = ("--class-order", "--steps", "--model", "--vendor")
        values = (self.class_order, self.steps, self.model, self.vendor_dir)
        return [name for name, value in zip(names, values, strict=True) if value is not None]


def export_options(
    class_order: str | None, steps: int | None, model: str | None, vendor_dir: str | None
) -> ExportOptions:
    """ExportOptions from the four flags; InputError for a bad --steps or --vendor, early."""
    from pathlib import Path

    if steps is not None:
        from lossadvisor.export.schedule import check_steps

        check_steps(steps)
    if vendor_dir is not None and not Path(vendor_dir).is_dir():
        raise InputError(f"--vendor {vendor_dir}: not an existing directory")
    order = class_order.split(",") if class_order is not None else None
    return ExportOptions(order, steps, model, vendor_dir)


def write_export(
    rec: Recommendation,
    fmt: str,
    output: str,
    options: ExportOptions,
    pick: str | None = None,
    rules_digest: str | None = None,
    force: bool = False,
    base: RuleBase | None = None,
) -> dict[str, Any]:
    """Build the export of `rec`, vendor its module if asked, and write it; the data written.

    Every value is checked against the catalog of `base` (the built-in rule base when None).
    """
    from lossadvisor.export import export_recommendation, write_yaml
    from lossadvisor.export.vendor import vendor
    from lossadvisor.outfile import refuse_existing

    data = export_recommendation(
        rec,
        fmt,
        pick=pick,
        rules_digest=rules_digest,
        class_order=options.class_order,
        steps=options.steps,
        model=options.model,
        base=base,
    )
    written = ""
    if options.vendor_dir is not None:
        if output != "-":
            refuse_existing(output, force)  # before writing the module, not after
        data, written = vendor(data, options.vendor_dir, force=force)
    write_yaml(data, output, force=force)
    if written:
        print(f"lossadvisor: wrote {written} (the config's module)", file=sys.stderr)
    return data


def require_export(export: str | None, options: ExportOptions) -> None:
    """InputError when export-shaping flags come without --export FILE."""
    if export is None and options.given():
        given = options.given()
        verb = "applies" if len(given) == 1 else "apply"
        raise InputError(f"{', '.join(given)} {verb} only with --export FILE.")
