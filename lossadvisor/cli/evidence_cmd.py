"""`lossadvisor validate` and `lossadvisor tune`: measured evidence on the user's own data.

numpy, pandas, scikit-learn, LightGBM and Optuna are imported inside the commands.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from lossadvisor.cli.options import (
    MODEL_OUTPUT_HELP,
    PRIORITY_HELP,
    ExportOption,
    FoldsOption,
    ForceOption,
    FormatOption,
    JsonOption,
    SeedOption,
    TargetOption,
    TargetsOption,
    ThreadsOption,
    TimeBudgetOption,
    at_least,
)
from lossadvisor.cli.progress import progress_bar
from lossadvisor.errors import InputError
from lossadvisor.spool import local_copy

if TYPE_CHECKING:
    import pandas as pd

    from lossadvisor.context import Context
    from lossadvisor.evidence.results import ParamUsed, ValidationResult
    from lossadvisor.models import Recommendation, TargetProfile
    from lossadvisor.rules.schema import RuleBase


def _read(data: str) -> pd.DataFrame:
    from lossadvisor.io import read_dataframe

    return read_dataframe(data)


@dataclass(frozen=True)
class _Typing:
    """How validate learns the target's type: --target-type, --order, or a saved --profile."""

    target_type: str | None = None
    order: str | None = None
    profile: str | None = None


def _advice(
    data: str, target: str, context: Context, rules: list[str], typed: _Typing | None = None
) -> tuple[Recommendation, RuleBase, list[str] | None]:
    """profile -> recommend for this target, with recommend's own context and target handling
    (the rule side of the comparison is what `recommend DATA -t TARGET ...` ranks); --profile
    replaces the profiling, --target-type / --order fix the type as they do for recommend."""
    from lossadvisor.cli.recommend_cmd import _targets
    from lossadvisor.recommend import recommend
    from lossadvisor.rules.load import load_rulebase

    typed = typed or _Typing()
    base = load_rulebase(rules)
    if typed.profile is not None and (typed.target_type or typed.order):
        raise InputError(
            "--target-type and --order apply when profiling DATA; a saved --profile keeps the "
            "type it was profiled with."
        )
    source = None if typed.profile is not None else data
    first, _ = _targets(
        source,
        [target],
        typed.profile,
        context.task,
        target_type=typed.target_type,
        order=typed.order,
    )
    return recommend(base, context, first), base, _levels(first)


def _levels(target: TargetProfile | None) -> list[str] | None:
    """The levels of an ordinal target as profiled (--order, an ordered Parquet column), or None."""
    return target.levels if target is not None and target.target_type == "ordinal" else None


def _context(
    task: str | None, model_output: str | None, metric: str | None, priority: str | None
) -> Context:
    from lossadvisor.context import make_context

    return make_context(task=task, model_output=model_output, metric=metric, priority=priority)


def _warn(text: str) -> None:
    print(f"lossadvisor: warning: {text}", file=sys.stderr)


TASK_HELP = "The task, as for recommend, e.g. regression or binary (`lossadvisor tasks` lists all)."
METRIC_HELP = (
    "The metric that decides, in recommend's words (synonyms accepted), e.g. mae, "
    "quantile:0.9 or f1 (`lossadvisor tasks --list metrics` lists them). Default: follows the "
    "target (deviance for counts and positive amounts, log loss for classes and proportions, "
    "MAE otherwise)."
)
JOBS_HELP = "Parallel workers running folds (0: automatic, 1: this process)."
DataArgument = Annotated[
    str, typer.Argument(metavar="DATA", help="CSV/TSV/Parquet/JSONL file (- for stdin).")
]
JobsOption = Annotated[int, typer.Option("--jobs", help=JOBS_HELP, callback=at_least("--jobs", 0))]
PROXY_HELP = (
    "The model each loss trains: tree (LightGBM, the default for tables; also 'lightgbm') or "
    "mlp (a small fixed torch MLP on CPU, for losses a booster cannot express, e.g. berhu or "
    "gaussian_nll; needs torch)."
)
ProxyOption = Annotated[str, typer.Option("--proxy", metavar="tree|mlp", help=PROXY_HELP)]


def _loss_list(text: str, engine: str = "tree") -> list[str]:
    """The --losses ids; with the MLP, those it cannot train are left out with a warning."""
    from lossadvisor.evidence.neural import check_engine
    from lossadvisor.evidence.proxies import proxy_for

    losses = [part.strip() for part in text.split(",") if part.strip()]
    if not losses:
        raise InputError(f"--losses: expected comma-separated loss ids. Got '{text}'.")
    if engine == "mlp":
        return losses  # checked by _mlp_losses, which says what is skipped and why
    for loss in losses:
        proxy_for(loss)  # InputError listing the losses that have a proxy
    check_engine(losses, None)
    return losses


def _warn_once(text: str, warned: set[str]) -> None:
    """`_warn`, once per run: several --target repeat the same skips."""
    if text not in warned:
        warned.add(text)
        _warn(text)


def _mlp_losses(losses: list[str], warned: set[str]) -> tuple[list[str], dict[str, str]]:
    """(the losses the MLP trains, {skipped: why}), each skipped one warned about once."""
    from lossadvisor.evidence.neural import split_for_mlp

    kept, skipped = split_for_mlp(losses)
    if not kept:
        raise InputError(
            f"--proxy mlp: none of {', '.join(losses)} can be trained on a table "
            f"({'; '.join(skipped.values())})."
        )
    for why in skipped.values():
        _warn_once(f"--proxy mlp: skipped: {why}", warned)
    return kept, skipped


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError as err:
        raise InputError(
            f"--proxy mlp needs torch (the bench extra: pip install 'lossadvisor[bench]'; {err})."
        ) from None


def validate(
    data: DataArgument,
    target: TargetsOption,
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
    folds: FoldsOption = 5,
    metric: str | None = typer.Option(None, help=METRIC_HELP),
    task: str | None = typer.Option(None, help=TASK_HELP),
    model_output: str | None = typer.Option(None, help=MODEL_OUTPUT_HELP),
    priority: str | None = typer.Option(None, help=PRIORITY_HELP),
    rules: list[str] = typer.Option(
        [], "--rules", metavar="FILE", help="Extra rule file(s), loaded last (as for recommend)."
    ),
    time_budget: TimeBudgetOption = None,
    seed: SeedOption = 0,
    threads: ThreadsOption = 1,
    jobs: JobsOption = 0,
    proxy: ProxyOption = "tree",
    json_out: JsonOption = False,
) -> None:
    """Cross-validate losses on DATA with a proxy model that trains with each loss.

    The rules' ranking comes from the same arguments `recommend` takes (--metric, --task,
    --model-output, --priority, --rules). Several --target: one result per target, and no
    target is a feature of another (--json: a list).

    \b
    Examples:
      lossadvisor validate claims.csv --target claims
      lossadvisor validate house.csv -t price --losses mse,huber,mae --json
      lossadvisor validate returns.csv -t ret --metric pinball:0.9
      lossadvisor validate house.csv -t price --losses mse,huber,berhu --proxy mlp
    """
    from lossadvisor.evidence.neural import parse_proxy
    from lossadvisor.evidence.proxies import require_libraries

    if top < 1:
        raise InputError(f"--top must be an integer >= 1. Got {top} instead.")
    engine = parse_proxy(proxy)
    context = _context(task, model_output, metric, priority)
    require_libraries()
    if engine == "mlp":
        _require_torch()
    chosen = _loss_list(losses, engine) if losses is not None else None
    targets = list(dict.fromkeys(target))
    warned: set[str] = set()  # each warning once, whatever the number of targets
    with local_copy(data, stdin_suffix=".csv") as path:  # stdin is read as CSV
        frame = _read(path)
        results = [
            _validate(
                frame,
                path,
                name,
                targets,
                top,
                chosen,
                folds,
                metric,
                context,
                rules,
                time_budget,
                seed,
                threads,
                jobs,
                _Typing(target_type, order, profile),
                engine,
                warned,
            )
            for name in targets
        ]
    if json_out:
        if len(results) == 1:
            sys.stdout.write(results[0].model_dump_json(indent=2) + "\n")
        else:
            body = ",\n".join(r.model_dump_json(indent=2) for r in results)
            sys.stdout.write(f"[\n{body}\n]\n")
        return
    from rich.console import Console

    from lossadvisor.render.evidence import validation_view

    console = Console()
    for result in results:
        console.print(validation_view(result))


def _validate(
    frame: pd.DataFrame,
    data: str,
    target: str,
    targets: list[str],
    top: int,
    chosen: list[str] | None,
    folds: int,
    metric: str | None,
    context: Context,
    rules: list[str],
    time_budget: float | None,
    seed: int,
    threads: int,
    jobs: int,
    typed: _Typing | None = None,
    engine: str = "tree",
    warned: set[str] | None = None,
) -> ValidationResult:
    from lossadvisor.evidence.advice import rule_params, rule_ranking, top_losses, unmeasured
    from lossadvisor.evidence.crossval import cross_validate
    from lossadvisor.evidence.neural import MLPSettings, mlp_losses, not_on_a_table
    from lossadvisor.evidence.proxies import PROXIES, ProxySettings

    if target not in frame.columns:
        from lossadvisor.errors import unknown_name

        raise unknown_name("target column", target, [str(c) for c in frame.columns])
    ranking = None
    params = {}
    rec = None
    levels = None
    if typed is not None and typed.order is not None:  # validate without the rules: as given
        from lossadvisor.profile.infer import parse_order

        levels = parse_order(typed.order)
    try:
        rec, _, levels = _advice(data, target, context, rules, typed)
        ranking, params = rule_ranking(rec), rule_params(rec)
    except InputError as err:
        if chosen is None:
            raise InputError(f"no rule ranking to take the top {top} from ({err})") from None
        _warn(f"validating '{target}' without the rule ranking: {err}")
    warned = set() if warned is None else warned
    losses = chosen
    have = mlp_losses() if engine == "mlp" else list(PROXIES)
    skipped: dict[str, str] = {}
    if losses is None:
        assert rec is not None
        losses, without = top_losses(rec, top, have)
        if engine == "mlp":
            skipped = {loss: not_on_a_table(loss) or "" for loss in without}
            for why in skipped.values():
                _warn_once(f"--proxy mlp: skipped: {why}", warned)
        elif without:
            _warn(f"no table proxy for {', '.join(without)}; validating {', '.join(losses)}")
        if not losses:
            raise InputError("none of the recommended losses has a validation proxy.")
    elif engine == "mlp":
        losses, skipped = _mlp_losses(losses, warned)
    settings = MLPSettings(threads=threads) if engine == "mlp" else ProxySettings(threads=threads)
    with progress_bar(f"validate {target}") as progress:
        result = cross_validate(
            frame,
            target,
            losses,
            params=params,
            n_folds=folds,
            metric=metric,
            seed=seed,
            time_budget=time_budget,
            rule_ranking=ranking,
            unmeasured={**unmeasured(ranking or [], losses, have), **skipped},
            settings=settings,
            progress=progress,
            jobs=jobs,
            other_targets=[t for t in targets if t != target],
            order=levels,
        )
    if not skipped:
        return result
    listed = [f"{loss}: not measured by the MLP ({why})" for loss, why in skipped.items()]
    return result.model_copy(update={"skipped": [*listed, *result.skipped]})


def tune(
    data: DataArgument,
    target: TargetOption,
    loss: str = typer.Option(..., help="The loss id to tune (e.g. huber, focal_binary)."),
    search: str = typer.Option("grid", help="grid or bayes (Optuna TPE, seeded)."),
    trials: int | None = typer.Option(
        None, help="Settings to try (bayes default 30; grid: cap on the full grid)."
    ),
    folds: FoldsOption = 5,
    metric: str | None = typer.Option(None, help="The metric to optimise (as in validate)."),
    task: str | None = typer.Option(None, help=TASK_HELP),
    model_output: str | None = typer.Option(None, help=MODEL_OUTPUT_HELP),
    priority: str | None = typer.Option(None, help=PRIORITY_HELP),
    time_budget: TimeBudgetOption = None,
    seed: SeedOption = 0,
    threads: ThreadsOption = 1,
    export: ExportOption = None,
    fmt: FormatOption = "native",
    force: ForceOption = False,
    proxy: ProxyOption = "tree",
    json_out: JsonOption = False,
) -> None:
    """Search a loss's hyperparameters and the proxy's learning rate on DATA.

    With --proxy mlp only the loss's hyperparameters are searched: the MLP's architecture,
    optimizer and learning rate stay those validate --proxy mlp compares every loss with.

    \b
    Examples:
      lossadvisor tune house.csv -t price --loss huber
      lossadvisor tune fraud.csv -t label --loss focal_binary --search bayes \\
          --trials 40 --metric pr_auc --export focal.yaml
      lossadvisor tune house.csv -t price --loss berhu --proxy mlp
    """
    from lossadvisor.evidence.advice import with_tuned
    from lossadvisor.evidence.neural import parse_proxy
    from lossadvisor.evidence.proxies import proxy_for, require_libraries
    from lossadvisor.evidence.tune import check_tunable, export_choice, tune_loss

    engine = parse_proxy(proxy)
    if export is None and (force or fmt != "native"):
        raise InputError("--format and --force only apply with --export FILE.")
    if export is not None:
        from lossadvisor.outfile import refuse_existing

        refuse_existing(export, force)  # before the search, not after it
    context = _context(task, model_output, metric, priority)
    require_libraries()
    mlp = None
    if engine == "mlp":  # the MLP's settings stay fixed: only the loss's parameters are searched
        from lossadvisor.evidence.neural import MLPSettings

        mlp = MLPSettings(threads=threads)
    else:
        proxy_for(loss)
    check_tunable(loss, mlp)  # before the data is read and the rules are asked
    if mlp is not None:
        _require_torch()
    with local_copy(data, stdin_suffix=".csv") as path:  # stdin is read as CSV
        frame = _read(path)
        rec, base, params = _tune_advice(path, target, loss, export is not None, context)
    with progress_bar(f"tune {loss}") as progress:
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
            mlp=mlp,
        )
    if export is not None:
        from lossadvisor.export import export_recommendation, write_yaml

        assert rec is not None and base is not None
        use_tuned, why = export_choice(result)
        result = result.model_copy(update={"exported": why})
        chosen = with_tuned(rec, result) if use_tuned else rec
        # The tuned loss is what is exported, whether or not the rules ranked it first.
        config = export_recommendation(chosen, fmt, pick=loss, rules_digest=base.digest, base=base)
        write_yaml(config, export, force)
        if export == "-":
            return
        print(f"lossadvisor: {export}: {why}", file=sys.stderr)
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    from rich.console import Console

    from lossadvisor.render.evidence import tune_view

    Console().print(tune_view(result))


def _tune_advice(
    data: str, target: str, loss: str, exporting: bool, context: Context
) -> tuple[Recommendation | None, RuleBase | None, dict[str, ParamUsed]]:
    """The recommendation (for --export) and the rule-derived parameters of `loss`."""
    from lossadvisor.evidence.advice import rule_params

    try:
        rec, base, _ = _advice(data, target, context, [])
    except InputError as err:
        if exporting:
            raise InputError(f"--export needs the rules' recommendation: {err}") from None
        _warn(f"tuning from the catalog defaults (no rule-derived values): {err}")
        return None, None, {}
    return rec, base, rule_params(rec).get(loss, {})
