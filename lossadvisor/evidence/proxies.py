"""The proxy model per loss: one gradient-boosted tree engine that trains with exactly that loss.

Like for like: every loss of a run is trained by LightGBM with the same tree settings (learning
rate, leaves, minimum leaf size, no regularisation, no bagging, one seed, one thread; on large
training sets one seeded row sample per fold, the same for every loss: `sample_rows`) and
the same rule for its number of rounds (early stopping on held-out training rows, scored with
the run's metric: `ProxySettings`), so that between two losses only the loss differs. Each loss
is a custom objective written from the audited formulas (`objectives.py`), except the absolute
and quantile losses, which use LightGBM's native `quantile` objective: the same pinball loss,
whose leaf values are the τ-quantile of the leaf's residuals (interpolated between order
statistics: within 1 % of the exact minimiser, checked leaf by leaf in the tests) — a line
search that a gradient-sign custom objective with unit curvature cannot do. Every custom
objective that LightGBM also has natively (squared error, logistic, Gamma) grows the native
trees exactly (tested).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.params import effective_number_weights, inverse_frequency_weights

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from lossadvisor.rules.schema import LossSpec

Kind = Literal["regression", "binary", "classification", "ordinal"]
Requirement = Literal["any", "nonnegative", "positive", "unit"]

INSTALL_HINT = (
    "the validate extra (scikit-learn, lightgbm, optuna); install it with "
    "pip install -e '.[validate]' in a checkout, or pip install 'lossadvisor[validate]'"
)
ENGINE = "LightGBM gradient-boosted trees"


@dataclass(frozen=True)
class ProxySettings:
    """Tree settings shared by every loss: only the loss differs between two proxies.

    Rounds: boosting with a fixed number of rounds over-fits a rare class (its leaves grow
    over-confident long before the majority is fitted), so the number of rounds is chosen per fit
    by early stopping, the same way for every loss: `validation_fraction` of the training rows
    (stratified for classes, seeded) is held out, the booster trains on the rest for at most
    `n_iter` rounds, and it keeps the round with the best held-out score on the run's deciding
    metric (`stop_metric`: the common metric, never the loss itself), stopping after `patience`
    rounds without improvement. This is the number of boosting iterations chosen on a validation
    sample with shrinkage ν ≤ 0.1 (Hastie, Tibshirani & Friedman, The Elements of Statistical
    Learning, 2nd ed., §10.12.1), as LightGBM's `early_stopping_round` and scikit-learn's
    HistGradientBoosting `early_stopping` / `validation_fraction` / `n_iter_no_change` do it (the
    model trained on the rest is kept, not refitted). Training sets too small to hold out
    `MIN_STOP_ROWS` rows train `fixed_rounds` rounds instead (said in `describe`).
    Trees: 8 leaves, the top of the 4 ≤ J ≤ 8 that ESL §10.11 ("Right-sized trees for boosting")
    finds works well; with LightGBM's default 31 leaves, 20 rows per leaf and a rare class, the
    split gain G²/H favours leaves that isolate a few positives and plain BCE's held-out log-loss
    rose from the first rounds (worse than the constant prior on 1:30 logistic data, issue 11),
    while 8 leaves at ν = 0.05 rank plain BCE first there on every seed tried. No penalty on
    the curvature scale (L2 λ, a larger minimum hessian): those act on H, which focal loss
    shrinks by orders of magnitude, so they would stop focal from learning at all — not like
    for like.
    `min_hessian`: LightGBM's own default `min_sum_hessian_in_leaf` (1e-3; scikit-learn's
    `min_hessian_to_split` is the same): a leaf needs some curvature, which keeps near-pure leaves
    of a rare class finite and avoids LightGBM's `best_split_info.left_count > 0` failure.
    Large tables: a fit's cost is rows × rounds, so each fit gets at most `round_budget`
    row-rounds. Above `round_budget / n_iter` fitted rows the round cap falls to
    `round_budget / rows` (never below `MIN_ROUNDS`, LightGBM's default `num_iterations`) and
    the learning rate rises so that learning rate × cap stays 0.05 × 1000: shrinkage and the
    number of rounds trade off (Friedman 2001, "Greedy function approximation", §5; ESL §10.12.1
    "ν and M do not operate independently"), and LightGBM's Parameters Tuning guide, "Grow Less
    Trees": "if you reduce num_iterations, you should increase learning_rate". With the budget
    of 4,000,000 a 20,000-row fit gets 200 rounds at 0.25 instead of 1000 at 0.05 (where every
    loss ran into the cap of a large table, 8 × the time). Every loss of a run gets the same
    scaled settings (`scaled`, applied to the run's largest fitted set after the row sample),
    so the comparison stays like for like; tables up to `round_budget / n_iter` fitted rows are
    not touched.
    Row sample (`sample_rows`, `fit_sample`): above `sample_rows` fitted rows, every loss of a
    fold trains on one seeded sample of them (the held-out early-stopping rows and the test fold
    stay whole, so the scores are no noisier), binned once, with its own budget
    (`sample_budget`: 4,000,000 / 20,000 = 200 rounds at learning rate 0.25). Friedman (2002,
    "Stochastic gradient boosting", Comput. Stat. Data Anal. 38(4)) fits each tree on a random
    fraction of the rows and finds accuracy no worse (often better) down to about half of them;
    ESL §10.12.2 "Subsampling"; LightGBM's Parameters Tuning guide, "For Faster Speed": "use
    bagging by setting bagging_fraction". One sample per fold, not one per round: it is binned
    once for every loss and round, and every loss sees the same rows.
    Measured on the benchmark's table (`x @ w + sin(3 x0) + t(3)`, 100,000 × 20, 5 folds, two
    fold threads, default loss parameters; test MAE mse / mae / huber; wall / CPU s of the run):
      64,000 fitted rows × 125 rounds at 0.4 (8M, before):  1.290 / 1.278 / 1.252   18.3 / 23.0
      20,000-row sample × 200 at 0.25 (4M, the default):    1.287 / 1.281 / 1.258    8.6 / 15.3
      10,000-row sample × 400 at 0.125 (4M):                1.269 / 1.264 / 1.264   14.2 / 26.5
      40,000-row sample × 200 at 0.25 (8M):                 1.259 / 1.252 / 1.243   17.8 / 26.6
      20,000-row sample × 400 at 0.125 (8M):                1.228 / 1.229 / 1.248   17.1 / 31.4
    The default keeps today's accuracy for a third less CPU; more rounds buy accuracy at more
    cost (the per-round cost and the predictions grow with the rounds, not only rows × rounds).
    1:37 logistic table of 100,000 × 20 (bce / weighted_bce / focal_binary, test log loss):
    before 0.1087 / 0.3425 / 0.394 (focal diverged at 0.4 after 2 rounds), sample 0.1128 /
    0.2011 / 0.1427; the same winner, BCE 4 % worse with a third of the positives.
    Tables up to `sample_rows` fitted rows keep the 8,000,000 budget and are untouched: with
    4,000,000 for them too, 30,000 rows (19,200 fitted: 208 instead of 416 rounds) lost 0.07
    test MAE on mse / mae and its ranking changed, and 10,000 rows up to 0.018.
    Classes: the sample is stratified and equal-probability (every row kept with the same
    probability, per class exactly: a self-weighting sample, Kish 1965 "Survey Sampling"
    §2.7 "epsem"), so class proportions, priors, class weights and ordinal cut points are those
    of the fitted rows, with no weights. The rarest class must keep `min_class_rows` rows (400:
    its frequency then has a binomial relative error ≤ 1/√400 = 5 %, and it fills 20 leaves of
    `min_leaf` rows); a table whose rarest class would keep fewer is not sampled (raising the
    rate instead made a larger sample with fewer rounds at a larger rate, and a worse BCE: 0.1154
    on the 1:37 table with 1,000). Multilabel fits stratify on each row's rarest label, the
    minimum applying to every label's positives and negatives.
    """

    learning_rate: float = 0.05
    n_iter: int = 1000  # the most rounds (early stopping), or the rounds (no early stopping)
    max_leaves: int = 8
    min_leaf: int = 20
    min_hessian: float = 1e-3
    l2: float = 0.0
    round_budget: int = 8_000_000  # rows × rounds per fit (0: no budget); see above
    sample_rows: int = 20_000  # fitted rows above which a fold's fits use one sample (0: never)
    sample_budget: int = 4_000_000  # rows × rounds per fit on a row sample (0: round_budget)
    min_class_rows: int = 400  # rows the rarest class must keep in the sample (else no sample)
    seed: int = 0
    threads: int = 1  # OpenMP threads per fit; one per worker process never oversubscribes
    early_stopping: bool = True
    validation_fraction: float = 0.2
    patience: int = 30
    stop_metric: str | None = None  # the run's deciding metric; None: the target's default
    fixed_rounds: int = 100  # rounds of a training set too small to hold rows out

    def budget(self, sampled: bool = False) -> int:
        """The row-round budget of a fit: `sample_budget` on a row sample (when set), else
        `round_budget` (0: none)."""
        return self.sample_budget if sampled and self.sample_budget else self.round_budget

    def scaled(self, rows: int, sampled: bool = False) -> ProxySettings:
        """The settings for a fit on `rows` rows (`sampled`: a row sample, `budget`): the round
        cap and learning rate of the row-round budget (unchanged below budget / `n_iter` rows;
        idempotent)."""
        budget = self.budget(sampled)
        if not budget or rows * self.n_iter <= budget:
            return self
        cap = max(MIN_ROUNDS, budget // max(rows, 1))
        if cap >= self.n_iter:
            return self
        rate = self.learning_rate * self.n_iter / cap  # learning rate × cap kept
        return replace(self, n_iter=cap, learning_rate=float(f"{rate:.4g}"))

    def rounds_text(self) -> str:
        """How the number of rounds is chosen, in words."""
        if not self.early_stopping:
            return f"{self.n_iter} rounds"
        metric = self.stop_metric or "the target's default metric"
        return (
            f"rounds chosen per fit by early stopping on {metric} over "
            f"{self.validation_fraction:.0%} of its training rows held out (stratified for "
            f"classes, seeded; at most {self.n_iter} rounds, patience {self.patience}; "
            f"{self.fixed_rounds} rounds when fewer than {MIN_STOP_ROWS} rows could be held out)"
        )

    def budget_text(self) -> str:
        """The row-round budget in words ('' without one)."""
        if not self.round_budget:
            return ""
        on_sample = (
            f"; {self.sample_budget:,} on a row sample"
            if self.sample_rows and self.sample_budget
            else ""
        )
        return (
            f"at most {self.round_budget:,} rows × rounds per fit{on_sample} (larger training "
            f"sets get fewer rounds at a proportionally larger learning rate), "
        )

    def sample_text(self) -> str:
        """The row-sample rule in words ('no subsampling' without one)."""
        if not self.sample_rows:
            return "no subsampling"
        return (
            f"a fold whose fitted rows exceed {self.sample_rows:,} trains every loss on one "
            f"seeded sample of {self.sample_rows:,} of them (stratified by class at one rate; "
            f"none when the rarest class would keep fewer than {self.min_class_rows} rows; the "
            f"held-out rows and the test fold whole), no bagging"
        )

    def describe(self) -> str:
        """The settings in one line (printed once per result)."""
        return (
            f"{ENGINE}: learning rate {self.learning_rate:g}, {self.rounds_text()}, "
            f"{self.budget_text()}"
            f"{self.max_leaves} leaves, ≥ {self.min_leaf} rows and ≥ {self.min_hessian:g} "
            f"curvature per leaf, L2 penalty {self.l2:g}, 255 bins, {self.sample_text()}, "
            f"seed {self.seed}"
        )


MIN_STOP_ROWS = 50  # held-out rows below which a held-out score is too noisy to stop on
MIN_ROUNDS = 100  # the smallest round cap of the row-round budget (LightGBM's default)
SAMPLE_STREAM = 1  # the row sample's seed stream, apart from inner_split's (seed alone)


Builder = Callable[[Any, Mapping[str, Any], int, Any], Any]  # (objectives, params, K, cuts)
ENGINES = {"lightgbm": ENGINE}  # engine id -> what it is, in words


@dataclass(frozen=True)
class Proxy:
    """How one loss id is trained: its engine and objective builder, its parameters (catalog
    defaults), what the target must be, and where the proxy is narrower than the catalog."""

    loss: str
    kind: Kind  # "classification" = binary or multiclass; "ordinal": ordered levels (K ≥ 3)
    model: str  # what is trained, in the user's words
    defaults: Mapping[str, float | None] = field(default_factory=dict)
    needs: Requirement = "any"
    native: str | None = None  # LightGBM's own objective, where proven to be the same loss
    # whether the loss's minimiser is the class posterior P(y | x) (a strictly proper scoring
    # rule: plain BCE / CE); weighted, focal and label-smoothed losses are not
    posterior: bool = False
    engine: str = "lightgbm"  # a key of ENGINES
    # builds the objectives.Objective from (the objectives module, parameters, K, cut points);
    # None: the native objective trains it
    build: Builder | None = None
    # parameter -> (ParamSpec fields replaced, why): where this proxy admits less than the
    # catalog's range (`check_ranges` reads the catalog's ParamSpec, then these)
    narrower: Mapping[str, tuple[Mapping[str, Any], str]] = field(default_factory=dict)


def _p(
    loss: str,
    kind: Kind,
    model: str,
    defaults: Mapping[str, float | None] | None = None,
    needs: Requirement = "any",
    native: str | None = None,
    build: Builder | None = None,
    narrower: Mapping[str, tuple[Mapping[str, Any], str]] | None = None,
) -> Proxy:
    posterior = loss in _POSTERIOR
    return Proxy(
        loss, kind, model, dict(defaults or {}), needs, native, posterior, "lightgbm", build,
        dict(narrower or {}),
    )  # fmt: skip


_POSTERIOR = ("bce", "ce", "soft_bce")  # Gneiting & Raftery (2007): log score strictly proper
_POSITIVE = ({"exclusive_min": True}, "the tree objective divides by it; 0 is the absolute error")


def _ce(o: Any, p: Mapping[str, Any], k: int, c: Any) -> Any:
    return o.label_smoothing_ce(0.0, k)  # plain softmax CE (weights come from class_weights)


PROXIES: dict[str, Proxy] = {
    p.loss: p
    for p in (
        _p("mse", "regression", "squared error", build=lambda o, p, k, c: o.squared()),
        _p("mae", "regression", "absolute error (native quantile τ = 0.5)", native="quantile"),
        _p(
            "pinball", "regression", "pinball(τ) (native quantile)", {"tau": 0.5}, native="quantile"
        ),
        _p(
            "huber", "regression", "Huber(δ)", {"delta": 1.0},
            build=lambda o, p, k, c: o.huber(p["delta"]),
        ),
        _p(
            "smooth_l1", "regression", "Smooth L1(β)", {"beta": 1.0},
            build=lambda o, p, k, c: o.smooth_l1(p["beta"]), narrower={"beta": _POSITIVE},
        ),
        _p(
            "pseudo_huber", "regression", "pseudo-Huber(δ)", {"delta": 1.0},
            build=lambda o, p, k, c: o.pseudo_huber(p["delta"]),
        ),
        _p("log_cosh", "regression", "log-cosh", build=lambda o, p, k, c: o.log_cosh()),
        _p(
            "poisson", "regression", "Poisson deviance, log link", needs="nonnegative",
            build=lambda o, p, k, c: o.poisson(),
        ),
        _p(
            "gamma", "regression", "Gamma deviance, log link", needs="positive",
            build=lambda o, p, k, c: o.gamma_deviance(),
        ),
        _p(
            "tweedie", "regression", "Tweedie deviance(p), log link", {"power": 1.5},
            needs="nonnegative", build=lambda o, p, k, c: o.tweedie(p["power"]),
        ),
        _p(
            "negative_binomial", "regression", "NB2 likelihood(α), log link", {"alpha": 1.0},
            needs="nonnegative", build=lambda o, p, k, c: o.negative_binomial(p["alpha"]),
        ),
        _p(
            "soft_bce", "regression", "cross-entropy on soft labels, logit link", needs="unit",
            build=lambda o, p, k, c: o.logistic("soft_bce"),
        ),
        _p("bce", "binary", "binary cross-entropy", build=lambda o, p, k, c: o.logistic()),
        _p(
            "weighted_bce", "binary", "binary cross-entropy, positive class weighted",
            {"pos_weight": None}, build=lambda o, p, k, c: o.logistic(),
        ),
        _p(
            "focal_binary", "binary", "focal(α, γ)", {"alpha": 0.25, "gamma": 2.0},
            build=lambda o, p, k, c: o.focal_binary(p["alpha"], p["gamma"]),
        ),
        _p("ce", "classification", "softmax cross-entropy", build=_ce),
        _p(
            "weighted_ce", "classification", "softmax cross-entropy, n / (K·n_c) class weights",
            build=_ce,
        ),
        _p(
            "class_balanced_ce", "classification",
            "softmax cross-entropy, effective-number class weights(β)", {"beta": 0.999},
            build=_ce,
        ),
        _p(
            "focal_multiclass", "classification", "softmax focal(γ)", {"gamma": 2.0},
            build=lambda o, p, k, c: o.focal_multiclass(p["gamma"], k),
        ),
        _p(
            "label_smoothing_ce", "classification", "label-smoothed CE(ε)", {"epsilon": 0.1},
            build=lambda o, p, k, c: o.label_smoothing_ce(p["epsilon"], k),
        ),
        _p(
            "cumulative_link", "ordinal",
            "cumulative logit NLL of one boosted score, cut points refitted by ML each round",
            build=lambda o, p, k, c: o.cumulative_link(c),
        ),
        _p(
            "coral", "ordinal",
            "CORAL: summed BCE of the K − 1 'y > k' tasks on one boosted score",
            build=lambda o, p, k, c: o.coral(c),
        ),
    )
}  # fmt: skip


def _n(loss: str, kind: Kind, model: str, defaults: dict[str, float | None]) -> Proxy:
    return Proxy(loss, kind, model, defaults, engine="mlp")


# Losses only the MLP proxy trains (`neural.py`, `--proxy mlp`): their records, kept here so that
# every lookup of a loss id is one function; defaults are the catalog's (a test checks).
NEURAL_ONLY: dict[str, Proxy] = {
    p.loss: p
    for p in (
        _n("berhu", "regression", "reverse Huber (BerHu, c)", {"c": 1.0}),
        _n("barron", "regression", "Barron's robust loss (α, c)", {"alpha": 1.0, "scale": 1.0}),
        _n("mape", "regression", "absolute percentage error", {"epsilon": 2.220446049250313e-16}),
        _n("gaussian_nll", "regression", "Gaussian NLL (mean and variance heads)", {"eps": 1e-6}),
        _n("hinge", "classification", "multi-class hinge (margin)", {"margin": 1.0}),
        _n(
            "asymmetric",
            "binary",
            "asymmetric loss (γ−, γ+, clip)",
            {"gamma_neg": 4.0, "gamma_pos": 1.0, "clip": 0.05},
        ),
    )
}

# Losses of the catalog that a table cannot check, and why (said plainly in the error).
NOT_TABULAR = ("dice", "tversky", "focal_tversky", "lovasz", "giou", "diou", "ciou", "iou")


def proxy_for(loss: str) -> Proxy:
    """The proxy record of a loss id (a tree proxy, or an MLP-only loss's record:
    `NEURAL_ONLY`); InputError naming the losses that have one."""
    if loss in PROXIES:
        return PROXIES[loss]
    if loss in NEURAL_ONLY:
        return NEURAL_ONLY[loss]
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
    check_ranges(loss, out)
    return out


@functools.cache
def builtin_losses() -> Mapping[str, LossSpec]:
    """The built-in catalog (rules/losses.yaml), read once per process: resolving a tune trial's
    parameters checks them against it, and each `load_rulebase()` hashes the rule files."""
    from lossadvisor.rules.load import load_rulebase

    return load_rulebase().losses


def catalog_params(loss: str) -> Mapping[str, Any]:
    """The loss's ParamSpecs in the built-in catalog (rules/losses.yaml); {} if it has none."""
    spec = builtin_losses().get(loss)
    return {} if spec is None else spec.params


def check_ranges(loss: str, params: Mapping[str, float | None]) -> None:
    """InputError ('the huber.delta must be a number in (0, inf). Got 0.0 instead.') for the
    first value outside its catalog ParamSpec, or outside the proxy's narrower range."""
    from lossadvisor.errors import out_of_range

    specs = catalog_params(loss)
    narrower = PROXIES[loss].narrower if loss in PROXIES else {}
    for name, value in params.items():
        spec = specs.get(name)
        if value is None or spec is None:  # None: the proxy's own rule (pos_weight per fold)
            continue
        problem = spec.value_problem(value)
        if problem is not None:
            raise out_of_range(f"{loss}.{name}", problem, value)
        if name in narrower:
            update, why = narrower[name]
            problem = spec.model_copy(update=dict(update)).value_problem(value)
            if problem is not None:
                raise out_of_range(f"{loss}.{name}", f"{problem} ({why})", value)


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
        "min_sum_hessian_in_leaf": settings.min_hessian,
        "min_data_in_bin": 1,
        "lambda_l2": settings.l2,
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


def objective_for(
    loss: str, params: Mapping[str, float | None], n_classes: int, cuts: Any = None
) -> Any:
    """The custom objective (objectives.Objective) that trains `loss` (`cuts`: the ordinal
    losses' cut points, `objectives.marginal_cutpoints` of the training levels)."""
    from lossadvisor.evidence import objectives as obj

    build = proxy_for(loss).build
    if build is None:
        raise InputError(f"{loss} trains with LightGBM's native objective, not a custom one.")
    return build(obj, params, n_classes, cuts)


def init_score(
    start: str, link: str, y: NDArray[Any], n_classes: int, weight: NDArray[Any] | None = None
) -> NDArray[np.float64]:
    """The constant start of a custom objective: median or mean, log mean, logit, log prior
    (weighted by the row weights of the class-weighted losses)."""
    import numpy as np

    n = len(y)
    w = np.ones(n) if weight is None else weight
    if link == "ordinal":  # the cut points carry the prior: the latent score starts at 0
        return np.zeros(n)
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


@dataclass(frozen=True)
class FoldData:
    """One training set, binned once and shared by its losses: the rows the boosters fit and
    the rows held out to choose their rounds (`stop`: None when too few to hold out)."""

    train: Any  # lightgbm.Dataset of the fitted rows
    fit_rows: NDArray[np.intp] | None  # indices into the training set (None: every row)
    stop: Any = None  # lightgbm.Dataset of the held-out rows (binned like `train`)
    stop_rows: NDArray[np.intp] | None = None
    x: Any = None  # the training features (to bin a copy for another score width)
    params: Mapping[str, Any] = field(default_factory=dict)
    by_width: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    sampled_from: int = 0  # the fitted rows before the row sample (0: not sampled)

    def datasets(self, width: int) -> tuple[Any, Any]:
        """(train, stop) Datasets for raw scores `width` wide (K softmax scores, or 1).

        LightGBM aborts when one Dataset gets init scores of another width than it had (its
        boosters keep the old buffer), so a fold that mixes softmax CE with a one-score loss
        (an ordinal one) bins a second copy, identically; the first width uses the original.
        """
        if not self.by_width:
            self.by_width[width] = (self.train, self.stop)
        if width not in self.by_width:
            self.by_width[width] = _bin(self.x, self.fit_rows, self.stop_rows, self.params)
        return self.by_width[width]


def inner_split(
    n: int, stratify: NDArray[Any] | None, settings: ProxySettings
) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """(fitted rows, held-out rows) of a training set, or None when early stopping is off or
    fewer than MIN_STOP_ROWS rows would be held out.

    Each row gets a seeded uniform key; the held-out rows are the smallest keys, per class when
    `stratify` is given (each class with 2 or more rows keeps at least one held out). The split
    does not depend on how the classes are coded (a flipped positive class splits the same).
    """
    import numpy as np

    if not settings.early_stopping or round(settings.validation_fraction * n) < MIN_STOP_ROWS:
        return None
    key = np.random.default_rng(settings.seed).random(n)
    groups = (
        [np.arange(n)]
        if stratify is None
        else [np.flatnonzero(stratify == c) for c in np.unique(stratify)]
    )
    held: list[NDArray[np.intp]] = []
    for rows in groups:
        take = round(settings.validation_fraction * len(rows))
        take = max(take, 1) if len(rows) >= 2 else 0
        held.append(rows[np.argsort(key[rows], kind="stable")[:take]])
    stop = np.sort(np.concatenate(held))
    mask = np.ones(n, dtype=bool)
    mask[stop] = False
    return np.flatnonzero(mask), stop


def sample_strata(y: NDArray[Any] | None, classes: bool) -> NDArray[Any] | None:
    """What the row sample is stratified on: the class codes, or for a multilabel target each
    row's rarest positive label (−1: none); None for numeric targets (a plain uniform sample)."""
    import numpy as np

    if y is None or not classes:
        return None
    if y.ndim == 1:
        return y
    positives = y.sum(axis=0)
    order = np.argsort(positives, kind="stable")  # rarest label first
    ranked = y[:, order].astype(bool)
    first = np.where(ranked.any(axis=1), ranked.argmax(axis=1), -1)
    return np.where(first >= 0, order[np.maximum(first, 0)], -1)


def _rarest(y: NDArray[Any]) -> int:
    """The smallest class count (multilabel: of every non-constant label's positives and
    negatives): what the row sample's rate must leave `min_class_rows` of."""
    import numpy as np

    if y.ndim == 1:
        return int(np.unique(y, return_counts=True)[1].min())
    positives = y.sum(axis=0)
    counts = np.concatenate([positives, len(y) - positives])
    counts = counts[(counts > 0) & (np.tile(positives, 2) % len(y) > 0)]
    return int(counts.min()) if len(counts) else len(y)


def fit_sample(
    n: int, y_fit: NDArray[Any] | None, classes: bool, settings: ProxySettings
) -> NDArray[np.intp] | None:
    """The seeded row sample of `n` fitted rows (sorted positions among them), or None when
    they are all kept (`n ≤ sample_rows`, or the rarest class would keep fewer than
    `min_class_rows` rows). See `ProxySettings` ("Row sample").

    One rate r = sample_rows / n for every stratum (class; multilabel: the row's rarest label);
    each stratum keeps round(r × its rows), the ones with the smallest keys of a seeded uniform
    stream independent of `inner_split`'s.
    """
    import numpy as np

    cap = settings.sample_rows
    if not cap or n <= cap:
        return None
    rate = cap / n
    strata = sample_strata(y_fit, classes)
    if strata is not None and y_fit is not None and _rarest(y_fit) * rate < settings.min_class_rows:
        return None  # a rare-event table: its rare class is what it can learn from
    key = np.random.default_rng([settings.seed, SAMPLE_STREAM]).random(n)
    groups = (
        [np.arange(n)]
        if strata is None
        else [np.flatnonzero(strata == c) for c in np.unique(strata)]
    )
    kept = [
        rows[np.argsort(key[rows], kind="stable")[: round(rate * len(rows))]] for rows in groups
    ]
    return np.sort(np.concatenate(kept))


def fit_rows_of(
    n: int, y_train: NDArray[Any] | None, classes: bool, settings: ProxySettings
) -> tuple[NDArray[np.intp] | None, NDArray[np.intp] | None, int]:
    """(fitted rows, held-out rows, fitted rows before the sample or 0) of a training set of
    `n` rows: `inner_split`, then `fit_sample` of the fitted rows (indices into the training
    set; None: every row / none held out)."""
    import numpy as np

    stratify = y_train if classes and y_train is not None and y_train.ndim == 1 else None
    split = None if y_train is None else inner_split(n, stratify, settings)
    fit, stop = (None, None) if split is None else split
    rows = np.arange(n) if fit is None else fit
    sample = fit_sample(len(rows), None if y_train is None else y_train[rows], classes, settings)
    if sample is None:
        return fit, stop, 0
    return rows[sample], stop, len(rows)


def train_dataset(
    x_train: NDArray[np.float64],
    settings: ProxySettings,
    y_train: NDArray[Any] | None = None,
    classes: bool = False,
) -> FoldData:
    """The binned LightGBM training set of one fold (and its held-out rows for early stopping),
    built once and shared by its losses. `classes`: stratify the held-out rows on `y_train`
    (and the row sample of a large training set: `fit_rows_of`)."""
    import numpy as np

    params = {k: v for k, v in lgbm_params(settings).items() if k != "learning_rate"}
    x_train = np.asarray(x_train, dtype=float)
    fit, stop, before = fit_rows_of(len(x_train), y_train, classes, settings)
    data, held = _bin(x_train, fit, stop, params)
    return FoldData(data, fit, held, stop, x_train, params, sampled_from=before)


def _bin(
    x: NDArray[np.float64],
    fit: NDArray[np.intp] | None,
    stop: NDArray[np.intp] | None,
    params: Mapping[str, Any],
) -> tuple[Any, Any]:
    """The constructed (fitted rows, held-out rows) Datasets; the held-out ones binned by the
    fitted rows' bins (None without held-out rows)."""
    import lightgbm

    rows = x if fit is None else x[fit]
    data = lightgbm.Dataset(rows, params=dict(params), free_raw_data=False).construct()
    if stop is None:
        return data, None
    held = lightgbm.Dataset(x[stop], reference=data, params=dict(params), free_raw_data=False)
    return data, held.construct()


def _link_prediction(
    loss: str, link: str, raw: NDArray[np.float64], cuts: Any = None
) -> NDArray[np.float64]:
    """Predictions from raw scores (offset included): what the metrics score."""
    import numpy as np

    if link == "ordinal":
        from lossadvisor.evidence.objectives import level_probabilities

        return level_probabilities(cuts, raw)
    if link == "identity":
        return raw
    if link == "exp":
        return np.exp(raw)
    if link == "sigmoid":
        p = np.exp(-np.logaddexp(0.0, -raw))
        return p if loss == "soft_bce" else np.column_stack([1.0 - p, p])
    raw = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(raw)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class FittedProxy:
    """A trained proxy: the booster and what turns its raw scores into predictions."""

    loss: str
    booster: Any
    offset: Any = None  # the init_score row added back to raw scores (None: native objective)
    link: str = "identity"
    rounds: int = 0  # the rounds kept (early stopping's best round, or every round trained)
    cuts: Any = None  # ordinal losses: the fixed cut points θ
    # prediction threads: the fit's (LightGBM's predict uses every core unless told, which
    # oversubscribes the cores when folds already run in parallel: 0.07 s wall but 0.14 CPU s
    # per predict of 20,000 × 20 on two busy cores)
    threads: int = 1

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Point predictions (soft_bce: probabilities); for classes, (n, K) probabilities."""
        import numpy as np

        kept = self.rounds or None
        if self.offset is None:
            out = self.booster.predict(x, num_iteration=kept, num_threads=self.threads)
            return np.asarray(out, dtype=float)
        raw = np.asarray(
            self.booster.predict(x, raw_score=True, num_iteration=kept, num_threads=self.threads),
            dtype=float,
        )
        return _link_prediction(self.loss, self.link, raw + self.offset, self.cuts)

    def predict_binned(self, rows: Any) -> NDArray[np.float64]:
        """`predict` for rows binned on the fit's training bins (`bin_rows`): the same numbers
        in about half the time (`profile.booster.scores_on_bins`; 3 predicts of a 20,000-row
        test fold were a fifth of a large fold's evidence time). Rolls the booster back to the
        kept rounds."""
        from lossadvisor.profile.booster import scores_on_bins

        scored = scores_on_bins(self.booster, rows, self.rounds)
        if self.offset is None:  # a native objective: its output, as `predict` gives it
            return scored
        return _link_prediction(self.loss, self.link, scored + self.offset, self.cuts)


def bin_rows(data: FoldData, x: NDArray[np.float64]) -> Any:
    """Rows (a fold's test rows) binned on the fold's training bins, once for all its losses
    (`FittedProxy.predict_binned`)."""
    import lightgbm
    import numpy as np

    rows = np.asarray(x, dtype=float)
    return lightgbm.Dataset(rows, reference=data.train, params=dict(data.params)).construct()


def stop_metric_for(loss: str, settings: ProxySettings, y: NDArray[Any]) -> str:
    """The metric early stopping scores: the run's, or the target's default (`mx`)."""
    from lossadvisor.evidence import metrics as mx

    if settings.stop_metric is not None:
        return settings.stop_metric.removeprefix("micro_")  # per-label fits of a multilabel run
    proxy = proxy_for(loss)
    if proxy.kind != "regression":
        return "log_loss"
    return mx.default_metric("proportion" if loss == "soft_bce" else "regression", y)[0]


def _train(
    config: dict[str, Any],
    train: Any,
    stop: Any,
    settings: ProxySettings,
    score: Any,
) -> tuple[Any, int]:
    """Boost on `train`; with held-out rows (`stop`), stop on them (`score(raw) -> (value,
    higher)`) and keep the best round. Returns (booster, rounds kept)."""
    import lightgbm

    if callable(config.get("objective")) and not splittable(train):
        # No feature has two bins on these rows (a constant column, or a few-row fold where it
        # is constant): no tree could split, and LightGBM aborts a custom objective there
        # ("num_features() > 0"). The fit is its start, the loss's best constant (init score).
        return lightgbm.Booster(params={**config, "objective": "none"}, train_set=train), 0
    if stop is None:
        rounds = settings.n_iter if not settings.early_stopping else settings.fixed_rounds
        # keep_training_booster: skips a model-to-text round trip per fit (a third of small fits)
        booster = lightgbm.train(config, train, num_boost_round=rounds, keep_training_booster=True)
        return booster, rounds

    def feval(preds: Any, _: Any) -> tuple[str, float, bool]:
        value, higher = score(preds)
        return "stop", value, higher

    booster = lightgbm.train(
        config,
        train,
        num_boost_round=settings.n_iter,
        valid_sets=[stop],
        valid_names=["held_out"],
        feval=feval,
        callbacks=[lightgbm.early_stopping(settings.patience, verbose=False)],
        keep_training_booster=True,
    )
    return booster, int(booster.best_iteration or booster.current_iteration())


def splittable(train: Any) -> bool:
    """Some feature of the constructed Dataset `train` has two or more bins (LightGBM gives a
    feature that is constant on its rows no bins at all)."""
    return any(train.feature_num_bin(i) > 1 for i in range(train.num_feature()))


def fit_proxy(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64] | FoldData,
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
    the weights the weighted losses derive from `y_train` (`class_weights`).
    `sample_weight`: per-row weights (an exposure's rate weights), multiplied into gradients
    and curvatures. The rounds follow `settings` (early stopping on held-out rows: the class).
    """
    import numpy as np

    from lossadvisor.evidence import metrics as mx

    proxy = proxy_for(loss)
    if loss not in PROXIES:  # an MLP-only loss (NEURAL_ONLY)
        raise InputError(f"{loss} has no tree proxy: validate it with --proxy mlp.")
    if isinstance(x_train, FoldData):
        data = x_train
    else:
        data = train_dataset(x_train, settings, y_train, proxy.kind != "regression")
    y_all = y_train
    if data.fit_rows is not None:
        y_train = y_all[data.fit_rows]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)[data.fit_rows]
    settings = settings.scaled(len(y_train), data.sampled_from > 0)  # the row-round budget
    # the held-out rows' targets (empty without early stopping: the scorers are then unused)
    y_stop = y_all[:0] if data.stop_rows is None else y_all[data.stop_rows]
    metric = stop_metric_for(loss, settings, y_all)
    higher = mx.higher_is_better(metric)
    k = n_classes if proxy.kind != "regression" else 0
    config = lgbm_params(settings)
    if proxy.native == "quantile":
        tau = 0.5 if loss == "mae" else float(params["tau"] or 0.5)
        train, stop = data.datasets(1)
        train.set_init_score(None)
        train.set_label(y_train.astype(float))
        if sample_weight is not None:
            train.set_weight(np.asarray(sample_weight, dtype=float))
        if stop is not None:
            stop.set_init_score(None)
            stop.set_label(y_stop.astype(float))

        def native_score(preds: Any) -> tuple[float, bool]:
            return mx.stop_score(metric, y_stop, np.asarray(preds, dtype=float), 0), higher

        config.update(objective="quantile", alpha=tau, metric="None", boost_from_average=True)
        booster, rounds = _train(config, train, stop, settings, native_score)
        return FittedProxy(loss, booster, rounds=rounds, threads=settings.threads)
    cuts = None
    if proxy.kind == "ordinal":
        from lossadvisor.evidence.objectives import Cutpoints

        cuts = Cutpoints(y_train, n_classes, loss)
    objective = objective_for(loss, params, n_classes, cuts)
    if weights is None:  # from the whole training set's counts, held-out rows included
        weights = class_weights(loss, params, y_all, n_classes)
    row_weight = None if weights is None else np.array([weights[int(c)] for c in y_train])
    if sample_weight is not None:
        given = np.asarray(sample_weight, dtype=float)
        row_weight = given if row_weight is None else row_weight * given
    init = init_score(objective.start, objective.link, y_train, n_classes, row_weight)
    offset = init[0] if init.ndim == 1 else init[:1, :]
    from lossadvisor.evidence.objectives import lightgbm_objective

    fobj = lightgbm_objective(objective, row_weight)
    train, stop = data.datasets(1 if init.ndim == 1 else init.shape[1])
    train.set_label(y_train.astype(float))
    train.set_init_score(init)
    if stop is not None:
        # the held-out rows start from the same constant: their raw scores include it
        stop.set_label(y_stop.astype(float))
        rows = len(y_stop)
        held = np.tile(offset, (rows, 1)) if init.ndim == 2 else np.full(rows, float(offset))
        stop.set_init_score(held)

    def custom_score(preds: Any) -> tuple[float, bool]:
        raw = np.asarray(preds, dtype=float)
        if objective.link == "softmax":
            raw = raw.reshape(len(y_stop), n_classes)
        pred = _link_prediction(loss, objective.link, raw, None if cuts is None else cuts.theta)
        return mx.stop_score(metric, y_stop, pred, k), higher

    config.update(objective=lambda raw, d: fobj(d.get_label(), raw), metric="None")
    if objective.link == "softmax":
        config["num_class"] = n_classes
    booster, rounds = _train(config, train, stop, settings, custom_score)
    kept = None if cuts is None else cuts.at(rounds)
    return FittedProxy(loss, booster, offset, objective.link, rounds, kept, settings.threads)


def fit_predict(
    loss: str,
    params: Mapping[str, float | None],
    x_train: NDArray[np.float64] | FoldData,
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
