"""One scenario (or more) per row of every table of the source article.

The scenarios are data (scenarios.yaml next to this file): a row id, the context and facts of
the situation the row describes, and what a correct recommendation must do — the loss(es) at the
top or in the top 3, the fact(s) the rationale must name, and for rows the audit marks WRONG the
corrected behaviour. The row list is rules/article.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lossadvisor.context import make_context
from lossadvisor.models import Contribution, RankedLoss, Recommendation, TargetProfile
from lossadvisor.recommend import recommend
from lossadvisor.resources import rules_dir
from lossadvisor.rules.schema import RuleBase

HERE = Path(__file__).parent
SCENARIOS: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (HERE / "scenarios.yaml").read_text(encoding="utf-8")
)["scenarios"]
ARTICLE_ROWS = [
    row["id"]
    for row in yaml.safe_load((rules_dir() / "article.yaml").read_text(encoding="utf-8"))["rows"]
]
EXPECTATION_KEYS = {
    "first",
    "top3",
    "top3_any",
    "not_top3",
    "not_candidate",
    "verdict",
    "rationale_facts",
    "rationale_rules_from",
    "params",
    "optimizer",
    "optimizer_settings",
    "optimizer_facts",
    "balancing",
    "balancing_facts",
    "heads",
    "caution",
    "article_claim_only",
    "no_negative_from",
}


def test_every_article_row_has_a_scenario() -> None:
    missing = [row for row in ARTICLE_ROWS if row not in SCENARIOS]
    assert not missing, f"article rows without a scenario: {missing}"
    unknown = [row for row in SCENARIOS if row not in ARTICLE_ROWS]
    assert not unknown, f"scenarios for rows the article does not have: {unknown}"


def _cases() -> list[Any]:
    cases = []
    for row, scenarios in SCENARIOS.items():
        for i, scenario in enumerate(scenarios):
            marks = []
            if "xfail" in scenario:
                marks.append(pytest.mark.xfail(strict=True, reason=scenario["xfail"]))
            cases.append(pytest.param(row, scenario, id=f"{row}-{i + 1}", marks=marks))
    return cases


def _profile(scenario: dict[str, Any]) -> TargetProfile | None:
    facts = dict(scenario.get("facts") or {})
    if "target_type" not in facts:
        return None
    target_type = facts.pop("target_type")
    return TargetProfile(
        name=scenario.get("target", "y"),
        target_type=target_type,
        type_reason="scenario",
        facts=facts,
        class_counts=scenario.get("class_counts"),
    )


def _candidates(rec: Recommendation) -> list[RankedLoss]:
    return [r for r in rec.ranking if r.verdict != "excluded"]


def _item(rec: Recommendation, loss: str) -> RankedLoss:
    for item in rec.ranking:
        if item.loss == loss:
            return item
    raise AssertionError(f"{loss} is not in the ranking: {[r.loss for r in rec.ranking]}")


def _cited(ledger: Iterable[Contribution]) -> set[str]:
    """Facts the contributions name with a value (a fact read as absent names nothing)."""
    return {name for c in ledger for name, value in c.facts.items() if value is not None}


@pytest.mark.parametrize(("row", "scenario"), _cases())
def test_scenario(base: RuleBase, row: str, scenario: dict[str, Any]) -> None:
    expect: dict[str, Any] = scenario["expect"]
    assert set(expect) <= EXPECTATION_KEYS, set(expect) - EXPECTATION_KEYS
    context = make_context(**(scenario.get("context") or {}))
    rec = recommend(base, context, _profile(scenario))
    ranked = [r.loss for r in _candidates(rec)]
    where = f"{row} ({scenario.get('why', '')}): ranking {ranked}"

    if "first" in expect:
        assert ranked[0] in expect["first"], where
    for loss in expect.get("top3", []):
        assert loss in ranked[:3], f"{loss} not in top 3; {where}"
    if "top3_any" in expect:
        assert set(expect["top3_any"]) & set(ranked[:3]), where
    for loss in expect.get("not_top3", []):
        assert loss not in ranked[:3], f"{loss} in top 3; {where}"
    for loss in expect.get("not_candidate", []):
        assert loss not in ranked, f"{loss} is a candidate; {where}"
    for loss, verdict in (expect.get("verdict") or {}).items():
        assert _item(rec, loss).verdict == verdict, f"{loss}: {_item(rec, loss).verdict}; {where}"

    # The rationale of the first-ranked loss (or the named one) must cite the deciding facts.
    for spec in expect.get("rationale_facts", []):
        loss, facts = (spec["loss"], spec["facts"]) if isinstance(spec, dict) else (None, [spec])
        item = _item(rec, loss) if loss else _candidates(rec)[0]
        cited = _cited(c for c in item.ledger if c.delta > 0)
        if item.verdict in ("avoid", "excluded"):
            cited |= _cited(item.ledger)
        for fact in facts:
            assert fact in cited, f"{item.loss}'s rationale does not name {fact}: {cited}; {where}"
    if "rationale_rules_from" in expect:
        item = _candidates(rec)[0]
        tables = {c.table for c in item.ledger if c.delta > 0}
        assert expect["rationale_rules_from"] in tables, f"{tables}; {where}"

    for loss, params in (expect.get("params") or {}).items():
        advice = _item(rec, loss).params
        for name, value in params.items():
            assert name in advice, f"{loss}.{name} missing: {list(advice)}"
            if isinstance(value, dict) and "derived_from" in value:
                assert value["derived_from"] in advice[name].derivation, advice[name]
            else:
                assert advice[name].value == pytest.approx(value), (loss, name, advice[name])

    if "optimizer" in expect:
        assert rec.optimizer.name in expect["optimizer"], f"{rec.optimizer}; {where}"
    for name, value in (expect.get("optimizer_settings") or {}).items():
        assert rec.optimizer.settings.get(name) == value, f"{name}: {rec.optimizer.settings}"
    for fact in expect.get("optimizer_facts", []):
        assert fact in _cited(c for c in rec.optimizer.ledger if c.delta > 0), rec.optimizer
    if "balancing" in expect:
        assert rec.balancing is not None and rec.balancing.method in expect["balancing"], (
            rec.balancing,
            where,
        )
    for fact in expect.get("balancing_facts", []):
        assert rec.balancing is not None
        assert fact in _cited(c for c in rec.balancing.ledger if c.delta > 0), rec.balancing
    for head_name, losses in (expect.get("heads") or {}).items():
        head = next(h for h in rec.heads if h.name == head_name)
        assert head.loss in losses, f"head {head_name}: {head.loss}; {where}"

    texts = " | ".join(c.text for c in rec.cautions)
    for fragment in expect.get("caution", []):
        assert fragment.lower() in texts.lower(), f"no caution with '{fragment}': {texts}"
    for fragment in expect.get("article_claim_only", []):
        for caution in rec.cautions:
            if fragment.lower() in caution.text.lower():
                assert "article" in caution.text.lower(), f"'{fragment}' stated as fact: {caution}"
        for item in rec.ranking:
            for reason in item.reasons:
                if fragment.lower() in reason.lower():
                    assert "article" in reason.lower(), f"'{fragment}' stated as fact: {reason}"
    for spec in expect.get("no_negative_from", []):
        item = _item(rec, spec["loss"])
        bad = [c.rule_id for c in item.ledger if c.table == spec["table"] and c.delta < 0]
        assert not bad, f"{spec['loss']} penalised by {bad}; {where}"
