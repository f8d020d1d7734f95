"""Matching rules against facts and adding up their effects, every contribution on the ledger.

Pure computation: no files, no printing. `evaluate` returns an Evaluation in which every score
delta, exclusion, hyperparameter hint, optimizer or balancing delta and caution carries the rule
that produced it, so that any number can be explained.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Collection, Mapping
from functools import partial
from typing import Any, Literal, NamedTuple

from lossadvisor.facts import FactValue
from lossadvisor.models import Caution, Contribution
from lossadvisor.rules.schema import MethodAdvice, Rule, RuleBase
from lossadvisor.rules.stages import Stage


# Immutable records, not pydantic models: both live only inside `recommend` (never dumped or
# validated), and building their validators cost every command's start-up.
class ParamHint(NamedTuple):
    """One rule's advice for one hyperparameter: a literal value or a named derivation."""

    rule_id: str
    value: Any | None = None
    derive: str | None = None


class Evaluation(NamedTuple):
    """Everything the firing rules said, in load order, each item with its rule id."""

    fired: list[str]
    loss_ledger: dict[str, list[Contribution]]
    exclusions: dict[str, list[Contribution]]
    param_hints: dict[str, dict[str, list[ParamHint]]]
    optimizer_ledger: dict[str, list[Contribution]]
    optimizer_settings: dict[str, dict[str, Any]]
    optimizer_schedules: dict[str, dict[str, Any]]
    balancing_ledger: dict[str, list[Contribution]]
    balancing_settings: dict[str, dict[str, Any]]
    cautions: list[Caution]
    setters: list[SettingAdvice]

    def score(self, loss_id: str) -> float:
        """The summed score delta of one loss (0 when no rule mentioned it)."""
        return sum(c.delta for c in self.loss_ledger.get(loss_id, []))

    def set_by(self, kind: SettingKind, method: str) -> list[SettingAdvice]:
        """Who set `method`'s settings (or schedule), in load order: the merged values of
        optimizer_settings / optimizer_schedules / balancing_settings, rule by rule."""
        return [s for s in self.setters if s.kind == kind and s.method == method]


SettingKind = Literal["optimizer", "schedule", "balancing"]


class SettingAdvice(NamedTuple):
    """One fired rule's settings for one optimizer (its `settings` or `schedule`) or one
    balancing method: the attribution `recommend` prints as 'set lr = 0.01 (rule X)'."""

    rule_id: str
    kind: SettingKind
    method: str
    values: dict[str, Any]


def fires(rule: Rule, facts: Mapping[str, FactValue]) -> bool:
    """Whether the rule's `when` holds for these facts (missing facts make conditions false)."""
    return rule.condition.holds(facts)


def read_facts(rule: Rule, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """The facts the rule's condition reads, with their values (None when missing)."""
    return {name: facts.get(name) for name in rule.condition.facts()}


def format_because(text: str, facts: Mapping[str, FactValue]) -> str:
    """`text` formatted with the facts; the raw text if a field is missing or formatting fails."""
    try:
        parts = [(f, spec or "") for _, f, spec, _ in string.Formatter().parse(text)]
    except ValueError:
        return text
    fields = [f for f, _ in parts if f is not None]
    # The loader refuses widths above 100; a rule base built another way must not cost memory.
    if any(int(n) > 100 for _, spec in parts for n in re.findall(r"\d+", spec)):
        return text
    if not fields:
        return text.format() if "{{" in text or "}}" in text else text
    if any(facts.get(f) is None for f in fields):
        return text
    try:
        return text.format_map({f: facts[f] for f in fields})
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
        return text


def evaluate(
    base: RuleBase,
    facts: Mapping[str, FactValue],
    tables: Collection[str] | None = None,
    stage: Stage | None = None,
) -> Evaluation:
    """Fire every rule (of `stage` and of `tables`, or all) whose condition holds and collect
    its effects."""
    fired: list[str] = []
    loss_ledger: dict[str, list[Contribution]] = {}
    exclusions: dict[str, list[Contribution]] = {}
    param_hints: dict[str, dict[str, list[ParamHint]]] = {}
    optimizer_ledger: dict[str, list[Contribution]] = {}
    optimizer_settings: dict[str, dict[str, Any]] = {}
    optimizer_schedules: dict[str, dict[str, Any]] = {}
    balancing_ledger: dict[str, list[Contribution]] = {}
    balancing_settings: dict[str, dict[str, Any]] = {}
    cautions: list[Caution] = []
    setters: list[SettingAdvice] = []

    for rule in base.rules:
        if stage is not None and rule.stage != stage:
            continue
        if tables is not None and rule.table not in tables:
            continue
        if not fires(rule, facts):
            continue
        fired.append(rule.id)
        read = read_facts(rule, facts)
        because = format_because(rule.because, facts)

        contribution = partial(_contribution, rule, read)

        for loss_id, delta in rule.score.items():
            loss_ledger.setdefault(loss_id, []).append(contribution(delta, because))
        for loss_id, reason in rule.exclude.items():
            exclusions.setdefault(loss_id, []).append(contribution(0.0, reason))
        for loss_id, advice in rule.params.items():
            per_loss = param_hints.setdefault(loss_id, {})
            for param, value in advice.items():
                per_loss.setdefault(param, []).append(_hint(rule.id, value))
        _advise(rule.optimizer, optimizer_ledger, optimizer_settings, contribution, because)
        if rule.optimizer is not None:
            for method, schedule in rule.optimizer.schedule.items():
                optimizer_schedules.setdefault(method, {}).update(plain(schedule))
        _advise(rule.balancing, balancing_ledger, balancing_settings, contribution, because)
        setters += _setters(rule)
        if rule.caution:
            # The losses the rule acts on, so a reader can tell whom the caution concerns.
            concerns = list(dict.fromkeys([*rule.score, *rule.exclude, *rule.params]))
            cautions.append(
                Caution.model_construct(
                    rule_id=rule.id, text=rule.caution, source=rule.source, losses=concerns
                )
            )

    return Evaluation(
        fired=fired,
        loss_ledger=loss_ledger,
        exclusions=exclusions,
        param_hints=param_hints,
        optimizer_ledger=optimizer_ledger,
        optimizer_settings=optimizer_settings,
        optimizer_schedules=optimizer_schedules,
        balancing_ledger=balancing_ledger,
        balancing_settings=balancing_settings,
        cautions=cautions,
        setters=setters,
    )


def _contribution(
    rule: Rule, read: dict[str, FactValue], delta: float, because: str
) -> Contribution:
    # Constructed, not validated (as recommend.py's output models): every value comes from the
    # validated rule base and facts; `delta` is a YAML number, made the float validation would
    # make of it. tests/recommend/test_recommend_constructed.py compares with validation.
    return Contribution.model_construct(
        rule_id=rule.id,
        table=rule.table,
        delta=float(delta),
        because=because,
        facts=read,
        source=rule.source,
    )


def _hint(rule_id: str, value: Any) -> ParamHint:
    if isinstance(value, Mapping) and "derive" in value:
        return ParamHint(rule_id=rule_id, derive=str(value["derive"]))
    return ParamHint(rule_id=rule_id, value=plain(value))


def plain(value: Any) -> Any:
    """Plain dicts/lists (the loader's line-aware containers carry attributes)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _advise(
    advice: MethodAdvice | None,
    ledger: dict[str, list[Contribution]],
    settings: dict[str, dict[str, Any]],
    contribution: Callable[[float, str], Contribution],
    because: str,
) -> None:
    if advice is None:
        return
    for method, delta in advice.score.items():
        ledger.setdefault(method, []).append(contribution(delta, because))
    for method, overrides in advice.settings.items():
        settings.setdefault(method, {}).update(plain(overrides))


def _setters(rule: Rule) -> list[SettingAdvice]:
    """The settings and schedules a fired rule gives, each with the rule's id."""
    found: list[SettingAdvice] = []
    parts: list[tuple[SettingKind, MethodAdvice | None, str]] = [
        ("optimizer", rule.optimizer, "settings"),
        ("schedule", rule.optimizer, "schedule"),
        ("balancing", rule.balancing, "settings"),
    ]
    for kind, advice, part in parts:
        for method, values in getattr(advice, part).items() if advice is not None else ():
            found.append(SettingAdvice(rule.id, kind, method, plain(values)))
    return found
