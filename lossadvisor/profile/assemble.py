"""From the partials of a pass to the profile: which columns are targets, their type, their facts.

choose_targets(header, targets, source) -> (columns, why)
assemble(source, fmt, columns, why, partials, ...) -> DatasetProfile
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from lossadvisor.errors import InputError
from lossadvisor.io import check_columns
from lossadvisor.models import DatasetProfile, TargetProfile
from lossadvisor.profile.readings import readings

if TYPE_CHECKING:
    from lossadvisor.profile.stats import Partial

TARGET_NAMES = ("target", "label", "y", "class", "outcome")


class Inferred(NamedTuple):
    """A target's type, why, and its (possibly estimated) number of distinct values."""

    kind: str
    reason: str
    n_unique: int
    estimated: bool


def choose_targets(
    header: Sequence[str], targets: Sequence[str], source: str
) -> tuple[list[str], str]:
    """The target columns and the rule that picked them."""
    if targets:
        chosen = list(dict.fromkeys(targets))
        check_columns(source, chosen, header)
        return chosen, "given with --target"
    for name in header:
        if name.strip().lower() in TARGET_NAMES:
            return [name], f"column named '{name}' (target/label/y/class/outcome, any case)"
    if not header:
        raise InputError(f"{source}: no columns found.")
    return [header[-1]], "the last column (no column named target/label/y/class/outcome)"


def assemble(
    source: str,
    fmt: str,
    columns: list[str],
    choice: str,
    partials: dict[str, Partial],
    forced_type: str | None,
    storage: dict[str, bool | None] | None = None,
    order: Sequence[str] | None = None,
) -> DatasetProfile:
    """The profile of the target columns from their partials; InputError for an unusable one."""
    # infer and summarize import numpy at their top: loaded with the data, not with the package.
    from lossadvisor.profile.infer import multilabel_group, ordinal_levels
    from lossadvisor.profile.summarize import summarize

    n_rows = partials[columns[0]].n_rows
    if n_rows == 0:
        raise InputError(f"{source}: the file has a header but no rows.")
    if order is not None and len(columns) > 1:
        raise InputError("--order gives the levels of one target; profile one --target with it.")
    if order is not None and forced_type not in (None, "ordinal"):
        raise InputError(f"--order makes the target ordinal; drop --target-type {forced_type}.")
    inferred = [
        _infer(source, name, partials[name], n_rows, forced_type, storage, order)
        for name in columns
    ]
    if forced_type is None and multilabel_group([i.kind for i in inferred]):
        why = f"one of {len(columns)} two-valued targets profiled together"
        inferred = [i._replace(kind="multilabel", reason=why) for i in inferred]
    profiles = []
    for name, (kind, reason, n_unique, estimated) in zip(columns, inferred, strict=True):
        levels = ordinal_levels(partials[name], order, name) if kind == "ordinal" else None
        s = summarize(partials[name], kind, n_unique, estimated, levels)
        profiles.append(
            TargetProfile(
                name=name,
                target_type=kind,
                type_reason=reason,
                facts=s.facts,
                class_counts=s.class_counts,
                quantiles=s.quantiles,
                estimated=s.estimated,
                sample_size=s.sample_size,
                readings=readings(s.facts),
                levels=list(levels) if levels is not None else None,
            )
        )
    return DatasetProfile(
        source=source, format=fmt, n_rows=n_rows, target_choice=choice, targets=profiles
    )


def _infer(
    source: str,
    name: str,
    p: Partial,
    n_rows: int,
    forced_type: str | None,
    storage: dict[str, bool | None] | None,
    order: Sequence[str] | None,
) -> Inferred:
    """One target's type (given, or inferred from its partial); InputError if it has none."""
    from lossadvisor.profile.infer import check_override, infer_type
    from lossadvisor.profile.stats import NumericPartial
    from lossadvisor.profile.summarize import n_unique_of, skewness_of

    infinite = getattr(p, "n_infinite", 0)
    if p.n == 0 and infinite:
        raise InputError(
            f"{source}: target '{name}' has no finite value: {infinite} of {n_rows} rows "
            "are ±inf or beyond float64's ±1.8e308"
            + (", the rest missing" if infinite < n_rows else "")
            + "; rescale it (e.g. log) or choose another target."
        )
    if p.n == 0:
        raise InputError(f"{source}: every value of target '{name}' is missing ({n_rows} rows).")
    n_unique, estimated = n_unique_of(p)
    if n_unique == 1:
        value = next(iter(p.value_counts or {}))
        if isinstance(value, float) and value.is_integer() and abs(value) >= 2.0**63:
            # pyarrow reads whole numbers past the 64-bit integer range as float64, which
            # keeps ~16 digits: distinct integers (ids, codes) collapse into one value.
            raise InputError(
                f"{source}: target '{name}' is {value!r} in all {p.n} non-missing rows, a "
                "whole number beyond the 64-bit integer range: integers that large are read "
                "as floats (about 16 digits), so distinct ones may have collapsed; if they "
                "are ids or codes, choose another target, else rescale them."
            )
        raise InputError(
            f"{source}: target '{name}' is constant ({value!r} in all {p.n} non-missing rows); "
            "there is nothing to learn."
        )
    skew = skewness_of(p) if isinstance(p, NumericPartial) else None
    if order is not None:
        return Inferred("ordinal", f"given with --order ({' < '.join(order)})", n_unique, estimated)
    if forced_type is not None:
        check_override(forced_type, p, n_unique, name)
        return Inferred(forced_type, "given with --target-type", n_unique, estimated)
    kind, reason = infer_type(p, n_unique, skew, name, (storage or {}).get(name))
    return Inferred(kind, reason, n_unique, estimated)
