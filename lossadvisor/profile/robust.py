"""Shape measures that a few far points cannot move: medcouple, quartile skewness, adjusted boxplot.

- medcouple (Brys, Hubert & Struyf 2004, "A robust measure of skewness", J. Comput. Graph.
  Stat. 13(4)): a skewness in [-1, 1] with a 25 % breakdown point. Computed here by its
  definition (the median of the kernel over all pairs, ties at the median by the authors' sign
  rule) on a seeded subsample of at most MEDCOUPLE_SAMPLE values, and checked against
  `statsmodels.stats.stattools.medcouple` in the tests: importing statsmodels costs over a
  second, which the marginal profile of a file without features should not pay.
- quartile (Bowley) skewness: (Q3 + Q1 - 2 Q2) / (Q3 - Q1).
- adjusted boxplot (Hubert & Vandervieren 2008, "An adjusted boxplot for skewed distributions",
  Comput. Stat. Data Anal. 52(12)): fences [Q1 - 1.5 e^(-4 MC) IQR, Q3 + 1.5 e^(3 MC) IQR] for
  MC >= 0 (exponents mirrored for MC < 0), so a skewed tail is not flagged as outliers.

Thresholds the rules use (docs/conditional-facts.md): a target is "skewed" when its medcouple
exceeds 0.155, the medcouple of a Gamma(4) — whose classical skewness, 1, was the old threshold —
and "roughly symmetric" below 0.077, the medcouple of a Gamma(16) (classical skewness 0.5).
"""

from __future__ import annotations

import math

import numpy as np

from lossadvisor.profile.sketch import FloatArray

MEDCOUPLE_SAMPLE = 2000
_SEED = 0x3EDC


def medcouple(values: FloatArray) -> float | None:
    """The medcouple of the values (on a seeded subsample above MEDCOUPLE_SAMPLE); None if < 3."""
    finite = values[np.isfinite(values)]
    if finite.size < 3:
        return None
    if finite.size > MEDCOUPLE_SAMPLE:
        rng = np.random.default_rng(_SEED)
        finite = rng.choice(finite, MEDCOUPLE_SAMPLE, replace=False)
    z = np.sort(finite)[::-1] - float(np.median(finite))
    scale = float(np.max(np.abs(z)))
    if scale == 0:
        return 0.0
    z = z / scale
    upper, lower = z[z >= 0], z[z <= 0]  # both descending; zeros (ties at the median) in both
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = (upper[:, None] + lower[None, :]) / (upper[:, None] - lower[None, :])
    n_ties = int(np.count_nonzero(z == 0))
    if n_ties:
        # Ties at the median: h(i, j) = sign(k - 1 - i - j) over the k tied values' indices.
        i = np.arange(n_ties)
        tied = np.sign(n_ties - 1 - i[:, None] - i[None, :])
        kernel[upper.size - n_ties :, :n_ties] = tied
    return float(np.median(kernel))


def bowley_skewness(values: FloatArray) -> float | None:
    """Quartile skewness (Q3 + Q1 - 2 Q2) / (Q3 - Q1); None when the IQR is 0."""
    if values.size < 3:
        return None
    q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    iqr = float(q3 - q1)
    return float((q3 + q1 - 2 * q2) / iqr) if iqr > 0 else None


def adjusted_fences(values: FloatArray, mc: float | None) -> tuple[float, float] | None:
    """Hubert & Vandervieren's skew-adjusted boxplot fences; None when the IQR is 0."""
    q1, q3 = (float(q) for q in np.quantile(values, [0.25, 0.75]))
    iqr = q3 - q1
    if iqr <= 0:
        return None
    m = mc or 0.0
    low, high = (-4.0, 3.0) if m >= 0 else (-3.0, 4.0)
    return q1 - 1.5 * math.exp(low * m) * iqr, q3 + 1.5 * math.exp(high * m) * iqr


def adjusted_outlier_ratio(values: FloatArray, mc: float | None) -> float | None:
    """Share of values outside the adjusted-boxplot fences (outliers *for a skewed law*)."""
    if values.size == 0:
        return None
    fences = adjusted_fences(values, mc)
    if fences is None:
        return 0.0
    lo, hi = fences
    return float(np.count_nonzero((values < lo) | (values > hi)) / values.size)
