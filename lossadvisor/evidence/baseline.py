"""The constant-prediction yardstick of a classification `validate`: the training-fold prior.

A model whose held-out log-loss is worse than predicting each training fold's class frequencies
for every row has probabilities worse than no model at all. Skill scores measure a forecast
against this climatological (base-rate) one (Gneiting & Raftery 2007, Strictly Proper Scoring
Rules, JASA); a class-weighted or focal fit, whose minimiser is not the posterior, is where it
shows first (issue 11). This is a measurement, not knowledge: it reads the
folds `validate` used and says what it found, it never changes a ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.proxies import PROXIES
from lossadvisor.evidence.results import LossEvidence

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Folds = Sequence[tuple[NDArray[np.intp], NDArray[np.intp]]]


def constant_log_loss(y: NDArray[Any], task: str, n_classes: int, folds: Folds) -> float | None:
    """Mean over `folds` of the held-out log-loss of the training fold's class prior.

    Binary/multiclass: the prior of each class; multilabel: each label's rate. None for other
    tasks (a numeric target has no log-loss in the panel).
    """
    import numpy as np

    if task not in (*mx.CLASSES, "multilabel") or not folds:
        return None
    out: list[float] = []
    for train, test in folds:
        if task == "multilabel":
            rate = y[train].mean(axis=0)
            pred = np.tile(rate, (len(test), 1))
        else:
            prior = np.bincount(y[train].astype(int), minlength=n_classes) / len(train)
            pred = np.tile(prior, (len(test), 1))
        out.append(mx.score("log_loss", y[test], pred, 0 if task == "multilabel" else n_classes))
    return float(np.mean(out))


def constant_cautions(evidence: Sequence[LossEvidence], constant: float | None) -> list[str]:
    """One caution per loss whose mean held-out log-loss is worse than the constant's.

    The cause differs: a loss whose minimiser is the class posterior (plain BCE/CE) loses to the
    constant only when the proxy over-fits; a weighted or focal loss also by design.
    """
    if constant is None:
        return []
    out: list[str] = []
    for e in evidence:
        value = e.mean.get("log_loss")
        if value is None or not value > constant:
            continue
        head = (
            f"{e.loss}: held-out log-loss {value:.4g} is worse than predicting the training "
            f"class prior for every row ({constant:.4g}): its probabilities are worse than no "
            f"model"
        )
        proxy = PROXIES.get(e.loss)
        if proxy is not None and proxy.posterior:
            out.append(
                f"{head}. {e.loss} estimates P(y | x), so the proxy over-fits these rows at the "
                f"shared proxy settings (over-confident fits): on log_loss the comparison then "
                f"rewards whatever damps confidence — focal loss can look better here without "
                f"estimating P(y | x) (Mukhoti et al. 2020) — so judge the losses on a ranking "
                f"metric (--metric pr_auc) or give more rows"
            )
        else:
            out.append(
                f"{head}. Class weights and focal loss move the minimiser away from P(y | x) "
                f"(King & Zeng 2001; Charoenphakdee et al. 2021): use its scores for ranking or "
                f"a threshold only, or recalibrate them on held-out data (Platt / isotonic) "
                f"before reading them as probabilities"
            )
    return out
