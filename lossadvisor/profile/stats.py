"""Mergeable partial statistics of one target column.

A partial summarises some rows; `merge(a, b)` summarises their union; `finish`-time code in
`summarize.py` turns a partial into facts. Two kinds:

- `NumericPartial`: counts, Pébay-merged central moments (mean, M2, M3, M4), min/max, zeros,
  non-integers, a capped value-count table (then a distinct-count sketch), a uniform reservoir
  and the exact extremes.
- `LabelPartial`: counts and a capped value-count table of text labels.

The same functions serve a single-machine stream of pyarrow batches (`update`) and a dask
`Series.reduction(chunk=numeric_partial, aggregate=merge_all)`. Raw power sums are never used:
they lose all precision on heavy-tailed data (Pébay 2008, "Formulas for robust, one-pass
parallel computation of covariances and arbitrary-order statistical moments").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import reduce

import numpy as np

from lossadvisor.profile.sketch import DistinctSketch, Extremes, FloatArray, Reservoir

VALUE_COUNT_CAP = 10_000
"""Distinct values tracked exactly; beyond it the table is dropped (n_unique from a sketch)."""
EXTREMES_K = 2_000
"""Largest and smallest values kept exactly for the Hill estimator (k <= this)."""
DISTINCT_SKETCH_K = 4_096


@dataclass(frozen=True)
class NumericPartial:
    """Summary of some rows of a numeric column (missing = null, NaN or +-inf; the infinite
    ones are also counted in `n_infinite`)."""

    n_rows: int
    n_missing: int
    mean: float
    m2: float
    m3: float
    m4: float
    min: float
    max: float
    n_zero: int
    n_non_integer: int
    value_counts: Mapping[float, int] | None
    distinct: DistinctSketch | None
    reservoir: Reservoir
    extremes: Extremes
    n_infinite: int = 0
    """Of the missing values, those that are ±inf (a text value beyond float64's ±1.8e308 is
    read as one): reported apart, so an all-inf column is not called "missing"."""

    @property
    def n(self) -> int:
        """Non-missing values."""
        return self.n_rows - self.n_missing


@dataclass(frozen=True)
class LabelPartial:
    """Summary of some rows of a text column; `value_counts` is None once past the cap."""

    n_rows: int
    n_missing: int
    value_counts: Mapping[str, int] | None
    levels: tuple[str, ...] | None = None
    """The level order of an ordered categorical (Parquet/arrow dictionary, ordered=True)."""

    @property
    def n(self) -> int:
        return self.n_rows - self.n_missing


Partial = NumericPartial | LabelPartial


def numeric_partial(values: FloatArray, sample_size: int = 100_000) -> NumericPartial:
    """The partial of one chunk of floats (NaN and +-inf count as missing)."""
    values = np.asarray(values, dtype=np.float64)
    valid = values[np.isfinite(values)]
    n = int(valid.size)
    empty = Reservoir(sample_size, 0, np.empty(0))
    if n == 0:
        return NumericPartial(
            n_rows=int(values.size),
            n_missing=int(values.size),
            mean=0.0,
            m2=0.0,
            m3=0.0,
            m4=0.0,
            min=np.inf,
            max=-np.inf,
            n_zero=0,
            n_non_integer=0,
            value_counts={},
            distinct=None,
            reservoir=empty,
            extremes=Extremes(EXTREMES_K, np.empty(0), np.empty(0)),
            n_infinite=int(np.count_nonzero(np.isinf(values))),
        )
    # Values near ±1e308 overflow the moments to inf / nan; summarize reads a non-finite moment
    # as "no skewness / kurtosis", so the overflow needs no warning on the user's stderr.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(valid.mean())
        d = valid - mean
        d2 = d * d  # products and sum, not np.dot: OpenBLAS threads would fight pyarrow's
        m2, m3, m4 = float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())
    uniques, counts = np.unique(valid, return_counts=True)
    value_counts: dict[float, int] | None
    distinct: DistinctSketch | None
    if uniques.size > VALUE_COUNT_CAP:
        value_counts, distinct = None, DistinctSketch.of(uniques, DISTINCT_SKETCH_K)
    else:
        value_counts, distinct = dict(zip(uniques.tolist(), counts.tolist(), strict=True)), None
    return NumericPartial(
        n_rows=int(values.size),
        n_missing=int(values.size) - n,
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        min=float(uniques[0]),
        max=float(uniques[-1]),
        n_zero=int(np.count_nonzero(valid == 0.0)),
        n_non_integer=int(np.count_nonzero(valid != np.floor(valid))),
        value_counts=value_counts,
        distinct=distinct,
        reservoir=Reservoir.of(valid, sample_size),
        extremes=Extremes.of(valid, EXTREMES_K),
        n_infinite=int(np.count_nonzero(np.isinf(values))),
    )


def label_partial(labels: Iterable[str | None]) -> LabelPartial:
    """The partial of one chunk of text labels (None = missing)."""
    counts: dict[str, int] = {}
    n_rows = n_missing = 0
    for label in labels:
        n_rows += 1
        if label is None:
            n_missing += 1
        else:
            counts[label] = counts.get(label, 0) + 1
    return LabelPartial(n_rows, n_missing, counts if len(counts) <= VALUE_COUNT_CAP else None)


def label_partial_from_counts(
    n_rows: int,
    n_missing: int,
    counts: Mapping[str, int],
    levels: tuple[str, ...] | None = None,
) -> LabelPartial:
    """The partial of a chunk whose value counts were computed elsewhere (e.g. pyarrow)."""
    kept = dict(counts) if len(counts) <= VALUE_COUNT_CAP else None
    return LabelPartial(n_rows, n_missing, kept, levels)


def _merge_moments(a: NumericPartial, b: NumericPartial) -> tuple[float, float, float, float]:
    """Pébay's pairwise update of mean and central moment sums M2..M4."""
    na, nb = a.n, b.n
    if na == 0:
        return b.mean, b.m2, b.m3, b.m4
    if nb == 0:
        return a.mean, a.m2, a.m3, a.m4
    n = na + nb
    delta = b.mean - a.mean
    dn = delta / n
    mean = a.mean + nb * dn
    m2 = a.m2 + b.m2 + delta * dn * na * nb
    m3 = a.m3 + b.m3 + delta * dn * dn * na * nb * (na - nb) + 3.0 * dn * (na * b.m2 - nb * a.m2)
    m4 = (
        a.m4
        + b.m4
        + delta * dn * dn * dn * na * nb * (na * na - na * nb + nb * nb)
        + 6.0 * dn * dn * (na * na * b.m2 + nb * nb * a.m2)
        + 4.0 * dn * (na * b.m3 - nb * a.m3)
    )
    return mean, m2, m3, m4


def _merge_counts(
    a: Mapping[float, int] | None, b: Mapping[float, int] | None
) -> dict[float, int] | None:
    if a is None or b is None:
        return None
    big, small = (a, b) if len(a) >= len(b) else (b, a)
    out = dict(big)
    for value, count in small.items():
        out[value] = out.get(value, 0) + count
    return out if len(out) <= VALUE_COUNT_CAP else None


def _distinct_of(p: NumericPartial) -> DistinctSketch:
    if p.distinct is not None:
        return p.distinct
    keys = np.fromiter(p.value_counts or {}, dtype=np.float64)
    return DistinctSketch.of(keys, DISTINCT_SKETCH_K)


def merge_numeric(a: NumericPartial, b: NumericPartial) -> NumericPartial:
    """The partial of the union of the rows summarised by `a` and `b`."""
    mean, m2, m3, m4 = _merge_moments(a, b)
    counts = _merge_counts(a.value_counts, b.value_counts)
    distinct = None if counts is not None else _distinct_of(a).merge(_distinct_of(b))
    return NumericPartial(
        n_rows=a.n_rows + b.n_rows,
        n_missing=a.n_missing + b.n_missing,
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        min=min(a.min, b.min),
        max=max(a.max, b.max),
        n_zero=a.n_zero + b.n_zero,
        n_non_integer=a.n_non_integer + b.n_non_integer,
        value_counts=counts,
        distinct=distinct,
        reservoir=a.reservoir.merge(b.reservoir),
        extremes=a.extremes.merge(b.extremes),
        n_infinite=a.n_infinite + b.n_infinite,
    )


def merge_labels(a: LabelPartial, b: LabelPartial) -> LabelPartial:
    """The partial of the union of the rows summarised by `a` and `b`."""
    counts: dict[str, int] | None = None
    if a.value_counts is not None and b.value_counts is not None:
        counts = dict(a.value_counts)
        for label, count in b.value_counts.items():
            counts[label] = counts.get(label, 0) + count
        if len(counts) > VALUE_COUNT_CAP:
            counts = None
    return LabelPartial(
        a.n_rows + b.n_rows, a.n_missing + b.n_missing, counts, _merge_levels(a.levels, b.levels)
    )


def _merge_levels(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Level orders of two chunks: one of them when they agree (or one is absent); levels only
    the second chunk knows are appended (row groups may carry different dictionaries)."""
    if a is None or b is None or a == b:
        return a or b
    return a + tuple(level for level in b if level not in a)


def merge(a: Partial, b: Partial) -> Partial:
    """Merge two partials of the same kind."""
    if isinstance(a, NumericPartial) and isinstance(b, NumericPartial):
        return merge_numeric(a, b)
    if isinstance(a, LabelPartial) and isinstance(b, LabelPartial):
        return merge_labels(a, b)
    raise TypeError("cannot merge a numeric partial with a label partial")


def merge_all(partials: Iterable[Partial]) -> Partial:
    """Merge any number of partials (at least one), left to right."""
    return reduce(merge, partials)


def update_numeric(
    p: NumericPartial, values: FloatArray, rng: np.random.Generator | None = None
) -> NumericPartial:
    """`merge_numeric(p, numeric_partial(values))`, with fast paths for the streaming loop.

    Extremes only look at values beyond the current k-th ones; once the value-count table has
    overflowed, a chunk is not sorted either: only hashes below the sketch's k-th minimum count.
    `rng` (owned by the caller's loop, seeded) drives the reservoir, which is then updated in
    place: `p` must not be used afterwards. Without `rng` the reservoir is merged as in
    `merge_numeric` and `p` is untouched. Either way the sample is uniform.
    """
    if p.n == 0:
        return merge_numeric(p, numeric_partial(values, p.reservoir.capacity))
    values = np.asarray(values, dtype=np.float64)
    valid = values[np.isfinite(values)]
    n = int(valid.size)
    if n == 0:
        return replace(
            p,
            n_rows=p.n_rows + int(values.size),
            n_missing=p.n_missing + int(values.size),
            n_infinite=p.n_infinite + int(np.count_nonzero(np.isinf(values))),
        )
    with np.errstate(over="ignore", invalid="ignore"):  # as in numeric_partial
        mean = float(valid.mean())
        d = valid - mean
        d2 = d * d
        m2, m3, m4 = float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())
    chunk = NumericPartial(
        n_rows=n,
        n_missing=0,
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        min=0.0,
        max=0.0,
        n_zero=0,
        n_non_integer=0,
        value_counts=None,
        distinct=None,
        reservoir=p.reservoir,
        extremes=p.extremes,
    )
    mean, m2, m3, m4 = _merge_moments(p, chunk)
    value_counts, distinct = _update_distinct(p, valid)
    return NumericPartial(
        n_rows=p.n_rows + int(values.size),
        n_missing=p.n_missing + int(values.size) - n,
        mean=mean,
        m2=m2,
        m3=m3,
        m4=m4,
        min=min(p.min, float(valid.min())),
        max=max(p.max, float(valid.max())),
        n_zero=p.n_zero + int(np.count_nonzero(valid == 0.0)),
        n_non_integer=p.n_non_integer + int(np.count_nonzero(valid != np.floor(valid))),
        value_counts=value_counts,
        distinct=distinct,
        reservoir=(
            p.reservoir.update(valid, rng, in_place=True)
            if rng is not None
            else p.reservoir.merge(Reservoir.of(valid, p.reservoir.capacity))
        ),
        extremes=p.extremes.update(valid),
        n_infinite=p.n_infinite + int(np.count_nonzero(np.isinf(values))),
    )


def _update_distinct(
    p: NumericPartial, valid: FloatArray
) -> tuple[dict[float, int] | None, DistinctSketch | None]:
    """The value-count table (while under the cap) or the distinct sketch, with a chunk added."""
    if p.value_counts is None:
        assert p.distinct is not None
        return None, p.distinct.update(valid)
    uniques, counts = np.unique(valid, return_counts=True)
    merged = _merge_counts(
        p.value_counts, dict(zip(uniques.tolist(), counts.tolist(), strict=True))
    )
    if merged is not None:
        return merged, None
    keys = np.concatenate([np.fromiter(p.value_counts, dtype=np.float64), uniques])
    return None, DistinctSketch.of(keys, DISTINCT_SKETCH_K)
