"""From a finished partial to named facts (`lossadvisor.facts`, origin "profile").

Definitions worth knowing (all in the user's units):
- std: sample standard deviation (n - 1); dispersion_index = that variance / mean.
- skewness, excess_kurtosis: the biased moment estimators (scipy.stats.skew / kurtosis defaults).
- median, mad_sigma (1.4826 x MAD), quantiles, outlier ratios, low_density_ratio: from the
  reservoir — exact when every value fits it, otherwise estimates listed in `estimated`.
- outlier_ratio: share with |x - median| / mad_sigma > 3.5 (Iglewicz & Hoaglin). When MAD is 0
  (more than half the values equal the median, e.g. zero-heavy counts) the scale falls back to
  1.2533 x mean absolute deviation from the median, the usual modified-z convention.
- tail_index: Hill estimator on the k largest |x - median|, k = clamp(floor(sqrt(n)), 10, 1000);
  exact when the reservoir is; otherwise the exact 2000 largest and smallest values measured
  from the sampled median (an estimate, but far closer than a sample's own tail).
- tail: heavy if tail_index < 3.5 or excess_kurtosis >= 20; light if tail_index >= 4.5 and
  excess_kurtosis < 1; moderate otherwise (kurtosis alone when Hill is undefined). Calibrated
  on simulated data with k = sqrt(n): Student-t(3) and lognormal(sigma=1) read heavy, Gaussian
  and t(10) light, exponential and gamma(2) moderate, at n from 500 to 10^6.
- low_density_ratio: see `low_density_ratio`.
- medcouple, bowley_skewness, outlier_ratio_adjusted: robust shape (`profile/robust.py`): one
  gross error barely moves them, where it can dominate the classical skewness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lossadvisor.facts import FactValue
from lossadvisor.profile.infer import label_of, label_set_counts, multilabel_delimiter
from lossadvisor.profile.robust import (
    MEDCOUPLE_SAMPLE,
    adjusted_outlier_ratio,
    bowley_skewness,
    medcouple,
)
from lossadvisor.profile.sketch import FloatArray
from lossadvisor.profile.stats import EXTREMES_K, LabelPartial, NumericPartial, Partial

QUANTILE_LEVELS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
ROBUST_Z = 3.5
MAD_TO_SIGMA = 1.482602218505602
"""1 / Phi^-1(3/4): makes the MAD a consistent estimate of a Gaussian sigma (the 1.4826)."""
HEAVY_TAIL_INDEX = 3.5
LIGHT_TAIL_INDEX = 4.5
LIGHT_KURTOSIS = 1.0
HEAVY_KURTOSIS = 20.0
LOW_DENSITY_FRACTION = 0.05
LOW_DENSITY_BIN = 0.5
CATEGORICAL = ("binary", "multiclass", "multilabel")


def mad_sigma(values: FloatArray) -> float:
    """The median absolute deviation from the median, scaled to a Gaussian sigma."""
    return MAD_TO_SIGMA * float(np.median(np.abs(values - np.median(values))))


@dataclass
class Summary:
    """What the profiler reports about one target, before it becomes a TargetProfile."""

    facts: dict[str, FactValue] = field(default_factory=dict)
    class_counts: dict[str, int] | None = None
    quantiles: dict[str, float] | None = None
    estimated: list[str] = field(default_factory=list)
    sample_size: int | None = None


def n_unique_of(partial: Partial) -> tuple[int, bool]:
    """(distinct non-missing values, whether that is an estimate)."""
    if partial.value_counts is not None:
        return len(partial.value_counts), False
    if isinstance(partial, NumericPartial) and partial.distinct is not None:
        return partial.distinct.estimate(), True
    return 0, True


def skewness_of(p: NumericPartial) -> float | None:
    """Biased sample skewness g1 = sqrt(n) M3 / M2^1.5 (None when constant)."""
    if p.n < 2 or p.m2 <= 0:
        return None
    return _ratio(math.sqrt(p.n) * p.m3, p.m2 * math.sqrt(p.m2))


def _ratio(num: float, den: float) -> float | None:
    """num / den, or None when the moments under- or overflowed (a spread of 1e-131 has an
    M2 whose cube root squared is 0; values near 1e308 have an infinite M2)."""
    if not (math.isfinite(num) and math.isfinite(den)) or den <= 0:
        return None
    value = num / den
    return value if math.isfinite(value) else None


def excess_kurtosis_of(p: NumericPartial) -> float | None:
    """Biased excess kurtosis g2 = n M4 / M2^2 - 3 (None when constant)."""
    if p.n < 2 or p.m2 <= 0:
        return None
    ratio = _ratio(p.n * p.m4, p.m2 * p.m2)
    return None if ratio is None else ratio - 3.0


def quantile_key(level: float) -> str:
    """'p1', 'p5', ..., 'p99'."""
    return f"p{round(level * 100)}"


def summarize(
    partial: Partial,
    target_type: str,
    n_unique: int,
    unique_estimated: bool,
    levels: Sequence[str] | None = None,
) -> Summary:
    """All facts that apply to `target_type`, from a finished partial.

    Ordinal targets (`levels`, lowest first) get the class facts with the counts in level
    order, n_classes = every level (observed or not), and the numeric facts when numeric.
    """
    out = Summary()
    out.facts["target_type"] = target_type
    out.facts["n_rows"] = partial.n_rows
    out.facts["missing_ratio"] = partial.n_missing / partial.n_rows if partial.n_rows else 0.0
    infinite = getattr(partial, "n_infinite", 0)
    if infinite and partial.n_rows:
        out.facts["infinite_ratio"] = infinite / partial.n_rows
    out.facts["n_unique"] = n_unique
    if unique_estimated:
        out.estimated.append("n_unique")
    if target_type in CATEGORICAL:
        out.class_counts = _class_counts(partial, target_type)
        out.facts.update(class_facts(out.class_counts, partial.n, target_type))
        return out
    if target_type == "ordinal":
        counts = _class_counts(partial, target_type)
        out.class_counts = {level: counts[level] for level in levels or () if level in counts}
        out.facts.update(class_facts(out.class_counts, partial.n, target_type))
        out.facts["n_classes"] = len(levels or ())
        if not isinstance(partial, NumericPartial):
            return out
    assert isinstance(partial, NumericPartial)
    # Values near ±1e308 overflow sums and spreads: such a fact is unknown (None), not inf or
    # nan (nan compares false everywhere and would read as "left-skewed"), and not a warning.
    with np.errstate(all="ignore"):
        numeric = _numeric_facts(partial, target_type, out)
    out.facts.update(
        {
            k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in numeric.items()
        }
    )
    return out


def _class_counts(partial: Partial, target_type: str) -> dict[str, int]:
    counts = partial.value_counts or {}
    if isinstance(partial, LabelPartial):
        text_counts: Mapping[str, int] = counts  # type: ignore[assignment]
        delim = multilabel_delimiter(text_counts) if target_type == "multilabel" else None
        if delim is not None:
            return label_set_counts(text_counts, delim)
        items = list(text_counts.items())
    else:
        items = [(label_of(float(v)), c) for v, c in counts.items()]
    return dict(sorted(items, key=lambda kv: (-kv[1], kv[0])))


def class_facts(counts: Mapping[str, int], n: int, target_type: str) -> dict[str, FactValue]:
    """n_classes, imbalance_ratio, minority_ratio and normalised class_entropy.

    For label sets (multilabel) a row may carry several labels: minority_ratio is the share of
    rows carrying the rarest label, and the entropy is that of the label frequencies.
    """
    values = np.array(list(counts.values()), dtype=np.float64)
    k = int(values.size)
    facts: dict[str, FactValue] = {"n_classes": k}
    if k == 0:
        return facts
    facts["imbalance_ratio"] = float(values.max() / values.min())
    facts["minority_ratio"] = float(values.min() / n) if n else None
    p = values / values.sum()
    facts["class_entropy"] = float(-(p * np.log(p)).sum() / math.log(k)) if k > 1 else 0.0
    return facts


def _numeric_facts(p: NumericPartial, target_type: str, out: Summary) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    n = p.n
    variance = p.m2 / (n - 1) if n > 1 else 0.0
    facts["mean"] = p.mean
    facts["std"] = math.sqrt(variance)
    facts["min"] = p.min
    facts["max"] = p.max
    facts["skewness"] = skewness_of(p)
    facts["excess_kurtosis"] = excess_kurtosis_of(p)
    facts["zero_ratio"] = p.n_zero / n
    facts["is_integer"] = p.n_non_integer == 0
    facts["is_nonnegative"] = p.min >= 0
    facts["bounded_01"] = p.min >= 0 and p.max <= 1

    sample = p.reservoir.values
    median = float(np.median(sample))
    mad_sigma = MAD_TO_SIGMA * float(np.median(np.abs(sample - median)))
    facts["median"] = median
    facts["mad_sigma"] = mad_sigma
    levels = np.quantile(sample, QUANTILE_LEVELS)
    out.quantiles = {
        quantile_key(q): float(v) for q, v in zip(QUANTILE_LEVELS, levels, strict=True)
    }
    facts["outlier_ratio"] = robust_outlier_ratio(sample, median, mad_sigma)
    facts["outlier_ratio_iqr"] = iqr_outlier_ratio(sample)
    facts["low_density_ratio"] = low_density_ratio(sample, mad_sigma)
    mc = medcouple(sample)
    facts["medcouple"] = mc
    facts["bowley_skewness"] = bowley_skewness(sample)
    facts["outlier_ratio_adjusted"] = adjusted_outlier_ratio(sample, mc)
    if not p.reservoir.exact or sample.size > MEDCOUPLE_SAMPLE:
        out.estimated.append("medcouple")
    if not p.reservoir.exact:
        out.estimated += [
            "median",
            "mad_sigma",
            "quantiles",
            "outlier_ratio",
            "outlier_ratio_iqr",
            "low_density_ratio",
            "bowley_skewness",
            "outlier_ratio_adjusted",
        ]
        out.sample_size = int(sample.size)

    deviations, hill_exact = _deviations(p, median)
    tail_index = hill_tail_index(deviations, hill_k(n))
    facts["tail_index"] = tail_index
    facts["tail"] = tail_class(tail_index, facts["excess_kurtosis"])  # type: ignore[arg-type]
    if not hill_exact:
        out.estimated += ["tail_index", "tail"]

    if target_type == "count":
        facts["dispersion_index"] = variance / p.mean if p.mean > 0 else None
        expected_zeros = math.exp(-p.mean)
        facts["zero_inflation"] = (p.n_zero / n) / expected_zeros if expected_zeros > 0 else None
    return facts


def robust_outlier_ratio(sample: FloatArray, median: float, mad_sigma: float) -> float:
    """Share with robust z = |x - median| / scale > 3.5 (scale: mad_sigma, else 1.2533 MeanAD)."""
    deviation = np.abs(sample - median)
    scale = mad_sigma if mad_sigma > 0 else 1.2533 * float(deviation.mean())
    if scale <= 0:
        return 0.0
    return float(np.count_nonzero(deviation > ROBUST_Z * scale) / sample.size)


def iqr_outlier_ratio(sample: FloatArray) -> float:
    """Share outside Tukey's fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR]."""
    q1, q3 = np.quantile(sample, [0.25, 0.75])
    iqr = q3 - q1
    outside = (sample < q1 - 1.5 * iqr) | (sample > q3 + 1.5 * iqr)
    return float(np.count_nonzero(outside) / sample.size)


def hill_k(n: int) -> int:
    """Order statistics used by the Hill estimator: clamp(floor(sqrt(n)), 10, 1000)."""
    return max(10, min(EXTREMES_K // 2, math.isqrt(max(n, 0))))


def _deviations(p: NumericPartial, median: float) -> tuple[FloatArray, bool]:
    """The largest |x - median| available, and whether they are exact."""
    if p.reservoir.exact:
        return np.abs(p.reservoir.values - median), True
    if p.n > 2 * p.extremes.k:
        # The top deviations are exact; the median they are measured from is sampled.
        both = np.concatenate([p.extremes.largest - median, median - p.extremes.smallest])
        return np.abs(both), False
    return np.abs(p.reservoir.values - median), False


def hill_tail_index(deviations: FloatArray, k: int) -> float | None:
    """Hill (1975): alpha = 1 / mean(log(y_(i) / y_(k+1))), i <= k, y sorted descending.

    None when fewer than k + 1 values or the (k+1)-th largest deviation is 0 (ties at the median).
    """
    if deviations.size <= k:
        return None
    top = -np.partition(-deviations, k)[: k + 1]
    top.sort()
    threshold = top[0]
    if threshold <= 0:
        return None
    mean_log = float(np.log(top[1:] / threshold).mean())
    return 1.0 / mean_log if mean_log > 0 else None


def tail_class(tail_index: float | None, excess_kurtosis: float | None) -> str | None:
    """light / moderate / heavy from the Hill index, or from kurtosis when Hill is undefined."""
    if tail_index is not None:
        if tail_index < HEAVY_TAIL_INDEX or (
            excess_kurtosis is not None and excess_kurtosis >= HEAVY_KURTOSIS
        ):
            return "heavy"
        kurt_ok = excess_kurtosis is None or excess_kurtosis < LIGHT_KURTOSIS
        return "light" if tail_index >= LIGHT_TAIL_INDEX and kurt_ok else "moderate"
    if excess_kurtosis is None:
        return None
    if excess_kurtosis >= HEAVY_KURTOSIS:
        return "heavy"
    return "light" if excess_kurtosis < LIGHT_KURTOSIS else "moderate"


def low_density_ratio(sample: FloatArray, mad_sigma: float) -> float:
    """Share of values lying in sparse regions of the distribution (reverse-Huber territory).

    Values are binned with width LOW_DENSITY_BIN x robust scale (scale = mad_sigma, else
    IQR / 1.349, else std); a bin is low-density when it holds fewer than LOW_DENSITY_FRACTION
    (5 %) of the values of the fullest bin. The fact is the share of values in low-density bins.
    A Gaussian gives about 0.015 (values beyond ~2.4 sigma); heavy tails, isolated clusters and
    long sparse ranges give more; a target concentrated on a few values gives about 0.
    """
    if sample.size == 0:
        return 0.0
    scale = mad_sigma
    if scale <= 0:
        q1, q3 = np.quantile(sample, [0.25, 0.75])
        scale = float(q3 - q1) / 1.349
    if scale <= 0:
        scale = float(sample.std())
    if scale <= 0:
        return 0.0
    with np.errstate(over="ignore"):  # a tiny scale next to a far value: a very far bin
        position = (sample - sample.min()) / (LOW_DENSITY_BIN * scale)
    bins = np.floor(np.minimum(position, 2.0**62)).astype(np.int64)
    _, index, counts = np.unique(bins, return_inverse=True, return_counts=True)
    sparse = counts < LOW_DENSITY_FRACTION * counts.max()
    return float(np.count_nonzero(sparse[index]) / sample.size)
