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


def distinct_slots(rng: np.random.Generator, n: int, size: int) -> NDArray[np.int64]:
    """`size` distinct integers drawn uniformly from range(n).

    Draw with replacement, drop repeats, top up: by symmetry every subset of the final size is
    equally likely. Far cheaper than `choice(replace=False)`, which permutes all n when size is
    more than a small fraction of n.
    """
    if 2 * size > n:
        return rng.permutation(n)[:size]
    slots = np.unique(rng.integers(0, n, size))
    while slots.size < size:
        slots = np.unique(np.concatenate([slots, rng.integers(0, n, size - slots.size)]))
    return slots


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

    def update(
        self, values: FloatArray, rng: np.random.Generator, in_place: bool = False
    ) -> Reservoir:
        """Fold in one chunk: the same distribution as `merge(Reservoir.of(values))`, cheaper.

        The chunk's share of the new sample is hypergeometric; those slots of the current
        sample are overwritten with a uniform subset of the chunk (no copy of the chunk).
        `in_place` overwrites this reservoir's array instead of a copy: only for a loop that
        owns the running reservoir and drops the old one.
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
            return head.update(values[room:], rng, in_place=True)
        take = int(rng.hypergeometric(m, self.seen, self.capacity))
        if take == 0:
            return Reservoir(self.capacity, seen, self.values)
        out = self.values if in_place else self.values.copy()
        out[distinct_slots(rng, self.capacity, take)] = values[
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
    """The `k` largest and `k` smallest values seen (exact; merge = concatenate and trim).

    `high` / `low` are buffers holding at least the k largest / smallest values (up to 2k, so
    a chunk costs a comparison, not a partition); `largest` / `smallest` are the exact top k.
    `high_floor` is a value no future top-k member can be at or below (likewise `low_ceiling`).
    """

    k: int
    high: FloatArray
    low: FloatArray
    high_floor: float = -np.inf
    low_ceiling: float = np.inf

    @classmethod
    def of(cls, values: FloatArray, k: int) -> Extremes:
        return cls._trimmed(k, values, values)

    @classmethod
    def _trimmed(cls, k: int, high: FloatArray, low: FloatArray) -> Extremes:
        high, low = _top(high, k), -_top(-low, k)
        return cls(
            k,
            high,
            low,
            float(high.min()) if high.size >= k else -np.inf,
            float(low.max()) if low.size >= k else np.inf,
        )

    @property
    def largest(self) -> FloatArray:
        return _top(self.high, self.k)

    @property
    def smallest(self) -> FloatArray:
        return -_top(-self.low, self.k)

    def merge(self, other: Extremes) -> Extremes:
        return Extremes._trimmed(
            min(self.k, other.k),
            np.concatenate([self.high, other.high]),
            np.concatenate([self.low, other.low]),
        )

    def update(self, values: FloatArray) -> Extremes:
        """Fold in a chunk, looking only at values beyond the current k-th extremes."""
        hi = values[values > self.high_floor]
        lo = values[values < self.low_ceiling]
        if hi.size == 0 and lo.size == 0:
            return self
        high = np.concatenate([self.high, hi]) if hi.size else self.high
        low = np.concatenate([self.low, lo]) if lo.size else self.low
        if high.size > 2 * self.k or low.size > 2 * self.k or self.high_floor == -np.inf:
            return Extremes._trimmed(self.k, high, low)
        return Extremes(self.k, high, low, self.high_floor, self.low_ceiling)


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
    h = np.add(values, 0.0, dtype=np.float64).view(np.uint64)  # a fresh copy, -0.0 -> 0.0
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


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
            # Few survive the filter and most are already in the sketch: look them up.
            at = np.searchsorted(self.hashes, hashes)
            fresh = hashes[self.hashes[np.minimum(at, self.hashes.size - 1)] != hashes]
            if fresh.size == 0:
                return self
            return DistinctSketch(
                self.k, _sorted_unique(np.concatenate([self.hashes, fresh]))[: self.k]
            )
        return DistinctSketch(
            self.k, _smallest_unique(np.concatenate([self.hashes, hashes]), self.k)
        )


def _sorted_unique(hashes: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Sorted distinct values; sort + mask beats np.unique's hash table on small arrays."""
    merged = np.sort(hashes)
    keep = np.empty(merged.size, dtype=bool)
    keep[:1] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _smallest_unique(hashes: NDArray[np.uint64], k: int) -> NDArray[np.uint64]:
    """The k smallest distinct hashes, sorted."""
    if hashes.size > 4 * k:
        head = _sorted_unique(np.partition(hashes, 4 * k)[: 4 * k])
        if head.size >= k:
            return head[:k]
    return _sorted_unique(hashes)[:k]
