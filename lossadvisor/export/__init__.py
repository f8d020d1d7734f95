"""Export a Recommendation as a config real tools load as they are.

    data = export_recommendation(rec, "hydra", pick="huber", rules_digest=base.digest)
    write_yaml(data, "conf/loss.yaml", force=False)

Formats (export/registry.py, one ExportFormat record each): native (the whole recommendation,
round-trips through `load_native`), hydra, lightning, keras, lightgbm, xgboost, sklearn (plain
class/params), sklearn_hydra, monai, ludwig. Framework names come from rules/frameworks.yaml.
Nothing here imports torch, keras or the GBDT libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lossadvisor.boundary import recommendation_problems
from lossadvisor.errors import InputError, unknown_name
from lossadvisor.export.choice import LossChoice, choose
from lossadvisor.export.common import header
from lossadvisor.export.exposure import carry
from lossadvisor.export.formats import ExportFormat, Job
from lossadvisor.export.guard import check_output
from lossadvisor.export.labels import class_labels, header_block, reorder
from lossadvisor.export.native import build as build_native
from lossadvisor.export.native import load_native
from lossadvisor.export.registry import FORMATS, REGISTRY
from lossadvisor.export.schedule import check_steps
from lossadvisor.export.write import COMMENT_KEY, dump_yaml, plain, write_yaml
from lossadvisor.models import Recommendation
from lossadvisor.rules.frameworks import Frameworks, load_frameworks
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase

__all__ = [
    "FORMATS",
    "REGISTRY",
    "ExportFormat",
    "dump_yaml",
    "export_recommendation",
    "load_native",
    "write_yaml",
]


# Target types whose labels are classes; any other target is described by its task.
CLASS_TARGETS = ("binary", "multiclass", "multilabel")


def _target_kind(rec: Recommendation, choice: LossChoice) -> str | None:
    if choice.head is not None:
        return choice.task
    target_type = rec.facts.get("target_type")
    if target_type in CLASS_TARGETS:
        return str(target_type)
    task = rec.facts.get("task", rec.context.get("task"))
    return str(task) if task is not None else None


def with_labels(
    rec: Recommendation,
    framework: str,
    choices: list[LossChoice],
    frameworks: Frameworks,
    class_order: Sequence[str] | None,
) -> tuple[list[LossChoice], list[dict[str, Any]]]:
    """Each choice with its classes (per-class params re-ordered) and its header `labels:` block.

    A multi-head recommendation applies `class_order` to the heads whose classes it names.
    """
    out: list[LossChoice] = []
    blocks: list[dict[str, Any]] = []
    ordered = False
    for choice in choices:
        kind = frameworks.label_encodings.kind(framework, choice.loss, _target_kind(rec, choice))
        single = choice.head is None
        data_classes = rec.classes if single else []
        positive = rec.positive_class if single else None
        order = class_order
        if order is not None and not single:
            own = class_labels(choice.params, data_classes, positive, kind, None, choice.label())
            if own is None or set(own.classes) != {label.strip() for label in order}:
                order = None
        labels = class_labels(choice.params, data_classes, positive, kind, order, choice.label())
        ordered = ordered or (order is not None and labels is not None)
        if labels is not None:
            params = reorder(choice.params, labels, data_classes)
            choice = choice.model_copy(update={"params": params, "labels": labels})
        out.append(choice)
        meaning = frameworks.label_encodings.kinds.get(kind, kind)
        blocks.append(header_block(kind, meaning, labels))
    if class_order is not None and not ordered:
        raise InputError(
            "--class-order: no head of this recommendation has the classes " + ",".join(class_order)
        )
    return out, blocks


def export_recommendation(
    rec: Recommendation,
    fmt: str,
    pick: str | None = None,
    rules_digest: str | None = None,
    class_order: Sequence[str] | None = None,
    steps: int | None = None,
    base: RuleBase | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """The export of `rec` in `fmt` as plain data; InputError if the loss has no form in fmt.

    `class_order` lists the classes in the order the user's label encoder uses; per-class
    values (class weights, per-class α) follow it, and the header states it. `steps` is the
    schedule's step count for hydra (trainer.max_steps, else left `???`), lightning and keras
    (optimizer steps; without it Keras keeps a constant lr).
    `model` is the sklearn estimator: "gbm" (validate's LightGBM proxy; the default) or
    "linear" (a standardised, unpenalised GLM).

    Every value is checked against the catalog of `base` (the built-in rule base when None).
    """
    spec = REGISTRY.get(fmt)
    if spec is None:
        raise unknown_name("export format", fmt, FORMATS, "--format")
    if model is not None and fmt not in ("sklearn", "sklearn_hydra"):
        raise InputError(f"--model applies to the sklearn formats, not {fmt}")
    check_values(rec, base)
    if spec.build is None or spec.framework is None:  # native: the recommendation itself
        return build_native(rec, pick, rules_digest)
    check_steps(steps)
    frameworks = load_frameworks()
    chosen = choose(rec, pick)
    choices, label_blocks = with_labels(rec, spec.framework, chosen, frameworks, class_order)
    job = Job(rec, choices, frameworks, spec, REGISTRY, steps=steps, model=model)
    body, notes = spec.build(job)
    offset = carry(rec.exposure, spec, choices, frameworks, body, notes)
    block = header(rec, fmt, choices, rules_digest, notes, label_blocks)
    if offset is not None:
        block["exposure"] = offset
    if spec.header == "comments":
        data = plain({COMMENT_KEY: dump_yaml({"lossadvisor": block}), **body})
    else:
        data = plain({"lossadvisor": block, **body})
    check_output(data, fmt)
    return data


def check_values(rec: Recommendation, base: RuleBase | None = None) -> None:
    """InputError naming the first value of `rec` its catalog spec does not admit.

    Recommendations from `recommend` pass by construction (rule files are checked at load);
    this is the guard for ones built or edited any other way.
    """
    as_data = Recommendation.model_validate(plain(rec.model_dump()))
    problems = recommendation_problems(as_data, base or load_rulebase())
    if problems:
        loc, message = problems[0]
        where = ".".join(str(p) for p in loc)
        raise InputError(f"recommendation.{where}: {message}")
