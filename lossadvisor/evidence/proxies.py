"""The proxy model per loss: one gradient-boosted tree engine that trains with exactly that loss.

Like for like: every loss of a run is trained by LightGBM with the same tree settings (learning
rate, rounds, leaves, minimum leaf size, no regularisation, no subsampling, no early stopping,
one seed, one thread), so that between two losses only the loss differs. Each loss is a custom
objective written from the audited formulas (`objectives.py`), except the absolute and quantile
losses, which use LightGBM's native `quantile` objective: the same pinball loss, whose leaf values
are the τ-quantile of the leaf's residuals (interpolated between order statistics: within 1 % of
the exact minimiser, checked leaf by leaf in the tests) — a line search that a gradient-sign
custom objective with unit curvature cannot do. Every custom objective that LightGBM also has
natively (squared error, logistic, Gamma) grows the native trees exactly (tested).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.params import effective_number_weights, inverse_frequency_weights

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Kind = Literal["regression", "binary", "classification"]
Requirement = Literal["any", "nonnegative", "positive", "unit"]

INSTALL_HINT = (
    "the validate extra (scikit-learn, lightgbm, optuna); install it with "
    "pip install -e '.[validate]' in a checkout, or pip install 'lossadvisor[validate]'"
)
ENGINE = "LightGBM gradient-boosted trees"


@dataclass(frozen=True)
class ProxySettings:
    """Tree settings shared by every loss: only the loss differs between two proxies."""

    learning_rate: float = 0.1
    n_iter: int = 100
    max_leaves: int = 31
    min_leaf: int = 20
    seed: int = 0
    threads: int = 1  # OpenMP threads per fit; one per worker process never oversubscribes

    def describe(self) -> str:
        """The settings in one line (printed once per result)."""
        return (
            f"{ENGINE}: learning rate {self.learning_rate:g}, {self.n_iter} rounds, "
            f"{self.max_leaves} leaves, ≥ {self.min_leaf} rows per leaf, no L2 penalty, 255 bins, "
            f"no subsampling, no early stopping, seed {self.seed}"
        )


@dataclass(frozen=True)
class Proxy:
    """How one loss id is trained: its objective, parameters with catalog defaults, needs."""

    loss: str
    kind: Kind  # "classification" = binary or multiclass
    model: str  # what is trained, in the user's words
    defaults: Mapping[str, float | None] = field(default_factory=dict)
    needs: Requirement = "any"
    native: str | None = None  # LightGBM's own objective, where proven to be the same loss
    # whether the loss's minimiser is the class posterior P(y | x) (a strictly proper scoring
    # rule: plain BCE / CE); weighted, focal and label-smoothed losses are not
    posterior: bool = False


def _p(
    loss: str,
    kind: Kind,
    model: str,
    defaults: Mapping[str, float | None] | None = None,
    needs: Requirement = "any",
    native: str | None = None,
) -> Proxy:
    return Proxy(loss, kind, model, dict(defaults or {}), needs, native, loss in _POSTERIOR)


_POSTERIOR = ("bce", "ce", "soft_bce")  # Gneiting & Raftery (2007): log score strictly proper


PROXIES: dict[str, Proxy] = {
    p.loss: p
    for p in (
        _p("mse", "regression", "squared error"),
        _p("mae", "regression", "absolute error (native quantile τ = 0.5)", native="quantile"),
        _p(
            "pinball", "regression", "pinball(τ) (native quantile)", {"tau": 0.5}, native="quantile"
        ),
        _p("huber", "regression", "Huber(δ)", {"delta": 1.0}),
        _p("smooth_l1", "regression", "Smooth L1(β)", {"beta": 1.0}),
        _p("pseudo_huber", "regression", "pseudo-Huber(δ)", {"delta": 1.0}),
        _p("log_cosh", "regression", "log-cosh"),
        _p("poisson", "regression", "Poisson deviance, log link", needs="nonnegative"),
        _p("gamma", "regression", "Gamma deviance, log link", needs="positive"),
        _p(
            "tweedie",
            "regression",
            "Tweedie deviance(p), log link",
            {"power": 1.5},
            needs="nonnegative",
        ),
        _p(
            "negative_binomial",
            "regression",
            "NB2 likelihood(α), log link",
            {"alpha": 1.0},
            needs="nonnegative",
        ),
        _p("soft_bce", "regression", "cross-entropy on soft labels, logit link", needs="unit"),
        _p("bce", "binary", "binary cross-entropy"),
        _p(
            "weighted_bce",
            "binary",
            "binary cross-entropy, positive class weighted",
            {"pos_weight": None},
        ),
        _p("focal_binary", "binary", "focal(α, γ)", {"alpha": 0.25, "gamma": 2.0}),
        _p("ce", "classification", "softmax cross-entropy"),
        _p("weighted_ce", "classification", "softmax cross-entropy, n / (K·n_c) class weights"),
        _p(
            "class_balanced_ce",
            "classification",
            "softmax cross-entropy, effective-number class weights(β)",
            {"beta": 0.999},
        ),
        _p("focal_multiclass", "classification", "softmax focal(γ)", {"gamma": 2.0}),
        _p("label_smoothing_ce", "classification", "label-smoothed CE(ε)", {"epsilon": 0.1}),
    )
}

# Losses of the catalog that a table cannot check, and why (said plainly in the error).
NOT_TABULAR = ("dice", "tversky", "focal_tversky", "lovasz", "giou", "diou", "ciou", "iou")


def proxy_for(loss: str) -> Proxy:
    """The proxy of a loss id; InputError naming the losses that have one."""
    if loss in PROXIES:
        return PROXIES[loss]
    have = ", ".join(PROXIES)
    if any(loss.startswith(prefix) for prefix in NOT_TABULAR):
        raise InputError(
            f"loss '{loss}' is a segmentation/detection loss and cannot be validated on a "
            f"table of features; losses with a proxy: {have}."
        )
    err = unknown_name("loss with a validation proxy", loss, PROXIES)
    raise InputError(f"{err} Losses with a proxy: {have}.")


def resolve_params(loss: str, given: Mapping[str, Any]) -> dict[str, float | None]:
    """The proxy's parameters: given values over catalog defaults; unknown names rejected."""
    proxy = proxy_for(loss)
    out = dict(proxy.defaults)
    for name, value in given.items():
        if name not in proxy.defaults:
            raise unknown_name(f"parameter of {loss}", name, proxy.defaults or ["(none)"])
        out[name] = None if value is None else float(value)
    _check_ranges(loss, out)
    return out


def _check_ranges(loss: str, params: Mapping[str, float | None]) -> None:
    from lossadvisor.errors import out_of_range

    positive = {"delta", "beta", "pos_weight"}
    for name, value in params.items():
        if value is None:
            continue
        where = f"{loss}.{name}"
        if ((name in positive and loss != "class_balanced_ce") or loss == "negative_binomial") and (
            value <= 0
        ):
            raise out_of_range(where, "a number > 0", value)
        if (name == "tau" or (loss == "focal_binary" and name == "alpha")) and not 0 < value < 1:
            raise out_of_range(where, "in (0, 1)", value)
        if name == "gamma" and value < 0:
            raise out_of_range(where, "a number >= 0", value)
        if name == "epsilon" and not 0 <= value < 1:
            raise out_of_range(where, "in [0, 1)", value)
        if loss == "class_balanced_ce" and not 0 <= value < 1:
            raise out_of_range(where, "in [0, 1)", value)
        if name == "power" and not (1 < value < 2 or value > 2):
            raise out_of_range(where, "in (1, 2) or > 2 (use poisson for 1 and gamma for 2)", value)


def require_libraries() -> None:
    """InputError when the `validate` extra is missing."""
    try:
        import lightgbm  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as err:
        raise InputError(f"validate and tune need {INSTALL_HINT} ({err}).") from None


# --- fitting -------------------------------------------------------------------------------


def lgbm_params(settings: ProxySettings) -> dict[str, Any]:
    """LightGBM parameters shared by every loss: no bagging, no regularisation, fixed seed."""
    return {
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.max_leaves,
        "min_data_in_leaf": settings.min_leaf,
        "min_sum_hessian_in_leaf": 0.0,
        "min_data_in_bin": 1,
        "lambda_l2": 0.0,
        "max_bin": 255,
        "bagging_fraction": 1.0,
        "feature_fraction": 1.0,
        "seed": settings.seed,
        "deterministic": True,
        "force_col_wise": True,
        "feature_pre_filter": False,  # small tables: keep every feature, no "num_features > 0"
        "verbose": -1,
        "num_threads": settings.threads,
    }


def class_weights(
    loss: str, params: Mapping[str, float | None], y_train: NDArray[Any], n_classes: int
) -> dict[int, float] | None:
    """Class weights of the weighted losses, from the training fold's class counts."""
    import numpy as np

    if loss not in ("weighted_bce", "weighted_ce", "class_balanced_ce"):
        return None
    counts = np.bincount(y_train.astype(int), minlength=n_classes).astype(float)
    if loss == "weighted_bce":
        pos_weight = params.get("pos_weight")
        if pos_weight is None:  # torch's guidance: n_negative / n_positive
            pos_weight = counts[0] / max(counts[1], 1.0)
        return {0: 1.0, 1: float(pos_weight)}
    by_class = {c: max(counts[c], 1.0) for c in range(n_classes)}
    if loss == "weighted_ce":  # scikit-learn "balanced": n / (K · n_c)
        return {c: float(w) for c, w in inverse_frequency_weights(by_class).items()}
    if loss == "class_balanced_ce":  # Cui et al. 2019: (1 − β)/(1 − β^n_c), summing to K
        beta = float(params.get("beta") or 0.0)
        if beta <= 0:
            return dict.fromkeys(range(n_classes), 1.0)
        return {c: float(w) for c, w in effective_number_weights(by_class, beta).items()}
    return None


def objective_for(loss: str, params: Mapping[str, float | None], n_classes: int) -> Any:
    """The custom objective (objectives.Objective) that trains `loss`."""
    from lossadvisor.evidence import objectives as obj

    def num(name: str) -> float:
        value = params[name]
        assert value is not None  # every custom-objective parameter has a numeric default
        return value

    builders = {
        "mse": obj.squared,
        "huber": lambda: obj.huber(num("delta")),
        "smooth_l1": lambda: obj.smooth_l1(num("beta")),
        "pseudo_huber": lambda: obj.pseudo_huber(num("delta")),
        "log_cosh": obj.log_cosh,
        "poisson": obj.poisson,
        "gamma": obj.gamma_deviance,
        "tweedie": lambda: obj.tweedie(num("power")),
        "negative_binomial": lambda: obj.negative_binomial(num("alpha")),
        "soft_bce": lambda: obj.logistic("soft_bce"),
        "bce": obj.logistic,
        "weighted_bce": obj.logistic,
        "focal_binary": lambda: obj.focal_binary(num("alpha"), num("gamma")),
        "ce": lambda: obj.label_smoothing_ce(0.0, n_classes),
        "weighted_ce": lambda: obj.label_smoothing_ce(0.0, n_classes),
        "class_balanced_ce": lambda: obj.label_smoothing_ce(0.0, n_classes),
        "label_smoothing_ce": lambda: obj.label_smoothing_ce(num("epsilon"), n_classes),
        "focal_multiclass": lambda: obj.focal_multiclass(num("gamma"), n_classes),
    }
    return builders[loss]()


def init_score(
    start: str, link: str, y: NDArray[Any], n_classes: int, weight: NDArray[Any] | None = None
) -> NDArray[np.float64]:
    """The constant start of a custom objective: median or mean, log mean, logit, log prior
    (weighted by the row weights of the class-weighted losses)."""
    import numpy as np

    n = len(y)
    w = np.ones(n) if weight is None else weight
    if link == "identity":
        centre = np.average(y, weights=w) if start == "mean" else np.median(y)
        return np.full(n, float(centre))
    if link == "exp":
        return np.full(n, float(np.log(max(np.average(y, weights=w), 1e-12))))
    if link == "sigmoid":  # y may be soft (proportions): the weighted mean is the prior
        p = float(np.clip(np.average(y, weights=w), 1e-12, 1 - 1e-12))
        return np.full(n, float(np.log(p / (1 - p))))
    prior = np.bincount(y.astype(int), weights=w, minlength=max(n_classes, 2)) / w.sum()
    prior = np.clip(prior, 1e-12, 1.0)
    return np.tile(np.log(prior), (n, 1))


def train_dataset(x_train: NDArray[np.float64], settings: ProxySettings) -> Any:
    """The binned LightGBM training set of one fold, built once and shared by its losses."""
    import lightgbm

    params = {k: v for k, v in lgbm_params(settings).items() if k != "learning_rate"}
    return lightgbm.Dataset(x_train, params=params, free_raw_data=False).construct()


@dataclass(frozen=True)
class FittedProxy:
    """A trained proxy: the booster and what turns its raw scores into predictions."""

    loss: str
    booster: Any
    offset: Any = None  # the init_score row added back to raw scores (None: native objective)
    link: str = "identity"

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Point predictions (soft_bce: probabilities); for classes, (n, K) probabilities."""
        import numpy as np

        if self.offset is None:
            return np.asarray(self.booster.predict(x), dtype=float)
        raw = np.asarray(self.booster.predict(x, raw_score=True), dtype=float)
        raw = raw + self.offset
        if self.link == "identity":
            return raw
        if self.link == "exp":
            return np.exp(raw)
        if self.link == "sigmoid":
            p = np.exp(-np.logaddexp(0.0, -raw))
            return p if self.loss == "soft_bce" else np.column_stack([1.0 - p, p])
        raw = raw - raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return e / e.sum(axis=1, keepdims=True)


def fit_proxy(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64] | Any,
    y_train: NDArray[Any],
    settings: ProxySettings,
    n_classes: int = 0,
    weights: Mapping[int, float] | None = None,
    sample_weight: NDArray[np.float64] | None = None,
) -> FittedProxy:
    """Train the loss's proxy on one training set (what `fit_predict` and the sklearn export's
    estimators share, so an exported estimator trains exactly as `validate` measured).

    `x_train`: the features, or the fold's `train_dataset` (binned once for all losses).
    Classification: `y_train` integer codes 0..K−1. `weights`: class code -> weight, replacing
    the weights the weighted losses derive from `y_train` (`class_weights`). `sample_weight`:
    per-row weights (an exposure's rate weights), multiplied into gradients and curvatures.
    """
    import lightgbm
    import numpy as np

    proxy = proxy_for(loss)
    data = x_train if isinstance(x_train, lightgbm.Dataset) else train_dataset(x_train, settings)
    config = lgbm_params(settings)
    if proxy.native == "quantile":
        tau = 0.5 if loss == "mae" else float(params["tau"] or 0.5)
        data.set_init_score(None)
        data.set_label(y_train.astype(float))
        if sample_weight is not None:
            data.set_weight(np.asarray(sample_weight, dtype=float))
        config.update(objective="quantile", alpha=tau, metric="None", boost_from_average=True)
        booster = lightgbm.train(
            config, data, num_boost_round=settings.n_iter, keep_training_booster=True
        )
        return FittedProxy(loss, booster)
    objective = objective_for(loss, params, n_classes)
    if weights is None:
        weights = class_weights(loss, params, y_train, n_classes)
    row_weight = None if weights is None else np.array([weights[int(c)] for c in y_train])
    if sample_weight is not None:
        given = np.asarray(sample_weight, dtype=float)
        row_weight = given if row_weight is None else row_weight * given
    init = init_score(objective.start, objective.link, y_train, n_classes, row_weight)
    from lossadvisor.evidence.objectives import lightgbm_objective

    fobj = lightgbm_objective(objective, row_weight)
    data.set_label(y_train.astype(float))
    data.set_init_score(init)
    config.update(objective=lambda raw, d: fobj(d.get_label(), raw), metric="None")
    if objective.link == "softmax":
        config["num_class"] = n_classes
    # keep_training_booster: skips a model-to-text round trip per fit (a third of small fits)
    booster = lightgbm.train(
        config, data, num_boost_round=settings.n_iter, keep_training_booster=True
    )
    offset = init[0] if init.ndim == 1 else init[:1, :]
    return FittedProxy(loss, booster, offset, objective.link)


def fit_predict(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64] | Any,
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    settings: ProxySettings,
    n_classes: int = 0,
) -> NDArray[np.float64]:
    """Train the loss's proxy on one fold and predict the held-out rows (see `fit_proxy`).

    Regression: point predictions (soft_bce: probabilities). Classification (`y_train`
    integer codes 0..K−1): class probabilities, shape (n, K).
    """
    return fit_proxy(loss, params, x_train, y_train, settings, n_classes).predict(x_test)
