"""The proxy model per loss: a gradient-boosted tree ensemble that trains with exactly that loss.

Two engines, one set of tree settings (learning rate, iterations, leaves, minimum leaf size,
no regularisation, no early stopping, fixed seed), so that between two losses only the loss
differs:
- scikit-learn's HistGradientBoosting for the losses it implements (squared, absolute, quantile,
  Poisson, Gamma, log-loss with class weights);
- LightGBM with a custom objective (`objectives.py`) for the others.
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
Requirement = Literal["any", "nonnegative", "positive"]

INSTALL_HINT = (
    "the validate extra (scikit-learn, lightgbm, optuna); install it with "
    "pip install -e '.[validate]' in a checkout, or pip install 'lossadvisor[validate]'"
)


@dataclass(frozen=True)
class ProxySettings:
    """Tree settings shared by every loss: only the loss differs between two proxies."""

    learning_rate: float = 0.1
    n_iter: int = 100
    max_leaves: int = 31
    min_leaf: int = 20
    seed: int = 0
    threads: int = 0  # OpenMP threads per fit; 0 = the libraries' default (all cores)


@dataclass(frozen=True)
class Proxy:
    """How one loss id is trained: engine, its parameters with catalog defaults, target needs."""

    loss: str
    kind: Kind  # "classification" = binary or multiclass
    engine: Literal["hist_gradient_boosting", "lightgbm"]
    model: str  # what is trained, in the user's words
    defaults: Mapping[str, float | None] = field(default_factory=dict)
    needs: Requirement = "any"


PROXIES: dict[str, Proxy] = {
    p.loss: p
    for p in (
        Proxy("mse", "regression", "hist_gradient_boosting", "HistGradientBoosting squared_error"),
        Proxy("mae", "regression", "hist_gradient_boosting", "HistGradientBoosting absolute_error"),
        Proxy(
            "pinball",
            "regression",
            "hist_gradient_boosting",
            "HistGradientBoosting quantile(τ)",
            {"tau": 0.5},
        ),
        Proxy(
            "poisson",
            "regression",
            "hist_gradient_boosting",
            "HistGradientBoosting poisson",
            needs="nonnegative",
        ),
        Proxy(
            "gamma",
            "regression",
            "hist_gradient_boosting",
            "HistGradientBoosting gamma",
            needs="positive",
        ),
        Proxy("huber", "regression", "lightgbm", "LightGBM custom Huber(δ)", {"delta": 1.0}),
        Proxy("smooth_l1", "regression", "lightgbm", "LightGBM custom Smooth L1(β)", {"beta": 1.0}),
        Proxy(
            "pseudo_huber",
            "regression",
            "lightgbm",
            "LightGBM custom pseudo-Huber(δ)",
            {"delta": 1.0},
        ),
        Proxy("log_cosh", "regression", "lightgbm", "LightGBM custom log-cosh"),
        Proxy(
            "tweedie",
            "regression",
            "lightgbm",
            "LightGBM custom Tweedie deviance(p), log link",
            {"power": 1.5},
            needs="nonnegative",
        ),
        Proxy(
            "negative_binomial",
            "regression",
            "lightgbm",
            "LightGBM custom NB2 likelihood(α), log link",
            {"alpha": 1.0},
            needs="nonnegative",
        ),
        Proxy("bce", "binary", "hist_gradient_boosting", "HistGradientBoosting log_loss"),
        Proxy(
            "weighted_bce",
            "binary",
            "hist_gradient_boosting",
            "HistGradientBoosting log_loss, positive class weighted",
            {"pos_weight": None},
        ),
        Proxy(
            "focal_binary",
            "binary",
            "lightgbm",
            "LightGBM custom focal(α, γ)",
            {"alpha": 0.25, "gamma": 2.0},
        ),
        Proxy("ce", "classification", "hist_gradient_boosting", "HistGradientBoosting log_loss"),
        Proxy(
            "weighted_ce",
            "classification",
            "hist_gradient_boosting",
            "HistGradientBoosting log_loss, class_weight='balanced'",
        ),
        Proxy(
            "class_balanced_ce",
            "classification",
            "hist_gradient_boosting",
            "HistGradientBoosting log_loss, effective-number class weights(β)",
            {"beta": 0.999},
        ),
        Proxy(
            "focal_multiclass",
            "classification",
            "lightgbm",
            "LightGBM custom softmax focal(γ)",
            {"gamma": 2.0},
        ),
        Proxy(
            "label_smoothing_ce",
            "classification",
            "lightgbm",
            "LightGBM custom label-smoothed CE(ε)",
            {"epsilon": 0.1},
        ),
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


def hgb_kwargs(settings: ProxySettings) -> dict[str, Any]:
    """HistGradientBoosting arguments matching `lgbm_kwargs` tree for tree."""
    return {
        "learning_rate": settings.learning_rate,
        "max_iter": settings.n_iter,
        "max_leaf_nodes": settings.max_leaves,
        "min_samples_leaf": settings.min_leaf,
        "l2_regularization": 0.0,
        "max_bins": 255,
        "early_stopping": False,
        "random_state": settings.seed,
    }


def lgbm_kwargs(settings: ProxySettings) -> dict[str, Any]:
    """LightGBM arguments matching `hgb_kwargs`: no bagging, no regularisation, fixed seed."""
    return {
        "learning_rate": settings.learning_rate,
        "n_estimators": settings.n_iter,
        "num_leaves": settings.max_leaves,
        "min_child_samples": settings.min_leaf,
        "reg_lambda": 0.0,
        "max_bin": 255,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "random_state": settings.seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbose": -1,
        "num_threads": settings.threads,
    }


def fit_predict(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64],
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    settings: ProxySettings,
    n_classes: int = 0,
) -> NDArray[np.float64]:
    """Train the loss's proxy on one fold and predict the held-out rows.

    Regression: point predictions. Classification (`y_train` integer codes 0..K−1):
    class probabilities, shape (n, K).
    """
    proxy = proxy_for(loss)
    if proxy.engine == "hist_gradient_boosting":
        if not settings.threads:
            return _fit_hgb(loss, params, x_train, y_train, x_test, settings, n_classes)
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        with threadpool_limits(limits=settings.threads, user_api="openmp"):
            return _fit_hgb(loss, params, x_train, y_train, x_test, settings, n_classes)
    return _fit_lightgbm(loss, params, x_train, y_train, x_test, settings, n_classes)


def class_weights(
    loss: str, params: Mapping[str, float | None], y_train: NDArray[Any], n_classes: int
) -> dict[int, float] | None:
    """Class weights of the weighted losses, from the training fold's class counts."""
    import numpy as np

    counts = np.bincount(y_train.astype(int), minlength=n_classes).astype(float)
    if loss == "weighted_bce":
        pos_weight = params.get("pos_weight")
        if pos_weight is None:  # torch's guidance: n_negative / n_positive
            pos_weight = counts[0] / counts[1]
        return {0: 1.0, 1: float(pos_weight)}
    by_class = {c: counts[c] for c in range(n_classes)}  # numpy floats: an empty class gives inf
    if loss == "weighted_ce":  # scikit-learn "balanced": n / (K · n_c)
        return {c: float(w) for c, w in inverse_frequency_weights(by_class).items()}
    if loss == "class_balanced_ce":  # Cui et al. 2019: (1 − β)/(1 − β^n_c), summing to K
        beta = float(params.get("beta") or 0.0)
        if beta <= 0:
            return dict.fromkeys(range(n_classes), 1.0)
        return {c: float(w) for c, w in effective_number_weights(by_class, beta).items()}
    return None


def _fit_hgb(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64],
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    settings: ProxySettings,
    n_classes: int,
) -> NDArray[np.float64]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    kwargs = hgb_kwargs(settings)
    if PROXIES[loss].kind == "regression":
        names = {
            "mse": "squared_error",
            "mae": "absolute_error",
            "pinball": "quantile",
            "poisson": "poisson",
            "gamma": "gamma",
        }
        extra = {"quantile": params["tau"]} if loss == "pinball" else {}
        reg = HistGradientBoostingRegressor(loss=names[loss], **kwargs, **extra)
        reg.fit(x_train, y_train)
        return reg.predict(x_test)
    clf = HistGradientBoostingClassifier(
        loss="log_loss", class_weight=class_weights(loss, params, y_train, n_classes), **kwargs
    )
    clf.fit(x_train, y_train)
    return clf.predict_proba(x_test)


def _objective(loss: str, params: Mapping[str, float | None], n_classes: int) -> Any:
    from lossadvisor.evidence import objectives as obj

    def num(name: str) -> float:
        value = params[name]
        assert value is not None  # every custom-objective parameter has a numeric default
        return value

    builders = {
        "huber": lambda: obj.huber(num("delta")),
        "smooth_l1": lambda: obj.smooth_l1(num("beta")),
        "pseudo_huber": lambda: obj.pseudo_huber(num("delta")),
        "log_cosh": obj.log_cosh,
        "tweedie": lambda: obj.tweedie(num("power")),
        "negative_binomial": lambda: obj.negative_binomial(num("alpha")),
        "focal_binary": lambda: obj.focal_binary(num("alpha"), num("gamma")),
        "label_smoothing_ce": lambda: obj.label_smoothing_ce(num("epsilon"), n_classes),
        "focal_multiclass": lambda: obj.focal_multiclass(num("gamma"), n_classes),
    }
    return builders[loss]()


def _init_score(link: str, y: NDArray[Any], n_classes: int) -> NDArray[np.float64]:
    """The constant start of a custom objective: median, log mean, logit or log prior."""
    import numpy as np

    n = len(y)
    if link == "identity":
        return np.full(n, float(np.median(y)))
    if link == "exp":
        return np.full(n, float(np.log(max(np.mean(y), 1e-12))))
    prior = np.bincount(y.astype(int), minlength=max(n_classes, 2)) / n
    prior = np.clip(prior, 1e-12, 1.0)
    if link == "sigmoid":
        return np.full(n, float(np.log(prior[1] / prior[0])))
    return np.tile(np.log(prior), (n, 1))


def _fit_lightgbm(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64],
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    settings: ProxySettings,
    n_classes: int,
) -> NDArray[np.float64]:
    import lightgbm
    import numpy as np

    from lossadvisor.evidence.objectives import lightgbm_objective

    objective = _objective(loss, params, n_classes)
    init = _init_score(objective.link, y_train, n_classes)
    fobj = lightgbm_objective(objective)
    config = lgbm_kwargs(settings)
    n_rounds = config.pop("n_estimators")
    config.update(objective=lambda raw, data: fobj(data.get_label(), raw), metric="None")
    if objective.link == "softmax":
        config["num_class"] = n_classes
    train = lightgbm.Dataset(x_train, label=y_train.astype(float), init_score=init)
    booster = lightgbm.train(config, train, num_boost_round=n_rounds)
    raw = np.asarray(booster.predict(x_test, raw_score=True), dtype=float)
    raw = raw + (init[0] if raw.ndim == 1 else init[:1, :])
    if objective.link == "identity":
        return raw
    if objective.link == "exp":
        return np.exp(raw)
    if objective.link == "sigmoid":
        p = np.exp(-np.logaddexp(0.0, -raw))  # σ without overflow
        return np.column_stack([1.0 - p, p])
    raw = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(raw)
    return e / e.sum(axis=1, keepdims=True)
