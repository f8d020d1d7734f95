"""`lossadvisor recommend`: ranked losses with rationale, derived hyperparameters, an optimizer.

Heavy libraries (the profiler's numpy/pyarrow, the exporters) are imported inside the command,
and only when DATA or --export needs them: `recommend --task segmentation` stays light.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from lossadvisor.cli.export_opts import (
    ClassOrderOption,
    ModelOption,
    StepsOption,
    VendorOption,
    export_options,
    require_export,
    write_export,
)
from lossadvisor.cli.feature_opts import (
    ExposureOption,
    FeaturesOption,
    NoFeaturesOption,
    feature_options,
)
from lossadvisor.cli.options import (
    MODEL_OUTPUT_HELP,
    MULTITASK_KIND_HELP,
    PRIORITY_HELP,
    ExportOption,
    ForceOption,
    FormatOption,
    JsonOption,
    TargetsOption,
    TopOption,
)
from lossadvisor.cli.vision_cli import ImagesOption
from lossadvisor.errors import InputError, unknown_name

if TYPE_CHECKING:
    from lossadvisor.models import TargetProfile
    from lossadvisor.profile.options import FeatureOptions
    from lossadvisor.rules.schema import RuleBase
    from lossadvisor.vision.profile import VisionProfile


def _targets(
    data: str | None,
    targets: list[str],
    profile_path: str | None,
    task: str | None,
    features: FeatureOptions | None = None,
    target_type: str | None = None,
    order: str | None = None,
) -> tuple[TargetProfile | None, list[TargetProfile]]:
    """Profile DATA (or read --profile) and return the first target and the others.

    `features` controls the conditional pass (default: on, every other column).

    When --task fits the target but not its measured type (integer codes measured as counts,
    numeric classes to regress), DATA is profiled again with the type the task needs.
    --target-type / --order fix the type instead (then --task must fit it).
    """
    if data is not None and profile_path is not None:
        raise InputError("give DATA or --profile, not both.")
    forced = target_type is not None or order is not None
    if forced and data is None:
        raise InputError(
            "--target-type and --order apply when profiling DATA; a saved --profile keeps the "
            "type it was profiled with (re-run lossadvisor profile with them)."
        )
    if data is None and profile_path is None:
        if targets:
            raise InputError("--target needs DATA (or --profile) to read the column from.")
        return None, []
    if profile_path is not None:
        chosen = _saved_targets(profile_path, targets)
    else:
        from lossadvisor.profile import profile_dataset
        from lossadvisor.profile.infer import parse_order
        from lossadvisor.profile.options import FeatureOptions

        features = features or FeatureOptions()
        assert data is not None
        levels = parse_order(order) if order is not None else None
        chosen = list(
            profile_dataset(
                data, targets, target_type=target_type, features=features, order=levels
            ).targets
        )
        retype = _retype(task, chosen)
        if forced and retype is not None:
            first = chosen[0]
            raise InputError(
                f"--task {task} needs target '{first.name}' as {retype}, but --target-type/"
                f"--order make it {first.target_type}; drop one of them."
            )
        if retype is not None and data == "-":
            raise InputError(
                f"--task {task} needs the target profiled as {retype}, and stdin cannot be read "
                f"twice: pass --target-type {retype}."
            )
        if retype is not None:
            chosen = list(
                profile_dataset(data, targets, target_type=retype, features=features).targets
            )
    if not chosen:
        raise InputError(f"{data or profile_path}: the profile holds no target.")
    if profile_path is not None and _retype(task, chosen) is not None:
        first = chosen[0]
        raise InputError(
            f"{profile_path}: --task {task} needs target '{first.name}' profiled as "
            f"{_retype(task, chosen)}, not {first.target_type}; re-run lossadvisor profile "
            f"with --target-type {_retype(task, chosen)} or give the data file."
        )
    return chosen[0], chosen[1:]


def _saved_targets(path: str, names: list[str]) -> list[TargetProfile]:
    from lossadvisor.profile import load_profile

    dataset = load_profile(path)
    if not names:
        return list(dataset.targets)
    known = {t.name: t for t in dataset.targets}
    for name in names:
        if name not in known:
            raise unknown_name("target", name, known, where=path)
    return [known[name] for name in names]


def _retype(task: str | None, chosen: list[TargetProfile]) -> str | None:
    """The target type to re-profile with when --task fits the targets but not their measured
    type (see context.retype_for_task), or None. InputError when --task contradicts one."""
    from lossadvisor.context import check_task, numeric_target, retype_for_task

    if task is None:
        return None
    wanted = set()
    for target in chosen:
        numeric = numeric_target(target.facts, target.class_counts)
        check_task(task, target.target_type, target.name, numeric)
        wanted.add(retype_for_task(task, target.target_type))
    wanted.discard(None)
    return wanted.pop() if len(wanted) == 1 else None


def _vision_data(
    data: str | None,
    targets: list[str],
    profile_path: str | None,
    task: str | None,
    sample_files: int | None,
    quiet: bool,
    images: str | None = None,
) -> VisionProfile | None:
    """The profile of a mask folder or annotation file given as DATA, or None for a table."""
    if data is None or data == "-":
        return None
    from lossadvisor.vision import is_vision_source

    if not is_vision_source(data) and not (task == "detection" and data.endswith(".json")):
        return None
    if profile_path is not None:
        raise InputError("give DATA or --profile, not both.")
    if targets:
        raise InputError("--target names a table column; masks and annotations have none.")
    from lossadvisor.cli.vision_cli import run_vision

    return run_vision(data, task, sample_files, 0, quiet, images)


def _with_bench(base: RuleBase, path: str, priority: str | None) -> RuleBase:
    """The rule base plus the measured efficiency rules of bench.json (lossadvisor.bench)."""
    if priority not in ("speed", "memory"):
        raise InputError("--bench applies with --priority speed or --priority memory.")
    from lossadvisor.bench.report import read_report
    from lossadvisor.bench.rules import with_measurements

    return with_measurements(base, read_report(path), path)


def recommend(
    data: str | None = typer.Argument(
        None,
        metavar="DATA",
        help="CSV/TSV/Parquet/JSONL file (or - for stdin) to profile first.",
        show_default=False,
    ),
    target: TargetsOption = [],  # noqa: B006 (typer copies the default)
    profile: str | None = typer.Option(
        None,
        "--profile",
        metavar="FILE",
        help="Read a saved profile (lossadvisor profile -o) instead of DATA.",
    ),
    target_type: str | None = typer.Option(
        None,
        "--target-type",
        help="Override the inferred target type (as in lossadvisor profile).",
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        metavar="A,B,C",
        help='The levels of an ordinal target, lowest first: --order "low,medium,high".',
    ),
    task: str | None = typer.Option(
        None,
        help="A task family or one of its synonyms, e.g. object_detection or ner "
        "(`lossadvisor tasks` lists them). Inferred from the target when omitted.",
    ),
    architecture: str | None = typer.Option(
        None,
        help="Model architecture, e.g. anchor_free, transformer or yolov8 (`lossadvisor tasks "
        "--list architectures` lists them); selects the reference recipe and heads.",
    ),
    model_output: str | None = typer.Option(None, help=MODEL_OUTPUT_HELP),
    metric: str | None = typer.Option(
        None,
        help="The metric you are judged on, e.g. mae, quantile:0.9 or f1 (`lossadvisor tasks "
        "--list metrics` lists them).",
    ),
    priority: str | None = typer.Option(None, help=PRIORITY_HELP),
    optimizer: str | None = typer.Option(
        None,
        help="Use this optimizer (an id of rules/methods.yaml, e.g. adamw or sgd, or of a "
        "methods file given with --rules) and say what to adjust for it.",
    ),
    batch_size: int | None = typer.Option(None, help="Training batch size."),
    foreground_ratio: float | None = typer.Option(
        None, help="Share of foreground pixels/voxels (segmentation), in [0, 1]."
    ),
    multitask_kind: str | None = typer.Option(None, help=MULTITASK_KIND_HELP),
    head: list[str] = typer.Option(
        [],
        "--head",
        metavar="NAME:TASK[:WEIGHT]",
        help="NAME:TASK[:WEIGHT]; repeat for each head of a multi-task model. TASK is a task "
        "or a head task, e.g. box or class (`lossadvisor tasks --list heads` lists them).",
    ),
    rules: list[str] = typer.Option(
        [], "--rules", metavar="FILE", help="Extra rule file(s), loaded last."
    ),
    bench: str | None = typer.Option(
        None,
        "--bench",
        metavar="FILE",
        help="With --priority speed or memory: rank with the costs lossadvisor bench measured "
        "(bench.json).",
    ),
    top: TopOption = 5,
    explain: bool = typer.Option(False, "--explain", help="Print every candidate's full ledger."),
    json_out: JsonOption = False,
    export: ExportOption = None,
    fmt: FormatOption = "native",
    pick: str | None = typer.Option(
        None, metavar="LOSS", help="Export this loss instead of the top one."
    ),
    force: ForceOption = False,
    class_order: ClassOrderOption = None,
    steps: StepsOption = None,
    model: ModelOption = None,
    vendor_dir: VendorOption = None,
    features: FeaturesOption = None,
    no_features: NoFeaturesOption = False,
    exposure: ExposureOption = None,
    sample_files: int | None = typer.Option(
        None, "--sample-files", metavar="N", help="Masks/annotations: read a seeded sample of N."
    ),
    images: ImagesOption = None,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (masks/annotations)."),
) -> None:
    """Recommend a loss, its hyperparameters and an optimizer, with the reasons.

    Verdicts: recommended (rank 1); alternative (score > 0 and within max(3 points, half the
    top score) of the top); weaker (score > 0 but further behind, or no rule scored it down);
    avoid (score <= 0 and a rule scored it down); excluded (a rule excluded it, or it does not
    serve the task / target type). The why column shows each loss's strongest signed rule
    contributions. --json keeps the whole ranking; --top only trims the table.

    \b
    Examples:
      lossadvisor recommend claims.csv --target claims
      lossadvisor recommend --task segmentation --foreground-ratio 0.02
      lossadvisor recommend masks/ --task segmentation --priority recall
      lossadvisor recommend instances.json --task detection --export cfg.yaml \\
          --format hydra
      lossadvisor recommend --head box:detection --head cls:multiclass:0.5 --json
    """
    from lossadvisor.options import RecommendOptions
    from lossadvisor.recommend import dump_json
    from lossadvisor.recommend import recommend as run

    if export is None and (pick is not None or force or fmt != "native"):
        raise InputError("--format, --pick and --force only apply with --export FILE.")
    export_opts = export_options(class_order, steps, model, vendor_dir)
    require_export(export, export_opts)
    if export is not None:
        from lossadvisor.outfile import refuse_existing

        refuse_existing(export, force)  # before profiling the data, not after it
    given = RecommendOptions(
        task=task,
        architecture=architecture,
        model_output=model_output,
        metric=metric,
        priority=priority,
        optimizer=optimizer,
        batch_size=batch_size,
        foreground_ratio=foreground_ratio,
        multitask_kind=multitask_kind,
        heads=tuple(head),
        rules=tuple(rules),
    )
    base = given.rulebase()
    if bench is not None:
        base = _with_bench(base, bench, priority)
    context = given.context(base)
    if data is None and profile is None and context.task is None and not context.heads:
        raise InputError("recommend needs something to go on: give DATA (with --target) or --task.")
    # Only DATA has columns; without it the profile package (pyarrow readers) stays unimported.
    options = feature_options(features, no_features, exposure) if data is not None else None
    if data is None and (features is not None or no_features or exposure is not None):
        raise InputError("--features, --no-features and --exposure need DATA to read columns from.")
    vision = _vision_data(data, target, profile, context.task, sample_files, quiet, images)
    first: TargetProfile | None
    others: list[TargetProfile] = []
    if vision is not None:
        first = vision.profile.targets[0]
        if context.task is None:
            context = context.model_copy(update={"task": vision.task})
    elif sample_files is not None:
        raise InputError("--sample-files applies to mask folders and annotation files.")
    elif images is not None:
        raise InputError("--images applies to mask folders (the images the masks label).")
    else:
        first, others = _targets(
            data, target, profile, context.task, options, target_type=target_type, order=order
        )
    rec = run(base, context, first, top=top, extra_profiles=others)
    if export is not None:
        write_export(
            rec, fmt, export, export_opts, pick, rules_digest=base.digest, force=force, base=base
        )
        if export == "-":
            return
    if json_out:
        sys.stdout.write(dump_json(rec))
    else:
        from rich.console import Console

        from lossadvisor.render.recommend import recommendation_view

        Console().print(recommendation_view(rec, top=top, explain=explain))
    if vision is not None:
        from lossadvisor.cli.vision_cli import report_skipped

        report_skipped(vision)
