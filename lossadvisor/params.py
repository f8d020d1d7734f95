"""Data-driven loss hyperparameters: the named derivations of docs/rule-language.md.

A rule asks for one with `params: {huber: {delta: {derive: huber_delta_mad}}}`. Each derivation
is a pure function of the measured facts (and class counts) that returns the value together
with a derivation text showing formula, inputs and the principle behind it, e.g.
"δ = 1.345 × mad_sigma = 1.345 × 2.10 = 2.82 (Huber's 95 % Gaussian efficiency)".
When its input was not measured it returns `Missing`, whose text says which default is kept
and why. Pure Python only (no numpy): `recommend --task X` must not import numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from pydantic import Field

from lossadvisor.facts import FactValue
from lossadvisor.models import Frozen, ParamAdvice

# Huber (1964): δ = 1.345 σ gives 95 % asymptotic efficiency at the Gaussian.
HUBER_EFFICIENCY_K = 1.345
# Laina et al. (2016) set BerHu's c to 0.2 × the largest absolute residual of the batch.
BERHU_FRACTION = 0.2
# Cui et al. (2019) used β = 0.999 on ImageNet and 0.9999 on long-tailed CIFAR.
EFFECTIVE_NUMBER_BETA = 0.999
# Salehi et al. (2017): α = 0.3 (false positives), β = 0.7 (false negatives) for small lesions.
TVERSKY_RARE = (0.3, 0.7)
TVERSKY_RARE_AT = 0.01  # foreground ratio at (and below) which the lesion setting applies
# Labels read as "the positive class" of a binary target, lower-cased.
POSITIVE_LABELS = ("1", "1.0", "true", "yes", "y", "pos", "positive")


class Derived(Frozen):
    """A derived value and how it was obtained (formula with the inputs substituted)."""

    value: Any
    derivation: str


class Missing(Frozen):
    """The derivation's input is absent: the current value stays, `derivation` says why."""

    derivation: str


class DerivationInputs(Frozen):
    """What a derivation may read: the facts, the class counts, and the parameter it sets."""

    facts: dict[str, FactValue] = Field(default_factory=dict)
    class_counts: dict[str, int] | None = None
    param: str = ""
    current: Any = None  # the value before this derivation (catalog default or earlier rule)
    siblings: dict[str, Any] = Field(default_factory=dict)  # the loss's other current params
    # segmentation: pixels of the masks each class appears in (median-frequency balancing)
    class_image_pixels: dict[str, int] | None = None


Derivation = Callable[[DerivationInputs], Derived | Missing]


class ParamSpecLike(Protocol):
    """The parts of rules.schema.ParamSpec that defaults and range checks need."""

    @property
    def default(self) -> Any: ...
    @property
    def min(self) -> float | None: ...
    @property
    def max(self) -> float | None: ...
    @property
    def exclusive_min(self) -> bool: ...
    @property
    def exclusive_max(self) -> bool: ...
    @property
    def meaning(self) -> str: ...


def num(x: float) -> float:
    """Round to 6 significant digits: stable, readable JSON without losing useful precision."""
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.6g}")


def show(x: float) -> str:
    """A number as printed inside a derivation text (3 significant digits, no exponent noise)."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _number(facts: Mapping[str, FactValue], name: str) -> float | None:
    value = facts.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _why_absent(inputs: DerivationInputs, what: str) -> str:
    if "target_type" not in inputs.facts:
        return "no data"
    return f"the profile has no {what}"


# --- robust scale ----------------------------------------------------------------------------


# Which scale the threshold is set from, and what the derivation says about it. The residual
# scale is the one Huber's constant refers to (y | x, not y); the marginal one is the fallback.
_SCALES = (
    ("resid_mad_sigma", "the scale of the cross-fitted baseline's out-of-fold residuals"),
    (
        "mad_sigma",
        "the scale of the target's marginal distribution — no feature columns, so no residuals",
    ),
)


def _robust_scale(inputs: DerivationInputs, symbol: str, loss: str) -> Derived | Missing:
    for fact, what in _SCALES:
        sigma = _number(inputs.facts, fact)
        if sigma is not None and sigma > 0:
            value = HUBER_EFFICIENCY_K * sigma
            return Derived(
                value=num(value),
                derivation=f"{symbol} = {HUBER_EFFICIENCY_K} × {fact} = {HUBER_EFFICIENCY_K} × "
                f"{show(sigma)} = {show(value)} (Huber's 95 % Gaussian efficiency{loss}; {what})",
            )
    sigma = _number(inputs.facts, "mad_sigma")
    why = (
        "mad_sigma is 0 (over half the targets share one value)"
        if sigma == 0
        else _why_absent(inputs, "mad_sigma")
    )
    return Missing(
        derivation=f"{why}: default {symbol} = {inputs.current} in target units — "
        f"scale it to your residuals"
    )


def huber_delta_mad(inputs: DerivationInputs) -> Derived | Missing:
    """Huber δ = 1.345 × mad_sigma: 95 % efficiency at the Gaussian, robust beyond."""
    return _robust_scale(inputs, "δ", "")


def smooth_l1_beta_mad(inputs: DerivationInputs) -> Derived | Missing:
    """Smooth L1 β = 1.345 × mad_sigma (Smooth L1 with β is Huber with δ = β, divided by β)."""
    return _robust_scale(inputs, "β", "; Smooth L1(β) = Huber(δ = β) / β")


def berhu_c_mad(inputs: DerivationInputs) -> Derived | Missing:
    """BerHu c = 0.2 × the largest |y − median| (Laina et al.'s rule on a median predictor)."""
    f = inputs.facts
    lo, hi, med = _number(f, "min"), _number(f, "max"), _number(f, "median")
    if lo is None or hi is None or med is None:
        why = _why_absent(inputs, "min/max/median")
        return Missing(
            derivation=f"{why}: default c = {inputs.current} in target units — Laina et al. "
            f"recompute c = 0.2 × max |residual| on every batch"
        )
    spread = max(hi - med, med - lo)
    if spread <= 0:
        return Missing(derivation=f"the target is constant: default c = {inputs.current}")
    value = BERHU_FRACTION * spread
    return Derived(
        value=num(value),
        derivation=f"c = {BERHU_FRACTION} × max|y − median| = {BERHU_FRACTION} × {show(spread)} = "
        f"{show(value)} (Laina et al. 2016 use 0.2 × the batch's largest residual; recompute "
        f"it per batch once training starts)",
    )


# --- class prior -----------------------------------------------------------------------------


def positive_class(counts: Mapping[str, int]) -> tuple[str, str]:
    """(positive, negative) label of a two-class count table, and nothing else."""
    labels = sorted(counts)
    named = [label for label in labels if label.strip().lower() in POSITIVE_LABELS]
    if len(named) == 1:
        positive = named[0]
    else:  # no recognisable positive label: the minority class is the one to up-weight
        positive = min(labels, key=lambda label: (counts[label], label))
    negative = next(label for label in labels if label != positive)
    return positive, negative


def _two_classes(inputs: DerivationInputs) -> tuple[str, int, str, int] | str:
    counts = inputs.class_counts
    if not counts:
        return _why_absent(inputs, "class counts")
    if len(counts) != 2:
        return f"the target has {len(counts)} classes, not 2"
    positive, negative = positive_class(counts)
    if counts[positive] <= 0:
        return f"class '{positive}' has no rows"
    return positive, counts[positive], negative, counts[negative]


def pos_weight_ratio(inputs: DerivationInputs) -> Derived | Missing:
    """BCE pos_weight = n_negative / n_positive (torch's own guidance in BCEWithLogitsLoss)."""
    got = _two_classes(inputs)
    if isinstance(got, str):
        return Missing(
            derivation=f"{got}: default pos_weight = {inputs.current} (set it to "
            f"n_negative / n_positive of your training labels)"
        )
    pos, n_pos, neg, n_neg = got
    value = n_neg / n_pos
    return Derived(
        value=num(value),
        derivation=f"pos_weight = n_negative / n_positive = {n_neg} / {n_pos} = {show(value)} "
        f"(positive class '{pos}', negative '{neg}')",
    )


def focal_alpha_prior(inputs: DerivationInputs) -> Derived | Missing:
    """Focal α = n_negative / n: weight of the positive class = 1 − its prior."""
    got = _two_classes(inputs)
    if isinstance(got, str):
        return Missing(
            derivation=f"{got}: default α = {inputs.current} (RetinaNet's value with γ = 2)"
        )
    pos, n_pos, _neg, n_neg = got
    value = n_neg / (n_pos + n_neg)
    return Derived(
        value=num(value),
        derivation=f"α = n_negative / n = {n_neg} / {n_pos + n_neg} = {show(value)} (1 − prior of "
        f"positive class '{pos}'; with γ = 2 RetinaNet found α = 0.25 best on detection, so "
        f"tune α downward if easy negatives are already down-weighted enough)",
    )


def _class_table(inputs: DerivationInputs, what: str) -> dict[str, int] | Missing:
    counts = inputs.class_counts
    if not counts:
        why = _why_absent(inputs, "class counts")
        return Missing(derivation=f"{why}: default {what} = {inputs.current} (all classes equal)")
    if any(n <= 0 for n in counts.values()):
        empty = sorted(label for label, n in counts.items() if n <= 0)
        return Missing(derivation=f"class '{empty[0]}' has no rows: default {what} kept")
    return dict(sorted(counts.items()))


Label = TypeVar("Label")


def inverse_frequency_weights(counts: Mapping[Label, float]) -> dict[Label, float]:
    """w_c = n / (K · n_c): scikit-learn's "balanced" weights (shared with the evidence proxies)."""
    n, k = sum(counts.values()), len(counts)
    return {label: n / (k * count) for label, count in counts.items()}


def effective_number_weights(counts: Mapping[Label, float], beta: float) -> dict[Label, float]:
    """w_c ∝ (1 − β) / (1 − β^n_c), normalised to sum to K (Cui et al. 2019)."""
    raw = {label: (1 - beta) / (1 - beta**count) for label, count in counts.items()}
    scale = len(counts) / sum(raw.values())
    return {label: w * scale for label, w in raw.items()}


def class_weights_inverse(inputs: DerivationInputs) -> Derived | Missing:
    """w_c = n / (K · n_c): scikit-learn's "balanced" inverse-frequency weights."""
    counts = _class_table(inputs, inputs.param or "weight")
    if isinstance(counts, Missing):
        return counts
    n, k = sum(counts.values()), len(counts)
    weights = {label: num(w) for label, w in inverse_frequency_weights(counts).items()}
    rarest = min(counts, key=lambda label: (counts[label], label))
    return Derived(
        value=weights,
        derivation=f"w_c = n / (K · n_c) with n = {n}, K = {k}; e.g. rarest class '{rarest}': "
        f"{n} / ({k} × {counts[rarest]}) = {show(weights[rarest])} (scikit-learn 'balanced')",
    )


def class_weights_effective(inputs: DerivationInputs) -> Derived | Missing:
    """w_c ∝ (1 − β) / (1 − β^n_c), normalised to sum to K (Cui et al. 2019).

    β is the loss's own `beta` parameter when it has one, else 0.999.
    """
    counts = _class_table(inputs, inputs.param or "weight")
    if isinstance(counts, Missing):
        return counts
    own = inputs.siblings.get("beta")
    beta = EFFECTIVE_NUMBER_BETA
    if isinstance(own, float | int) and not isinstance(own, bool) and 0 < own < 1:
        beta = float(own)
    k = len(counts)
    weights = {label: num(w) for label, w in effective_number_weights(counts, beta).items()}
    rarest = min(counts, key=lambda label: (counts[label], label))
    return Derived(
        value=weights,
        derivation=f"w_c = (1 − β) / (1 − β^n_c) with β = {beta}, normalised to sum to K = {k}; "
        f"e.g. rarest class '{rarest}' (n_c = {counts[rarest]}): {show(weights[rarest])} "
        f"(Cui et al. 2019, effective number of samples)",
    )


# --- distribution shape ----------------------------------------------------------------------


def tweedie_power_shape(inputs: DerivationInputs) -> Derived | Missing:
    """Variance power p: the measured mean–variance slope of the baseline's residuals when it
    exists, else from the zero share and dispersion (compound Poisson–Gamma moments).

    For 1 < p < 2 the Tweedie law has P(Y = 0) = exp(−λ) with λ = μ^(2−p) / (φ(2 − p)), and
    Var = φ·μ^p, so λ = μ² / (Var·(2 − p)). With Var = dispersion × μ and λ = −ln zero_ratio,
    p = 2 − μ / (dispersion · (−ln zero_ratio)). Poisson counts (dispersion 1, zeros e^−μ) give 1.
    """
    f = inputs.facts
    power = _number(f, "variance_power")
    if power is not None:
        value = min(max(power, 1.01), 1.99)
        clamp = "" if value == power else f", clamped from {show(power)} into [1.01, 1.99]"
        return Derived(
            value=num(value),
            derivation=f"p = variance_power = {show(value)}{clamp} (slope of log Var(y | fit) on "
            f"log mean(y | fit) over bins of the cross-fitted baseline, 95 % interval "
            f"{show(_number(f, 'variance_power_low') or 0)}–"
            f"{show(_number(f, 'variance_power_high') or 0)}; Park 1966, Var = φ·μ^p)",
        )
    mean, disp, zeros = _number(f, "mean"), _number(f, "dispersion_index"), _number(f, "zero_ratio")
    std = _number(f, "std")
    if disp is None and std is not None and mean:
        disp = std * std / mean
    if mean is None or disp is None or zeros is None:
        why = _why_absent(inputs, "mean, dispersion_index and zero_ratio")
        return Missing(
            derivation=f"{why}: default p = {inputs.current} (LightGBM's default; 1 < p < 2 "
            f"models a point mass at zero plus a positive skewed part)"
        )
    if mean <= 0 or disp <= 0 or zeros >= 1:
        return Missing(
            derivation=f"mean {show(mean)}, zero_ratio {show(zeros)}: no Tweedie shape to fit; "
            f"default p = {inputs.current}"
        )
    if zeros == 0:
        return Derived(
            value=2.0,
            derivation="p = 2 (Gamma): no zeros, so no compound-Poisson point mass at 0 "
            "(1 < p < 2 would predict zeros that never occur)",
        )
    lam = -math.log(zeros)
    raw = 2 - mean / (disp * lam)
    value = min(max(raw, 1.01), 1.99)
    clamp = "" if value == raw else f", clamped from {show(raw)} into [1.01, 1.99]"
    return Derived(
        value=num(value),
        derivation=f"p = 2 − mean / (dispersion_index × (−ln zero_ratio)) = 2 − {show(mean)} / "
        f"({show(disp)} × {show(lam)}) = {show(value)}{clamp} (compound Poisson–Gamma "
        f"moments: P(0) = e^−λ, λ = mean² / (Var·(2 − p)))",
    )


def quantile_from_metric(inputs: DerivationInputs) -> Derived | Missing:
    """Pinball τ = the level of --metric quantile:TAU (the loss then estimates that quantile)."""
    tau = _number(inputs.facts, "metric_quantile")
    if tau is None:
        return Missing(
            derivation=f"no --metric quantile:TAU: default τ = {inputs.current} "
            f"(τ = 0.5 estimates the median)"
        )
    return Derived(
        value=num(tau),
        derivation=f"τ = {show(tau)} from --metric quantile:{show(tau)} (pinball loss at τ is "
        f"minimised by the τ-quantile, Koenker & Bassett 1978)",
    )


def tversky_from_foreground(inputs: DerivationInputs) -> Derived | Missing:
    """Tversky α (false positives) and β (false negatives) from the foreground ratio.

    No paper gives a formula; this interpolates, in log foreground ratio, between Dice
    (α = β = 0.5 at a balanced 50 % foreground) and Salehi et al.'s lesion setting
    (α = 0.3, β = 0.7 at ≤ 1 % foreground).
    """
    fg = _number(inputs.facts, "foreground_ratio")
    if fg is None:
        return Missing(
            derivation=f"no --foreground-ratio: default {inputs.param} = {inputs.current} "
            f"(α = 0.3, β = 0.7 is Salehi et al.'s setting for small foregrounds)"
        )
    rare_alpha, rare_beta = TVERSKY_RARE
    # share of the way from balanced (0) to the rare-lesion setting (1)
    share = math.log(0.5 / max(fg, 1e-12)) / math.log(0.5 / TVERSKY_RARE_AT)
    share = min(max(share, 0.0), 1.0)
    alpha = 0.5 - (0.5 - rare_alpha) * share
    beta = 0.5 + (rare_beta - 0.5) * share
    wants_fn = "beta" in inputs.param.lower() or "fn" in inputs.param.lower()
    value, symbol = (beta, "β") if wants_fn else (alpha, "α")
    return Derived(
        value=num(value),
        derivation=f"{symbol} = {show(value)} from foreground_ratio = {show(fg)}: "
        f"α = {show(alpha)} (false positives), β = {show(beta)} (false negatives), "
        f"interpolated in log ratio between Dice (0.5/0.5 at 50 %) and Salehi et al. 2017 "
        f"(0.3/0.7 at ≤ 1 %)",
    )


def nb_alpha_moments(inputs: DerivationInputs) -> Derived | Missing:
    """Negative-binomial α: the conditional maximum-likelihood α when the baseline measured it,
    else by the method of moments on the marginal: Var = μ + αμ², so α = (D − 1) / μ.

    D is the dispersion index Var/μ. D ≤ 1 leaves no extra-Poisson spread to model (α → 0 is
    Poisson), so the derivation then keeps the current value and says why.
    """
    f = inputs.facts
    conditional = _number(f, "nb_alpha")
    if conditional is not None and conditional > 0:
        return Derived(
            value=num(conditional),
            derivation=f"α = {show(conditional)} by maximum likelihood given the cross-fitted "
            f"baseline's means (conditional dispersion "
            f"{show(_number(f, 'conditional_dispersion') or 0)}; heterogeneity the features "
            f"explain is not counted; Cameron & Trivedi 2013, ch. 3)",
        )
    mean, disp = _number(f, "mean"), _number(f, "dispersion_index")
    if mean is None or disp is None:
        why = _why_absent(inputs, "mean and dispersion_index")
        return Missing(derivation=f"{why}: default α = {inputs.current}")
    if mean <= 0 or disp <= 1:
        return Missing(
            derivation=f"dispersion_index = {show(disp)} ≤ 1 (or mean ≤ 0): no overdispersion to "
            f"model, default α = {inputs.current} (α → 0 recovers Poisson)"
        )
    value = (disp - 1) / mean
    return Derived(
        value=num(value),
        derivation=f"α = (dispersion_index − 1) / mean = ({show(disp)} − 1) / {show(mean)} = "
        f"{show(value)} (method of moments: Var = μ + αμ²; Cameron & Trivedi 2013, ch. 3)",
    )


# --- vision: class order, median frequency, priority -----------------------------------------


def _class_order(counts: Mapping[str, int]) -> list[str]:
    """The user's class order: integer labels by value (mask label ids), else as given
    (COCO categories by id, the YOLO names file), never alphabetical ('10' after '9')."""
    labels = list(counts)
    if all(label.lstrip("-").isdigit() for label in labels):
        return sorted(labels, key=int)
    return labels


def _indexed(weights: Mapping[str, float], order: list[str]) -> tuple[dict[str, float], str]:
    """{label: weight} for every class a framework indexes: mask label ids 0..max (ids that
    never occur get 1.0, so the weight vector stays indexed by id), else the given classes;
    and a note saying so. Exports order the labels naturally (ids by value) or by
    `export --class-order`, and print the index they used."""
    if all(label.lstrip("-").isdigit() for label in order):
        ids = [int(label) for label in order]
        if min(ids) >= 0:
            values = {str(i): num(weights.get(str(i), 1.0)) for i in range(max(ids) + 1)}
            gaps = [i for i in range(max(ids) + 1) if str(i) not in weights]
            note = f"one per class id 0..{max(ids)}"
            if gaps:
                note += f"; ids {', '.join(map(str, gaps[:6]))} never occur and get 1.0"
            return values, note
    absent = [label for label in order if label not in weights]
    note = "classes " + ", ".join(order[:6]) + (", …" if len(order) > 6 else "")
    if absent:
        note += f"; {', '.join(absent[:6])} never occur and get 1.0"
    note += " (export --class-order sets the index order your model uses)"
    return {label: num(weights.get(label, 1.0)) for label in order}, note


def class_weights_median_frequency(inputs: DerivationInputs) -> Derived | Missing:
    """w_c = median_c(f_c) / f_c, f_c = pixels of c / pixels of the masks containing c.

    Eigen & Fergus (2015) §4.3 and SegNet (Badrinarayanan et al. 2017); the weights come out
    one per label id 0..K−1 (ids that never occur get 1.0), so the exported weight vector is
    indexed by label id as CrossEntropyLoss's `weight` must be.
    """
    counts, totals = inputs.class_counts, inputs.class_image_pixels
    if not counts or not totals:
        why = _why_absent(inputs, "per-class pixel counts (profile a mask folder)")
        return Missing(derivation=f"{why}: default {inputs.param} = {inputs.current}")
    order = _class_order(counts)
    freq = {c: counts[c] / totals[c] for c in order if counts[c] > 0 and totals.get(c, 0) > 0}
    if len(freq) < 2:
        return Missing(derivation=f"fewer than two classes with pixels: {inputs.param} kept")
    ranked = sorted(freq.values())
    mid = len(ranked) // 2
    median = ranked[mid] if len(ranked) % 2 else (ranked[mid - 1] + ranked[mid]) / 2
    weights = {c: median / f for c, f in freq.items()}
    values, note = _indexed(weights, order)
    rarest = min(freq, key=lambda c: (freq[c], c))
    return Derived(
        value=values,
        derivation=f"w_c = median frequency / f_c, f_c = pixels of c / pixels of the masks "
        f"containing c (median {show(median)}); rarest class '{rarest}': f = "
        f"{show(freq[rarest])}, w = {show(weights[rarest])}; {note} (Eigen & Fergus 2015, "
        f"median frequency balancing; SegNet)",
    )


def class_weights_effective_ordered(inputs: DerivationInputs) -> Derived | Missing:
    """Cui et al.'s effective-number weights for every class, in the user's class order.

    The same formula as class_weights_effective, for sets whose class order matters to the
    framework (detection categories, mask label ids); classes with no instance get 1.0.
    """
    counts = inputs.class_counts
    if not counts:
        why = _why_absent(inputs, "class counts")
        return Missing(derivation=f"{why}: default {inputs.param} = {inputs.current}")
    own = inputs.siblings.get("beta")
    beta = EFFECTIVE_NUMBER_BETA
    if isinstance(own, float | int) and not isinstance(own, bool) and 0 < own < 1:
        beta = float(own)
    order = _class_order(counts)
    seen = {c: counts[c] for c in order if counts[c] > 0}
    if len(seen) < 2:
        return Missing(derivation=f"fewer than two classes with instances: {inputs.param} kept")
    weights = effective_number_weights(seen, beta)
    values, note = _indexed(weights, order)
    rarest = min(seen, key=lambda c: (seen[c], c))
    return Derived(
        value=values,
        derivation=f"w_c = (1 − β) / (1 − β^n_c) with β = {beta}, normalised to sum to "
        f"K = {len(seen)}; rarest class '{rarest}' (n_c = {seen[rarest]}): "
        f"{show(weights[rarest])}; {note} (Cui et al. 2019, effective number of samples)",
    )


TVERSKY_PRIORITY_WEIGHT = 0.7  # Salehi et al.'s recall-oriented setting, mirrored for precision


def tversky_priority(inputs: DerivationInputs) -> Derived | Missing:
    """Tversky α (FP) / β (FN) from the foreground ratio, bent toward --priority.

    recall: β = max(β_fg, 0.7), α = 1 − β; precision: α = max(β_fg, 0.7), β = 1 − α, where
    β_fg is tversky_from_foreground's β (0.5 without a foreground ratio). α + β = 1 as in
    Salehi et al. (2017), whose Fβ reading makes β > α favour recall.
    """
    priority = inputs.facts.get("priority")
    if priority not in ("recall", "precision"):
        return tversky_from_foreground(inputs)
    fg = _number(inputs.facts, "foreground_ratio")
    base = tversky_from_foreground(inputs.model_copy(update={"param": "beta"}))
    beta_fg = float(base.value) if isinstance(base, Derived) else 0.5
    heavy = max(beta_fg, TVERSKY_PRIORITY_WEIGHT)
    alpha, beta = (1 - heavy, heavy) if priority == "recall" else (heavy, 1 - heavy)
    wants_fn = "beta" in inputs.param.lower() or "fn" in inputs.param.lower()
    value, symbol = (beta, "β") if wants_fn else (alpha, "α")
    origin = (
        f"foreground_ratio = {show(fg)} gives β = {show(beta_fg)}"
        if fg is not None
        else ("no foreground ratio: 0.5/0.5")
    )
    side = "false negatives (missed foreground)" if priority == "recall" else "false positives"
    return Derived(
        value=num(value),
        derivation=f"{symbol} = {show(value)}: {origin}; --priority {priority} weighs {side} "
        f"at least {TVERSKY_PRIORITY_WEIGHT}: α = {show(alpha)} (FP), β = {show(beta)} (FN), "
        f"α + β = 1 (Salehi et al. 2017)",
    )


DERIVATIONS: dict[str, Derivation] = {
    "huber_delta_mad": huber_delta_mad,
    "smooth_l1_beta_mad": smooth_l1_beta_mad,
    "berhu_c_mad": berhu_c_mad,
    "pos_weight_ratio": pos_weight_ratio,
    "focal_alpha_prior": focal_alpha_prior,
    "class_weights_inverse": class_weights_inverse,
    "class_weights_effective": class_weights_effective,
    "tweedie_power_shape": tweedie_power_shape,
    "nb_alpha_moments": nb_alpha_moments,
    "quantile_from_metric": quantile_from_metric,
    "tversky_from_foreground": tversky_from_foreground,
    "tversky_priority": tversky_priority,
    "class_weights_median_frequency": class_weights_median_frequency,
    "class_weights_effective_ordered": class_weights_effective_ordered,
}
DERIVATION_NAMES: tuple[str, ...] = tuple(DERIVATIONS)


def derive(name: str, inputs: DerivationInputs) -> Derived | Missing:
    """Run the named derivation. The rule loader has already rejected unknown names."""
    return DERIVATIONS[name](inputs)


# --- catalog defaults and range checks -------------------------------------------------------


def catalog_defaults(params: Mapping[str, ParamSpecLike]) -> dict[str, ParamAdvice]:
    """Every catalog parameter at its default, labelled as such."""
    # Not validated: the values come from the validated catalog (see recommend.py's note).
    return {
        name: ParamAdvice.model_construct(
            value=spec.default, derivation=f"catalog default ({spec.meaning})"
        )
        for name, spec in params.items()
    }


def clamp_to_spec(value: Any, spec: ParamSpecLike | None) -> tuple[Any, str]:
    """Keep a derived number inside the parameter's declared range; say so when clamped."""
    if spec is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value, ""
    lo, hi = spec.min, spec.max
    if lo is not None and (value < lo or (spec.exclusive_min and value <= lo)):
        bound = lo if not spec.exclusive_min else num(lo + max(abs(lo), 1.0) * 1e-3)
        return bound, f"; clamped to the catalog minimum {show(bound)}"
    if hi is not None and (value > hi or (spec.exclusive_max and value >= hi)):
        bound = hi if not spec.exclusive_max else num(hi - max(abs(hi), 1.0) * 1e-3)
        return bound, f"; clamped to the catalog maximum {show(bound)}"
    return value, ""
