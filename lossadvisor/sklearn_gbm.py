"""scikit-learn estimators that train as `validate` measured: `export --format sklearn --model gbm`.

`validate` trains every loss with one LightGBM proxy (evidence/proxies.py: the loss as a custom
objective with its constant start, the shared tree settings) on features prepared inside each
training fold (evidence/preprocess.py). These classes are that proxy behind scikit-learn's
`fit` / `predict` / `predict_proba`, so the exported Pipeline

    TablePreprocessor(target_kind, seed)  ->  LossGBMRegressor / LossGBMClassifier(loss, ...)

fitted on a training fold predicts what validate's proxy predicted on it: the fold scores
reproduce (tests/export/test_export_sklearn_gbm.py). The objective, start, link and class
weights are validate's own code (`fit_proxy`), not a copy. Needs lossadvisor with the
`validate` extra (scikit-learn, LightGBM) where the model trains.

Rounds: like validate, `fit` holds out `validation_fraction` of its rows (stratified for
classes, seeded by `random_state`), boosts on the rest for at most `n_estimators` rounds and
keeps the round with the best held-out `scoring` (validate's deciding metric; None: the
target's default, log-loss for classes), stopping after `n_iter_no_change` rounds without
improvement; `n_estimators_` is the number kept. `early_stopping=False` trains `n_estimators`.

Class weights of weighted_bce / weighted_ce / class_balanced_ce are derived from the labels
`fit` gets (n_neg/n_pos, n/(K·n_c), the effective number with β), as validate derives them per
training fold; fitted on the data the recommendation profiled they are the rule's values.
`class_weight={label: weight}` fixes them instead, keyed by your labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from lossadvisor.evidence.proxies import FittedProxy, ProxySettings


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """validate's per-fold preprocessing (median impute + indicators, one-hot / target
    encoding), built for the columns `fit` sees. `target_kind`: continuous, binary, multiclass."""

    def __init__(self, target_kind: str = "continuous", seed: int = 0) -> None:
        self.target_kind = target_kind
        self.seed = seed

    def fit(self, x: Any, y: Any = None) -> TablePreprocessor:
        self.fit_transform(x, y)
        return self

    def fit_transform(self, x: Any, y: Any = None, **_: Any) -> NDArray[np.float64]:
        import numpy as np

        from lossadvisor.evidence.preprocess import build_preprocessor

        frame = _frame(x)
        self.transformer_ = build_preprocessor(frame, self.target_kind, self.seed)
        target = _codes_for(y) if self.target_kind != "continuous" else y
        return np.asarray(self.transformer_.fit_transform(frame, target), dtype=float)

    def transform(self, x: Any) -> NDArray[np.float64]:
        import numpy as np

        return np.asarray(self.transformer_.transform(_frame(x)), dtype=float)


def _frame(x: Any) -> Any:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return x
    frame = pd.DataFrame(x)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _codes_for(y: Any) -> Any:
    """Class labels as codes 0..K-1 in sorted text order, as validate codes them."""
    import numpy as np

    if y is None:
        return None
    labels = np.asarray(y).astype(str)
    code = {c: i for i, c in enumerate(sorted(set(labels.tolist())))}
    return np.array([code[v] for v in labels], dtype=int)


class _LossGBM(BaseEstimator):
    """The shared constructor: the loss, its parameters, validate's tree settings."""

    def __init__(
        self,
        loss: str = "mse",
        loss_params: Mapping[str, float | None] | None = None,
        learning_rate: float = 0.05,
        n_estimators: int = 1000,
        num_leaves: int = 8,
        min_child_samples: int = 20,
        min_child_weight: float = 1e-3,
        random_state: int = 0,
        n_jobs: int = 1,
        early_stopping: bool = True,
        validation_fraction: float = 0.2,
        n_iter_no_change: int = 30,
        scoring: str | None = None,
    ) -> None:
        self.loss = loss
        self.loss_params = loss_params
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.min_child_weight = min_child_weight
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.scoring = scoring

    def _settings(self) -> ProxySettings:
        from lossadvisor.evidence.proxies import ProxySettings, require_libraries

        require_libraries()
        return ProxySettings(
            learning_rate=float(self.learning_rate),
            n_iter=int(self.n_estimators),
            max_leaves=int(self.num_leaves),
            min_leaf=int(self.min_child_samples),
            min_hessian=float(self.min_child_weight),
            seed=int(self.random_state),
            threads=int(self.n_jobs),
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            patience=int(self.n_iter_no_change),
            stop_metric=self.scoring,
        )

    def _params(self, kind: str) -> dict[str, float | None]:
        from lossadvisor.evidence.proxies import proxy_for, resolve_params

        proxy = proxy_for(self.loss)
        if (proxy.kind == "regression") != (kind == "regression"):
            raise InputError(f"loss '{self.loss}' is a {proxy.kind} loss: use the other class")
        return resolve_params(self.loss, dict(self.loss_params or {}))

    def _fitted(self) -> FittedProxy:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "proxy_")
        return self.proxy_

    def _store(self, proxy: FittedProxy, n_features: int) -> None:
        self.proxy_ = proxy
        self.n_estimators_ = proxy.rounds  # the rounds early stopping kept (as validate's)
        self.n_features_in_ = n_features


class LossGBMRegressor(RegressorMixin, _LossGBM):
    """validate's proxy for a regression loss (soft_bce: `predict` gives probabilities)."""

    def fit(self, x: Any, y: Any, sample_weight: Any = None) -> LossGBMRegressor:
        """`sample_weight`: row weights (an exposure: fit y / e with sample_weight=e)."""
        import numpy as np

        from lossadvisor.evidence.proxies import fit_proxy

        data = np.asarray(x, dtype=float)
        params = self._params("regression")
        target = np.asarray(y, dtype=float)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        proxy = fit_proxy(self.loss, params, data, target, self._settings(), sample_weight=weight)
        self._store(proxy, data.shape[1])
        return self

    def predict(self, x: Any) -> NDArray[np.float64]:
        import numpy as np

        return self._fitted().predict(np.asarray(x, dtype=float))


class LossGBMClassifier(ClassifierMixin, _LossGBM):
    """validate's proxy for a binary or multiclass loss; labels may be strings.

    Classes are coded in sorted text order, as validate codes them; for a binary target
    `positive_class` is coded 1 (its α / pos_weight apply to it).
    """

    def __init__(
        self,
        loss: str = "ce",
        loss_params: Mapping[str, float | None] | None = None,
        learning_rate: float = 0.05,
        n_estimators: int = 1000,
        num_leaves: int = 8,
        min_child_samples: int = 20,
        min_child_weight: float = 1e-3,
        random_state: int = 0,
        n_jobs: int = 1,
        early_stopping: bool = True,
        validation_fraction: float = 0.2,
        n_iter_no_change: int = 30,
        scoring: str | None = None,
        positive_class: Any = None,
        class_weight: Mapping[Any, float] | None = None,
    ) -> None:
        super().__init__(
            loss,
            loss_params,
            learning_rate,
            n_estimators,
            num_leaves,
            min_child_samples,
            min_child_weight,
            random_state,
            n_jobs,
            early_stopping,
            validation_fraction,
            n_iter_no_change,
            scoring,
        )
        self.positive_class = positive_class
        self.class_weight = class_weight

    def fit(self, x: Any, y: Any) -> LossGBMClassifier:
        import numpy as np

        from lossadvisor.evidence.proxies import fit_proxy

        labels = np.asarray(y)
        text = labels.astype(str)
        order = sorted(set(text.tolist()))
        if len(order) < 2:
            raise InputError("LossGBMClassifier needs at least two classes")
        if self.positive_class is not None and len(order) == 2:
            positive = str(self.positive_class)
            if positive not in order:
                raise InputError(f"positive_class {positive!r} is not among the labels {order}")
            order = [c for c in order if c != positive] + [positive]
        code = {c: i for i, c in enumerate(order)}
        codes = np.array([code[v] for v in text], dtype=int)
        first = {str(v): v for v in labels.tolist()}
        self.classes_ = np.array([first[c] for c in order])
        weights = None
        if self.class_weight is not None:
            given = {str(k): float(v) for k, v in self.class_weight.items()}
            missing = [c for c in order if c not in given]
            if missing:
                raise InputError(f"class_weight has no weight for the classes {missing}")
            weights = {i: given[c] for i, c in enumerate(order)}
        data = np.asarray(x, dtype=float)
        proxy = fit_proxy(
            self.loss,
            self._params("classification"),
            data,
            codes,
            self._settings(),
            len(order),
            weights,
        )
        self._store(proxy, data.shape[1])
        return self

    def predict_proba(self, x: Any) -> NDArray[np.float64]:
        import numpy as np

        return self._fitted().predict(np.asarray(x, dtype=float))

    def predict(self, x: Any) -> Any:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]
