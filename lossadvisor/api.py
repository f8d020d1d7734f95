"""The Python API: the same stages as the CLI, for scripts and notebooks.

    import lossadvisor
    rec = lossadvisor.recommend(df, target="claims")
    rec                      # a card in Jupyter (_repr_html_)
    rec.to_dict()            # the same document as `recommend --json`

Every function accepts `data` as a path or an in-memory table (see `lossadvisor.frames`) and
raises `lossadvisor.InputError` with the same one-line message the CLI prints. Heavy libraries
are imported inside the functions, so `import lossadvisor` stays at bare-Python speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    from lossadvisor.evidence.results import ValidationResult
    from lossadvisor.models import DatasetProfile, Recommendation, TargetProfile
    from lossadvisor.rules.schema import RuleBase

Target = str | int | None


def _targets(target: Target | Sequence[str]) -> list[str]:
    if target is None:
        return []
    if isinstance(target, str | int):
        return [str(target)]
    return [str(t) for t in target]


def _first(target: Target | Sequence[str]) -> str | int | None:
    if target is None or isinstance(target, str | int):
        return target
    return next(iter(target), None)


def _feature_options(features: bool | Sequence[str], exposure: str | None) -> Any:
    """The CLI's --features/--no-features/--exposure as FeatureOptions (default: on)."""
    from lossadvisor.profile.options import FeatureOptions

    if features is True or features is False:
        return FeatureOptions(enabled=features, exposure=exposure)
    return FeatureOptions(columns=tuple(str(c) for c in features), exposure=exposure)


def profile(
    data: Any,
    target: Target | Sequence[str] = None,
    *,
    features: bool | Sequence[str] = True,
    exposure: str | None = None,
    target_type: str | None = None,
    sample_size: int = 100_000,
    fmt: str | None = None,
    encoding: str = "utf-8",
) -> DatasetProfile:
    """Profile the target column(s) of `data`: the facts `lossadvisor profile` prints.

    `data`: a CSV/TSV/Parquet/JSONL path, or a pandas/polars DataFrame or Series, a pyarrow
    Table, a NumPy array (1-D: the target; 2-D: columns '0', '1', ..., `target` an index) or
    a mapping of columns. Without `target`, a column named target/label/y/class/outcome, else
    the last column. `features` (default: every other column; False: none; or a list) feed
    the conditional pass, as the CLI's --features / --no-features; `exposure` its offset.
    """
    from lossadvisor import frames
    from lossadvisor.profile import profile_dataset

    with frames.as_file(data, _first(target)) as (path, spilled):
        try:
            result = profile_dataset(
                path,
                _targets(target),
                fmt=fmt or spilled,
                target_type=target_type,
                sample_size=sample_size,
                encoding=encoding,
                features=_feature_options(features, exposure),
            )
        except InputError as err:
            if spilled is None:
                raise
            raise InputError(str(err).replace(path, frames.describe(data))) from None
        names = [t.name for t in result.targets]
        values = _target_values(path, fmt or spilled, names, encoding)
    if not frames.is_path(data):
        result = result.model_copy(update={"source": frames.describe(data)})
    result.attach_values(values)
    return result


#: How many target values a profile keeps for its plots (a uniform sample beyond that).
PLOT_SAMPLE = 50_000


def _target_values(path: str, fmt: str | None, names: list[str], encoding: str) -> dict[str, Any]:
    """A uniform sample (bottom-k on seeded random keys: exact, whatever the block sizes) of
    each numeric target column, as floats, for the plots; label columns are left out."""
    import numpy as np
    import pyarrow as pa

    from lossadvisor.io import iter_columns

    rng = np.random.default_rng(0x105AD)
    kept: dict[str, tuple[Any, Any]] = {}
    numeric = dict.fromkeys(names, True)
    for batch in iter_columns(path, names, fmt, encoding):
        for name in names:
            column = batch.column(name)
            if not numeric[name]:
                continue
            if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
                numeric[name] = pa.types.is_null(column.type)
                continue
            values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            values = values[~np.isnan(values)]
            keys = rng.random(len(values))
            if name in kept:
                values = np.concatenate([kept[name][0], values])
                keys = np.concatenate([kept[name][1], keys])
            if len(values) > PLOT_SAMPLE:
                keep = np.argpartition(keys, PLOT_SAMPLE)[:PLOT_SAMPLE]
                values, keys = values[keep], keys[keep]
            kept[name] = (values, keys)
    return {name: pair[0] for name, pair in kept.items() if numeric[name]}


_profile = profile  # `recommend` has a `profile` argument (a saved profile), as the CLI does


def recommend(
    data: Any = None,
    target: Target | Sequence[str] = None,
    *,
    features: bool | Sequence[str] = True,
    exposure: str | None = None,
    task: str | None = None,
    metric: str | None = None,
    model_output: str | None = None,
    priority: str | None = None,
    optimizer: str | None = None,
    batch_size: int | None = None,
    foreground_ratio: float | None = None,
    multitask_kind: str | None = None,
    heads: Sequence[str] = (),
    architecture: str | None = None,
    rules: Sequence[str | Path] = (),
    profile: DatasetProfile | None = None,
) -> Recommendation:
    """Rank the losses for `data` (or a saved `profile`, or a `task` alone), with parameters,
    an optimizer, heads and cautions: what `lossadvisor recommend` prints.

    Options are the CLI's, as keywords: `metric="quantile:0.9"`, `heads=["cls:multiclass"]`;
    they take the same words (`task="learning_to_rank"`, `architecture="yolov8"`).
    Several targets (a list) make a multi-task model, one head each.
    """
    from lossadvisor.options import RecommendOptions
    from lossadvisor.recommend import recommend as run

    if data is not None and profile is not None:
        raise InputError("give data or profile, not both.")
    base, context = RecommendOptions(
        task=task,
        architecture=architecture,
        model_output=model_output,
        metric=metric,
        priority=priority,
        optimizer=optimizer,
        batch_size=batch_size,
        foreground_ratio=foreground_ratio,
        multitask_kind=multitask_kind,
        heads=tuple(heads),
        rules=tuple(rules),
    ).resolve()
    if data is None and profile is None and context.task is None and not context.heads:
        raise InputError("recommend needs something to go on: give data (with target) or task.")
    dataset = profile
    if data is not None:
        dataset = _profile(data, target, features=features, exposure=exposure)
    targets: list[TargetProfile] = list(dataset.targets) if dataset is not None else []
    if dataset is not None and target is not None and profile is not None:
        wanted = _targets(target)
        targets = [t for t in targets if t.name in wanted]
        if not targets:
            raise InputError(f"the profile holds none of the targets {', '.join(wanted)}.")
    first = targets[0] if targets else None
    rec = run(base, context, first, extra_profiles=targets[1:])
    if dataset is not None and first is not None:
        rec.attach_target(first, dataset.values_of(first.name))
    return rec


def validate(
    data: Any,
    target: str,
    *,
    losses: Sequence[str] | None = None,
    top: int = 3,
    folds: int = 5,
    metric: str | None = None,
    seed: int = 0,
    time_budget: float | None = None,
    threads: int = 0,
    proxy: str = "tree",
) -> ValidationResult:
    """Cross-validate the top `top` recommended losses (or `losses`) on `data` with a proxy
    model that trains with each loss: what `lossadvisor validate` prints. Needs the
    `validate` extra (`proxy="mlp"`: the torch MLP proxy, and torch)."""
    from lossadvisor import frames
    from lossadvisor.evidence.advice import rule_params, rule_ranking, top_losses
    from lossadvisor.evidence.crossval import cross_validate
    from lossadvisor.evidence.neural import MLPSettings, mlp_losses, parse_proxy
    from lossadvisor.evidence.proxies import PROXIES, ProxySettings, proxy_for, require_libraries

    if top < 1:
        raise InputError(f"top must be an integer >= 1. Got {top} instead.")
    engine = parse_proxy(proxy)
    require_libraries()
    rec = recommend(data, target, metric=metric)  # the rules' side, as the CLI ranks it
    have = mlp_losses() if engine == "mlp" else list(PROXIES)
    chosen = list(losses) if losses is not None else top_losses(rec, top, have)[0]
    for loss in chosen:
        proxy_for(loss)
    if not chosen:
        raise InputError("none of the recommended losses has a validation proxy.")
    return cross_validate(
        frames.read_frame(data),
        target,
        chosen,
        params=rule_params(rec),
        n_folds=folds,
        metric=metric,
        seed=seed,
        time_budget=time_budget,
        rule_ranking=rule_ranking(rec),
        settings=MLPSettings(threads=threads)
        if engine == "mlp"
        else ProxySettings(threads=threads),
    )


@overload
def export(
    rec: Recommendation,
    format: str = ...,
    *,
    pick: str | None = ...,
    as_text: Literal[False] = ...,
    path: str | Path | None = ...,
    force: bool = ...,
) -> dict[str, Any]: ...
@overload
def export(
    rec: Recommendation,
    format: str = ...,
    *,
    pick: str | None = ...,
    as_text: Literal[True],
    path: str | Path | None = ...,
    force: bool = ...,
) -> str: ...
def export(
    rec: Recommendation,
    format: str = "native",
    *,
    pick: str | None = None,
    as_text: bool = False,
    path: str | Path | None = None,
    force: bool = False,
) -> dict[str, Any] | str:
    """The training config for `rec` in `format` (native, hydra, lightning, lightgbm, xgboost,
    sklearn, keras): the mapping, or with `as_text=True` its YAML text. With `path` it is also
    written there (never replacing a file unless `force`)."""
    import yaml

    from lossadvisor.export import export_recommendation, write_yaml
    from lossadvisor.rules.load import load_rulebase

    data = export_recommendation(rec, format, pick, rules_digest=load_rulebase().digest)
    if path is not None:
        write_yaml(data, str(path), force)
    if as_text:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return data


def load_rules(*files: str | Path) -> RuleBase:
    """The built-in rule base plus your rule files (loaded last; same id replaces a rule)."""
    from lossadvisor.rules.load import load_rulebase

    return load_rulebase(files)


__all__ = ["export", "load_rules", "profile", "recommend", "validate"]
