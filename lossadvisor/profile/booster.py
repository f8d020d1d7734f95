"""The baseline's boosted trees on large tables: LightGBM, with HistGradientBoosting's settings.

From `baseline.LARGE_TABLE` rows the fold fits are most of what `profile` (and `validate`)
cost, and they run side by side in threads (`baseline.out_of_fold`). scikit-learn's
HistGradientBoosting holds the GIL in its Python loop over iterations and tree nodes, so two
fold threads mostly wait for each other: two 50,000-row folds of 20 features took 5.2 s wall on
two cores against 2.9 s for one fold alone. LightGBM's training call runs in C++ without the GIL
(ctypes releases it): the same two folds take 3.0 s, and the out-of-fold residuals are as good
(1.4826·MAD 1.337 against 1.333, mean absolute residual 1.234 against 1.233, on the
`benchmarks/validate_speed.py` table).

`LightGBMBaseline` is a scikit-learn estimator (`BaseEstimator`: cloned per fold) that trains what
`baseline.BOOSTING` asks of HistGradientBoosting: the same loss, 31 leaves, ≥ 20 rows per leaf,
learning rate 0.1, at most 200 iterations, no L2 penalty, 1e-3 minimum curvature per leaf, 255
bins, native categorical columns (pandas categories), missing values sent down the better side,
and early stopping after 10 iterations without a better loss on a seeded 10 % of the training
rows (stratified for classes). These are LightGBM's defaults too; they are set explicitly so
that a change of either library's defaults cannot change the baseline unseen. The held-out rows
are scored on the training set's bins (`scores_on_bins`): the numbers of `Booster.predict`, in half
the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from lossadvisor.profile.sketch import FloatArray

# HistGradientBoosting's loss names -> LightGBM's objective and the metric early stopping reads
# (the same loss, scored on the held-out rows).
OBJECTIVES = {
    "absolute_error": ("l1", "l1"),
    "poisson": ("poisson", "poisson"),
    "squared_error": ("l2", "l2"),
}


class LightGBMBaseline(BaseEstimator):
    """A LightGBM booster with HistGradientBoosting's baseline settings (module docstring).

    `loss`: absolute_error, poisson or squared_error (regression), or log_loss (classes:
    `predict_proba` and `classes_`, as a scikit-learn classifier)."""

    def __init__(
        self,
        loss: str = "squared_error",
        max_iter: int = 200,
        learning_rate: float = 0.1,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        random_state: int = 0,
    ) -> None:
        self.loss = loss
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state

    def _params(self, n_classes: int) -> dict[str, Any]:
        if self.loss == "log_loss":
            objective, metric = (
                ("binary", "binary_logloss") if n_classes == 2 else ("multiclass", "multi_logloss")
            )
        else:
            objective, metric = OBJECTIVES[self.loss]
        params: dict[str, Any] = {
            "objective": objective,
            "metric": metric,
            "learning_rate": self.learning_rate,
            "num_leaves": 31,
            "min_data_in_leaf": 20,
            "min_sum_hessian_in_leaf": 1e-3,
            "lambda_l2": 0.0,
            "max_bin": 255,
            "use_missing": True,
            "seed": self.random_state,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": 1,  # one per fold thread (`out_of_fold` runs the folds side by side)
            "verbose": -1,
        }
        if n_classes > 2:
            params["num_class"] = n_classes
        return params

    def fit(self, x: Any, y: Any, sample_weight: FloatArray | None = None) -> LightGBMBaseline:
        import lightgbm

        y = np.asarray(y)
        n_classes = 0
        if self.loss == "log_loss":
            self.classes_, y = np.unique(y, return_inverse=True)
            n_classes = len(self.classes_)
            if n_classes < 2:  # one class in this fold: its probability is 1
                self._booster = None
                return self
        fit, stop = self._split(len(y), y if n_classes else None)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        params = self._params(n_classes)
        self._train = lightgbm.Dataset(
            rows_of(x, fit), y[fit], weight=None if weight is None else weight[fit], params=params
        )
        held = lightgbm.Dataset(
            rows_of(x, stop),
            y[stop],
            weight=None if weight is None else weight[stop],
            reference=self._train,
            params=params,  # the training set's (other params make LightGBM warn)
        )
        self._booster = lightgbm.train(
            params,
            self._train,
            num_boost_round=self.max_iter,
            valid_sets=[held],
            callbacks=[lightgbm.early_stopping(self.n_iter_no_change, verbose=False)],
            keep_training_booster=True,  # live, to score new rows on its bins (`_scores`)
        )
        self.n_iter_ = int(self._booster.best_iteration or self._booster.current_iteration())
        return self

    def _split(self, n: int, labels: Any) -> tuple[Any, Any]:
        """(fitted rows, held-out rows): a seeded validation_fraction, per class for classes."""
        from sklearn.model_selection import train_test_split

        rows = np.arange(n)
        fit, held = train_test_split(
            rows,
            test_size=self.validation_fraction,
            stratify=labels,
            random_state=self.random_state,
        )
        return np.sort(fit), np.sort(held)

    def _scores(self, x: Any) -> FloatArray:
        """The model's output (mean, or class probabilities) for the rows x (`scores_on_bins`)."""
        import lightgbm

        assert self._booster is not None
        rows = lightgbm.Dataset(x, reference=self._train, params=self._train.params)
        return scores_on_bins(self._booster, rows, self.n_iter_)

    def predict(self, x: Any) -> FloatArray:
        """The fitted mean (regression) or the most probable class."""
        if self.loss == "log_loss":
            return np.asarray(self.classes_[np.argmax(self.predict_proba(x), axis=1)])
        return self._scores(x)

    def predict_proba(self, x: Any) -> FloatArray:
        """Class probabilities, columns in `classes_` order."""
        if self._booster is None:
            return np.ones((len(x), 1))
        p = self._scores(x)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p


def scores_on_bins(booster: Any, rows: Any, rounds: int = 0) -> FloatArray:
    """The output of a live LightGBM `booster` (`keep_training_booster=True`) for `rows`, a
    Dataset binned on its training set's bins (`reference=`), at `rounds` trees (0: all).

    The booster is rolled back to `rounds` (the rounds after early stopping's best only showed
    that it was the best), the rows join it as a validation set, and LightGBM sums the trees on
    the binned rows: the numbers of `Booster.predict(x, num_iteration=rounds)`, to the bit
    (tested), in about half the time, since `predict` first turns every raw row into a sparse
    vector (200 trees on 50,000 rows of 20 features: 0.54 s against 1.25 s). The output is the
    objective's (a custom objective's: raw scores), 2-D for several classes.
    """
    while rounds and booster.current_iteration() > rounds:
        booster.rollback_one_iter()
    booster.add_valid(rows, f"rows{len(booster.name_valid_sets)}")
    scored: list[FloatArray] = []

    def keep(preds: Any, data: Any) -> list[Any]:
        if data is rows:
            scored.append(np.array(preds, dtype=np.float64))
        return []  # no metric: this only reads the scores

    booster.eval_valid(feval=keep)
    return scored[0]


def rows_of(design: Any, index: Any) -> Any:
    """The rows `index` of a DataFrame or an array."""
    return design.iloc[index] if hasattr(design, "iloc") else design[index]
