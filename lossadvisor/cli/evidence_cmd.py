"""`lossadvisor validate` and `lossadvisor tune`: measured evidence on the user's own data.

numpy, pandas, scikit-learn, LightGBM and Optuna are imported inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from lossadvisor.cli.app import app
from lossadvisor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from lossadvisor.evidence.results import ParamUsed
    from lossadvisor.models import Recommendation, TargetProfile
    from lossadvisor.rules.schema import RuleBase


def _read(data: str) -> pd.DataFrame:
    from lossadvisor.io import read_dataframe

    return read_dataframe(data)


def _advice(
    data: str,
    target: str,
    target_type: str | None = None,
    order: list[str] | None = None,
    profile_path: str | None = None,
    metric: str | None = None,
) -> tuple[Recommendation, RuleBase]:
    """profile (or the saved --profile) -> recommend for this target (the rule side of the
    comparison), with --target-type / --order fixing the type and --metric as the context."""
    from lossadvisor.context import make_context
    from lossadvisor.recommend import recommend
    from lossadvisor.rules.load import load_rulebase

    base = load_rulebase()
    profile = _target_profile(data, target, target_type, order, profile_path)
    return recommend(base, make_context(metric=_rule_metric(metric)), profile), base


def _target_profile(
    data: str,
    target: str,
    target_type: str | None,
    order: list[str] | None,
    profile_path: str | None,
) -> TargetProfile:
    from lossadvisor.profile import load_profile, profile_dataset

    if profile_path is None:
        return profile_dataset(data, [target], target_type=target_type, order=order).targets[0]
    if target_type is not None or order is not None:
        raise InputError(
            "--target-type and --order apply when profiling DATA; a saved --profile keeps the "
            "type it was profiled with."
        )
    saved = {t.name: t for t in load_profile(profile_path).targets}
    if target not in saved:
        from lossadvisor.errors import unknown_name

        raise unknown_name("target", target, saved, where=profile_path)
    return saved[target]


# validate's metric names -> the rule vocabulary's (facts.METRICS); the others are the same.
_RULE_METRIC = {"macro_f1": "f1", "median_ae": "median_absolute_error"}


def _rule_metric(metric: str | None) -> str | None:
    """The --metric of validate as the rules name it, or None when the rules have no such
    metric (pinball:TAU, quantile levels) — the ranking then ignores it."""
    if metric is None:
        return None
    from lossadvisor.facts import METRICS

    name, _, level = metric.strip().lower().partition(":")
    if name in ("pinball", "quantile") and level:
        return f"quantile:{level}"
    name = _RULE_METRIC.get(name, name)
    return name if name in METRICS else None


@contextmanager
def _local(data: str) -> Iterator[str]:
    """DATA as a path: stdin ("-", read as CSV) is saved once, since it is read twice."""
    if data != "-":
        yield data
        return
    import shutil
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="lossadvisor-") as folder:
        path = Path(folder) / "stdin.csv"
        with path.open("wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        yield str(path)


def _warn(text: str) -> None:
    print(f"lossadvisor: warning: {text}", file=sys.stderr)


@contextmanager
def _progress_bar(what: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr when it is a terminal; otherwise no callback."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update


def _check_budget(time_budget: float | None) -> None:
    if time_budget is not None and time_budget <= 0:
        raise InputError(f"--time-budget must be a number of seconds > 0. Got {time_budget}.")


def _check_threads(threads: int) -> None:
    if threads < 0:
        raise InputError(f"--threads must be an integer >= 0. Got {threads} instead.")


def _loss_list(text: str) -> list[str]:
    from lossadvisor.evidence.proxies import proxy_for

    losses = [part.strip() for part in text.split(",") if part.strip()]
    if not losses:
        raise InputError(f"--losses: expected comma-separated loss ids. Got '{text}'.")
    for loss in losses:
        proxy_for(loss)  # InputError listing the losses that have a proxy
    return losses


@app.command()
def validate(
    data: str = typer.Argument(..., metavar="DATA", help="CSV/TSV/Parquet/JSONL file."),
    target: str = typer.Option(..., "--target", "-t", metavar="COL", help="Target column."),
    target_type: str | None = typer.Option(
        None, "--target-type", help="Override the inferred target type (as in profile)."
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        metavar="A,B,C",
        help='The levels of an ordinal target, lowest first: --order "low,medium,high".',
    ),
    profile: str | None = typer.Option(
        None,
        "--profile",
        metavar="FILE",
        help="Take the rules' facts from a saved profile (lossadvisor profile -o).",
    ),
    top: int = typer.Option(3, help="Validate the top K losses the rules recommend."),
    losses: str | None = typer.Option(
        None, metavar="a,b,c", help="Validate these loss ids instead of the top K."
    ),
    folds: int = typer.Option(5, help="Cross-validation folds (stratified for classes)."),
    metric: str | None = typer.Option(
        None,
        help="The metric that decides: mae, rmse, median_ae, r2, poisson_deviance, "
        "gamma_deviance, pinball:0.9, log_loss, balanced_accuracy, macro_f1, pr_auc, accuracy. "
        "Default: mae (regression), log_loss (classification).",
    ),
    time_budget: float | None = typer.Option(
        None, metavar="S", help="Stop between fits after S seconds; report what was measured."
    ),
    seed: int = typer.Option(0, help="Seed of the folds and the proxy models."),
    threads: int = typer.Option(
        0, help="Threads per model fit (0: all cores). 1 is often faster on a busy machine."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Cross-validate losses on DATA with a proxy model that trains with each loss.

    \b
    Examples:
      lossadvisor validate claims.csv --target claims
      lossadvisor validate house.csv -t price --losses mse,huber,mae --metric mae --json
    """
    from lossadvisor.evidence.proxies import require_libraries

    if top < 1:
        raise InputError(f"--top must be an integer >= 1. Got {top} instead.")
    _check_budget(time_budget)
    _check_threads(threads)
    require_libraries()
    chosen = _loss_list(losses) if losses is not None else None
    from lossadvisor.profile.infer import parse_order

    typed = _Typing(target_type, parse_order(order) if order is not None else None, profile)
    with _local(data) as path:
        _validate(
            path, target, typed, top, chosen, folds, metric, time_budget, seed, threads, json_out
        )


@dataclass(frozen=True)
class _Typing:
    """How validate learns the target's type: --target-type, --order, or a saved --profile."""

    target_type: str | None = None
    order: list[str] | None = None
    profile: str | None = None


def _validate(
    data: str,
    target: str,
    typed: _Typing,
    top: int,
    chosen: list[str] | None,
    folds: int,
    metric: str | None,
    time_budget: float | None,
    seed: int,
    threads: int,
    json_out: bool,
) -> None:
    from lossadvisor.evidence.advice import rule_params, rule_ranking, top_losses
    from lossadvisor.evidence.crossval import cross_validate
    from lossadvisor.evidence.proxies import ProxySettings

    frame = _read(data)
    ranking = None
    params = {}
    try:
        rec, _ = _advice(data, target, typed.target_type, typed.order, typed.profile, metric)
        ranking, params = rule_ranking(rec), rule_params(rec)
    except InputError as err:
        if chosen is None:
            raise InputError(f"no rule ranking to take the top {top} from ({err})") from None
        _warn(f"validating without the rule ranking: {err}")
    if chosen is None:
        assert ranking is not None
        chosen, without = top_losses(rec, top)
        if without:
            _warn(f"no table proxy for {', '.join(without)}; validating {', '.join(chosen)}")
        if not chosen:
            raise InputError("none of the recommended losses has a validation proxy.")
    with _progress_bar("validate") as progress:
        result = cross_validate(
            frame,
            target,
            chosen,
            params=params,
            n_folds=folds,
            metric=metric,
            seed=seed,
            time_budget=time_budget,
            rule_ranking=ranking,
            settings=ProxySettings(threads=threads),
            progress=progress,
        )
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    from rich.console import Console

    from lossadvisor.render.evidence import validation_view

    Console().print(validation_view(result))


@app.command()
def tune(
    data: str = typer.Argument(..., metavar="DATA", help="CSV/TSV/Parquet/JSONL file."),
    target: str = typer.Option(..., "--target", "-t", metavar="COL", help="Target column."),
    loss: str = typer.Option(..., help="The loss id to tune (e.g. huber, focal_binary)."),
    search: str = typer.Option("grid", help="grid or bayes (Optuna TPE, seeded)."),
    trials: int | None = typer.Option(
        None, help="Settings to try (bayes default 30; grid: cap on the full grid)."
    ),
    folds: int = typer.Option(5, help="Cross-validation folds."),
    metric: str | None = typer.Option(None, help="The metric to optimise (as in validate)."),
    time_budget: float | None = typer.Option(
        None, metavar="S", help="Stop between fits after S seconds; report the best so far."
    ),
    seed: int = typer.Option(0, help="Seed of the folds, the proxy and the sampler."),
    threads: int = typer.Option(
        0, help="Threads per model fit (0: all cores). 1 is often faster on a busy machine."
    ),
    export: str | None = typer.Option(
        None, "--export", metavar="FILE", help="Write the tuned config to FILE (- for stdout)."
    ),
    fmt: str = typer.Option(
        "native", "--format", help="native, hydra, lightning, lightgbm, xgboost, sklearn, keras."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --export file."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Search a loss's hyperparameters and the proxy's learning rate on DATA.

    \b
    Examples:
      lossadvisor tune house.csv -t price --loss huber
      lossadvisor tune fraud.csv -t label --loss focal_binary --search bayes --trials 40 \\
          --metric pr_auc --export focal.yaml
    """
    from lossadvisor.evidence.advice import with_tuned
    from lossadvisor.evidence.proxies import proxy_for, require_libraries
    from lossadvisor.evidence.tune import tune_loss

    if export is None and (force or fmt != "native"):
        raise InputError("--format and --force only apply with --export FILE.")
    if export is not None:
        from lossadvisor.outfile import refuse_existing

        refuse_existing(export, force)  # before the search, not after it
    _check_budget(time_budget)
    _check_threads(threads)
    require_libraries()
    proxy_for(loss)
    with _local(data) as path:
        frame = _read(path)
        rec, base, params = _tune_advice(path, target, loss, export is not None)
    with _progress_bar(f"tune {loss}") as progress:
        result = tune_loss(
            frame,
            target,
            loss,
            search=search,
            trials=trials,
            params=params,
            n_folds=folds,
            metric=metric,
            seed=seed,
            time_budget=time_budget,
            threads=threads,
            progress=progress,
        )
    if export is not None:
        from lossadvisor.export import export_recommendation, write_yaml

        assert rec is not None and base is not None
        tuned = with_tuned(rec, result)
        write_yaml(export_recommendation(tuned, fmt, rules_digest=base.digest), export, force)
        if export == "-":
            return
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    from rich.console import Console

    from lossadvisor.render.evidence import tune_view

    Console().print(tune_view(result))


def _tune_advice(
    data: str, target: str, loss: str, exporting: bool
) -> tuple[Recommendation | None, RuleBase | None, dict[str, ParamUsed]]:
    """The recommendation (for --export) and the rule-derived parameters of `loss`."""
    from lossadvisor.evidence.advice import rule_params

    try:
        rec, base = _advice(data, target)
    except InputError as err:
        if exporting:
            raise InputError(f"--export needs the rules' recommendation: {err}") from None
        _warn(f"tuning from the catalog defaults (no rule-derived values): {err}")
        return None, None, {}
    return rec, base, rule_params(rec).get(loss, {})
