"""Tune a loss's hyperparameters together with the proxy's learning rate, on fixed folds.

Grid search (default) or Optuna's TPE sampler (seeded). Every setting, the default included, is
scored on the same folds with the same preprocessing, so "best vs default" is a paired
comparison over folds (the fold-noise test of `metrics.py`).

With the MLP proxy (`mlp`: a `neural.MLPSettings`) only the loss's parameters are searched:
the network, optimizer and learning rate stay the fixed ones `validate --proxy mlp` trains every
loss with, so a tuned value is one the same comparison would see.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError
from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.crossval import (
    Progress,
    Table,
    encode_fold,
    param_choices,
    plan_folds,
    prepare_table,
    sample_settings,
    small_table_settings,
)
from lossadvisor.evidence.proxies import (
    ProxySettings,
    catalog_params,
    fit_proxy,
    require_libraries,
    train_dataset,
)
from lossadvisor.evidence.results import ParamUsed, TrialResult, TuneResult
from lossadvisor.params import HUBER_EFFICIENCY_K
from lossadvisor.profile.summarize import mad_sigma

if TYPE_CHECKING:
    import pandas as pd

    from lossadvisor.evidence.neural import MLPSettings

SEARCHES = ("grid", "bayes")
LEARNING_RATES = (0.025, 0.05, 0.1)  # the proxy default 0.05 and a factor 2 either side
DEFAULT_TRIALS = 30


class _BudgetSpent(Exception):
    """The time budget ran out between two fits."""


def search_space(loss: str, name: str) -> Any:
    """The catalog's declared search space of one parameter (`rules/losses.yaml`, `search:`);
    InputError when it declares none."""
    spec = catalog_params(loss).get(name)
    if spec is None or spec.search is None:
        raise InputError(f"tune: the catalog declares no search space for {loss}.{name}.")
    return spec.search


def _class_ratio(table: Table) -> float:
    import numpy as np

    counts = np.bincount(table.y.astype(int), minlength=2)
    return float(counts[0] / max(counts[1], 1))


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def grid_values(loss: str, name: str, base: float | None, table: Table) -> list[float | None]:
    """Values tried for one parameter by the grid (its declared `search.grid`), around its
    current value `base` where the space is relative to it."""
    space = search_space(loss, name)
    if space.unit == "absolute":
        return list(space.grid)
    if space.unit == "class_ratio":
        ratio = _class_ratio(table)
        return [None if g is None else _round(ratio**g) for g in space.grid]
    centre = float(base or 1.0)
    values = {centre * g for g in space.grid if g is not None}
    scale = HUBER_EFFICIENCY_K * mad_sigma(table.y)  # Huber's 95 %-efficiency δ
    if scale > 0:
        values.add(_round(scale))
    return sorted(values)


def _suggest(trial: Any, loss: str, name: str, base: float | None, table: Table) -> float:
    """One Optuna draw from the parameter's declared range (`search.low` .. `search.high`)."""
    space = search_space(loss, name)
    low, high = float(space.low), float(space.high)
    if space.unit == "class_ratio":
        ratio = _class_ratio(table)
        low, high = ratio**low, max(ratio**high, ratio**low * 1.01)
    elif space.unit == "robust_scale":
        centre = float(base or 1.0)
        scale = HUBER_EFFICIENCY_K * mad_sigma(table.y) or centre
        low, high = low * min(centre, scale), high * max(centre, scale)
    if space.complement:
        drawn = trial.suggest_float(f"one_minus_{name}", low, high, log=space.log)
        return 1.0 - float(drawn)
    return float(trial.suggest_float(name, low, high, log=space.log))


def check_tunable(loss: str, mlp: MLPSettings | None = None) -> None:
    """InputError, before any data is read, when `loss` cannot be tuned with this proxy: the
    proxy cannot train it, a parameter declares no search space, or (MLP, whose settings are
    fixed) it has no parameter at all."""
    from lossadvisor.evidence.neural import check_engine
    from lossadvisor.evidence.proxies import resolve_params

    check_engine([loss], mlp)
    names = list(resolve_params(loss, {}))
    for name in names:  # a parameter without a declared space: refused before any fit
        search_space(loss, name)
    if mlp is not None and not names:  # the tree would still search its learning rate
        raise InputError(
            f"tune --proxy mlp: {loss} has no parameters, and the MLP's settings are fixed: "
            f"nothing to tune."
        )


def tune_loss(
    frame: pd.DataFrame,
    target: str,
    loss: str,
    *,
    search: str = "grid",
    trials: int | None = None,
    params: Mapping[str, ParamUsed] | None = None,
    n_folds: int = 5,
    metric: str | None = None,
    seed: int = 0,
    time_budget: float | None = None,
    threads: int = 1,
    progress: Progress | None = None,
    other_targets: Sequence[str] = (),
    mlp: MLPSettings | None = None,
) -> TuneResult:
    """Search `loss`'s parameters and the learning rate; compare the best with the default.

    `params`: the default setting's values and sources (rule-derived when the caller has a
    recommendation); parameters not given start from the catalog default. `mlp`: tune with the
    MLP proxy (its settings fixed: the loss's parameters only).
    """
    from lossadvisor.evidence.neural import variance_heads

    if search not in SEARCHES:
        raise InputError(f"--search must be one of grid, bayes. Got '{search}' instead.")
    if trials is not None and trials < 1:
        raise InputError(f"--trials must be an integer >= 1. Got {trials} instead.")
    require_libraries()
    check_tunable(loss, mlp)
    started = time.perf_counter()
    table = prepare_table(frame, target, [loss], n_folds, other_targets=other_targets)
    if table.task == "multilabel":
        raise InputError("tune: multilabel targets are not tuned yet; validate them instead.")
    defaults = param_choices([loss], {loss: dict(params or {})})[loss]
    if metric is None:
        predictive = mlp is not None and bool(variance_heads([loss]))  # only the MLP has one
        metric = mx.default_metric(table.task, table.y, predictive)[0]
    else:
        metric = mx.parse_metric(metric, table.task, table.y)
    plan = plan_folds(table.y, table.task, n_folds, seed)
    folds = plan.folds
    encoded = [encode_fold(table, train, test, seed) for train, test in folds]
    classes = table.n_classes > 0
    base: ProxySettings | MLPSettings
    prepared: list[Any]
    if mlp is None:
        base = ProxySettings(seed=seed, threads=threads, stop_metric=metric)
        base, _ = small_table_settings(base, folds)
        base = sample_settings(base, folds, table)[0]  # validate's row sample (engine text)
        prepared = [  # once, for every trial (the held-out rows of early stopping too)
            train_dataset(x_train, base, table.y[train], classes)
            for (x_train, _), (train, _) in zip(encoded, folds, strict=True)
        ]
        rates: tuple[float, ...] = LEARNING_RATES
    else:
        from lossadvisor.evidence.mlp import fold_tensors

        base = replace(mlp, seed=seed, threads=threads, stop_metric=metric)
        prepared = [  # standardised once, with the inner split early stopping holds out
            fold_tensors(x_train, table.y[train], x_test, base, classes)
            for (x_train, x_test), (train, _) in zip(encoded, folds, strict=True)
        ]
        rates = (base.learning_rate,)  # fixed: the loss's parameters only
    base_lr = base.learning_rate
    evaluate = _Evaluator(table, folds, encoded, prepared, loss, metric, base, time_budget, started)
    default_values = {name: used.value for name, used in defaults.items()}
    default = evaluate(default_values, base_lr, budgeted=False)  # the baseline is always measured
    results: list[tuple[TrialResult, list[float]]] = [default]
    stopped = False
    planned = _plan_size(search, trials, loss, defaults, table, rates)
    if progress:
        progress(1, planned, "default setting")
    try:
        if search == "grid":
            for values, lr in _grid(loss, defaults, table, trials, rates):
                if values == default_values and lr == base_lr:
                    continue
                results.append(evaluate(values, lr))
                if progress:
                    progress(len(results), planned, f"{values} lr={lr:g}")
        else:
            _bayes(evaluate, loss, defaults, table, trials, seed, results, planned, progress)
    except _BudgetSpent:
        stopped = True
    if progress:
        progress(planned, planned, "done")
    better = mx.higher_is_better(metric)
    best = max(results, key=lambda r: r[0].mean if better else -r[0].mean)
    improvement = None
    if best is not default:
        improvement = mx.compare("tuned", "default", metric, best[1], default[1], 1.0 / plan.k)
    return TuneResult(
        target=target,
        task=table.task,
        loss=loss,
        search=search,
        metric=metric,
        higher_is_better=better,
        n_folds=plan.k,
        seed=seed,
        default=default[0],
        default_sources={name: used.source for name, used in defaults.items()},
        best=best[0],
        improvement=improvement,
        trials=[r[0] for r in results],
        verdict=_verdict(loss, metric, default[0], best[0], improvement, stopped, mlp is None),
        engine=base.describe(),
        stopped_by_budget=stopped,
        seconds=round(time.perf_counter() - started, 3),
    )


class _Evaluator:
    """Scores one setting (parameters + learning rate) on the fixed, pre-encoded folds.

    `prepared`: per fold, the tree's binned training set or the MLP's standardised tensors."""

    def __init__(
        self,
        table: Table,
        folds: Sequence[tuple[Any, Any]],
        encoded: Sequence[tuple[Any, Any]],
        prepared: Sequence[Any],
        loss: str,
        metric: str,
        settings: ProxySettings | MLPSettings,
        time_budget: float | None,
        started: float,
    ) -> None:
        self.table, self.folds, self.encoded, self.prepared = table, folds, encoded, prepared
        self.loss, self.metric, self.settings = loss, metric, settings
        self.time_budget, self.started = time_budget, started

    def _fit(
        self, values: Mapping[str, float | None], lr: float, data: Any, train: Any, x_test: Any
    ) -> tuple[Any, Any]:
        """(held-out predictions, their predictive σ or None) of one fold's fit."""
        y_train = self.table.y[train]
        n_classes = self.table.n_classes
        with_spread = self.metric in mx.DISTRIBUTIONAL
        if not isinstance(self.settings, ProxySettings):
            from lossadvisor.evidence.mlp import fit_and_predict, torch_threads

            with torch_threads(self.settings.threads):
                pred, spread, _ = fit_and_predict(
                    self.loss, values, data, y_train, self.settings, n_classes, with_spread
                )
            return pred, spread
        settings = replace(self.settings, learning_rate=lr)
        fitted = fit_proxy(self.loss, values, data, y_train, settings, n_classes)
        spread = None  # a point fit's σ for a distributional metric (metrics.py)
        if with_spread:
            spread = mx.held_out_spread(fitted.predict, data.x, y_train, data.stop_rows)
        return fitted.predict(x_test), spread

    def __call__(
        self, values: Mapping[str, float | None], lr: float, budgeted: bool = True
    ) -> tuple[TrialResult, list[float]]:
        import numpy as np

        from lossadvisor.evidence.proxies import resolve_params

        checked = resolve_params(self.loss, values)
        n_classes = self.table.n_classes
        scores: list[float] = []
        for (train, test), (_, x_test), data in zip(
            self.folds, self.encoded, self.prepared, strict=True
        ):
            spent = time.perf_counter() - self.started
            if budgeted and self.time_budget is not None and spent >= self.time_budget:
                raise _BudgetSpent
            pred, spread = self._fit(checked, lr, data, train, x_test)
            scores.append(mx.score(self.metric, self.table.y[test], pred, n_classes, spread))
        trial = TrialResult(
            params={k: v for k, v in checked.items() if v is not None},
            learning_rate=lr,
            mean=float(np.mean(scores)),
            std=float(np.std(scores, ddof=1)),
        )
        return trial, scores


def _grid(
    loss: str,
    defaults: Mapping[str, ParamUsed],
    table: Table,
    trials: int | None,
    rates: Sequence[float] = LEARNING_RATES,
) -> list[tuple[dict[str, float | None], float]]:
    names = list(defaults)
    axes = [grid_values(loss, n, defaults[n].value, table) for n in names]
    combos = [
        (dict(zip(names, values, strict=True)), lr)
        for values in itertools.product(*axes)
        for lr in rates
    ]
    return combos[: trials - 1] if trials is not None else combos


def _plan_size(
    search: str,
    trials: int | None,
    loss: str,
    defaults: Mapping[str, ParamUsed],
    table: Table,
    rates: Sequence[float] = LEARNING_RATES,
) -> int:
    if search == "bayes":
        return trials or DEFAULT_TRIALS
    return 1 + len(_grid(loss, defaults, table, trials, rates))


def _bayes(
    evaluate: _Evaluator,
    loss: str,
    defaults: Mapping[str, ParamUsed],
    table: Table,
    trials: int | None,
    seed: int,
    results: list[tuple[TrialResult, list[float]]],
    planned: int,
    progress: Progress | None,
) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # a budget stop is not a failure to report
    better = mx.higher_is_better(evaluate.metric)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize" if better else "minimize", sampler=sampler)

    def objective(trial: Any) -> float:
        values = {n: _suggest(trial, loss, n, defaults[n].value, table) for n in defaults}
        if isinstance(evaluate.settings, ProxySettings):
            lr = float(trial.suggest_float("learning_rate", 0.01, 0.5, log=True))
        else:  # the MLP's learning rate is fixed
            lr = evaluate.settings.learning_rate
        result = evaluate(values, lr)
        results.append(result)
        if progress:
            progress(len(results), planned, f"trial {trial.number + 1}")
        return result[0].mean

    # The default counts as the first of the trials.
    study.optimize(objective, n_trials=max((trials or DEFAULT_TRIALS) - 1, 0))


def export_choice(result: TuneResult) -> tuple[bool, str]:
    """Whether --export writes the tuned setting (it must win beyond fold noise), and why."""
    from lossadvisor.evidence.crossval import describe

    c = result.improvement
    if c is not None and c.beyond_noise and c.difference > 0:
        return True, f"wrote the tuned setting: it beat the default {describe(c)}"
    if c is None:
        return False, "kept the rule-derived/default setting: no trial beat it"
    return False, (
        f"kept the rule-derived/default setting: the tuned one was better {describe(c)}, "
        f"which is not a measured gain"
    )


def _verdict(
    loss: str,
    metric: str,
    default: TrialResult,
    best: TrialResult,
    improvement: Any,
    stopped: bool,
    searched_rate: bool = True,
) -> str:
    from lossadvisor.evidence.crossval import describe

    shown = ", ".join(f"{k} = {v:.4g}" for k, v in best.params.items())
    if searched_rate:
        setting = f"{shown}, learning rate {best.learning_rate:.3g}".lstrip(", ")
    else:
        setting = f"{shown} (the MLP's fixed settings)"
    tail = " (stopped by the time budget)" if stopped else ""
    if improvement is None:
        return (
            f"The default setting of {loss} was not beaten on {metric} ({default.mean:.4g}){tail}."
        )
    return (
        f"Best {loss} setting: {setting}: {metric} {best.mean:.4g} vs {default.mean:.4g} for "
        f"the default, better {describe(improvement)}{tail}."
    )
