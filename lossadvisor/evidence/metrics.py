"""The metrics panel and the fold-noise test.

Fold noise: the paired differences of two losses over the same folds, with the Nadeau–Bengio
(2003) corrected standard error se = s·√(1/k + n_test/n_train). The plain paired t-test over
cross-validation folds is too confident because the training sets overlap; the correction
widens the error bar by that overlap. "Beyond fold noise" means |t| exceeds the two-sided 95 %
critical value of Student's t with k − 1 degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.evidence.results import Comparison

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# name -> (higher is better, task family)
METRICS: dict[str, tuple[bool, str]] = {
    "mae": (False, "regression"),
    "rmse": (False, "regression"),
    "median_ae": (False, "regression"),
    "r2": (True, "regression"),
    "poisson_deviance": (False, "regression"),
    "gamma_deviance": (False, "regression"),
    "pinball": (False, "regression"),  # written pinball:τ
    "log_loss": (False, "classification"),
    "balanced_accuracy": (True, "classification"),
    "macro_f1": (True, "classification"),
    "pr_auc": (True, "classification"),
    "accuracy": (True, "classification"),
}
DEFAULT_METRIC = {"regression": "mae", "binary": "log_loss", "multiclass": "log_loss"}
# Deviances need μ > 0; a proxy trained with squared error can predict ≤ 0 for small targets.
PREDICTION_FLOOR = 1e-6

# Two-sided 95 % critical values of Student's t, df = 1..30 (standard tables).
T_CRITICAL_95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_critical(df: int) -> float:
    """Two-sided 95 % critical value of t with `df` degrees of freedom (df > 30: df = 30's)."""
    return T_CRITICAL_95[min(max(df, 1), 30) - 1]


def parse_metric(text: str, task: str) -> str:
    """Check a user metric name ('mae', 'pinball:0.9', ...) against the task; return it."""
    name, _, arg = text.strip().lower().partition(":")
    name = {"quantile": "pinball", "average_precision": "pr_auc", "f1": "macro_f1"}.get(name, name)
    if name not in METRICS:
        raise unknown_name("metric", name, METRICS, where="--metric")
    family = "regression" if task == "regression" else "classification"
    if METRICS[name][1] != family:
        valid = ", ".join(m for m, (_, f) in METRICS.items() if f == family)
        raise InputError(f"--metric: '{name}' is not a {family} metric. Valid: {valid}.")
    if name != "pinball":
        if arg:
            raise InputError(f"--metric: '{name}' takes no argument. Got '{text}'.")
        return name
    try:
        tau = float(arg)
    except ValueError:
        raise InputError(f"--metric: expected pinball:τ with τ in (0, 1). Got '{text}'.") from None
    if not 0 < tau < 1:
        raise InputError(f"--metric: expected pinball:τ with τ in (0, 1). Got '{text}'.")
    return f"pinball:{tau:g}"


def higher_is_better(metric: str) -> bool:
    return METRICS[metric.partition(":")[0]][0]


def panel_for(task: str, y: NDArray[Any], metric: str) -> list[str]:
    """The standard panel for the task (deviances when the target allows), then the user metric."""
    import numpy as np

    if task == "regression":
        panel = ["mae", "rmse", "median_ae"]
        if np.all(y >= 0) and np.all(np.equal(np.mod(y, 1), 0)):
            panel.append("poisson_deviance")  # counts
        if np.all(y > 0):
            panel.append("gamma_deviance")  # positive targets
    else:
        panel = ["log_loss", "balanced_accuracy", "macro_f1", "pr_auc"]
    return panel if metric in panel else [metric, *panel]


def score(metric: str, y_true: NDArray[Any], pred: NDArray[np.float64], n_classes: int) -> float:
    """One metric on one held-out fold. `pred`: values (regression) or probabilities (n, K)."""
    import numpy as np
    from sklearn import metrics as m

    name, _, arg = metric.partition(":")
    if name == "mae":
        return float(m.mean_absolute_error(y_true, pred))
    if name == "rmse":
        return float(np.sqrt(m.mean_squared_error(y_true, pred)))
    if name == "median_ae":
        return float(m.median_absolute_error(y_true, pred))
    if name == "r2":
        return float(m.r2_score(y_true, pred))
    if name == "poisson_deviance":
        return float(m.mean_poisson_deviance(y_true, np.maximum(pred, PREDICTION_FLOOR)))
    if name == "gamma_deviance":
        return float(m.mean_gamma_deviance(y_true, np.maximum(pred, PREDICTION_FLOOR)))
    if name == "pinball":
        return float(m.mean_pinball_loss(y_true, pred, alpha=float(arg)))
    labels = list(range(n_classes))
    hard = pred.argmax(axis=1)
    if name == "log_loss":
        return float(m.log_loss(y_true, pred, labels=labels))
    if name == "balanced_accuracy":
        return float(m.balanced_accuracy_score(y_true, hard))
    if name == "accuracy":
        return float(m.accuracy_score(y_true, hard))
    if name == "macro_f1":
        return float(m.f1_score(y_true, hard, labels=labels, average="macro", zero_division=0))
    if n_classes == 2:  # pr_auc: average precision of the positive class
        return float(m.average_precision_score(y_true, pred[:, 1]))
    onehot = np.eye(n_classes)[y_true.astype(int)]
    return float(m.average_precision_score(onehot, pred, average="macro"))


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
    diffs = [sign * (b - w) for b, w in zip(better_scores[:k], worse_scores[:k], strict=True)]
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
