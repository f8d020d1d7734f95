"""Mergeable summaries of a numeric column that need more than moments.

- `Reservoir`: a fixed-size uniform random sample (without replacement) for quantiles, MAD and
  the outlier ratios. Exact when every value fits; otherwise an estimate from `size` rows.
- `Extremes`: the k largest and k smallest values, exact, for the Hill tail estimator on
  |x - median| (the largest deviations from the median come from either end).
- `DistinctSketch`: a k-minimum-values sketch that estimates the number of distinct values once
  the exact value-count table has grown past its cap.

Every merge is deterministic (randomness is seeded from the row counts being merged), so the
same data split the same way always gives the same profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def _rng(*counts: int) -> np.random.Generator:
    return np.random.default_rng([0x105AD, *counts])


@dataclass(frozen=True)
class Reservoir:
    """A uniform sample of at most `capacity` of the `seen` values (order is meaningless)."""

    capacity: int
    seen: int
    values: FloatArray

    @classmethod
    def of(cls, values: FloatArray, capacity: int) -> Reservoir:
        """The reservoir of one chunk: all of it, or a uniform subset of `capacity` values."""
        n = int(values.size)
        if n <= capacity:
            return cls(capacity, n, np.array(values, dtype=np.float64, copy=True))
        pick = _rng(n, capacity).choice(n, size=capacity, replace=False)
        return cls(capacity, n, values[pick].astype(np.float64))

    @property
    def exact(self) -> bool:
        """True when the sample holds every value seen."""
        return self.values.size == self.seen

    def update(self, values: FloatArray, rng: np.random.Generator) -> Reservoir:
        """Fold in one chunk: the same distribution as `merge(Reservoir.of(values))`, cheaper.

        The chunk's share of the new sample is hypergeometric; those slots of the current
        sample are overwritten with a uniform subset of the chunk (no copy of the chunk).
        """
        m = int(values.size)
        seen = self.seen + m
        room = self.capacity - self.values.size
        if m <= room:
            return Reservoir(self.capacity, seen, np.concatenate([self.values, values]))
        if room > 0:  # fill up first, then treat the rest as a new chunk
            head = Reservoir(
                self.capacity, self.seen + room, np.concatenate([self.values, values[:room]])
            )
            return head.update(values[room:], rng)
        take = int(rng.hypergeometric(m, self.seen, self.capacity))
        if take == 0:
            return Reservoir(self.capacity, seen, self.values)
        out = self.values.copy()
        out[rng.choice(self.capacity, size=take, replace=False)] = values[
            rng.choice(m, size=take, replace=False)
        ]
        return Reservoir(self.capacity, seen, out)

    def merge(self, other: Reservoir) -> Reservoir:
        """A uniform sample of the union: how many come from each side is hypergeometric."""
        capacity = min(self.capacity, other.capacity)
        seen = self.seen + other.seen
        if self.values.size + other.values.size <= capacity:
            return Reservoir(capacity, seen, np.concatenate([self.values, other.values]))
        rng = _rng(self.seen, other.seen, capacity)
        from_other = int(rng.hypergeometric(other.seen, self.seen, capacity))
        from_self = capacity - from_other
        big, small = (self, other) if self.values.size >= other.values.size else (other, self)
        take_small = from_other if big is self else from_self
        drop = rng.choice(
            big.values.size, size=big.values.size - (capacity - take_small), replace=False
        )
        add = small.values[rng.choice(small.values.size, size=take_small, replace=False)]
        if big.values.size == capacity:
            # The common case (running reservoir + one chunk): overwrite the dropped slots.
            values = big.values.copy()
            values[drop] = add
            return Reservoir(capacity, seen, values)
        return Reservoir(capacity, seen, np.concatenate([np.delete(big.values, drop), add]))


@dataclass(frozen=True)
class Extremes:
    """The `k` largest and `k` smallest values seen (exact; merge = concatenate and trim)."""

    k: int
    largest: FloatArray
    smallest: FloatArray

    @classmethod
    def of(cls, values: FloatArray, k: int) -> Extremes:
        return cls(k, _top(values, k), -_top(-values, k))

    def merge(self, other: Extremes) -> Extremes:
        k = min(self.k, other.k)
        return Extremes(
            k,
            _top(np.concatenate([self.largest, other.largest]), k),
            -_top(-np.concatenate([self.smallest, other.smallest]), k),
        )

    def update(self, values: FloatArray) -> Extremes:
        """Fold in a chunk, looking only at values beyond the current k-th extremes."""
        if self.largest.size >= self.k:
            hi = values[values > self.largest.min()]
            lo = values[values < self.smallest.max()]
        else:
            hi = lo = values
        if hi.size == 0 and lo.size == 0:
            return self
        return Extremes(
            self.k,
            _top(np.concatenate([self.largest, hi]), self.k),
            -_top(-np.concatenate([self.smallest, lo]), self.k),
        )


def _top(values: FloatArray, k: int) -> FloatArray:
    """The k largest values (unordered)."""
    if values.size <= k:
        return np.array(values, dtype=np.float64, copy=True)
    return np.partition(values, values.size - k)[values.size - k :].astype(np.float64)


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MAX_HASH = float(2**64)


def hash_values(values: FloatArray) -> NDArray[np.uint64]:
    """splitmix64's finalizer over the float bits (equal floats hash equal; -0.0 == 0.0)."""
    h = (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


@dataclass(frozen=True)
class DistinctSketch:
    """k-minimum-values sketch: the k smallest distinct hashes estimate the distinct count.

    Relative standard error is about 1/sqrt(k - 2) (k = 4096: ~1.6 %); exact below k distinct.
    """

    k: int
    hashes: NDArray[np.uint64]

    @classmethod
    def of(cls, values: FloatArray, k: int) -> DistinctSketch:
        return cls(k, _smallest_unique(hash_values(values), k))

    def merge(self, other: DistinctSketch) -> DistinctSketch:
        k = min(self.k, other.k)
        return DistinctSketch(k, _smallest_unique(np.concatenate([self.hashes, other.hashes]), k))

    def estimate(self) -> int:
        if self.hashes.size < self.k:
            return int(self.hashes.size)
        kth = float(self.hashes[-1]) / _MAX_HASH
        return round((self.k - 1) / kth)

    def update(self, values: FloatArray) -> DistinctSketch:
        """Fold in a chunk, hashing it and keeping only hashes below the current k-th."""
        hashes = hash_values(values)
        if self.hashes.size >= self.k:
            hashes = hashes[hashes < self.hashes[-1]]
            if hashes.size == 0:
                return self
            # Few survive the filter: a sort of ~k sorted values beats np.unique's hashing.
            merged = np.sort(np.concatenate([self.hashes, hashes]))
            keep = np.empty(merged.size, dtype=bool)
            keep[0] = True
            np.not_equal(merged[1:], merged[:-1], out=keep[1:])
            return DistinctSketch(self.k, merged[keep][: self.k])
        return DistinctSketch(
            self.k, _smallest_unique(np.concatenate([self.hashes, hashes]), self.k)
        )


def _smallest_unique(hashes: NDArray[np.uint64], k: int) -> NDArray[np.uint64]:
    """The k smallest distinct hashes, sorted."""
    if hashes.size > 4 * k:
        head = np.unique(np.partition(hashes, 4 * k)[: 4 * k])
        if head.size >= k:
            return head[:k]
    return np.unique(hashes)[:k]
