"""Profile + Context + RuleBase -> Recommendation: ranking, parameters, optimizer, heads.

The pipeline, one small pure function per step:
1. `gather_facts`   profile facts + context facts; --task checked against the measured type.
2. `rank_losses`    engine pass over every table but `optimizer`; candidates fit the task and
                    target type; rank by score (ties: catalog order); verdicts; reasons.
3. `loss_params`    catalog defaults, then the fired rules' hints (literal or derived).
4. `choose_optimizer` second engine pass over `optimizer` with the chosen loss as a fact.
5. `advise_head` / `choose_balancing`  one loss per head and a balancing method (multi-task).
6. `collect_cautions`  cautions of every fired rule, deduplicated, in rule order.

Verdicts: rank 1 is `recommended`; any other candidate with a positive score within a margin
of the top score is an `alternative` (the margin is the larger of `ALTERNATIVE_POINTS` points
and `ALTERNATIVE_SHARE` of the top score); the rest are `avoid`;
losses a rule excluded, or whose catalog entry does not serve the task / target type, are
`excluded` and listed last. The Recommendation keeps the full ranking; `top` only limits what
the CLI prints. No numpy/pandas here: `recommend --task X` must start at bare-Python speed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from lossadvisor.classes import class_fields
from lossadvisor.context import Context, HeadSpec, check_task, infer_task, numeric_target
from lossadvisor.errors import InputError, out_of_range
from lossadvisor.facts import FactValue
from lossadvisor.models import (
    BalancingAdvice,
    Caution,
    Contribution,
    Frozen,
    HeadAdvice,
    OptimizerAdvice,
    ParamAdvice,
    RankedLoss,
    Recommendation,
    TargetProfile,
    Verdict,
)
from lossadvisor.params import (
    DerivationInputs,
    Derived,
    catalog_defaults,
    clamp_to_spec,
    derive,
    num,
    show,
)
from lossadvisor.rules.engine import Evaluation, evaluate
from lossadvisor.rules.schema import RuleBase

ALTERNATIVE_POINTS = 3.0
ALTERNATIVE_SHARE = 0.5
N_REASONS = 2
OPTIMIZER_TABLE = "optimizer"
MULTITASK_TABLE = "multitask"
# Context facts every head of a multi-task model shares (the rest describe the main task).
# A detection profile's target type describes its box classes, which one detector trains with
# a box loss (no target type) and a per-anchor sigmoid or softmax head alike: no type misfits.
TASKS_WITHOUT_TARGET_FIT = ("detection",)
SHARED_HEAD_FACTS = ("priority", "optimizer", "batch_size", "n_heads", "multitask_kind")


# --- 1. facts --------------------------------------------------------------------------------


def profile_facts(profile: TargetProfile) -> dict[str, FactValue]:
    """The profile's measured facts, with its target type as a fact."""
    facts: dict[str, FactValue] = {k: v for k, v in profile.facts.items() if v is not None}
    facts["target_type"] = profile.target_type
    return facts


def gather_facts(context: Context, profile: TargetProfile | None) -> dict[str, FactValue]:
    """Profile facts + context facts (context wins on a clash), as the rules will read them.

    A --task is checked against the measured target type. Without --task the task stays out
    of the facts: the rules then read the target type itself (their `task: {present: false}`
    variants), and `task_of` infers the task for catalog fit. Without data, the first
    --head's task stands in for --task.
    """
    facts: dict[str, FactValue] = profile_facts(profile) if profile is not None else {}
    facts.update(context.facts())
    if profile is not None:
        if context.task is not None:
            numeric = numeric_target(profile.facts, profile.class_counts)
            check_task(context.task, profile.target_type, profile.name, numeric)
        return facts
    if context.task is None:
        if not context.heads:
            raise InputError(
                "recommend needs something to go on: give DATA (with --target) or --task."
            )
        facts["task"] = context.heads[0].task
    return facts


def task_of(facts: Mapping[str, FactValue]) -> str:
    """The task: given, else inferred from the measured target type."""
    task = facts.get("task")
    if isinstance(task, str):
        return task
    return infer_task(str(facts["target_type"]))


# --- 2. ranking ------------------------------------------------------------------------------


def loss_tables(base: RuleBase) -> list[str]:
    """Every table that scores losses: all but the optimizer table."""
    seen = dict.fromkeys(rule.table for rule in base.rules)
    return [table for table in seen if table != OPTIMIZER_TABLE]


def total(ledger: Iterable[Contribution]) -> float:
    """A ledger's score (rounded so that 0.1 + 0.2 prints as 0.3)."""
    return num(sum(c.delta for c in ledger)) + 0.0


def misfit(base: RuleBase, loss: str, facts: Mapping[str, FactValue]) -> str | None:
    """Why a loss does not fit the task or target type, or None when it fits."""
    spec = base.losses[loss]
    task = task_of(facts)
    if task not in spec.tasks:
        return f"{spec.name} serves {', '.join(spec.tasks)}, not {task}"
    target_type = facts.get("target_type")
    if task in TASKS_WITHOUT_TARGET_FIT:
        return None
    if target_type is not None and spec.target_types and target_type not in spec.target_types:
        return f"{spec.name} needs a {' / '.join(spec.target_types)} target, not {target_type}"
    return None


def reasons_for(ledger: Sequence[Contribution], verdict: str, gap: float = 0.0) -> list[str]:
    """Strongest positive `because` texts (ties with the last kept); for avoid the strongest
    negative one."""
    if verdict == "avoid":
        negatives = sorted((c for c in ledger if c.delta < 0), key=lambda c: c.delta)
        if negatives:
            return [negatives[0].because]
        return [f"scores {show(gap)} points below the recommended loss"]
    return strongest(ledger) or ["no rule scores it up; it ranks here on score and catalog order"]


def strongest(ledger: Sequence[Contribution]) -> list[str]:
    """The N_REASONS strongest positive `because` texts, and any tied with the last one."""
    positives = sorted((c for c in ledger if c.delta > 0), key=lambda c: -c.delta)
    kept = positives[:N_REASONS]
    kept += [c for c in positives[N_REASONS:] if kept and c.delta == kept[-1].delta]
    return [c.because for c in kept]


def verdict_for(rank: int, score: float, top_score: float) -> Verdict:
    """recommended / alternative / avoid, from the rank and the distance to the top score."""
    if rank == 1:
        return "recommended"
    margin = max(ALTERNATIVE_POINTS, ALTERNATIVE_SHARE * abs(top_score))
    if score > 0 and score >= top_score - margin:
        return "alternative"
    return "avoid"


def rank_losses(
    base: RuleBase, evaluation: Evaluation, facts: Mapping[str, FactValue]
) -> list[RankedLoss]:
    """Candidates in rank order (score, then catalog order), then excluded losses."""
    order = {loss: i for i, loss in enumerate(base.losses)}
    excluded: dict[str, str] = {}
    for loss, why in evaluation.exclusions.items():
        # An exclusion of a loss that does not serve this task anyway is noise, unless some
        # rule also scored it (then the user may wonder where it went).
        irrelevant = loss in base.losses and misfit(base, loss, facts) is not None
        if why and not (irrelevant and loss not in evaluation.loss_ledger):
            excluded[loss] = "; ".join(f"{c.because} ({c.rule_id})" for c in why)
    candidates: list[tuple[float, int, str]] = []
    for loss, ledger in evaluation.loss_ledger.items():
        if loss in excluded or loss not in base.losses:
            continue
        reason = misfit(base, loss, facts)
        if reason is not None:
            excluded[loss] = reason
            continue
        candidates.append((-total(ledger), order[loss], loss))
    candidates.sort()
    ranking: list[RankedLoss] = []
    top_score = -candidates[0][0] if candidates else 0.0
    for rank, (neg_score, _, loss) in enumerate(candidates, start=1):
        score = -neg_score + 0.0
        verdict = verdict_for(rank, score, top_score)
        ledger = list(evaluation.loss_ledger[loss])
        ranking.append(
            RankedLoss(
                loss=loss,
                name=base.losses[loss].name,
                score=score,
                verdict=verdict,
                reasons=reasons_for(ledger, verdict, gap=top_score - score),
                ledger=ledger,
            )
        )
    for loss in sorted(excluded, key=lambda name: order.get(name, len(order))):
        if loss not in base.losses:
            continue
        ledger = list(evaluation.loss_ledger.get(loss, []))
        ranking.append(
            RankedLoss(
                loss=loss,
                name=base.losses[loss].name,
                score=total(ledger),
                verdict="excluded",
                reasons=[excluded[loss]],
                ledger=ledger,
                excluded_because=excluded[loss],
            )
        )
    return ranking


# --- 3. parameters ---------------------------------------------------------------------------


def loss_params(
    base: RuleBase,
    loss: str,
    evaluation: Evaluation,
    facts: Mapping[str, FactValue],
    class_counts: Mapping[str, int] | None,
    class_image_pixels: Mapping[str, int] | None = None,
) -> dict[str, ParamAdvice]:
    """Catalog defaults, then every fired rule's hint in rule order (later wins)."""
    specs = base.losses[loss].params
    params = catalog_defaults(specs)
    for param, hints in evaluation.param_hints.get(loss, {}).items():
        for hint in hints:
            current = params[param].value if param in params else None
            if hint.derive is None:
                params[param] = ParamAdvice(
                    value=hint.value, derivation=f"set by rule {hint.rule_id}", rule_id=hint.rule_id
                )
                continue
            inputs = DerivationInputs(
                facts=dict(facts),
                class_counts=dict(class_counts) if class_counts else None,
                param=param,
                current=current,
                siblings={k: v.value for k, v in params.items() if k != param},
                class_image_pixels=dict(class_image_pixels) if class_image_pixels else None,
            )
            got = derive(hint.derive, inputs)
            if isinstance(got, Derived):
                value, note = clamp_to_spec(got.value, specs.get(param))
                params[param] = ParamAdvice(
                    value=value, derivation=got.derivation + note, rule_id=hint.rule_id
                )
            else:
                params[param] = ParamAdvice(
                    value=current, derivation=got.derivation, rule_id=hint.rule_id
                )
    return dict(sorted(params.items()))


def with_params(
    base: RuleBase,
    ranking: Sequence[RankedLoss],
    evaluation: Evaluation,
    facts: Mapping[str, FactValue],
    class_counts: Mapping[str, int] | None,
    class_image_pixels: Mapping[str, int] | None = None,
) -> list[RankedLoss]:
    """The ranking with parameters filled in for every candidate (not the excluded)."""
    return [
        item
        if item.verdict == "excluded"
        else item.model_copy(
            update={
                "params": loss_params(
                    base, item.loss, evaluation, facts, class_counts, class_image_pixels
                )
            }
        )
        for item in ranking
    ]


# --- 4. optimizer ----------------------------------------------------------------------------


def _scores(ids: Iterable[str], ledger: Mapping[str, Sequence[Contribution]]) -> dict[str, float]:
    return {name: total(ledger.get(name, [])) for name in ids}


def _best(scores: Mapping[str, float]) -> str:
    """Highest score; ties go to the first in catalog order (dicts keep that order)."""
    best = next(iter(scores))
    for name, score in scores.items():
        if score > scores[best]:
            best = name
    return best


def _merge_ledgers(*evaluations: Evaluation, attr: str) -> dict[str, list[Contribution]]:
    merged: dict[str, list[Contribution]] = {}
    for evaluation in evaluations:
        for name, ledger in getattr(evaluation, attr).items():
            merged.setdefault(name, []).extend(ledger)
    return merged


def _setting_notes(base: RuleBase, fired: Collection[str], method: str, kind: str) -> list[str]:
    """'set momentum = 0.9, nesterov = true (rule X)' for every fired rule that tunes `method`."""
    notes = []
    for rule in base.rules:
        advice = getattr(rule, kind)
        if rule.id not in fired or advice is None or method not in advice.settings:
            continue
        changes = ", ".join(
            f"{k} = {json.dumps(v)}" for k, v in sorted(advice.settings[method].items())
        )
        notes.append(f"set {changes} (rule {rule.id})")
    return notes


def choose_optimizer(
    base: RuleBase, facts: Mapping[str, FactValue], top_loss: str, first_pass: Evaluation
) -> tuple[OptimizerAdvice, Evaluation]:
    """Second engine pass over the optimizer table with the chosen loss as a fact."""
    if not base.optimizers:
        raise InputError("the rule base defines no optimizers (rules/methods.yaml is empty).")
    stage = {**facts, "loss": top_loss, "loss_family": base.losses[top_loss].family}
    second = evaluate(base, stage, tables=[OPTIMIZER_TABLE])
    ledgers = _merge_ledgers(first_pass, second, attr="optimizer_ledger")
    scores = _scores(base.optimizers, ledgers)
    best = _best(scores)
    requested = facts.get("optimizer")
    name = requested if isinstance(requested, str) and requested in base.optimizers else best
    ledger = ledgers.get(name, [])
    spec = base.optimizers[name]
    settings = dict(spec.defaults)
    for evaluation in (first_pass, second):
        settings.update(evaluation.optimizer_settings.get(name, {}))
    fired = set(first_pass.fired) | set(second.fired)
    reasons = strongest(ledger)
    if scores[best] > scores[name]:
        reasons += [
            f"you chose {name}; {best} scored higher ({show(scores[best])} vs "
            f"{show(scores[name])}): " + "; ".join(strongest(ledgers.get(best, [])))
        ]
        reasons += [f"against {name}: {c.because}" for c in ledger if c.delta < 0]
    reasons += _setting_notes(base, fired, name, "optimizer")
    if not reasons and name == requested:
        reasons = [f"you chose {name}; no rule adjusts it for {top_loss}: catalog defaults"]
    elif not reasons:
        reasons = [f"no optimizer rule fired for {top_loss}: {spec.name} is the catalog's first"]
    advice = OptimizerAdvice(
        name=name,
        settings=dict(sorted(settings.items())),
        schedule=dict(spec.schedule),
        requested=name == requested,
        reasons=reasons,
        ledger=list(ledger),
    )
    return advice, second


# --- 5. multi-task ---------------------------------------------------------------------------


class HeadInput(Frozen):
    """One head's inputs: its name, its facts, its given weight and its class counts."""

    name: str
    facts: dict[str, FactValue]
    weight: float | None = None
    class_counts: dict[str, int] | None = None


def _shared(facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    return {k: v for k, v in facts.items() if k in SHARED_HEAD_FACTS}


def head_inputs(
    context: Context, profiles: Sequence[TargetProfile], facts: Mapping[str, FactValue]
) -> list[HeadInput]:
    """The heads: one per --head, or one per profiled target when there are several."""
    if context.heads and len(profiles) > 1:
        raise InputError(
            "give the heads either with --head NAME:TASK or as several --target columns, not both."
        )
    n_heads = max(len(context.heads), len(profiles))
    shared = {**_shared(facts), "n_heads": n_heads}
    if len(context.heads) > 1:
        return [_head_from_spec(spec, shared, context) for spec in context.heads]
    if len(profiles) > 1:
        heads = []
        for profile in profiles:
            head_facts = {**profile_facts(profile), **shared}
            if context.task is not None:
                head_facts["task"] = context.task
                numeric = numeric_target(profile.facts, profile.class_counts)
                check_task(context.task, profile.target_type, profile.name, numeric)
            heads.append(
                HeadInput(name=profile.name, facts=head_facts, class_counts=profile.class_counts)
            )
        return heads
    return []


def _head_from_spec(spec: HeadSpec, shared: Mapping[str, FactValue], context: Context) -> HeadInput:
    head_facts = {**shared, "task": spec.task}
    if spec.task == "segmentation" and context.foreground_ratio is not None:
        head_facts["foreground_ratio"] = context.foreground_ratio
    return HeadInput(name=spec.name, facts=head_facts, weight=spec.weight)


def advise_head(base: RuleBase, head: HeadInput) -> tuple[HeadAdvice, Evaluation, str]:
    """The head's top loss with its parameters; also its evaluation and the loss family."""
    evaluation = evaluate(base, head.facts, tables=loss_tables(base))
    ranking = rank_losses(base, evaluation, head.facts)
    if not ranking or ranking[0].verdict == "excluded":
        raise InputError(
            f"head '{head.name}': no loss in the rule base fits task {task_of(head.facts)}."
        )
    top = ranking[0]
    params = loss_params(base, top.loss, evaluation, head.facts, head.class_counts)
    reasons = list(top.reasons)
    if head.weight is not None:
        reasons.append(f"initial weight {show(head.weight)} as given")
    else:
        reasons.append(
            "initial weight 1.0: no weight given; start equal and let the balancing method "
            "adapt it (fixed weights across losses of different scale mean little)"
        )
    advice = HeadAdvice(
        name=head.name,
        task=task_of(head.facts),
        loss=top.loss,
        params=params,
        weight=head.weight if head.weight is not None else 1.0,
        reasons=reasons,
    )
    return advice, evaluation, base.losses[top.loss].family


def choose_balancing(
    base: RuleBase, facts: Mapping[str, FactValue]
) -> tuple[BalancingAdvice, Evaluation]:
    """Engine pass over the multi-task table; the top method (ties: catalog order)."""
    if not base.balancing:
        raise InputError("the rule base defines no balancing methods (rules/methods.yaml).")
    evaluation = evaluate(base, facts, tables=[MULTITASK_TABLE])
    scores = _scores(base.balancing, evaluation.balancing_ledger)
    method = _best(scores)
    ledger = list(evaluation.balancing_ledger.get(method, []))
    settings = {**base.balancing[method].defaults, **evaluation.balancing_settings.get(method, {})}
    reasons = strongest(ledger)
    reasons += _setting_notes(base, evaluation.fired, method, "balancing")
    if not reasons:
        reasons = [f"no balancing rule fired: {base.balancing[method].name} is the catalog's first"]
    advice = BalancingAdvice(
        method=method, settings=dict(sorted(settings.items())), reasons=reasons, ledger=ledger
    )
    return advice, evaluation


# --- 6. cautions -----------------------------------------------------------------------------


def collect_cautions(base: RuleBase, evaluations: Iterable[Evaluation]) -> list[Caution]:
    """Cautions of every fired rule, deduplicated, in rule (load) order."""
    order = {rule.id: i for i, rule in enumerate(base.rules)}
    seen: dict[tuple[str, str], Caution] = {}
    for evaluation in evaluations:
        for caution in evaluation.cautions:
            seen.setdefault((caution.rule_id, caution.text), caution)
    return sorted(seen.values(), key=lambda c: (order.get(c.rule_id, len(order)), c.text))


# --- the pipeline ----------------------------------------------------------------------------


def recommend(
    base: RuleBase,
    context: Context,
    profile: TargetProfile | None = None,
    top: int = 5,
    extra_profiles: Sequence[TargetProfile] = (),
) -> Recommendation:
    """Rank the losses for this target and context, with parameters, optimizer and heads.

    `top` is how many ranked losses a renderer shows; the Recommendation keeps all of them.
    `extra_profiles`: further targets of the same dataset, each a head of a multi-task model.
    """
    if top < 1:
        raise out_of_range("--top", "an integer >= 1", top)
    if extra_profiles and profile is None:
        raise InputError("extra target profiles need a first profile.")
    facts = gather_facts(context, profile)
    profiles = [profile, *extra_profiles] if profile is not None else []
    heads_in = head_inputs(context, profiles, facts)
    if heads_in:
        facts["n_heads"] = len(heads_in)

    first = evaluate(base, facts, tables=loss_tables(base))
    class_counts = profile.class_counts if profile is not None else None
    ranking = rank_losses(base, first, facts)
    if not ranking or ranking[0].verdict == "excluded":
        shape = f" and a {facts['target_type']} target" if "target_type" in facts else ""
        raise InputError(f"no loss in the rule base fits task {task_of(facts)}{shape}.")
    pixels = profile.class_image_pixels if profile is not None else None
    ranking = with_params(base, ranking, first, facts, class_counts, pixels)

    optimizer, second = choose_optimizer(base, facts, ranking[0].loss, first)
    evaluations: list[Evaluation] = [first, second]

    heads: list[HeadAdvice] = []
    balancing: BalancingAdvice | None = None
    if heads_in:
        families = []
        for head in heads_in:
            advice, evaluation, family = advise_head(base, head)
            heads.append(advice)
            evaluations.append(evaluation)
            families.append(family)
        balance_facts = {
            **_shared(facts),
            "n_heads": len(heads_in),
            "heads_mixed_families": len(set(families)) > 1,
        }
        balancing, balance_eval = choose_balancing(base, balance_facts)
        evaluations.append(balance_eval)

    return Recommendation(
        facts=dict(sorted(facts.items())),
        context=dict(sorted(context.facts().items())),
        ranking=ranking,
        optimizer=optimizer,
        heads=heads,
        balancing=balancing,
        cautions=collect_cautions(base, evaluations),
        **class_fields(class_counts),
    )


def dump_json(rec: Recommendation) -> str:
    """The Recommendation as deterministic JSON: sorted keys, lists in their meaningful order."""
    data: dict[str, Any] = rec.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
