"""The values that cross a trust boundary, checked against the catalog's value specs.

A native export or a saved profile is a file anyone can edit, and what it holds ends up in
configs that Hydra or LightningCLI instantiate. So every value is checked against its declared
spec (`ParamSpec` in rules/losses.yaml and rules/methods.yaml; `FactSpec` for facts) before it
is used, and every name against the catalog. Each function returns the problems as
(location, message) pairs; the caller turns the location into a file:line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lossadvisor.errors import did_you_mean
from lossadvisor.facts import FACTS, TARGET_TYPES
from lossadvisor.models import DatasetProfile, ParamAdvice, Recommendation
from lossadvisor.rules.catalog_checks import Catalog
from lossadvisor.rules.conditions import check_literal
from lossadvisor.rules.problems import show
from lossadvisor.rules.schema import ParamSpec, RuleBase

Loc = tuple[Any, ...]
Problems = list[tuple[Loc, str]]


def rule_choices(base: RuleBase) -> dict[str, tuple[str, ...]]:
    """The choices of the facts whose values the rule files define (loss ids, task families)."""
    return Catalog(
        losses=base.losses,
        optimizers=base.optimizers,
        balancing=base.balancing,
        vocabulary=base.vocabulary,
    ).choices()


def fact_problems(
    facts: Mapping[str, Any], loc: Loc, choices: Mapping[str, Sequence[str]] | None = None
) -> Problems:
    """Facts outside the vocabulary (facts.FACTS) or outside their kind, choices and range."""
    problems: Problems = []
    for name, value in facts.items():
        spec = FACTS.get(name)
        if spec is None:
            problems.append(((*loc, name), f"unknown fact '{name}'.{did_you_mean(name, FACTS)}"))
            continue
        if value is None:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(((*loc, name), f"the fact '{name}' must be finite. Got {value!r}."))
            continue
        found = check_literal(spec, value, choices)
        problems += [((*loc, name), message) for message in found]
    return problems


def spec_problem(what: str, spec: ParamSpec | None, value: Any, known: Sequence[str]) -> str | None:
    """None when `value` is admissible under `spec`, else the one-line message."""
    if spec is None:
        hint = did_you_mean(what.rsplit(".", 1)[-1], known)
        if not hint:
            hint = " It has: " + ", ".join(known) + "." if known else " It has none."
        return f"unknown parameter or setting '{what}'.{hint}"
    problem = spec.value_problem(value)
    if problem is None:
        return None
    return f"the value of '{what}' must be {problem}. Got {show(value)} instead."


def _settings(
    values: Mapping[str, Any], specs: Mapping[str, ParamSpec], owner: str, loc: Loc
) -> Problems:
    problems: Problems = []
    for key, value in values.items():
        message = spec_problem(f"{owner}.{key}", specs.get(key), value, list(specs))
        if message is not None:
            problems.append(((*loc, key), message))
    return problems


def _params(loss: str, params: Mapping[str, ParamAdvice], base: RuleBase, loc: Loc) -> Problems:
    spec = base.losses[loss]
    return _settings(
        {name: advice.value for name, advice in params.items()},
        spec.params,
        loss,
        loc,
    )


def _loss_id(loss: str, base: RuleBase, loc: Loc) -> Problems:
    if loss in base.losses:
        return []
    return [(loc, f"unknown loss id '{loss}'.{did_you_mean(loss, base.losses)}")]


def _name(name: str, loc: Loc) -> Problems:
    """Head names become config keys: nothing a config loader would read as an instruction."""
    if name.startswith("_") or "${" in name or name in ("class_path", "init_args"):
        return [(loc, f"the head name {name!r} is not allowed (a config loader would act on it)")]
    return []


def recommendation_problems(rec: Recommendation, base: RuleBase) -> Problems:
    """Every value of `rec` its spec does not admit, and every name the catalog does not know."""
    choices = rule_choices(base)
    problems = fact_problems(rec.facts, ("facts",), choices)
    problems += fact_problems(rec.context, ("context",), choices)
    for i, ranked in enumerate(rec.ranking):
        loc: Loc = ("ranking", i)
        found = _loss_id(ranked.loss, base, (*loc, "loss"))
        problems += found
        if found:
            continue
        if not math.isfinite(ranked.score):
            problems.append(((*loc, "score"), f"the score must be finite. Got {ranked.score!r}."))
        problems += _params(ranked.loss, ranked.params, base, (*loc, "params"))
    for i, head in enumerate(rec.heads):
        loc = ("heads", i)
        problems += _name(head.name, (*loc, "name"))
        found = _loss_id(head.loss, base, (*loc, "loss"))
        problems += found
        if not found:
            problems += _params(head.loss, head.params, base, (*loc, "params"))
        if not (math.isfinite(head.weight) and head.weight >= 0):
            problems.append(
                ((*loc, "weight"), f"a head weight must be a number >= 0. Got {head.weight!r}.")
            )
    opt = rec.optimizer
    if opt.name not in base.optimizers:
        hint = did_you_mean(opt.name, base.optimizers)
        problems.append((("optimizer", "name"), f"unknown optimizer '{opt.name}'.{hint}"))
    problems += _settings(
        opt.settings, base.settings.optimizer, opt.name, ("optimizer", "settings")
    )
    problems += _settings(
        opt.schedule, base.settings.schedule, "schedule", ("optimizer", "schedule")
    )
    if rec.balancing is not None:
        method = rec.balancing.method
        if method not in base.balancing:
            hint = did_you_mean(method, base.balancing)
            problems.append(
                (("balancing", "method"), f"unknown balancing method '{method}'.{hint}")
            )
        problems += _settings(
            rec.balancing.settings, base.settings.balancing, method, ("balancing", "settings")
        )
    return problems


def profile_problems(profile: DatasetProfile) -> Problems:
    """Target types and facts of a saved profile outside the vocabulary."""
    problems: Problems = []
    for i, target in enumerate(profile.targets):
        loc: Loc = ("targets", i)
        if target.target_type not in TARGET_TYPES:
            hint = did_you_mean(target.target_type, TARGET_TYPES)
            problems.append(
                ((*loc, "target_type"), f"unknown target type '{target.target_type}'.{hint}")
            )
        problems += fact_problems(target.facts, (*loc, "facts"))
        for label, q in (target.quantiles or {}).items():
            if not math.isfinite(q):
                problems.append(
                    ((*loc, "quantiles", label), f"a quantile must be finite. Got {q!r}.")
                )
        for label, n in (target.class_counts or {}).items():
            if n < 0:
                problems.append(
                    ((*loc, "class_counts", label), f"a class count must be >= 0. Got {n}.")
                )
    return problems
