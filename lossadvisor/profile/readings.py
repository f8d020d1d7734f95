"""Plain-words readings of profile facts ("4.1 % outliers: high", "right-skewed, heavy tail")."""

from __future__ import annotations

from collections.abc import Mapping

from lossadvisor.facts import FactValue


def _num(facts: Mapping[str, FactValue], name: str) -> float | None:
    value = facts.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _level(value: float, cuts: tuple[float, float], words: tuple[str, str, str]) -> str:
    return words[0] if value < cuts[0] else words[1] if value < cuts[1] else words[2]


def readings(facts: Mapping[str, FactValue]) -> dict[str, str]:
    """fact name -> a short reading, for the facts that have one."""
    out: dict[str, str] = {}
    missing = _num(facts, "missing_ratio")
    if missing is not None:
        out["missing_ratio"] = (
            "none missing"
            if missing == 0
            else (
                f"{missing:.1%} missing: " + _level(missing, (0.05, 0.2), ("few", "some", "many"))
            )
        )
    infinite = _num(facts, "infinite_ratio")
    if infinite is not None:
        n_rows = _num(facts, "n_rows")
        count = f"{round(infinite * n_rows):,} values" if n_rows else f"{infinite:.1%}"
        out["infinite_ratio"] = f"{count} ±inf / beyond float64 range: left out of the moments"
    imbalance = _num(facts, "imbalance_ratio")
    if imbalance is not None:
        out["imbalance_ratio"] = f"1:{imbalance:.3g} — " + _level(
            imbalance, (1.5, 10), ("balanced", "moderately imbalanced", "severely imbalanced")
        )
    minority = _num(facts, "minority_ratio")
    if minority is not None:
        out["minority_ratio"] = f"rarest class in {minority:.2%} of rows"
    entropy = _num(facts, "class_entropy")
    if entropy is not None:
        out["class_entropy"] = _level(entropy, (0.5, 0.9), ("concentrated", "uneven", "even"))
    outliers = _num(facts, "outlier_ratio")
    if outliers is not None:
        out["outlier_ratio"] = f"{outliers:.1%} outliers: " + _level(
            outliers, (0.01, 0.03), ("low", "moderate", "high")
        )
    iqr = _num(facts, "outlier_ratio_iqr")
    if iqr is not None:
        out["outlier_ratio_iqr"] = f"{iqr:.1%} outside Tukey's fences"
    skew = _num(facts, "skewness")
    if skew is not None:
        side = "right" if skew > 0 else "left"
        shape = (
            "roughly symmetric"
            if abs(skew) < 0.5
            else (f"mildly {side}-skewed" if abs(skew) < 1 else f"{side}-skewed")
        )
        tail = facts.get("tail")
        out["skewness"] = f"{shape}, {tail} tail" if tail else shape
    kurt = _num(facts, "excess_kurtosis")
    if kurt is not None:
        out["excess_kurtosis"] = _level(
            kurt, (1, 6), ("Gaussian-like tails", "somewhat heavy tails", "very heavy tails")
        )
    tail_index = _num(facts, "tail_index")
    if tail_index is not None:
        note = " (variance unstable below 2)" if tail_index < 2 else ""
        out["tail_index"] = f"{facts.get('tail')} tail{note}"
    zeros = _num(facts, "zero_ratio")
    if zeros is not None and zeros > 0:
        out["zero_ratio"] = f"{zeros:.1%} zeros" + (": zero-heavy" if zeros >= 0.3 else "")
    dispersion = _num(facts, "dispersion_index")
    if dispersion is not None:
        out["dispersion_index"] = _level(
            dispersion, (0.8, 1.5), ("underdispersed", "Poisson-like", "overdispersed")
        )
    inflation = _num(facts, "zero_inflation")
    if inflation is not None:
        out["zero_inflation"] = f"{inflation:.2g}x the zeros a Poisson expects" + (
            ": zero-inflated" if inflation >= 1.5 else ""
        )
    sparse = _num(facts, "low_density_ratio")
    if sparse is not None:
        out["low_density_ratio"] = f"{sparse:.1%} of values in sparse regions: " + _level(
            sparse, (0.03, 0.1), ("low", "moderate", "high")
        )
    out.update(_robust_readings(facts))
    out.update(conditional_readings(facts))
    return out


def _robust_readings(facts: Mapping[str, FactValue]) -> dict[str, str]:
    out: dict[str, str] = {}
    mc = _num(facts, "medcouple")
    if mc is not None:
        # 0.077 / 0.155: the medcouples of Gamma(16) and Gamma(4) (skewness 0.5 and 1).
        out["medcouple"] = _level(
            abs(mc), (0.077, 0.155), ("bulk roughly symmetric", "bulk mildly skewed", "bulk skewed")
        )
    adjusted = _num(facts, "outlier_ratio_adjusted")
    if adjusted is not None:
        out["outlier_ratio_adjusted"] = f"{adjusted:.1%} outside the skew-adjusted fences"
    return out


def conditional_readings(facts: Mapping[str, FactValue]) -> dict[str, str]:
    """Readings of the residual facts (what y looks like given x)."""
    out: dict[str, str] = {}
    r2 = _num(facts, "baseline_r2")
    if r2 is not None:
        out["baseline_r2"] = "features explain " + _level(
            r2, (0.1, 0.5), ("little of the target", "part of the target", "much of the target")
        )
    outliers = _num(facts, "resid_outlier_ratio")
    if outliers is not None:
        out["resid_outlier_ratio"] = f"{outliers:.1%} residual outliers: " + _level(
            outliers, (0.01, 0.02), ("low", "moderate", "high")
        )
    tail = facts.get("resid_tail")
    if tail is not None:
        out["resid_tail_index"] = f"{tail} residual tail"
    het_p, het = _num(facts, "heteroscedasticity_p"), _num(facts, "heteroscedasticity")
    if het_p is not None and het is not None:
        out["heteroscedasticity"] = (
            "spread changes with x" if het_p < 0.01 and het >= 0.13 else "spread about constant"
        )
    power = _num(facts, "variance_power")
    low, high = _num(facts, "variance_power_low"), _num(facts, "variance_power_high")
    if power is not None and low is not None and high is not None:
        covered = [
            name for p, name in ((0, "Gaussian"), (1, "Poisson"), (2, "Gamma")) if low <= p <= high
        ]
        out["variance_power"] = f"95 % interval {low:.2f}–{high:.2f}" + (
            f": {' or '.join(covered)}-like" if covered else ""
        )
    dispersion = _num(facts, "conditional_dispersion")
    if dispersion is not None:
        out["conditional_dispersion"] = "given x: " + _level(
            dispersion, (0.8, 1.5), ("underdispersed", "Poisson-like", "overdispersed")
        )
    excess = _num(facts, "zero_excess_nb")
    if excess is not None:
        out["zero_excess_nb"] = f"{excess:.2g}x the zeros the fitted NB predicts" + (
            ": zeros beyond overdispersion" if excess > 1.5 else ""
        )
    return out
