"""Cross-validate losses on the user's table: same folds, same proxy settings, only the loss varies.

Folds are stratified for classification and shuffled with a fixed seed, so the same input gives
the same numbers. Preprocessing is fitted inside each training fold (`preprocess.py`). The loop
runs fold by fold and, within a fold, loss by loss, so a time budget that stops between two fits
leaves every loss measured on the same folds (an incomplete last fold is dropped and reported).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.proxies import (
    ProxySettings,
    fit_predict,
    proxy_for,
    require_libraries,
    resolve_params,
)
from lossadvisor.evidence.results import Comparison, LossEvidence, ParamUsed, ValidationResult

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

Progress = Callable[[int, int, str], None]  # (fits done, fits planned, what runs next)


@dataclass(frozen=True)
class Table:
    """Features, encoded target and the task, ready for cross-validation."""

    features: pd.DataFrame
    y: NDArray[Any]  # floats (regression) or class codes 0..K−1
    task: str  # regression | binary | multiclass
    classes: list[str]
    notes: list[str]


def task_of(losses: Sequence[str]) -> str:
    """'regression' or 'classification' from the losses; InputError if they mix."""
    kinds = {proxy_for(loss).kind for loss in losses}
    if not kinds:
        raise InputError("no loss to validate: give --losses a,b,... (comma separated).")
    if "regression" in kinds and len(kinds) > 1:
        listed = ", ".join(f"{loss} ({proxy_for(loss).kind})" for loss in losses)
        raise InputError(f"--losses mixes regression and classification losses: {listed}.")
    return "regression" if kinds == {"regression"} else "classification"


def prepare_table(frame: pd.DataFrame, target: str, losses: Sequence[str], n_folds: int) -> Table:
    """Split off the target, drop rows without it, check it suits every loss."""
    import numpy as np
    import pandas as pd

    if target not in frame.columns:
        raise unknown_name("target column", target, [str(c) for c in frame.columns])
    family = task_of(losses)
    notes: list[str] = []
    present = frame[target].notna()
    if not present.all():
        notes.append(f"{int((~present).sum())} rows without a target value were left out")
    frame = frame.loc[present]
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise InputError(f"the data has no column besides the target '{target}' to learn from.")
    column = frame[target]
    if family == "regression":
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise InputError(
                f"target '{target}' must be numeric for regression losses "
                f"({', '.join(losses)}). Got dtype {column.dtype}."
            )
        y = column.to_numpy(dtype=float)
        _check_support(losses, y, target)
        task, classes = "regression", []
    else:
        labels = column.astype(str).to_numpy()
        classes = sorted(set(labels.tolist()))
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
        counts = np.bincount(y)
        rare = [classes[i] for i, n in enumerate(counts) if n < n_folds]
        if rare:
            raise InputError(
                f"class(es) {', '.join(map(repr, rare[:5]))} of '{target}' have fewer rows than "
                f"--folds {n_folds}; stratified folds need at least one per fold."
            )
    if len(y) < 2 * n_folds:
        raise InputError(f"{len(y)} rows are too few for {n_folds} folds.")
    return Table(features, y, task, classes, notes)


def _check_support(losses: Sequence[str], y: NDArray[Any], target: str) -> None:
    import numpy as np

    if not np.all(np.isfinite(y)):
        raise InputError(f"target '{target}' contains infinite values.")
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


def make_folds(
    y: NDArray[Any], task: str, n_folds: int, seed: int
) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """(train rows, test rows) per fold: stratified for classification, shuffled, seeded."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if not 2 <= n_folds <= 50:
        raise InputError(f"--folds must be an integer in [2, 50]. Got {n_folds} instead.")
    splitter: Any
    if task == "regression":
        splitter = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(y.reshape(-1, 1), y))


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
    settings: ProxySettings | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Cross-validate each loss's proxy on `frame` and compare them (see module docstring).

    `params`: loss -> parameter -> value with its source (e.g. from the recommendation);
    parameters not given use the catalog default. `rule_ranking`: the rules' loss order, to
    say whether the data agree with it.
    """

    require_libraries()
    started = time.perf_counter()
    losses = list(dict.fromkeys(losses))
    table = prepare_table(frame, target, losses, n_folds)
    chosen = param_choices(losses, params or {})
    metric = mx.parse_metric(metric or mx.DEFAULT_METRIC[table.task], table.task)
    panel = mx.panel_for(table.task, table.y, metric)
    folds = make_folds(table.y, table.task, n_folds, seed)
    settings = replace(settings or ProxySettings(), seed=seed)  # one seed for everything
    deadline = None if time_budget is None else started + time_budget
    scores, stopped = _measure(table, folds, losses, chosen, panel, settings, deadline, progress)
    complete = min(len(s) for s in scores.values())
    skipped = _skipped(scores, complete, len(folds))
    evidence = [_summarise(loss, chosen[loss], scores[loss][:complete], panel) for loss in losses]
    ranked = sorted(
        (e for e in evidence if e.folds_done),
        key=lambda e: e.mean[metric],
        reverse=mx.higher_is_better(metric),
    )
    runner_up, rules_first, rules_vs_data = _judge(ranked, evidence, metric, rule_ranking, n_folds)
    notes = list(table.notes) + scale_notes(table, chosen)
    if any(m.endswith("deviance") for m in panel):
        notes.append(f"deviances use predictions floored at {mx.PREDICTION_FLOOR:g}")
    return ValidationResult(
        target=target,
        task=table.task,
        n_rows=len(table.y),
        n_features=table.features.shape[1],
        n_folds=n_folds,
        seed=seed,
        metric=metric,
        higher_is_better=mx.higher_is_better(metric),
        panel=panel,
        proxy_settings=dict(settings.__dict__),
        losses=evidence,
        winner=ranked[0].loss if ranked else None,
        runner_up=runner_up,
        rule_ranking=list(rule_ranking) if rule_ranking is not None else None,
        rules_vs_data=rules_vs_data,
        verdict=verdict(ranked, metric, runner_up, rules_first, rules_vs_data),
        skipped=skipped,
        notes=notes,
        stopped_by_budget=stopped,
        seconds=round(time.perf_counter() - started, 3),
    )


def _measure(
    table: Table,
    folds: Sequence[tuple[Any, Any]],
    losses: Sequence[str],
    chosen: Mapping[str, Mapping[str, ParamUsed]],
    panel: Sequence[str],
    settings: ProxySettings,
    deadline: float | None,
    progress: Progress | None,
) -> tuple[dict[str, list[dict[str, float]]], bool]:
    """Fold by fold, loss by loss: the panel per fit; stops between fits at the deadline."""
    n_classes = len(table.classes)
    scores: dict[str, list[dict[str, float]]] = {loss: [] for loss in losses}
    total = len(folds) * len(losses)
    stopped = False
    for k, (train, test) in enumerate(folds):
        if deadline is not None and time.perf_counter() >= deadline:
            stopped = True
            break
        x_train, x_test = encode_fold(table, train, test, settings.seed)
        for i, loss in enumerate(losses):
            if deadline is not None and time.perf_counter() >= deadline:
                stopped = True
                break
            if progress:
                progress(k * len(losses) + i, total, f"fold {k + 1} {loss}")
            values = {name: used.value for name, used in chosen[loss].items()}
            pred = fit_predict(loss, values, x_train, table.y[train], x_test, settings, n_classes)
            scores[loss].append({m: mx.score(m, table.y[test], pred, n_classes) for m in panel})
        if stopped:
            break
    if progress:
        progress(sum(len(s) for s in scores.values()), total, "done")
    return scores, stopped


def _judge(
    ranked: Sequence[LossEvidence],
    evidence: Sequence[LossEvidence],
    metric: str,
    rule_ranking: Sequence[str] | None,
    n_folds: int,
) -> tuple[Comparison | None, str | None, Comparison | None]:
    """Winner vs runner-up, and winner vs the rules' first pick (when they differ)."""
    test_fraction = 1.0 / n_folds
    runner_up = None
    if len(ranked) >= 2:
        a, b = ranked[0], ranked[1]
        runner_up = mx.compare(
            a.loss, b.loss, metric, a.fold_scores[metric], b.fold_scores[metric], test_fraction
        )
    names = {e.loss for e in evidence}
    rules_first = next((r for r in rule_ranking or [] if r in names), None)
    rules_vs_data = None
    if ranked and rules_first and rules_first != ranked[0].loss:
        first = next(e for e in evidence if e.loss == rules_first)
        rules_vs_data = mx.compare(
            ranked[0].loss,
            rules_first,
            metric,
            ranked[0].fold_scores[metric],
            first.fold_scores[metric],
            test_fraction,
        )
    return runner_up, rules_first, rules_vs_data


def scale_notes(table: Table, chosen: Mapping[str, Mapping[str, ParamUsed]]) -> list[str]:
    """Warn when a loss's scale (δ, β, or log-cosh's built-in 1) is far below the target's."""
    import numpy as np

    if table.task != "regression":
        return []
    sigma = float(1.4826 * np.median(np.abs(table.y - np.median(table.y))))
    out: list[str] = []
    for loss, params in chosen.items():
        for name in ("delta", "beta"):
            used = params.get(name)
            if used is not None and used.value is not None and used.value < sigma / 10:
                out.append(
                    f"{loss}.{name} = {used.value:g} ({used.source}) is far below the target's "
                    f"robust scale 1.4826·MAD = {sigma:.3g}: the loss acts like MAE with small "
                    f"steps; pass a rule-derived value (1.345 × that scale) or tune it"
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

    kind = "continuous" if table.task == "regression" else table.task
    pre = build_preprocessor(table.features, kind, seed)
    x_train = pre.fit_transform(table.features.iloc[train], table.y[train])
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
    return LossEvidence(
        loss=loss,
        model=proxy_for(loss).model,
        params=dict(params),
        folds_done=len(folds),
        fold_scores=by_metric,
        mean={m: float(np.mean(v)) if v else float("nan") for m, v in by_metric.items()},
        std={m: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for m, v in by_metric.items()},
    )


def describe(c: Comparison) -> str:
    """'by 0.12 ± 0.03 — beyond fold noise' (the difference and its corrected error)."""
    noise = "beyond fold noise" if c.beyond_noise else "within fold noise"
    return f"by {c.difference:.4g} ± {c.std_error:.2g} ({c.n_folds} folds) — {noise}"


def verdict(
    ranked: Sequence[LossEvidence],
    metric: str,
    runner_up: Comparison | None,
    rules_first: str | None,
    rules_vs_data: Comparison | None,
) -> str:
    """The plain-words conclusion: winner, fold noise, agreement with the rules."""
    if not ranked:
        return "Nothing was measured: the time budget ran out before the first fit."
    best = ranked[0]
    text = f"{best.loss} did best on {metric} ({best.mean[metric]:.4g})"
    if runner_up is not None and runner_up.worse != rules_first:  # else said below, once
        text += f", ahead of {runner_up.worse} {describe(runner_up)}"
    elif runner_up is None and len(ranked) >= 2:
        text += "; one fold is too few to judge fold noise"
    text += "."
    if rules_first is None:
        return text
    if rules_first == best.loss:
        return text + f" The rules ranked {rules_first} first too: the data agree."
    if rules_vs_data is None:
        return text + f" The rules ranked {rules_first} first; the data disagree."
    return (
        text + f" The rules ranked {rules_first} first; on your data {best.loss} did better on "
        f"{metric} {describe(rules_vs_data)}."
    )
