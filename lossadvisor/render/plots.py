"""The report's pictures, drawn with matplotlib (the `report` extra) on the Agg/SVG backends.

Each function takes what it shows (a TargetProfile, a sample of target values, a
Recommendation, a ValidationResult) and returns a matplotlib Figure; `svg` and `png` turn a
figure into inline SVG text or PNG bytes. Fitted densities use closed forms and the method of
moments (no scipy in the core): Gaussian (mean, sd), Laplace (median, mean absolute deviation),
Gamma (shape mean²/var, scale var/mean), Poisson (λ = mean) and negative binomial (by moments).
"""

from __future__ import annotations

import io
import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lossadvisor.evidence.results import ValidationResult
    from lossadvisor.models import Recommendation, TargetProfile

#: Which reference distribution each loss family's minimiser corresponds to (for the Q–Q plot).
QQ_FAMILY = {
    "mse": "gaussian",
    "gaussian_nll": "gaussian",
    "mae": "laplace",
    "huber": "laplace",
    "smooth_l1": "laplace",
    "pseudo_huber": "laplace",
    "log_cosh": "laplace",
}
QQ_POINTS = 2000
_COLOURS = ("#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError(
            "plots need the report extra (matplotlib); install it with pip install -e '.[report]'"
            " in a checkout, or pip install 'lossadvisor[report]'."
        ) from None
    return Figure


def require_matplotlib() -> None:
    """InputError naming the report extra when matplotlib is missing (check before work)."""
    _pyplot()


def _figure(width: float = 6.4, height: float = 3.6) -> Figure:
    figure_class = _pyplot()
    fig: Figure = figure_class(figsize=(width, height), layout="constrained")
    return fig


def svg(fig: Figure) -> str:
    """The figure as an inline <svg> element (no XML prolog, no external references)."""
    import matplotlib

    buffer = io.StringIO()
    # Text stays text (searchable, small, drawn with the page's fonts); a fixed hash salt and
    # no date keep the same data's report byte-identical.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lossadvisor"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


# --- fitted densities --------------------------------------------------------------------


def _moments(values: Any) -> tuple[float, float]:
    import numpy as np

    return float(np.mean(values)), float(np.var(values))


def densities(values: Any, target_type: str) -> dict[str, tuple[Any, Any]]:
    """family label -> (x, density) of the candidate families that apply to these values."""
    import numpy as np

    mean, var = _moments(values)
    sd = math.sqrt(var) if var > 0 else 1.0
    lo, hi = float(np.min(values)), float(np.max(values))
    out: dict[str, tuple[Any, Any]] = {}
    if target_type == "count":
        k = np.arange(max(0, math.floor(lo)), math.ceil(hi) + 1)
        log_k_fact = np.array([math.lgamma(i + 1) for i in k])
        if mean > 0:
            out[f"Poisson λ={mean:.3g}"] = (k, np.exp(k * math.log(mean) - mean - log_k_fact))
        if var > mean > 0:
            r = mean * mean / (var - mean)
            p = r / (r + mean)
            log_pmf = (
                np.array([math.lgamma(i + r) for i in k])
                - math.lgamma(r)
                - log_k_fact
                + r * math.log(p)
                + k * math.log1p(-p)
            )
            out[f"neg. binomial r={r:.3g}"] = (k, np.exp(log_pmf))
        return out
    x = np.linspace(lo, hi, 400)
    out[f"Gaussian μ={mean:.3g} σ={sd:.3g}"] = (
        x,
        np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)),
    )
    median = float(np.median(values))
    b = float(np.mean(np.abs(values - median))) or 1.0
    out[f"Laplace m={median:.3g} b={b:.3g}"] = (x, np.exp(-np.abs(x - median) / b) / (2 * b))
    if lo > 0 and var > 0:
        shape, scale = mean * mean / var, var / mean
        xs = np.linspace(max(lo, 1e-12), hi, 400)
        log_pdf = (shape - 1) * np.log(xs) - xs / scale - math.lgamma(shape)
        out[f"Gamma k={shape:.3g} θ={scale:.3g}"] = (xs, np.exp(log_pdf - shape * math.log(scale)))
    return out


# --- figures -----------------------------------------------------------------------------


def target_figure(
    target: TargetProfile, values: Any | None, rec: Recommendation | None = None
) -> Figure:
    """Class bars for labels; otherwise the histogram with the fitted candidate densities."""
    if target.class_counts:
        return class_figure(target)
    if values is None or len(values) == 0:
        raise InputError(f"target '{target.name}': no numeric values to plot.")
    import numpy as np

    fig = _figure()
    ax = fig.add_subplot()
    discrete = target.target_type == "count"
    if discrete:
        k, counts = np.unique(values, return_counts=True)
        ax.bar(k, counts / counts.sum(), width=0.8, color="#9ecae1", label="observed share")
    else:
        ax.hist(values, bins="auto", density=True, color="#9ecae1", label="observed")
    for colour, (label, (x, y)) in zip(
        _COLOURS, densities(values, target.target_type).items(), strict=False
    ):
        marker = "o" if discrete else ""
        ax.plot(x, y, color=colour, linewidth=1.4, label=label, marker=marker, markersize=3)
    if discrete:
        ax.set_xlim(-0.5, float(np.quantile(values, 0.995)) + 1.5)
    top = f"; top loss {rec.ranking[0].loss}" if rec is not None and rec.ranking else ""
    ax.set_title(f"{target.name}: {target.target_type}{top}", fontsize=10)
    ax.set_xlabel(target.name)
    ax.set_ylabel("share" if discrete else "density")
    ax.legend(fontsize=8)
    return fig


def class_figure(target: TargetProfile) -> Figure:
    """One bar per class, largest first, with its count."""
    counts = sorted((target.class_counts or {}).items(), key=lambda kv: -kv[1])[:30]
    fig = _figure(6.4, max(2.0, 0.28 * len(counts) + 1))
    ax = fig.add_subplot()
    names = [str(name) for name, _ in counts][::-1]
    sizes = [n for _, n in counts][::-1]
    bars = ax.barh(names, sizes, color="#6baed6")
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.set_title(f"{target.name}: class balance ({target.target_type})", fontsize=10)
    ax.set_xlabel("rows")
    return fig


def tail_figure(target: TargetProfile, values: Any) -> Figure:
    """The empirical survival function on log–log axes (a straight line is a power-law tail,
    slope −α = −tail index), with the Gaussian of the same mean and sd for reference."""
    import numpy as np

    positive = np.sort(values[values > 0])
    if len(positive) < 10:
        raise InputError(f"target '{target.name}': too few positive values for a tail plot.")
    survival = 1.0 - np.arange(len(positive)) / len(positive)
    fig = _figure()
    ax = fig.add_subplot()
    ax.loglog(positive, survival, ".", markersize=2, color="#3182bd", label="observed P(Y ≥ y)")
    mean, var = _moments(values)
    normal = NormalDist(mean, math.sqrt(var) or 1.0)
    grid = np.geomspace(positive[0], positive[-1], 200)
    reference = np.array([max(1.0 - normal.cdf(float(g)), 1e-300) for g in grid])
    keep = reference >= survival[-1] / 10
    ax.loglog(grid[keep], reference[keep], color="#d62728", label="Gaussian, same mean/sd")
    tail = target.facts.get("tail_index")
    note = f" (Hill tail index {tail:.3g})" if isinstance(tail, int | float) else ""
    ax.set_title(f"{target.name}: tail{note}", fontsize=10)
    ax.set_xlabel(target.name)
    ax.set_ylabel("survival")
    ax.legend(fontsize=8)
    return fig


def qq_family(rec: Recommendation | None) -> str:
    if rec is None or not rec.ranking:
        return "gaussian"
    return QQ_FAMILY.get(rec.ranking[0].loss, "gaussian")


def qq_figure(target: TargetProfile, values: Any, family: str = "gaussian") -> Figure:
    """Sample quantiles against the quantiles of the fitted `family` (gaussian or laplace)."""
    import numpy as np

    ordered = np.sort(values)
    if len(ordered) > QQ_POINTS:  # evenly spaced order statistics: the same picture, less SVG
        ordered = ordered[np.linspace(0, len(ordered) - 1, QQ_POINTS).round().astype(int)]
    n = len(ordered)
    probs = (np.arange(1, n + 1) - 0.5) / n
    if family == "laplace":
        median = float(np.median(ordered))
        b = float(np.mean(np.abs(ordered - median))) or 1.0
        theory = median - b * np.sign(probs - 0.5) * np.log1p(-2 * np.abs(probs - 0.5))
        label = f"Laplace (m={median:.3g}, b={b:.3g})"
    else:
        mean, var = _moments(ordered)
        normal = NormalDist(mean, math.sqrt(var) or 1.0)
        theory = np.array([normal.inv_cdf(float(p)) for p in probs])
        label = f"Gaussian (μ={mean:.3g}, σ={math.sqrt(var):.3g})"
    fig = _figure(4.8, 4.0)
    ax = fig.add_subplot()
    ax.plot(theory, ordered, ".", markersize=2, color="#3182bd")
    lo, hi = float(min(theory[0], ordered[0])), float(max(theory[-1], ordered[-1]))
    ax.plot([lo, hi], [lo, hi], color="#d62728", linewidth=1)
    ax.set_title(f"Q–Q of {target.name} against {label}", fontsize=9)
    ax.set_xlabel("fitted quantiles")
    ax.set_ylabel("sample quantiles")
    return fig


def validation_figure(result: ValidationResult) -> Figure:
    """Per loss: the fold scores (dots) and the mean with a 95 % t interval over folds."""
    import numpy as np

    metric = result.metric
    fig = _figure(6.4, max(2.2, 0.5 * len(result.losses) + 1.2))
    ax = fig.add_subplot()
    for row, evidence in enumerate(result.losses):
        scores = np.asarray(evidence.fold_scores.get(metric, []), dtype=float)
        if len(scores) == 0:
            continue
        ax.plot(scores, [row] * len(scores), "o", color="#9ecae1", markersize=4)
        mean = float(scores.mean())
        half = _t95(len(scores)) * float(scores.std(ddof=1)) / math.sqrt(len(scores))
        if len(scores) < 2:
            half = 0.0
        ax.errorbar([mean], [row], xerr=[half], fmt="D", color="#08519c", capsize=4)
    ax.set_yticks(range(len(result.losses)), [e.loss for e in result.losses])
    ax.invert_yaxis()
    better = "higher" if result.higher_is_better else "lower"
    ax.set_xlabel(f"{metric} per fold ({better} is better); mean ± 95 % t interval")
    ax.set_title(f"Cross-validated {metric} ({result.n_folds} folds)", fontsize=10)
    return fig


def _t95(n: int) -> float:
    """Two-sided 95 % Student-t critical value for n − 1 degrees of freedom (table; n ≤ 11,
    else the normal 1.96 plus a small-sample term)."""
    table = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306}
    table |= {10: 2.262, 11: 2.228}
    return table.get(n, 1.96 + 2.4 / max(n - 1, 1))


def residual_figure(target: TargetProfile, rec: Recommendation | None = None) -> Figure | None:
    """What the conditional facts read, drawn: residual against the out-of-fold fit, and for
    non-negative targets the binned log variance against log mean with the fitted power.

    None when no baseline was fitted (no feature columns, or a class target).
    """
    import numpy as np

    from lossadvisor.profile.residuals import binned_moments

    fit = target.baseline_fit()
    if fit is None:
        return None
    observed, fitted = (np.asarray(a, dtype=float) for a in fit)
    facts = target.facts
    power = facts.get("variance_power")
    fig = _figure(8.4 if power is not None else 4.8, 3.8)
    ax = fig.add_subplot(1, 2 if power is not None else 1, 1)
    ax.plot(fitted, observed - fitted, ".", markersize=2, color="#3182bd", alpha=0.5)
    ax.axhline(0.0, color="#d62728", linewidth=1)
    p_value = facts.get("heteroscedasticity_p")
    tested = f"; Breusch–Pagan p = {p_value:.2g}" if isinstance(p_value, float) else ""
    ax.set_title(f"{target.name}: residual vs out-of-fold fit{tested}", fontsize=9)
    ax.set_xlabel("fitted (out of fold)")
    ax.set_ylabel("observed − fitted")
    if isinstance(power, float):
        means, variances = binned_moments(observed, fitted)
        right = fig.add_subplot(1, 2, 2)
        right.plot(means, variances, "o", color="#3182bd", markersize=4, label="bins of the fit")
        if means:
            x = np.array([min(means), max(means)])
            centre = (float(np.mean(means)), float(np.mean(variances)))
            right.plot(
                x,
                centre[1] + power * (x - centre[0]),
                color="#d62728",
                label=f"slope {power:.2f} (variance_power)",
            )
            for reference, style in ((1.0, ":"), (2.0, "--")):
                right.plot(
                    x,
                    centre[1] + reference * (x - centre[0]),
                    style,
                    color="#636363",
                    linewidth=1,
                    label=f"slope {reference:g}",
                )
        right.set_xlabel("log mean of the fit in a bin")
        right.set_ylabel("log mean squared residual")
        right.set_title("Mean–variance (0 Gaussian, 1 Poisson, 2 Gamma)", fontsize=9)
        right.legend(fontsize=7)
    return fig
