"""The options of the conditional pass, defined once for `profile`, `recommend` and `validate`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    from lossadvisor.profile.options import FeatureOptions

FeaturesOption = Annotated[
    str | None,
    typer.Option(
        "--features",
        metavar="COL,...",
        help="Feature columns for the cross-fitted baseline whose residuals give the "
        "conditional facts (default: every other column).",
        show_default=False,
    ),
]
NoFeaturesOption = Annotated[
    bool,
    typer.Option("--no-features", help="Marginal facts only: fit no baseline on other columns."),
]
ExposureOption = Annotated[
    str | None,
    typer.Option(
        "--exposure",
        metavar="COL",
        help="Column the target is measured over (policy years, area, time); default: a "
        "column named 'exposure'. Modelled as a log offset, never as a feature.",
        show_default=False,
    ),
]


def feature_options(
    features: str | None, no_features: bool, exposure: str | None
) -> FeatureOptions:
    """The FeatureOptions the three flags describe; InputError when they contradict."""
    from lossadvisor.profile.options import FeatureOptions

    if no_features and features is not None:
        raise InputError("--features and --no-features contradict each other; give one.")
    columns = None
    if features is not None:
        columns = tuple(c.strip() for c in features.split(",") if c.strip())
        if not columns:
            raise InputError("--features: expected a comma-separated list of column names.")
    return FeatureOptions(enabled=not no_features, columns=columns, exposure=exposure)
