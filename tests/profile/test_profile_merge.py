"""Merging partials of any split equals the partial of the whole (hypothesis), also via dask."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossadvisor.profile import stats
from lossadvisor.profile.sketch import DistinctSketch, Reservoir

SAMPLE = 64  # small reservoir so both the exact and the sampled regime are exercised

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
cells = st.one_of(finite, st.sampled_from([0.0, 1.0, 2.0, np.nan, np.inf]))
columns = arrays(np.float64, st.integers(1, 300), elements=cells)


def _splits(data: st.DataObject, n: int) -> list[int]:
    cuts = data.draw(st.lists(st.integers(0, n), max_size=6))
    return sorted(set(cuts))


def _assert_same(
    merged: stats.NumericPartial, whole: stats.NumericPartial, values: np.ndarray
) -> None:
    # exact
    assert merged.n_rows == whole.n_rows and merged.n_missing == whole.n_missing
    assert merged.n_zero == whole.n_zero and merged.n_non_integer == whole.n_non_integer
    assert merged.min == whole.min and merged.max == whole.max
    assert merged.value_counts == whole.value_counts
    assert merged.reservoir.seen == whole.reservoir.seen
    assert merged.reservoir.values.size == whole.reservoir.values.size
    if whole.reservoir.exact:
        assert np.array_equal(np.sort(merged.reservoir.values), np.sort(whole.reservoir.values))
    else:  # a sample drawn from the same finite values
        assert np.isin(merged.reservoir.values, values[np.isfinite(values)]).all()
    assert np.array_equal(np.sort(merged.extremes.largest), np.sort(whole.extremes.largest))
    assert np.array_equal(np.sort(merged.extremes.smallest), np.sort(whole.extremes.smallest))
    # floating: Pébay merges agree with the direct two-pass sums to rounding, measured on the
    # scale of the data (an M3 that is 0 in exact arithmetic is ~1e-9 after rounding)
    spread = max(whole.m2, 1e-300)
    level = max(abs(whole.min), abs(whole.max)) if whole.n else 0.0
    assert merged.mean == pytest.approx(
        whole.mean, rel=1e-9, abs=1e-9 * (spread / whole.n) ** 0.5 if whole.n else 1e-12
    )
    for name, power in (("m2", 2), ("m3", 3), ("m4", 4)):
        got, want = getattr(merged, name), getattr(whole, name)
        rounding = whole.n * (1e-12 * level) ** power  # two-pass sums of near-equal values
        # below 1e-300 a moment is subnormal: its last digits are not float64 precision
        tol = 1e-9 * spread ** (power / 2) + rounding + 1e-300
        assert got == pytest.approx(want, rel=1e-7, abs=tol), name


@settings(max_examples=150, deadline=None)
@given(values=columns, data=st.data())
def test_merge_of_any_split_equals_whole(values: np.ndarray, data: st.DataObject) -> None:
    cuts = _splits(data, values.size)
    parts = np.split(values, cuts)
    whole = stats.numeric_partial(values, SAMPLE)
    merged = stats.merge_all([stats.numeric_partial(p, SAMPLE) for p in parts])
    assert isinstance(merged, stats.NumericPartial)
    _assert_same(merged, whole, values)
    # the streaming fast path gives the same partial as merging
    running = stats.numeric_partial(parts[0], SAMPLE)
    for part in parts[1:]:
        running = stats.update_numeric(running, part)
    _assert_same(running, whole, values)
    # ... and so does the loop's cheaper reservoir update driven by its own generator
    rng = np.random.default_rng(0)
    running = stats.numeric_partial(parts[0], SAMPLE)
    for part in parts[1:]:
        running = stats.update_numeric(running, part, rng)
    _assert_same(running, whole, values)


@settings(max_examples=100, deadline=None)
@given(
    labels=st.lists(st.one_of(st.none(), st.sampled_from("abcde"), st.text(max_size=3))),
    data=st.data(),
)
def test_label_merge_is_exact(labels: list[str | None], data: st.DataObject) -> None:
    cuts = [0, *_splits(data, len(labels)), len(labels)]
    parts = [labels[a:b] for a, b in pairwise(cuts)]
    merged = stats.merge_all([stats.label_partial(p) for p in parts])
    whole = stats.label_partial(labels)
    assert merged == whole


def test_overflowed_value_counts_merge_to_the_same_sketch() -> None:
    """Past the cap, the KMV sketch of merged parts is exactly that of the whole."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=60_000).round(5)  # > the 10k value-count cap
    parts = np.array_split(values, 7)
    whole = stats.numeric_partial(values)
    merged = stats.merge_all([stats.numeric_partial(p) for p in parts])
    running = stats.numeric_partial(parts[0])
    for part in parts[1:]:
        running = stats.update_numeric(running, part)
    assert whole.value_counts is None and whole.distinct is not None
    for other in (merged, running):
        assert isinstance(other, stats.NumericPartial) and other.distinct is not None
        assert np.array_equal(other.distinct.hashes, whole.distinct.hashes)
    truth = np.unique(values).size
    assert whole.distinct.estimate() == pytest.approx(truth, rel=0.05)


def test_distinct_sketch_exact_below_k() -> None:
    values = np.arange(1000, dtype=float).repeat(3)
    assert DistinctSketch.of(values, 4096).estimate() == 1000


def test_reservoir_merge_is_uniform() -> None:
    """Merging a big and a small reservoir keeps each source in proportion to its rows."""
    big = Reservoir.of(np.zeros(90_000), 1000)
    share_small = []
    for i in range(200):  # merges are seeded by the row counts: vary them to vary the draw
        small = Reservoir.of(np.ones(10_000 + i), 1000)
        merged = big.merge(small)
        assert merged.seen == 100_000 + i and merged.values.size == 1000
        share_small.append(np.count_nonzero(merged.values) / 1000 - (10_000 + i) / (100_000 + i))
    # hypergeometric: unbiased, s.d. ~0.009 per draw; the mean of 200 draws within ~0.002
    assert np.mean(share_small) == pytest.approx(0.0, abs=0.003)
    assert np.std(share_small) == pytest.approx(0.0095, rel=0.3)


def test_dask_reduction_gives_the_same_partial() -> None:
    dd = pytest.importorskip("dask.dataframe")
    from lossadvisor.profile.distributed import dask_partial

    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 3.0, 5000)
    values[::97] = np.nan
    series = dd.from_pandas(pd.Series(values), npartitions=6)
    via_dask = dask_partial(series, sample_size=10_000)
    whole = stats.numeric_partial(values, 10_000)
    assert isinstance(via_dask, stats.NumericPartial)
    _assert_same(via_dask, whole, values)

    labels = pd.Series(rng.choice(["a", "b", "c"], 3000).astype(object))
    labels[::50] = None
    got = dask_partial(dd.from_pandas(labels, npartitions=4))
    assert got == stats.label_partial([None if pd.isna(v) else str(v) for v in labels])
    assert isinstance(got, stats.LabelPartial) and got.n_missing == 60


def test_streaming_reservoir_update_is_uniform() -> None:
    """Reservoir.update (the streaming path) keeps every chunk in proportion to its rows."""
    rng = np.random.default_rng(42)
    chunks = [np.full(5_000, float(i)) for i in range(40)]  # 200k rows, chunk i holds value i
    shares = np.zeros(40)
    for _ in range(20):
        res = Reservoir.of(chunks[0], 2_000)
        for chunk in chunks[1:]:
            res = res.update(chunk, rng)
        assert res.seen == 200_000 and res.values.size == 2_000
        shares += np.bincount(res.values.astype(int), minlength=40) / 2_000 / 20
    # each chunk deserves 1/40 = 0.025; s.e. of the 20-run mean share is ~0.0008
    assert np.abs(shares - 0.025).max() < 0.004
    assert abs(shares[:20].sum() - 0.5) < 0.02  # early and late chunks alike


@pytest.mark.parametrize(
    ("file", "targets"),
    [
        ("insurance_claims.csv", ["claims", "region"]),
        ("proportions.csv", ["y"]),
        ("multilabel.csv", ["y"]),
        ("breast_cancer.csv", ["target"]),
    ],
)
def test_dask_engine_gives_the_same_profile(file: str, targets: list[str]) -> None:
    pytest.importorskip("dask.dataframe")
    from profile_helpers import EXAMPLES

    from lossadvisor.profile import profile_dataset

    path = str(EXAMPLES / file)
    single = profile_dataset(path, targets)
    via_dask = profile_dataset(path, targets, engine="dask")
    for a, b in zip(single.targets, via_dask.targets, strict=True):
        assert (a.target_type, a.class_counts, a.estimated) == (
            b.target_type,
            b.class_counts,
            b.estimated,
        )
        assert a.facts.keys() == b.facts.keys()
        for name, value in a.facts.items():
            if isinstance(value, float):
                assert b.facts[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
            else:
                assert b.facts[name] == value, name
