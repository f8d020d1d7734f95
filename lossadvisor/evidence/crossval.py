"""Cross-validate losses on the user's table: same folds, same proxy settings, only the loss varies.

Folds are stratified for classes and shuffled with a fixed seed, so the same input gives the same
numbers. Small tables get fewer folds and repeated cross-validation (`plan_folds`, the reason is
reported). Preprocessing is fitted inside each training fold (`preprocess.py`). The work is one
job per fold (its binned training set is built once and shared by the fold's losses; the folds of
an unfilled last round are split by loss, `work_units`); jobs run in `jobs` worker threads (the
tree proxies: LightGBM trains without the GIL) or processes (the MLP, arrays passed by memory
map), one thread per fit, or in this process, with the same numbers either way. A time budget
stops between two fits; an incomplete fold is dropped so that every loss is still measured on
the same folds (reported).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.baseline import constant_cautions, constant_log_loss
from lossadvisor.evidence.proxies import (
    ProxySettings,
    bin_rows,
    fit_proxy,
    fit_rows_of,
    proxy_for,
    require_libraries,
    resolve_params,
    train_dataset,
)
from lossadvisor.evidence.results import Comparison, LossEvidence, ParamUsed, ValidationResult

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    from lossadvisor.evidence.neural import MLPSettings

Progress = Callable[[int, int, str], None]  # (fits done, fits planned, what runs next)
Folds = list[tuple["NDArray[np.intp]", "NDArray[np.intp]"]]

MIN_ROWS = 10
SMALL_TABLE = 100  # fewer rows than this: repeated cross-validation
REPEATS = 3
ROUNDS = "_rounds"  # key of a fold's scores that carries the boosting rounds kept, not a metric
PARALLEL_WORK = 400_000  # rows × fits below which process start-up costs more than it saves
# The proxies train in 32-bit floats: LightGBM keeps labels and gradients as `float`
# (`label_t`, `score_t` in include/LightGBM/meta.h) and the MLP runs in torch's float32. A
# real-valued target must fit that range with room for its errors (|prediction − y| up to
# twice its largest magnitude), and must not sit wholly below its smallest normal number.
FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.1754943508222875e-38


@dataclass(frozen=True)
class Table:
    """Features, encoded target and the task, ready for cross-validation."""

    features: pd.DataFrame
    y: NDArray[Any]  # floats (regression, proportion), class codes, or (n, L) 0/1 (multilabel)
    task: str  # one of metrics.TASKS
    classes: list[str]  # class names (binary/multiclass) or label names (multilabel)
    notes: list[str]
    ordered: bool = False  # the class codes follow the levels of an ordinal target

    @cached_property
    def plain_numbers(self) -> NDArray[np.float64] | None:
        """The features as one float array when every column is a plain numeric one and every
        value is finite, else None. Such a table is what the fold preprocessing returns
        unchanged: median imputation has nothing to fill, its missing-indicator (missing-only,
        learned on the training rows) adds no column, and there are no categories to encode;
        a test checks equality. Converted once for all folds instead of a scikit-learn
        pipeline fitted per fold (half a second a fold on 100,000 × 20)."""
        import numpy as np

        dtypes = list(self.features.dtypes)
        plain = all(isinstance(d, np.dtype) and d.kind in "iuf" for d in dtypes)
        if not dtypes or not plain:
            return None
        values = self.features.to_numpy(dtype=np.float64)
        return values if bool(np.isfinite(values).all()) else None

    @property
    def n_classes(self) -> int:
        """K for the scorers: 0 for numeric and multilabel targets."""
        return len(self.classes) if self.task in mx.CLASSES else 0


@dataclass(frozen=True)
class FoldPlan:
    folds: Folds
    k: int
    repeats: int
    reason: str | None  # why the plan differs from the requested --folds, if it does


def task_of(losses: Sequence[str]) -> str:
    """'regression' or 'classification' from the losses; InputError if they mix."""
    kinds = {proxy_for(loss).kind for loss in losses}
    if not kinds:
        raise InputError("no loss to validate: give --losses a,b,... (comma separated).")
    if "regression" in kinds and len(kinds) > 1:
        listed = ", ".join(f"{loss} ({proxy_for(loss).kind})" for loss in losses)
        raise InputError(f"--losses mixes regression and classification losses: {listed}.")
    return "regression" if kinds == {"regression"} else "classification"


def _label_sets(column: pd.Series, target_type: str | None) -> tuple[str, list[str]] | None:
    """(delimiter, labels) when the column holds multilabel label sets, else None."""
    from lossadvisor.profile.infer import label_set_counts, multilabel_delimiter

    if target_type not in (None, "multilabel") or column.dtype.kind in "biuf":
        return None
    counts = column.astype(str).value_counts().to_dict()
    delim = multilabel_delimiter(counts)
    if delim is None:
        return None
    return delim, sorted(label_set_counts(counts, delim))


def prepare_table(
    frame: pd.DataFrame,
    target: str,
    losses: Sequence[str],
    n_folds: int = 5,
    *,
    other_targets: Sequence[str] = (),
    target_type: str | None = None,
    order: Sequence[str] | None = None,
) -> Table:
    """Split off the target (and the other targets: never features), drop rows without it,
    check it suits every loss. `order`: the levels of an ordinal target, lowest first (the
    class codes follow it)."""
    import numpy as np
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    for name in (target, *other_targets):
        if name not in frame.columns:
            raise unknown_name("target column", name, columns)
    family = task_of(losses)
    notes: list[str] = []
    present = frame[target].notna()
    if not present.all():
        notes.append(f"{int((~present).sum())} rows without a target value were left out")
    frame = frame.loc[present]
    drop = list(dict.fromkeys([target, *other_targets]))
    features = frame.drop(columns=drop)
    if other_targets:
        notes.append(f"the other targets ({', '.join(o for o in drop[1:])}) are not features")
    if features.shape[1] == 0:
        raise InputError(f"the data has no column besides the target '{target}' to learn from.")
    infinite = _infinite_cells(features)
    if infinite:
        notes.append(
            f"{infinite} feature value{'s were' if infinite > 1 else ' was'} ±inf: read as "
            "missing (median-imputed, with a missing-value indicator column)"
        )
    if all(features[c].nunique(dropna=False) < 2 for c in features.columns):
        notes.append(
            "no feature varies (every column is constant): each loss is measured by its constant "
            "fit, the one value it predicts for every row"
        )
    column = frame[target]
    sets = _label_sets(column, target_type) if family == "classification" else None
    if sets is not None:
        return _multilabel_table(features, column, sets, losses, target, notes)
    if family == "regression":
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise InputError(
                f"target '{target}' must be numeric for regression losses "
                f"({', '.join(losses)}). Got dtype {column.dtype}."
            )
        y = column.to_numpy(dtype=float)
        _check_support(losses, y, target)
        soft = bool(np.all((y >= 0) & (y <= 1)) and not np.all(np.isin(y, (0.0, 1.0))))
        return Table(features, y, "proportion" if soft else "regression", [], notes)
    labels = column.astype(str).to_numpy()
    classes = _class_order(labels, losses, target, order, notes)
    if len(classes) < 2:
        raise InputError(f"target '{target}' has a single class '{classes[0]}'.")
    codes = {c: i for i, c in enumerate(classes)}
    y = np.array([codes[v] for v in labels], dtype=int)
    task = "binary" if len(classes) == 2 else "multiclass"
    binary_only = [loss for loss in losses if proxy_for(loss).kind == "binary"]
    if task == "multiclass" and binary_only:
        raise InputError(
            f"{', '.join(binary_only)} need a binary target; '{target}' has "
            f"{len(classes)} classes. Use ce, weighted_ce, class_balanced_ce or "
            f"label_smoothing_ce."
        )
    counts = np.bincount(y, minlength=len(classes))
    single = [classes[i] for i, c in enumerate(counts) if c < 2]
    if single:
        raise InputError(
            f"class(es) {', '.join(map(repr, single[:5]))} of '{target}' have a single row: "
            f"a class cannot be both trained on and tested (add rows of it or drop them)."
        )
    ordered = order is not None or any(proxy_for(loss).kind == "ordinal" for loss in losses)
    return Table(features, y, task, classes, notes, ordered and task == "multiclass")


def _infinite_cells(features: pd.DataFrame) -> int:
    """How many values of the numeric feature columns are ±inf."""
    import numpy as np

    numbers = features.select_dtypes(include="number")
    return int(np.isinf(numbers.to_numpy(dtype=float)).sum()) if numbers.shape[1] else 0


def _class_order(
    labels: NDArray[Any],
    losses: Sequence[str],
    target: str,
    order: Sequence[str] | None,
    notes: list[str],
) -> list[str]:
    """The classes in code order: the given level order, whole-number levels by value for the
    ordinal losses, else sorted text (the sklearn export codes classes the same way)."""
    present = set(labels.tolist())
    ordinal = [loss for loss in losses if proxy_for(loss).kind == "ordinal"]
    if order is not None:
        levels = [str(level) for level in order]
        unknown = sorted(present - set(levels))
        if unknown:
            raise InputError(
                f"target '{target}' has values not in --order: {', '.join(unknown[:5])} "
                f"(the order lists {', '.join(levels)})."
            )
        missing = [level for level in levels if level not in present]
        if missing:
            notes.append(f"levels without rows left out: {', '.join(missing)}")
        classes = [level for level in levels if level in present]
    elif ordinal:
        try:
            classes = sorted(present, key=float)
        except ValueError:
            raise InputError(
                f"{', '.join(ordinal)} need the order of the levels of '{target}': give "
                f'--order "lowest,...,highest" (or --profile with an ordinal target).'
            ) from None
        notes.append(f"levels ordered by value: {' < '.join(classes)}")
    else:
        classes = sorted(present)
    if ordinal and len(classes) < 3:
        raise InputError(
            f"{', '.join(ordinal)} need 3 or more ordered levels; '{target}' has "
            f"{len(classes)}: use bce."
        )
    return classes


def _multilabel_table(
    features: pd.DataFrame,
    column: pd.Series,
    sets: tuple[str, list[str]],
    losses: Sequence[str],
    target: str,
    notes: list[str],
) -> Table:
    """One 0/1 column per label; each binary loss is trained per label (one proxy each)."""
    import numpy as np

    from lossadvisor.profile.infer import split_labels

    delim, labels = sets
    not_binary = [loss for loss in losses if proxy_for(loss).kind != "binary"]
    if not_binary:
        from lossadvisor.evidence.proxies import NEURAL_ONLY, PROXIES

        tree = ", ".join(loss for loss, p in PROXIES.items() if p.kind == "binary")
        mlp = ", ".join(loss for loss, p in NEURAL_ONLY.items() if p.kind == "binary")
        raise InputError(
            f"target '{target}' holds label sets ({len(labels)} labels separated by '{delim}'): "
            f"multilabel losses are per-label binary ones ({tree}; {mlp} with --proxy mlp); "
            f"got {', '.join(not_binary)}."
        )
    index = {label: j for j, label in enumerate(labels)}
    y = np.zeros((len(column), len(labels)), dtype=int)
    for i, raw in enumerate(column.astype(str)):
        for label in split_labels(raw, delim):
            y[i, index[label]] = 1
    notes.append(
        f"multilabel: {len(labels)} labels, one binary proxy per label and loss; "
        f"scores are macro (per-label mean) unless named micro_ (pooled)"
    )
    return Table(features, y, "multilabel", labels, notes)


def _check_support(losses: Sequence[str], y: NDArray[Any], target: str) -> None:
    import numpy as np

    if not np.all(np.isfinite(y)):
        raise InputError(f"target '{target}' contains infinite values.")
    _check_magnitude(float(np.max(np.abs(y))), target)
    for loss in losses:
        needs = proxy_for(loss).needs
        if needs == "nonnegative" and (y.min() < 0 or y.sum() <= 0):
            raise InputError(
                f"loss '{loss}' needs a non-negative target with some positive values; "
                f"'{target}' has minimum {y.min():g}."
            )
        if needs == "positive" and y.min() <= 0:
            raise InputError(
                f"loss '{loss}' needs a strictly positive target; '{target}' has minimum "
                f"{y.min():g}."
            )
        if needs == "unit" and (y.min() < 0 or y.max() > 1):
            raise InputError(
                f"loss '{loss}' needs a target in [0, 1] (proportions); '{target}' spans "
                f"[{y.min():g}, {y.max():g}]."
            )


def _check_magnitude(largest: float, target: str) -> None:
    """Refuse a real-valued target outside the proxies' 32-bit range (FLOAT32_MAX): there LightGBM
    and torch would train on overflowed (inf) or flushed (0) values and report a meaningless
    verdict. A change of units (a power of ten) fixes it; the suggested factor brings the
    largest magnitude near 1."""
    if largest > FLOAT32_MAX / 2:
        factor = f"1e{math.floor(math.log10(largest)):+d}"
        raise InputError(
            f"target '{target}' reaches {largest:.3g} in magnitude: the proxies train in 32-bit "
            f"floats (LightGBM, torch), which end at 3.4e+38, so its errors would overflow; "
            f"divide it by {factor} (a change of units) and run it again."
        )
    if 0 < largest < FLOAT32_TINY:
        factor = f"1e{-math.floor(math.log10(largest)):+d}"
        raise InputError(
            f"target '{target}' is at most {largest:.3g} in magnitude: the proxies train in "
            f"32-bit floats (LightGBM, torch), which hold values below 1.2e-38 only as 0 or with "
            f"lost digits; multiply it by {factor} (a change of units) and run it again."
        )


def plan_folds(y: NDArray[Any], task: str, n_folds: int, seed: int) -> FoldPlan:
    """(train rows, test rows) per fold: stratified for classes, shuffled, seeded.

    Small tables: at most n/2 folds (at least 2 test rows each) and at most as many folds as the
    smallest class has rows; below SMALL_TABLE rows the k-fold split is repeated REPEATS times
    with different shuffles, so the comparison rests on more than one lucky split.
    """
    import numpy as np
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    if not 2 <= n_folds <= 50:
        raise InputError(f"--folds must be an integer in [2, 50]. Got {n_folds} instead.")
    n = len(y)
    if n < MIN_ROWS:
        raise InputError(f"{n} rows are too few to cross-validate; give at least {MIN_ROWS}.")
    k = min(n_folds, n // 2)
    why: list[str] = []
    if k < n_folds:
        why.append(f"{n} rows allow at most {k} folds of 2 or more test rows")
    stratified = task in mx.CLASSES
    if stratified:
        counts = np.bincount(y.astype(int))
        smallest = int(counts[counts > 0].min())
        if smallest < 2:
            raise InputError(
                "a class of the target has a single row; it cannot be both trained on and "
                "tested (give more rows of it or drop it)."
            )
        if smallest < k:
            why.append(f"the smallest class has {smallest} rows (one per fold)")
            k = smallest
    repeats = REPEATS if n < SMALL_TABLE else 1
    if repeats > 1:
        why.append(f"{n} rows < {SMALL_TABLE}: {k}-fold repeated {repeats}× with new shuffles")
    splitter: Any
    if stratified:
        splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats, random_state=seed)
    else:
        splitter = RepeatedKFold(n_splits=k, n_repeats=repeats, random_state=seed)
    if repeats == 1:  # the plain splitters (same folds as before repeats existed)
        from sklearn.model_selection import KFold, StratifiedKFold

        cls = StratifiedKFold if stratified else KFold
        splitter = cls(n_splits=k, shuffle=True, random_state=seed)
    folds = list(splitter.split(np.zeros((n, 1)), y if stratified else None))
    reason = "; ".join(why) if why else None
    return FoldPlan(folds, k, repeats, reason)


def make_folds(y: NDArray[Any], task: str, n_folds: int, seed: int) -> Folds:
    """The folds of `plan_folds` (kept for callers that need only the splits)."""
    return plan_folds(y, task, n_folds, seed).folds


def small_table_settings(settings: ProxySettings, folds: Folds) -> tuple[ProxySettings, str | None]:
    """Lower the minimum leaf size when the smallest training fold could not split at all."""
    smallest = min(len(train) for train, _ in folds)
    if smallest >= 4 * settings.min_leaf:
        return settings, None
    lowered = max(1, smallest // 4)
    note = (
        f"rows per leaf lowered from {settings.min_leaf} to {lowered} for every loss: training "
        f"folds have {smallest} rows"
    )
    return replace(settings, min_leaf=lowered), note


def sample_settings(
    settings: ProxySettings, folds: Folds, table: Table
) -> tuple[ProxySettings, str | None, int]:
    """(settings, note, largest fitted set) of the row sample (`proxies.fit_sample`): the
    sample is kept in the settings only when a fold draws one, so that the engine text and
    `proxy_settings` say "no subsampling" otherwise; the note says which folds drew one."""
    classes = table.task in (*mx.CLASSES, "multilabel")  # as `fold_job` bins them
    largest = 0
    sampled: list[tuple[int, int, int]] = []  # (fold, fitted rows, sample rows)
    for k, (train, _) in enumerate(folds):
        fit, _, before = fit_rows_of(len(train), table.y[train], classes, settings)
        rows = len(train) if fit is None else len(fit)
        largest = max(largest, rows)
        if before:
            sampled.append((k + 1, before, rows))
    if not sampled:
        return (
            (replace(settings, sample_rows=0) if settings.sample_rows else settings),
            None,
            largest,
        )
    which = (
        "every fold" if len(sampled) == len(folds) else
        "folds " + ", ".join(str(k) for k, _, _ in sampled)
    )  # fmt: skip
    before = max(b for _, b, _ in sampled)
    rows = max(r for _, _, r in sampled)
    strata = {"multilabel": "stratified by each row's rarest label, "}.get(
        table.task, "stratified by class, " if classes else ""
    )
    note = (
        f"row sample: {which} trained every loss on one seeded sample of {rows:,} of its "
        f"{before:,} fitted rows ({strata}above {settings.sample_rows:,} fitted rows; the "
        f"held-out early-stopping rows and the test fold whole)"
    )
    return settings, note, largest


def large_table_settings(
    settings: ProxySettings, folds: Folds, table: Table
) -> tuple[ProxySettings, list[str]]:
    """The large-table settings of a run, and a note for each that applies: the row sample
    (`sample_settings`) and the row-round budget for the run's largest fitted set after the
    sample (`ProxySettings.scaled`: every fold then trains with the same cap and rate)."""
    settings, sample_note, largest = sample_settings(settings, folds, table)
    sampled = sample_note is not None
    notes = [] if sample_note is None else [sample_note]
    scaled = settings.scaled(largest, sampled)
    if scaled != settings:
        notes.append(
            f"{largest:,} rows per fit: at most {scaled.n_iter} rounds at learning rate "
            f"{scaled.learning_rate:g} instead of {settings.n_iter} at {settings.learning_rate:g} "
            f"(the row-round budget of {settings.budget(sampled):,} per fit; learning rate × "
            f"rounds kept at {settings.learning_rate * settings.n_iter:g})"
        )
    return scaled, notes


def param_choices(
    losses: Sequence[str], given: Mapping[str, Mapping[str, ParamUsed]]
) -> dict[str, dict[str, ParamUsed]]:
    """Every proxy parameter with its value and source: given (rules) or the catalog default."""
    out: dict[str, dict[str, ParamUsed]] = {}
    for loss in losses:
        mine = given.get(loss, {})
        values = resolve_params(loss, {k: v.value for k, v in mine.items()})
        used: dict[str, ParamUsed] = {}
        for name, value in values.items():
            if name in mine:
                used[name] = mine[name]
            elif loss == "weighted_bce" and name == "pos_weight" and value is None:
                used[name] = ParamUsed(value=None, source="n_negative / n_positive of each fold")
            else:
                used[name] = ParamUsed(value=value, source="catalog default")
        out[loss] = used
    return out


def auto_jobs(n_rows: int, n_fits: int, n_folds: int, threads: bool = False) -> int:
    """Parallel workers: one per core, at most one per fold; worker processes (`threads`
    False: the MLP) only when the work outweighs starting them. Threads (the tree proxies)
    start in no time (2,000 × 3, 15 fits on a busy 2-core machine: 1.1 s on two threads
    against 1.8 s in this thread)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not threads and n_rows * n_fits < PARALLEL_WORK:
        return 1
    return max(1, min(cores or 1, n_folds))


def cross_validate(
    frame: pd.DataFrame,
    target: str,
    losses: Sequence[str],
    *,
    params: Mapping[str, Mapping[str, ParamUsed]] | None = None,
    n_folds: int = 5,
    metric: str | None = None,
    seed: int = 0,
    time_budget: float | None = None,
    rule_ranking: Sequence[str] | None = None,
    unmeasured: Mapping[str, str] | None = None,
    settings: ProxySettings | MLPSettings | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    other_targets: Sequence[str] = (),
    target_type: str | None = None,
    order: Sequence[str] | None = None,
) -> ValidationResult:
    """Cross-validate each loss's proxy on `frame` and compare them (see module docstring).

    `params`: loss -> parameter -> value with its source (e.g. from the recommendation);
    parameters not given use the catalog default. `rule_ranking`: the rules' loss order, to
    say whether the data agree with it; `unmeasured`: why a ranked loss was not measured.
    `jobs`: parallel workers (0: automatic). `other_targets`: columns left out of the features.
    `order`: the levels of an ordinal target, lowest first (the panel then adds ordinal scores).
    `settings`: the tree proxy's (default) or the MLP's (`neural.MLPSettings`, --proxy mlp).
    """
    from lossadvisor.evidence.neural import check_engine, variance_heads

    require_libraries()
    started = time.perf_counter()
    losses = list(dict.fromkeys(losses))
    check_engine(losses, settings)
    table = prepare_table(
        frame,
        target,
        losses,
        n_folds,
        other_targets=other_targets,
        target_type=target_type,
        order=order,
    )
    chosen = param_choices(losses, params or {})
    notes = list(table.notes)
    tree = settings is None or isinstance(settings, ProxySettings)  # the MLP's otherwise
    # losses that predict their own variance: only the MLP trains one (the trees refuse them)
    spread_heads = [] if tree else variance_heads(losses)
    if metric is None:
        metric, why = mx.default_metric(table.task, table.y, bool(spread_heads))
        notes.append(f"deciding metric {metric}: {why} (choose with --metric)")
    else:
        metric = mx.parse_metric(metric, table.task, table.y)
    panel = mx.panel_for(table.task, table.y, metric, table.ordered, bool(spread_heads))
    if mx.needs_spread(panel):
        notes.append(mx.predictive_note(spread_heads, panel))
    plan = plan_folds(table.y, table.task, n_folds, seed)
    if plan.reason:
        notes.append(f"{plan.k} folds × {plan.repeats} repeats: {plan.reason}")
    # one seed for everything; early stopping scores the deciding metric, the same for each loss
    settings = replace(settings or ProxySettings(), seed=seed, stop_metric=metric)
    if isinstance(settings, ProxySettings):  # the MLP has no leaves or rounds to budget
        settings, leaf_note = small_table_settings(settings, plan.folds)
        if leaf_note:
            notes.append(leaf_note)
        settings, budget_notes = large_table_settings(settings, plan.folds, table)
        notes += budget_notes
    if jobs == 0:
        jobs = auto_jobs(len(table.y), len(plan.folds) * len(losses), len(plan.folds), tree)
    deadline = None if time_budget is None else time.time() + time_budget
    scores, stopped = _measure(
        table, plan.folds, losses, chosen, panel, settings, deadline, progress, jobs
    )
    complete = min(len(s) for s in scores.values())
    skipped = _skipped(scores, complete, len(plan.folds))
    evidence = [_summarise(loss, chosen[loss], scores[loss][:complete], panel) for loss in losses]
    if not isinstance(settings, ProxySettings):  # the MLP trains each loss's torch module
        from lossadvisor.evidence.neural import with_torch_modules

        evidence = with_torch_modules(evidence)
    better = mx.higher_is_better(metric)
    ranked = sorted(
        (e for e in evidence if e.folds_done and math.isfinite(e.mean[metric])),
        key=lambda e: e.mean[metric],
        reverse=better,
    )
    test_fraction = 1.0 / plan.k
    judged = judge(ranked, metric, rule_ranking, test_fraction)
    notes += scale_notes(table, chosen)
    if any(m.endswith("deviance") for m in panel):
        notes.append(f"deviances use predictions floored at {mx.PREDICTION_FLOOR:g}")
    constant = None
    if "log_loss" in panel:  # the same (complete) folds the losses were compared on
        constant = constant_log_loss(table.y, table.task, table.n_classes, plan.folds[:complete])
    return ValidationResult(
        target=target,
        task=table.task,
        n_rows=len(table.y),
        n_features=table.features.shape[1],
        n_folds=plan.k,
        repeats=plan.repeats,
        fold_plan=plan.reason,
        seed=seed,
        metric=metric,
        higher_is_better=better,
        panel=panel,
        engine=settings.describe(),
        proxy_settings=dict(settings.__dict__),
        jobs=jobs,
        losses=evidence,
        winner=ranked[0].loss if ranked else None,
        runner_up=judged.runner_up,
        rule_ranking=list(rule_ranking) if rule_ranking is not None else None,
        rules_first=judged.rules_first,
        rules_vs_data=judged.rules_vs_data,
        verdict=verdict(ranked, metric, judged, unmeasured or {}),
        skipped=skipped,
        notes=notes,
        constant_log_loss=constant,
        cautions=constant_cautions(evidence, constant),
        stopped_by_budget=stopped,
        seconds=round(time.perf_counter() - started, 3),
    )


def work_units(n_folds: int, losses: Sequence[str], jobs: int) -> list[tuple[int, list[str]]]:
    """(fold, its losses) per job, in fold order: one job per fold, except that when the folds do
    not fill the last round of `jobs` workers (5 folds on 2), the folds of that round are split
    by loss so that every worker has a share of it (each part bins its own copy of the fold,
    the same bins). Without this the fifth fold ran alone while the other core idled: a sixth
    of the large benchmark's evidence time."""
    import numpy as np

    left = n_folds % jobs if jobs > 1 else 0
    units = [(k, list(losses)) for k in range(n_folds - left)]
    parts = min(len(losses), math.ceil(jobs / left)) if left else 1
    for k in range(n_folds - left, n_folds):
        units += [(k, [str(x) for x in part]) for part in np.array_split(list(losses), parts)]
    return units


def _measure(
    table: Table,
    folds: Folds,
    losses: Sequence[str],
    chosen: Mapping[str, Mapping[str, ParamUsed]],
    panel: Sequence[str],
    settings: ProxySettings | MLPSettings,
    deadline: float | None,
    progress: Progress | None,
    jobs: int,
) -> tuple[dict[str, list[dict[str, float]]], bool]:
    """Jobs of `work_units` (serial, or on `jobs` workers); stops between fits at the deadline."""
    run_fold: Callable[..., dict[str, dict[str, float]]] = (
        fold_job if isinstance(settings, ProxySettings) else _mlp_fold_job()
    )
    values = {loss: {n: u.value for n, u in chosen[loss].items()} for loss in losses}
    total = len(folds) * len(losses)
    scores: dict[str, list[dict[str, float]]] = {loss: [] for loss in losses}
    stopped = False
    units = work_units(len(folds), losses, jobs)

    def work() -> Any:
        encoded: tuple[int, Any] | None = None
        for k, part in units:
            if deadline is not None and time.time() >= deadline:
                return  # nothing more is started
            if encoded is None or encoded[0] != k:  # a split fold is encoded once
                train, test = folds[k]
                encoded = (k, encode_fold(table, train, test, settings.seed))
            (x_train, x_test), (train, test) = encoded[1], folds[k]
            yield (x_train, table.y[train], x_test, table.y[test], part)

    def job(x_train: Any, y_train: Any, x_test: Any, y_test: Any, part: list[str]) -> Any:
        return run_fold(
            x_train, y_train, x_test, y_test, part, values, panel, settings, table.n_classes,
            deadline,
        )  # fmt: skip

    results: Any
    if jobs > 1:
        from joblib import Parallel, delayed

        # The trees train in threads: LightGBM's training calls run in C++ without the GIL
        # (ctypes releases it), so two threads keep two cores busy, with no worker start-up and
        # no copies of the folds (100,000 × 20: 50 s against 63 s for loky processes on a busy
        # machine, the same numbers). The MLP keeps processes: torch's seed and thread settings
        # are per process.
        tree = isinstance(settings, ProxySettings)
        runner = Parallel(
            n_jobs=jobs,
            backend="threading" if tree else "loky",
            max_nbytes="1M",
            mmap_mode="r",
            return_as="generator",
        )
        results = runner(
            delayed(run_fold)(*data, values, panel, settings, table.n_classes, deadline)
            for data in work()
        )
    else:
        results = (job(*data) for data in work())
    done = 0
    if progress:
        progress(0, total, "fold 1")
    for i, ((_, part), measured) in enumerate(zip(units, results, strict=False)):
        for loss, fold_scores in measured.items():
            scores[loss].append(fold_scores)
        done += len(measured)
        if len(measured) < len(part):
            stopped = True
        if progress:  # the fold of the next job: a split fold is not done after its first part
            following = units[i + 1][0] + 1 if i + 1 < len(units) else None
            progress(done, total, "done" if following is None else f"fold {following}")
    if done < total:
        stopped = True
    return scores, stopped


def _mlp_fold_job() -> Callable[..., dict[str, dict[str, float]]]:
    """The MLP's fold job (`mlp.fold_job`: same arguments as `fold_job`; imports torch)."""
    from lossadvisor.evidence.mlp import fold_job as mlp_fold_job

    return mlp_fold_job


def fold_job(
    x_train: NDArray[np.float64],
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    y_test: NDArray[Any],
    losses: Sequence[str],
    values: Mapping[str, Mapping[str, float | None]],
    panel: Sequence[str],
    settings: ProxySettings,
    n_classes: int,
    deadline: float | None,
) -> dict[str, dict[str, float]]:
    """One fold: the panel per loss, losses in order, stopping between two at the deadline.

    Runs in this process or in a worker; a multilabel target trains one proxy per label.
    """
    import numpy as np

    classes = n_classes > 0 or y_train.ndim == 2  # stratified held-out rows and row sample
    data = train_dataset(np.asarray(x_train), settings, y_train, classes)
    test_rows = bin_rows(data, x_test)  # binned once, scored by every loss's booster
    out: dict[str, dict[str, float]] = {}
    for loss in losses:
        if deadline is not None and time.time() >= deadline:
            break
        rounds: list[int] = []
        if y_train.ndim == 2:  # multilabel: one binary proxy per label, same binned features
            columns = []
            for j in range(y_train.shape[1]):
                if y_train[:, j].min() == y_train[:, j].max():  # label constant in this fold
                    columns.append(np.full(len(x_test), float(y_train[0, j])))
                    continue
                fitted = fit_proxy(loss, values[loss], data, y_train[:, j], settings, 2)
                columns.append(fitted.predict_binned(test_rows)[:, 1])
                rounds.append(fitted.rounds)
            pred = np.column_stack(columns)
        else:
            fitted = fit_proxy(loss, values[loss], data, y_train, settings, n_classes)
            pred = fitted.predict_binned(test_rows)
            rounds = [fitted.rounds]
        spread = None  # a point fit's σ for the distributional metrics (metrics.py)
        if mx.needs_spread(panel):
            spread = mx.held_out_spread(fitted.predict, data.x, y_train, data.stop_rows)
        out[loss] = {m: mx.score(m, y_test, pred, n_classes, spread) for m in panel}
        out[loss][ROUNDS] = float(np.mean(rounds)) if rounds else 0.0
    return out


@dataclass(frozen=True)
class Judgement:
    runner_up: Comparison | None
    rules_first: str | None  # the rules' first choice, measured or not
    rules_measured_first: str | None  # the best-ranked (by the rules) loss that was measured
    rules_vs_data: Comparison | None  # winner vs rules_measured_first, when they differ


def judge(
    ranked: Sequence[LossEvidence],
    metric: str,
    rule_ranking: Sequence[str] | None,
    test_fraction: float,
) -> Judgement:
    """Winner vs runner-up, and winner vs the rules' best-ranked measured loss."""
    runner_up = None
    if len(ranked) >= 2:
        a, b = ranked[0], ranked[1]
        runner_up = mx.compare(
            a.loss, b.loss, metric, a.fold_scores[metric], b.fold_scores[metric], test_fraction
        )
    by_name = {e.loss: e for e in ranked}
    rules = list(rule_ranking or [])
    rules_first = rules[0] if rules else None
    measured_first = next((r for r in rules if r in by_name), None)
    rules_vs_data = None
    if ranked and measured_first and measured_first != ranked[0].loss:
        first = by_name[measured_first]
        rules_vs_data = mx.compare(
            ranked[0].loss,
            measured_first,
            metric,
            ranked[0].fold_scores[metric],
            first.fold_scores[metric],
            test_fraction,
        )
    return Judgement(runner_up, rules_first, measured_first, rules_vs_data)


def scale_notes(table: Table, chosen: Mapping[str, Mapping[str, ParamUsed]]) -> list[str]:
    """Warn when a loss's scale (δ, β, or log-cosh's built-in 1) is far below the target's."""
    if table.task != "regression":
        return []
    from lossadvisor.params import HUBER_EFFICIENCY_K
    from lossadvisor.profile.summarize import MAD_TO_SIGMA, mad_sigma

    sigma = mad_sigma(table.y)
    out: list[str] = []
    for loss, params in chosen.items():
        for name in ("delta", "beta"):
            used = params.get(name)
            if used is not None and used.value is not None and used.value < sigma / 10:
                out.append(
                    f"{loss}.{name} = {used.value:g} ({used.source}) is far below the target's "
                    f"robust scale {MAD_TO_SIGMA:.4f}·MAD = {sigma:.3g}: the loss acts like MAE "
                    f"with small steps; pass a rule-derived value ({HUBER_EFFICIENCY_K} × that "
                    f"scale) or tune it"
                )
        if loss == "log_cosh" and sigma > 10:
            out.append(
                f"log_cosh has a built-in scale of 1 target unit; the target's robust scale is "
                f"{sigma:.3g}, so it acts like MAE with small steps (standardise the target or "
                f"use pseudo_huber with δ)"
            )
    return out


def encode_fold(
    table: Table, train: NDArray[np.intp], test: NDArray[np.intp], seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fit the preprocessing on the training rows only; transform both sides."""
    import numpy as np

    from lossadvisor.evidence.preprocess import build_preprocessor

    plain = table.plain_numbers
    if plain is not None:  # what the preprocessor would return (see `Table.plain_numbers`)
        return plain[train], plain[test]
    kind = {"binary": "binary", "multiclass": "multiclass"}.get(table.task, "continuous")
    y_train = table.y[train]
    if table.task == "multilabel":
        y_train = y_train.sum(axis=1).astype(float)  # target encoding by label count
    pre = build_preprocessor(table.features, kind, seed)
    x_train = pre.fit_transform(table.features.iloc[train], y_train)
    x_test = pre.transform(table.features.iloc[test])
    return np.asarray(x_train, dtype=float), np.asarray(x_test, dtype=float)


def _skipped(scores: Mapping[str, list[Any]], complete: int, n_folds: int) -> list[str]:
    """Per loss, the folds not compared ('mse: folds 4–5 not measured')."""
    out: list[str] = []
    for loss, done in scores.items():
        if len(done) > complete:
            out.append(f"{loss}: fold {complete + 1} measured but dropped (not every loss had it)")
        first = max(len(done), complete) + 1
        if first == n_folds:
            out.append(f"{loss}: fold {first} not measured")
        elif first < n_folds:
            out.append(f"{loss}: folds {first}–{n_folds} not measured")
    return out


def _summarise(
    loss: str,
    params: Mapping[str, ParamUsed],
    folds: Sequence[Mapping[str, float]],
    panel: Sequence[str],
) -> LossEvidence:
    import numpy as np

    by_metric = {m: [float(f[m]) for f in folds] for m in panel}

    def mean(v: list[float]) -> float:
        finite = [x for x in v if math.isfinite(x)]
        return float(np.mean(finite)) if finite else float("nan")

    def std(v: list[float]) -> float:
        finite = [x for x in v if math.isfinite(x)]
        return float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0

    return LossEvidence(
        loss=loss,
        model=proxy_for(loss).model,
        params=dict(params),
        folds_done=len(folds),
        rounds=[round(float(f.get(ROUNDS, 0.0))) for f in folds],
        fold_scores=by_metric,
        mean={m: mean(v) for m, v in by_metric.items()},
        std={m: std(v) for m, v in by_metric.items()},
    )


def describe(c: Comparison) -> str:
    """'by 0.12 ± 0.03 (5 folds) — beyond fold noise' (the difference and its corrected error)."""
    noise = "beyond fold noise" if c.beyond_noise else "within fold noise"
    return f"by {c.difference:.4g} ± {c.std_error:.2g} ({c.n_folds} folds) — {noise}"


def verdict(
    ranked: Sequence[LossEvidence],
    metric: str,
    judged: Judgement,
    unmeasured: Mapping[str, str],
) -> str:
    """The plain-words conclusion, computed from the ranking: winner, fold noise, the rules.

    Every clause states a fact of `ranked` and `judged` (a test checks each one).
    """
    if not ranked:
        return "Nothing was measured: the time budget ran out before the first fit."
    best = ranked[0]
    runner_up, measured_first = judged.runner_up, judged.rules_measured_first
    text = f"{best.loss} did best on {metric} ({best.mean[metric]:.4g})"
    if runner_up is not None and runner_up.worse != measured_first:  # else said below, once
        text += f", ahead of {runner_up.worse} {describe(runner_up)}"
    elif runner_up is None and len(ranked) >= 2:
        text += f"; {ranked[1].loss} came second, and one fold is too few to judge fold noise"
    text += "."
    first = judged.rules_first
    if first is None:
        return text
    if first != measured_first:
        why = unmeasured.get(first, "not among the measured losses")
        text += f" The rules ranked {first} first; it was not measured ({why})."
        if measured_first is None:
            return text
        lead = f" Of the measured losses the rules ranked {measured_first} highest"
    else:
        lead = f" The rules ranked {measured_first} first"
    if measured_first == best.loss:
        return text + lead + ": the data agree."
    if judged.rules_vs_data is None:
        return text + lead + f"; on your data {best.loss} did better on {metric}."
    return (
        text + lead + f"; on your data {best.loss} did better on {metric} "
        f"{describe(judged.rules_vs_data)}."
    )
