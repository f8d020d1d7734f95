"""The metrics panel and the fold-noise test.

Metric names are recommend's vocabulary (`facts.METRICS`, their synonyms in rules/tasks.yaml),
parsed by `context.parse_metric`, so `validate --metric pinball:0.9` and
`recommend --metric quantile:0.9` mean one thing and reach the rules as the same facts.

Fold noise: the paired differences of two losses over the same folds, with the Nadeau–Bengio
(2003) corrected standard error se = s·√(1/J + n_test/n_train), J the number of paired fits
(folds × repeats: Bouckaert & Frank 2004 use the same form for repeated cross-validation). The
plain paired t-test over cross-validation folds is too confident because the training sets
overlap; the correction widens the error bar by that overlap. "Beyond fold noise" means |t|
exceeds the two-sided 95 % critical value of Student's t with J − 1 degrees of freedom.

Distributional metrics (`DISTRIBUTIONAL`: the continuous ranked probability score and the
logarithmic score) judge a
predictive distribution, not a point: each fit gives a Gaussian N(μ, σ²) per row. A loss with a
variance head (Gaussian NLL) gives its own mean and variance; a point-prediction loss gives a
Gaussian centred on its prediction with one σ, the root mean squared residual of its fit on the
training fold's held-out inner rows (the rows early stopping scores; out of sample for the fit):
the maximum-likelihood σ of a homoscedastic Gaussian around those predictions. So the comparison
is "variance modelled per row vs one calibrated σ", not a point mass penalised for having no
spread (a point mass's CRPS is its absolute error, which MAE already reports). CRPS of N(μ, σ²)
at y, with z = (y − μ)/σ (Gneiting & Raftery 2007, JASA 102:359, §4.2; Gneiting et al. 2005,
Mon. Wea. Rev. 133:1098): σ·[z·(2Φ(z) − 1) + 2φ(z) − 1/√π], in the target's units. The
logarithmic score (Good 1952; Gneiting & Raftery 2007 §4.1) is the negative log predictive
density, ½·log(2πσ²) + z²/2 per row: strictly proper too, but local (only the density at y
counts) and unbounded for a confident miss, where CRPS grows only linearly; Gaussian NLL's
training objective is this score, so CRPS is the default and the log score sits beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError
from lossadvisor.evidence.results import Comparison

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Target kinds of a validation table (crossval.Table.task).
TASKS = ("regression", "proportion", "binary", "multiclass", "multilabel")
CLASSES = ("binary", "multiclass")


@dataclass(frozen=True)
class Metric:
    higher_is_better: bool
    tasks: tuple[str, ...]  # the table kinds it can be computed on
    # the targets it is defined for: a deviance is the log-likelihood ratio of its family, whose
    # support is y >= 0 (Poisson, Tweedie 1 < p < 2) or y > 0 (Gamma); "any" for the others
    support: str = "any"


_NUMERIC = ("regression", "proportion")
_PROBS = ("proportion", "binary", "multiclass", "multilabel")
METRICS: dict[str, Metric] = {
    "mae": Metric(False, _NUMERIC),
    "mse": Metric(False, _NUMERIC),
    "rmse": Metric(False, _NUMERIC),
    "median_absolute_error": Metric(False, _NUMERIC),
    "mape": Metric(False, ("regression",)),
    "r2": Metric(True, _NUMERIC),
    "quantile": Metric(False, ("regression",)),  # written quantile:τ (pinball loss at τ)
    "poisson_deviance": Metric(False, ("regression",), "nonnegative"),
    "gamma_deviance": Metric(False, ("regression",), "positive"),
    "tweedie_deviance": Metric(False, ("regression",), "nonnegative"),  # power 1.5
    "log_loss": Metric(False, _PROBS),
    "brier": Metric(False, _PROBS),
    "accuracy": Metric(True, (*CLASSES, "multilabel")),
    "balanced_accuracy": Metric(True, (*CLASSES, "multilabel")),
    "f1": Metric(True, (*CLASSES, "multilabel")),  # macro over classes (labels)
    "roc_auc": Metric(True, (*CLASSES, "multilabel")),
    "pr_auc": Metric(True, (*CLASSES, "multilabel")),  # macro average precision
    "micro_f1": Metric(True, (*CLASSES, "multilabel")),  # one class per row: = accuracy
    "micro_pr_auc": Metric(True, ("multilabel",)),
    # ordered levels (class codes in level order): in the panel of an ordinal target only
    "ranked_probability_score": Metric(False, ("multiclass",)),
    "mean_absolute_level_error": Metric(False, ("multiclass",)),
    # a predictive distribution per row (module docstring): real-valued targets
    "crps": Metric(False, ("regression",)),
    "log_score": Metric(False, ("regression",)),
}
DISTRIBUTIONAL = ("crps", "log_score")
ORDINAL_PANEL = ("ranked_probability_score", "mean_absolute_level_error")
TWEEDIE_POWER = 1.5
# Deviances need μ > 0; a proxy trained with squared error can predict ≤ 0 for small targets.
PREDICTION_FLOOR = 1e-6
PROB_CLIP = 1e-12

# Two-sided 95 % critical values of Student's t, df = 1..30 (standard tables).
T_CRITICAL_95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_critical(df: int) -> float:
    """Two-sided 95 % critical value of t with `df` degrees of freedom (df > 30: df = 30's)."""
    return T_CRITICAL_95[min(max(df, 1), 30) - 1]


def parse_metric(text: str, task: str, y: NDArray[Any] | None = None) -> str:
    """A user metric ('mae', 'pinball:0.9', 'macro_f1', ...) as its canonical name, checked
    against the table kind and, given the target `y`, against the metric's support (a deviance
    of a negative count is undefined). Parsing is recommend's (`context.parse_metric`)."""
    from lossadvisor.context import parse_metric as parse_context_metric

    name, tau = parse_context_metric(text)
    if name not in METRICS:
        measurable = ", ".join(m for m, spec in METRICS.items() if task in spec.tasks)
        raise InputError(
            f"--metric: '{name}' cannot be measured on a table of one target; "
            f"measurable here: {measurable}."
        )
    if task not in METRICS[name].tasks:
        valid = ", ".join(m for m, spec in METRICS.items() if task in spec.tasks)
        raise InputError(f"--metric: '{name}' is not a {task} metric. Valid: {valid}.")
    support = METRICS[name].support
    if y is not None and support != "any":
        import numpy as np

        lowest = float(np.min(y))
        if lowest < 0 or (support == "positive" and lowest <= 0):
            bound = "> 0" if support == "positive" else ">= 0"
            raise InputError(
                f"--metric: {name} is defined for targets {bound}; this one has minimum "
                f"{lowest:g} (choose mae, rmse or quantile:τ)."
            )
    return f"quantile:{tau:g}" if name == "quantile" else name


def metric_quantile(metric: str) -> float | None:
    name, _, arg = metric.partition(":")
    return float(arg) if name == "quantile" else None


def higher_is_better(metric: str) -> bool:
    return METRICS[metric.partition(":")[0]].higher_is_better


def default_metric(task: str, y: NDArray[Any], predictive: bool = False) -> tuple[str, str]:
    """(metric, why) when the user gives none: it follows the target.

    A zero-heavy target never defaults to an absolute error: with most values 0 the median is 0,
    so "predict 0" wins MAE and the comparison says nothing (it gets a deviance instead).
    `predictive`: a compared loss models a predictive distribution (a variance head); a
    real-valued target is then judged by CRPS, which scores the whole distribution (a point
    metric would see only its centre, and the variance head would count for nothing).
    """
    import numpy as np

    if predictive and task == "regression":
        return "crps", (
            "a compared loss predicts a distribution (a variance head): the continuous ranked "
            "probability score judges the whole predictive distribution"
        )
    if task != "regression":
        return "log_loss", f"{task} target: log loss (calibrated probabilities)"
    if np.all(y > 0):
        return "gamma_deviance", "strictly positive target: Gamma deviance"
    if np.all(y >= 0):
        counts = bool(np.all(np.equal(np.mod(y, 1), 0)))
        zeros = float(np.mean(y == 0))
        if counts:
            return "poisson_deviance", "non-negative whole numbers (counts): Poisson deviance"
        if zeros >= 0.3:
            return "tweedie_deviance", (
                f"{zeros:.0%} zeros with positive amounts: Tweedie deviance (p = "
                f"{TWEEDIE_POWER:g}), not MAE (predicting 0 would win it)"
            )
    return "mae", "real-valued target: mean absolute error"


def panel_for(
    task: str, y: NDArray[Any], metric: str, ordered: bool = False, predictive: bool = False
) -> list[str]:
    """The standard panel for the target, then the user metric if it is not in it.

    `predictive`: a compared loss has a variance head; a real-valued target's panel then adds
    CRPS and the log score (`default_metric`).

    `ordered`: the class codes follow the levels of an ordinal target, and the panel adds the
    ranked probability score (Epstein 1969: the squared distance of the predicted and observed
    cumulative distributions, a proper score that credits near misses) and the mean absolute
    level error of the predictive median (the point prediction that minimises it)."""
    import numpy as np

    if task == "regression":
        panel = ["mae", "rmse"]
        whole = bool(np.all(np.equal(np.mod(y, 1), 0)))
        if np.all(y > 0):
            panel.append("gamma_deviance")  # positive amounts
        elif np.all(y >= 0) and whole:
            panel.append("poisson_deviance")  # counts
        if np.all(y >= 0) and np.mean(y == 0) >= 0.3:
            panel.append("tweedie_deviance")  # zero-heavy
        if len(panel) == 2:
            panel.append("median_absolute_error")
        if predictive:
            panel += ["crps", "log_score"]
    elif task == "proportion":
        panel = ["log_loss", "brier", "mae"]
    elif task == "multilabel":
        panel = ["log_loss", "brier", "pr_auc", "micro_pr_auc", "f1", "micro_f1"]
    else:
        panel = ["log_loss", "brier", "pr_auc", "balanced_accuracy"]
        if ordered and task == "multiclass":
            panel += ORDINAL_PANEL
    return panel if metric in panel else [metric, *panel]


def needs_spread(panel: Sequence[str]) -> bool:
    """Whether the panel holds a distributional metric (each fit must then give its σ)."""
    return any(m in DISTRIBUTIONAL for m in panel)


def crps_gaussian(
    y: NDArray[Any], mean: NDArray[Any], sigma: float | NDArray[Any]
) -> NDArray[np.float64]:
    """CRPS of N(mean, sigma²) at each y (module docstring); sigma 0 is the point mass, whose
    CRPS is the absolute error."""
    import numpy as np
    from scipy.special import ndtr

    y, mean = np.asarray(y, dtype=float), np.asarray(mean, dtype=float)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape)
    safe = np.where(sigma > 0, sigma, 1.0)
    z = (y - mean) / safe
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    crps = safe * (z * (2 * ndtr(z) - 1) + 2 * pdf - 1 / math.sqrt(math.pi))
    return np.asarray(np.where(sigma > 0, crps, np.abs(y - mean)), dtype=float)


def log_score_gaussian(
    y: NDArray[Any], mean: NDArray[Any], sigma: float | NDArray[Any]
) -> NDArray[np.float64]:
    """Negative log density of N(mean, sigma²) at each y (inf where sigma is 0: a point mass
    has no density)."""
    import numpy as np

    y, mean = np.asarray(y, dtype=float), np.asarray(mean, dtype=float)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - mean) / sigma
        out = 0.5 * np.log(2 * math.pi * sigma**2) + 0.5 * z**2
    return np.asarray(np.where(sigma > 0, out, np.inf), dtype=float)


def residual_spread(pred: NDArray[Any], y: NDArray[Any]) -> float:
    """The σ of a point fit's homoscedastic Gaussian: the root mean squared residual of
    `pred` on rows `y` (the maximum-likelihood σ around those predictions)."""
    import numpy as np

    return float(np.sqrt(np.mean((np.asarray(y, dtype=float) - pred) ** 2)))


def held_out_spread(
    predict: Any, x: NDArray[Any], y: NDArray[Any], rows: NDArray[np.intp] | None
) -> float:
    """`residual_spread` of a point fit on its training set's held-out inner rows `rows` (the
    rows early stopping scored); every training row when none were held out (in sample)."""
    if rows is None:
        return residual_spread(predict(x), y)
    return residual_spread(predict(x[rows]), y[rows])


def predictive_note(variance_heads: Sequence[str], panel: Sequence[str]) -> str:
    """Which predictive distribution the panel's distributional metrics scored for each loss
    (a line of the run's notes)."""
    own = (
        f"{', '.join(variance_heads)}: the Gaussian of its mean and variance heads; "
        if variance_heads
        else ""
    )
    rest = "every other loss" if variance_heads else "every loss (point predictions)"
    scores = " and ".join(m for m in panel if m in DISTRIBUTIONAL)
    return (
        f"the distributional metrics ({scores}) score a predictive distribution per row — "
        f"{own}{rest}: a Gaussian centred on its prediction with one σ per fit, the root mean "
        f"squared residual on the training fold's held-out inner rows (homoscedastic: variance "
        f"modelled vs not, not a point mass; Gneiting & Raftery 2007)"
    )


def score(
    metric: str,
    y_true: NDArray[Any],
    pred: NDArray[np.float64],
    n_classes: int,
    spread: float | NDArray[np.float64] | None = None,
) -> float:
    """One metric on one held-out fold.

    `pred`: values (regression), probabilities of 1 (proportion, shape (n,)), class
    probabilities (n, K) (binary/multiclass, `n_classes` = K), or per-label probabilities
    (n, L) with `y_true` (n, L) of 0/1 (multilabel, `n_classes` = 0). `spread`: the σ of the
    fit's Gaussian predictive distribution (one value, or one per row), which the
    distributional metrics need (module docstring).
    """
    name, _, arg = metric.partition(":")
    if name in DISTRIBUTIONAL:
        import numpy as np

        if spread is None:
            raise AssertionError(f"{name} needs the fit's predictive spread")
        per_row = crps_gaussian if name == "crps" else log_score_gaussian
        return float(np.mean(per_row(y_true, pred, spread)))
    if y_true.ndim == 2:
        return _multilabel(name, y_true, pred)
    if n_classes:
        return _classes(name, y_true, pred, n_classes)
    return _numeric(name, arg, y_true, pred)


def stop_score(
    metric: str,
    y_true: NDArray[Any],
    pred: NDArray[np.float64],
    n_classes: int,
    spread: float | NDArray[np.float64] | None = None,
) -> float:
    """`score` for early stopping, called once per boosting round: plain numpy for the common
    smooth metrics (scikit-learn's input checks cost ~10 ms a call), `score` for the rest.
    Within rounding of `score`; the reported fold scores always come from `score`.

    A distributional metric without `spread` (a point fit) scores the Gaussian whose σ is the
    residual spread on these held-out rows, as the panel does (`held_out_spread`)."""
    import numpy as np

    name = metric.partition(":")[0]
    if name in DISTRIBUTIONAL:
        sigma = residual_spread(pred, y_true) if spread is None else spread
        return score(metric, y_true, pred, n_classes, sigma)
    if y_true.ndim == 1 and name in ("log_loss", "brier", "mae", "mse", "rmse"):
        if n_classes:
            if name == "log_loss":
                picked = pred[np.arange(len(y_true)), y_true.astype(int)]
                return float(-np.mean(np.log(np.clip(picked, np.finfo(float).eps, 1.0))))
            onehot = np.eye(n_classes)[y_true.astype(int)]
            if name == "brier":
                sq = (pred - onehot) ** 2
                return float(np.mean(sq[:, 1]) if n_classes == 2 else np.mean(sq.sum(axis=1)))
        else:
            err = pred - y_true
            if name == "mae":
                return float(np.mean(np.abs(err)))
            if name in ("mse", "rmse"):
                mse = float(np.mean(err**2))
                return mse if name == "mse" else float(np.sqrt(mse))
    return score(metric, y_true, pred, n_classes)


def _numeric(name: str, arg: str, y: NDArray[Any], pred: NDArray[np.float64]) -> float:
    import numpy as np
    from sklearn import metrics as m

    if name == "mae":
        return float(m.mean_absolute_error(y, pred))
    if name == "mse":
        return float(m.mean_squared_error(y, pred))
    if name == "rmse":
        return float(np.sqrt(m.mean_squared_error(y, pred)))
    if name == "median_absolute_error":
        return float(m.median_absolute_error(y, pred))
    if name == "mape":
        return float(m.mean_absolute_percentage_error(y, pred))
    if name == "r2":
        return float(m.r2_score(y, pred))
    if name == "quantile":
        return float(m.mean_pinball_loss(y, pred, alpha=float(arg)))
    floored = np.maximum(pred, PREDICTION_FLOOR)
    if name == "poisson_deviance":
        return float(m.mean_poisson_deviance(y, floored))
    if name == "gamma_deviance":
        return float(m.mean_gamma_deviance(y, floored))
    if name == "tweedie_deviance":
        return float(m.mean_tweedie_deviance(y, floored, power=TWEEDIE_POWER))
    p = np.clip(pred, PROB_CLIP, 1 - PROB_CLIP)  # proportion: probability of 1
    if name == "log_loss":  # cross-entropy against the soft label y ∈ [0, 1]
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if name == "brier":
        return float(np.mean((pred - y) ** 2))
    raise AssertionError(f"no scorer for {name} on a numeric target")


def _classes(name: str, y: NDArray[Any], pred: NDArray[np.float64], k: int) -> float:
    import numpy as np
    from sklearn import metrics as m

    labels = list(range(k))
    hard = pred.argmax(axis=1)
    onehot = np.eye(k)[y.astype(int)]
    if name in ORDINAL_PANEL:
        cdf = np.cumsum(pred, axis=1)[:, :-1]  # P̂(y ≤ j), j = 0..K−2
        if name == "ranked_probability_score":  # normalised by K − 1 (into [0, 1])
            observed = np.cumsum(onehot, axis=1)[:, :-1]
            return float(np.mean(((cdf - observed) ** 2).sum(axis=1) / (k - 1)))
        median = (cdf < 0.5).sum(axis=1)  # the first level whose P̂(y ≤ j) reaches 1/2
        return float(np.mean(np.abs(median - y.astype(int))))
    if name == "log_loss":
        return float(m.log_loss(y, pred, labels=labels))
    if name == "brier":  # binary: mean (p − y)²; multiclass: mean Σ_k (p_k − 1[y = k])²
        if k == 2:
            return float(np.mean((pred[:, 1] - y) ** 2))
        return float(np.mean(((pred - onehot) ** 2).sum(axis=1)))
    if name == "balanced_accuracy":
        return float(m.balanced_accuracy_score(y, hard))
    if name == "accuracy":
        return float(m.accuracy_score(y, hard))
    if name == "f1":
        return float(m.f1_score(y, hard, labels=labels, average="macro", zero_division=0))
    if name == "micro_f1":
        return float(m.f1_score(y, hard, labels=labels, average="micro", zero_division=0))
    if k == 2:
        if len(set(y.tolist())) < 2:
            return float("nan")
        if name == "roc_auc":
            return float(m.roc_auc_score(y, pred[:, 1]))
        return float(m.average_precision_score(y, pred[:, 1]))  # pr_auc
    present = onehot.sum(axis=0) > 0  # a class absent from a small fold has no curve
    if name == "roc_auc":
        return float(m.roc_auc_score(onehot[:, present], pred[:, present], average="macro"))
    return float(m.average_precision_score(onehot[:, present], pred[:, present], average="macro"))


def _multilabel(name: str, y: NDArray[Any], pred: NDArray[np.float64]) -> float:
    """Per-label binary metrics, macro-averaged (micro_*: pooled over all label cells)."""
    import numpy as np
    from sklearn import metrics as m

    hard = (pred >= 0.5).astype(int)
    p = np.clip(pred, PROB_CLIP, 1 - PROB_CLIP)
    if name == "log_loss":  # mean over labels of the binary log loss
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if name == "brier":
        return float(np.mean((pred - y) ** 2))
    if name == "accuracy":  # per-label accuracy, averaged (subset accuracy is another metric)
        return float(np.mean(hard == y))
    if name == "f1":
        return float(m.f1_score(y, hard, average="macro", zero_division=0))
    if name == "micro_f1":
        return float(m.f1_score(y, hard, average="micro", zero_division=0))
    if name == "micro_pr_auc":
        return float(m.average_precision_score(y.ravel(), pred.ravel()))
    both = [j for j in range(y.shape[1]) if 0 < y[:, j].sum() < len(y)]  # labels with a curve
    if not both:
        return float("nan")
    if name == "balanced_accuracy":
        return float(np.mean([m.balanced_accuracy_score(y[:, j], hard[:, j]) for j in both]))
    if name == "roc_auc":
        return float(np.mean([m.roc_auc_score(y[:, j], pred[:, j]) for j in both]))
    return float(np.mean([m.average_precision_score(y[:, j], pred[:, j]) for j in both]))


def compare(
    better: str,
    worse: str,
    metric: str,
    better_scores: Sequence[float],
    worse_scores: Sequence[float],
    test_fraction: float,
) -> Comparison | None:
    """Paired comparison over folds; None with fewer than two folds.

    `test_fraction` = n_test / n (1/k for k-fold): it sets the overlap correction.
    """
    k = min(len(better_scores), len(worse_scores))
    if k < 2:
        return None
    sign = 1.0 if higher_is_better(metric) else -1.0
    pairs = zip(better_scores[:k], worse_scores[:k], strict=True)
    diffs = [sign * (b - w) for b, w in pairs if math.isfinite(b) and math.isfinite(w)]
    k = len(diffs)
    if k < 2:
        return None
    mean = sum(diffs) / k
    var = sum((d - mean) ** 2 for d in diffs) / (k - 1)
    correction = 1.0 / k + test_fraction / (1.0 - test_fraction)
    se = math.sqrt(var * correction)
    t = mean / se if se > 0 else (math.copysign(math.inf, mean) if mean else 0.0)
    return Comparison(
        better=better,
        worse=worse,
        metric=metric,
        difference=mean,
        std_error=se,
        t=t if math.isfinite(t) else math.copysign(1e300, t),
        n_folds=k,
        beyond_noise=abs(t) > t_critical(k - 1),
    )
