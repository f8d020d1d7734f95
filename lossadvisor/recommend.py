"""Profile + Context + RuleBase -> Recommendation: ranking, parameters, optimizer, heads.

The pipeline, one small pure function per step:
1. `gather_facts`   profile facts + context facts; --task checked against the measured type.
2. `rank_losses`    engine pass over the `loss` stage; candidates fit the task and
                    target type; rank by score (ties: catalog order); verdicts; reasons.
3. `loss_params`    catalog defaults, then the fired rules' hints (literal or derived).
4. `choose_optimizer` second engine pass, the `optimizer` stage, with the chosen loss as a fact.
5. `advise_head` / `choose_balancing`  one loss per head and a balancing method (multi-task).
6. `collect_cautions`  cautions of every fired rule, deduplicated, in rule order.

Verdicts: rank 1 is `recommended`; any other candidate with a positive score within a margin
of the top score is an `alternative` (the margin is the larger of `ALTERNATIVE_POINTS` points
and `ALTERNATIVE_SHARE` of the top score); one with a positive score further behind, or that no
rule scored down, is `weaker`; one at score <= 0 that a rule scored down is `avoid`;
losses a rule excluded, or whose catalog entry does not serve the task / target type, are
`excluded` and listed last. The Recommendation keeps the full ranking; `top` only limits what
the CLI prints. No numpy/pandas here: `recommend --task X` must start at bare-Python speed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lossadvisor.classes import class_fields
from lossadvisor.context import Context, HeadSpec, check_task, infer_task, numeric_target
from lossadvisor.errors import InputError, out_of_range
from lossadvisor.facts import FACTS, FactValue
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
from lossadvisor.rules.engine import Evaluation, SettingKind, evaluate, plain
from lossadvisor.rules.schema import RuleBase
from lossadvisor.rules.stages import SHARED_HEAD_FACTS
from lossadvisor.vocabulary import Preset

ALTERNATIVE_POINTS = 3.0
ALTERNATIVE_SHARE = 0.5
N_REASONS = 2
NO_RULE = "no rule about it"
# Which tables run in which pass is each table's `stage` (rules/stages.py), not its name.
# A detection profile's target type describes its box classes, which one detector trains with
# a box loss (no target type) and a per-anchor sigmoid or softmax head alike: no type misfits.
TASKS_WITHOUT_TARGET_FIT = ("detection",)
# The output models (RankedLoss, ParamAdvice, OptimizerAdvice, HeadAdvice, BalancingAdvice,
# Recommendation) are made with `model_construct`, not validated: every value is computed here
# from inputs that were validated already (the rule base, the Context, the TargetProfile), and
# building their validators would cost `recommend --task X` some 10 ms of its start-up (issue
# 18). mypy's pydantic plugin checks the field names and types of each call, and
# tests/recommend/test_recommend_constructed.py that the result equals its validation (types
# included). Fields with a default_factory are passed explicitly: model_construct inspects the
# factory's signature on every call. User input (HeadInput, Context) stays validated.


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


def signed_reason(contribution: Contribution) -> str:
    """'+4 task.segmentation.base: because ...' (a minus sign, not a hyphen, for negatives)."""
    delta = f"{contribution.delta:+g}".replace("-", "−")
    return f"{delta} {contribution.rule_id}: {contribution.because}"


def reasons_for(ledger: Sequence[Contribution], verdict: str) -> list[str]:
    """The N_REASONS strongest contributions to this loss's score, signed, with their rule ids.

    Strongest means largest |delta|; on a tie the contribution that explains the verdict comes
    first (a negative one for `avoid`, a positive one otherwise), then load order.
    """
    scored = [c for c in ledger if c.delta != 0]
    if not scored:
        return [NO_RULE]
    against = verdict == "avoid"
    ordered = sorted(scored, key=lambda c: (-abs(c.delta), (c.delta > 0) == against))
    return [signed_reason(c) for c in ordered[:N_REASONS]]


def strongest(ledger: Sequence[Contribution]) -> list[str]:
    """The N_REASONS strongest positive `because` texts, and any tied with the last one."""
    positives = sorted((c for c in ledger if c.delta > 0), key=lambda c: -c.delta)
    kept = positives[:N_REASONS]
    kept += [c for c in positives[N_REASONS:] if kept and c.delta == kept[-1].delta]
    return [c.because for c in kept]


def verdict_for(rank: int, score: float, top_score: float, scored_down: bool = True) -> Verdict:
    """recommended / alternative / weaker / avoid, from the rank, the distance to the top score
    and whether some rule scored the loss down (`scored_down`)."""
    if rank == 1:
        return "recommended"
    margin = max(ALTERNATIVE_POINTS, ALTERNATIVE_SHARE * abs(top_score))
    if score > 0 and score >= top_score - margin:
        return "alternative"
    if score > 0 or not scored_down:
        return "weaker"
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
        ledger = list(evaluation.loss_ledger[loss])
        verdict = verdict_for(rank, score, top_score, any(c.delta < 0 for c in ledger))
        ranking.append(
            RankedLoss.model_construct(
                loss=loss,
                name=base.losses[loss].name,
                score=score,
                verdict=verdict,
                params={},
                reasons=reasons_for(ledger, verdict),
                ledger=ledger,
            )
        )
    for loss in sorted(excluded, key=lambda name: order.get(name, len(order))):
        if loss not in base.losses:
            continue
        ledger = list(evaluation.loss_ledger.get(loss, []))
        ranking.append(
            RankedLoss.model_construct(
                loss=loss,
                name=base.losses[loss].name,
                score=total(ledger),
                verdict="excluded",
                params={},
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
                params[param] = ParamAdvice.model_construct(
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
                params[param] = ParamAdvice.model_construct(
                    value=value, derivation=got.derivation + note, rule_id=hint.rule_id
                )
            else:
                params[param] = ParamAdvice.model_construct(
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


def _setting_notes(evaluations: Sequence[Evaluation], method: str, kind: SettingKind) -> list[str]:
    """'set momentum = 0.9, nesterov = true (rule X)' (a schedule: 'schedule name = "poly" (rule
    X)') for every fired rule that tunes `method`, in the order its values were applied."""
    word = "schedule" if kind == "schedule" else "set"
    notes = []
    for evaluation in evaluations:
        for setter in evaluation.set_by(kind, method):
            changes = ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted(setter.values.items()))
            notes.append(f"{word} {changes} (rule {setter.rule_id})")
    return notes


def choose_optimizer(
    base: RuleBase, facts: Mapping[str, FactValue], top_loss: str, first_pass: Evaluation
) -> tuple[OptimizerAdvice, Evaluation]:
    """Second engine pass (the optimizer stage) with the chosen loss as a fact."""
    if not base.optimizers:
        raise InputError("the rule base defines no optimizers (rules/methods.yaml is empty).")
    chosen = {**facts, "loss": top_loss, "loss_family": base.losses[top_loss].family}
    second = evaluate(base, chosen, stage="optimizer")
    ledgers = _merge_ledgers(first_pass, second, attr="optimizer_ledger")
    scores = _scores(base.optimizers, ledgers)
    best = _best(scores)
    requested = facts.get("optimizer")
    name = requested if isinstance(requested, str) and requested in base.optimizers else best
    ledger = ledgers.get(name, [])
    spec = base.optimizers[name]
    # plain containers: a catalog read from its YAML (not the cache) holds line-aware lists
    settings = plain(dict(spec.defaults))
    schedule = plain(dict(spec.schedule))
    # The optimizer table's generic advice first, then the first pass's: only the practice
    # table advises optimizers there, and a reference recipe is more specific than a rule of thumb.
    for evaluation in (second, first_pass):
        settings.update(evaluation.optimizer_settings.get(name, {}))
        override = evaluation.optimizer_schedules.get(name, {})
        if "name" in override and override["name"] != schedule.get("name"):
            schedule = {}  # another schedule: the catalog's keys (milestones, gamma) do not apply
        schedule.update(override)
    reasons = strongest(ledger)
    if scores[best] > scores[name]:
        reasons += [
            f"you chose {name}; {best} scored higher ({show(scores[best])} vs "
            f"{show(scores[name])}): " + "; ".join(strongest(ledgers.get(best, [])))
        ]
        reasons += [f"against {name}: {c.because}" for c in ledger if c.delta < 0]
    # in the order the values were applied above: a later note wins
    reasons += _setting_notes((second, first_pass), name, "optimizer")
    reasons += _setting_notes((second, first_pass), name, "schedule")
    if not reasons and name == requested:
        reasons = [f"you chose {name}; no rule adjusts it for {top_loss}: catalog defaults"]
    elif not reasons:
        reasons = [f"no optimizer rule fired for {top_loss}: {spec.name} is the catalog's first"]
    advice = OptimizerAdvice.model_construct(
        name=name,
        settings=dict(sorted(settings.items())),
        schedule=dict(sorted(schedule.items())),
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
    head_facts: dict[str, FactValue] = {**shared, "task": spec.task}
    # The model's family and architecture describe every head; a head given as a family word
    # (--head cls:text_classification) brings its own family.
    family = spec.task_family or context.task_family
    if family is not None:
        head_facts["task_family"] = family
    if context.architecture is not None:
        head_facts["architecture"] = context.architecture
    if spec.head_task is not None:
        head_facts["head_task"] = spec.head_task
    if spec.task == "segmentation" and context.foreground_ratio is not None:
        head_facts["foreground_ratio"] = context.foreground_ratio
    return HeadInput(name=spec.name, facts=head_facts, weight=spec.weight)


def advise_head(base: RuleBase, head: HeadInput) -> tuple[HeadAdvice, Evaluation, str]:
    """The head's top loss with its parameters; also its evaluation and the loss family."""
    evaluation = evaluate(base, head.facts, stage="loss")
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
    advice = HeadAdvice.model_construct(
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
    """Engine pass over the balancing stage; the top method (ties: catalog order)."""
    if not base.balancing:
        raise InputError("the rule base defines no balancing methods (rules/methods.yaml).")
    evaluation = evaluate(base, facts, stage="balancing")
    scores = _scores(base.balancing, evaluation.balancing_ledger)
    method = _best(scores)
    ledger = list(evaluation.balancing_ledger.get(method, []))
    settings = {**base.balancing[method].defaults, **evaluation.balancing_settings.get(method, {})}
    reasons = strongest(ledger)
    reasons += _setting_notes((evaluation,), method, "balancing")
    if not reasons:
        reasons = [f"no balancing rule fired: {base.balancing[method].name} is the catalog's first"]
    advice = BalancingAdvice.model_construct(
        method=method, settings=dict(sorted(settings.items())), reasons=reasons, ledger=ledger
    )
    return advice, evaluation


# --- 5b. task families and their reference presets ------------------------------------------


def apply_family(
    base: RuleBase,
    context: Context,
    facts: dict[str, FactValue],
    profile: TargetProfile | None,
) -> None:
    """Fill the facts a --task family implies (rules/tasks.yaml) where nothing measured or
    given says otherwise; InputError when DATA contradicts the family's target types."""
    if context.task_family is None:
        return
    family = base.vocabulary.family(context.task_family)
    if family is None:
        return
    if (
        profile is not None
        and family.target_types
        and profile.target_type not in family.target_types
    ):
        fits = ", ".join(family.target_types)
        raise InputError(
            f"--task {context.task_word or family.id} ({family.name}) contradicts target "
            f"'{profile.name}', measured as {profile.target_type} (it needs a {fits} "
            "target); drop --task or pick another target."
        )
    for name, value in family.implies.items():
        if profile is not None and FACTS[name].origin == "profile":
            continue  # measured facts win
        facts.setdefault(name, value)


def choose_preset(base: RuleBase, facts: Mapping[str, FactValue]) -> Preset | None:
    """The family's reference multi-head preset for the given architecture (else the first)."""
    family_id = facts.get("task_family")
    family = base.vocabulary.family(family_id) if isinstance(family_id, str) else None
    if family is None or not family.presets:
        return None
    architecture = facts.get("architecture")
    for preset in family.presets:
        if preset.architecture is not None and preset.architecture == architecture:
            return preset
    if architecture is not None and any(p.architecture for p in family.presets):
        return None  # an architecture without a reference preset: no heads invented
    return family.presets[0]


def preset_heads(base: RuleBase, preset: Preset) -> list[HeadAdvice]:
    """One HeadAdvice per head of the reference preset, with its loss, weight and parameters."""
    heads = []
    for head in preset.heads:
        spec = base.losses[head.loss]
        params = catalog_defaults(spec.params)
        for name, value in head.params.items():
            params[name] = ParamAdvice.model_construct(
                value=value, derivation=f"reference preset: {preset.name}"
            )
        head_task = base.vocabulary.head_task(head.head_task)
        reasons = [
            f"{preset.name}: {spec.name} with weight {show(head.weight)} "
            f"({'; '.join(r.text() for r in preset.references)})",
            preset.source,
        ]
        if head.note:
            reasons.insert(1, head.note)
        heads.append(
            HeadAdvice.model_construct(
                name=head.name,
                task=head_task.task if head_task is not None else head.head_task,
                loss=head.loss,
                params=dict(sorted(params.items())),
                weight=head.weight,
                reasons=reasons,
            )
        )
    return heads


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
    apply_family(base, context, facts, profile)
    profiles = [profile, *extra_profiles] if profile is not None else []
    heads_in = head_inputs(context, profiles, facts)
    if heads_in:
        facts["n_heads"] = len(heads_in)

    first = evaluate(base, facts, stage="loss")
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
    preset = None if heads_in or extra_profiles else choose_preset(base, facts)
    if preset is not None:
        heads = preset_heads(base, preset)
        balance_facts = {
            **_shared(facts),
            "n_heads": len(heads),
            "heads_preset": True,
            "heads_mixed_families": len({base.losses[h.loss].family for h in heads}) > 1,
        }
        balancing, balance_eval = choose_balancing(base, balance_facts)
        if balancing.method == "fixed":
            weights = {h.name: h.weight for h in heads}
            balancing = balancing.model_copy(
                update={"settings": {**balancing.settings, "weights": weights}}
            )
        evaluations.append(balance_eval)
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

    order = profile.class_order if profile is not None else None
    return Recommendation.model_construct(
        facts=dict(sorted(facts.items())),
        context=dict(sorted(context.facts().items())),
        ranking=ranking,
        optimizer=optimizer,
        heads=heads,
        balancing=balancing,
        cautions=collect_cautions(base, evaluations),
        # `classes` always given: for a missing default_factory field model_construct asks
        # inspect.signature about the factory, which compiles tokenize's regexes (ms)
        **({"classes": []} | class_fields(class_counts, order)),
        exposure=_exposure_column(profile, heads),
        target=profile.name if profile is not None and not heads else None,
    )


def _exposure_column(profile: TargetProfile | None, heads: Sequence[HeadAdvice]) -> str | None:
    """The single target's exposure column (multi-head models: the offset is per head, unset)."""
    if profile is None or profile.conditional is None or heads:
        return None
    return profile.conditional.exposure


def dump_json(rec: Recommendation) -> str:
    """The Recommendation as deterministic JSON: sorted keys, lists in their meaningful order."""
    # Through pydantic's JSON, which writes NaN and infinities as null: bare NaN is not JSON.
    data: dict[str, Any] = json.loads(rec.model_dump_json())
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
