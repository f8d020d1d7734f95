"""The ranking, verdict, parameter, optimizer, balancing and caution logic of recommend(),
on a small rule base written here (the shipped catalogs with hand-made table files), so that
each rule of the pipeline is checked independently of the knowledge base's numbers."""

from __future__ import annotations

import shutil

import pytest

from lossadvisor.context import make_context
from lossadvisor.errors import InputError
from lossadvisor.models import TargetProfile
from lossadvisor.recommend import ALTERNATIVE_POINTS, dump_json, recommend, verdict_for
from lossadvisor.resources import rules_dir
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import TABLES, RuleBase

TABLE_RULES = {
    "task": """
  - id: t.reg
    covers: [table1.row1]
    when: {task: regression}
    score: {mse: 2, huber: 2, mae: 1, log_cosh: -1}
    because: "task {task}"
    source: "test"
  - id: t.reg.target
    covers: [table1.row1]
    when: {target_type: continuous, task: {present: false}}
    score: {mse: 2, huber: 2, mae: 1}
    because: "target {target_type}"
    source: "test"
  - id: t.bin
    covers: [table1.row2]
    when: {task: binary}
    score: {bce: 3, weighted_bce: 1, mse: 5}
    exclude: {tweedie: "not for labels"}
    because: "binary"
    source: "test"
""",
    "data": """
  - id: d.outliers
    covers: [table2.row1]
    when: {outlier_ratio: {gt: 0.01}}
    score: {huber: 3, mse: -4}
    because: "{outlier_ratio:.0%} outliers"
    source: "test"
    params:
      huber: {delta: {derive: huber_delta_mad}}
    caution: "robust loss advised"
  - id: d.literal
    covers: [table2.row1]
    when: {task: regression}
    params:
      huber: {delta: 0.5}
    because: "a literal first"
    source: "test"
    caution: "robust loss advised"
  - id: d.exclude
    covers: [table2.row1]
    when: {task: regression}
    exclude: {mae: "no MAE here", gamma: "gamma needs y > 0"}
    because: "exclusions"
    source: "test"
""",
    "optimizer": """
  - id: o.base
    covers: [table8.row1]
    when: {loss: huber}
    optimizer:
      score: {adamw: 2, sgd: 1, adam: -1}
      settings: {sgd: {momentum: 0.95}, adamw: {lr: 0.0003}}
    because: "loss {loss}"
    source: "test"
""",
    "multitask": """
  - id: m.mixed
    covers: [table7.row1]
    when: {n_heads: {gt: 1}, heads_mixed_families: true}
    balancing:
      score: {uncertainty: 2}
    because: "mixed"
    source: "test"
  - id: m.same
    covers: [table7.row1]
    when: {n_heads: {gt: 1}, heads_mixed_families: false}
    balancing:
      score: {gradnorm: 2, dwa: 2}
      settings: {dwa: {temperature: 3.0}}
    because: "same family"
    source: "test"
""",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> RuleBase:
    folder = tmp_path_factory.mktemp("small_rules")
    for name in ("losses.yaml", "methods.yaml", "frameworks.yaml", "article.yaml"):
        shutil.copy(rules_dir() / name, folder / name)
    for table in TABLES:
        body = TABLE_RULES.get(table, " []")
        text = f"table: {table}\ntitle: test\nrules:{body}" if table in TABLE_RULES else ""
        (folder / f"{table}.yaml").write_text(
            text or f"table: {table}\ntitle: test\nrules: []\n", encoding="utf-8"
        )
    return load_rulebase(builtin_dir=folder)


def _continuous(**facts: float) -> TargetProfile:
    return TargetProfile(
        name="y", target_type="continuous", type_reason="test", facts={"mad_sigma": 2.0, **facts}
    )


def test_ties_break_by_catalog_order_and_excluded_come_last(small: RuleBase) -> None:
    rec = recommend(small, make_context(task="regression"))
    losses = [r.loss for r in rec.ranking]
    catalog = list(small.losses)
    assert losses[:2] == sorted(["mse", "huber"], key=catalog.index)  # both score 2
    excluded = [r for r in rec.ranking if r.verdict == "excluded"]
    assert [r.loss for r in excluded] == ["mae", "gamma"]  # last, in catalog order
    assert rec.ranking[-len(excluded) :] == excluded
    assert "no MAE here" in (excluded[0].excluded_because or "")
    assert [r.verdict for r in rec.ranking][:2] == ["recommended", "alternative"]
    log_cosh = next(r for r in rec.ranking if r.loss == "log_cosh")
    # Scored down to −1 by rule t.reg: avoid, with the signed reason and its rule id.
    assert log_cosh.verdict == "avoid" and log_cosh.reasons == ["−1 t.reg: task regression"]


def test_verdict_margin() -> None:
    assert verdict_for(1, -5, -5) == "recommended"
    assert verdict_for(2, 10 - ALTERNATIVE_POINTS, 10) == "alternative"
    assert verdict_for(2, 4.9, 10) == "weaker"  # margin is max(3 points, half of 10) = 5
    assert verdict_for(2, 5, 10) == "alternative"
    assert verdict_for(2, 0, 2) == "avoid"  # never an alternative at score <= 0
    assert verdict_for(2, 0, 2, scored_down=False) == "weaker"  # nothing spoke against it
    assert verdict_for(2, 1, 9, scored_down=True) == "weaker"  # positive: behind, not avoided


def test_reasons_are_signed_strongest_first() -> None:
    from lossadvisor.models import Contribution
    from lossadvisor.recommend import reasons_for

    def c(rule: str, delta: float) -> Contribution:
        return Contribution(
            rule_id=rule, table="t", delta=delta, because=rule, facts={}, source="s"
        )

    ledger = [c("a", 1), c("b", -3), c("c", 2)]
    assert reasons_for(ledger, "avoid") == ["−3 b: b", "+2 c: c"]
    assert reasons_for([c("a", 2), c("b", -2)], "weaker") == ["+2 a: a", "−2 b: b"]
    assert reasons_for([c("a", 2), c("b", -2)], "avoid") == ["−2 b: b", "+2 a: a"]
    assert reasons_for([], "weaker") == ["no rule about it"]


def test_task_misfits_are_excluded_with_the_catalog_reason(small: RuleBase) -> None:
    rec = recommend(small, make_context(task="binary"))
    mse = next(r for r in rec.ranking if r.loss == "mse")
    assert mse.verdict == "excluded" and "not binary" in (mse.excluded_because or "")
    assert rec.ranking[0].loss == "bce"  # mse's +5 does not count: it does not serve binary
    # excluding a loss that does not serve the task anyway is noise: not listed
    assert "tweedie" not in [r.loss for r in rec.ranking]


def test_without_task_the_rules_read_the_target_type(small: RuleBase) -> None:
    rec = recommend(small, make_context(), _continuous())
    assert "task" not in rec.facts
    assert rec.ranking[0].ledger[0].rule_id == "t.reg.target"


def test_params_hints_apply_in_rule_order_and_derivations_say_why(small: RuleBase) -> None:
    with_data = recommend(small, make_context(task="regression"), _continuous(outlier_ratio=0.05))
    huber = next(r for r in with_data.ranking if r.loss == "huber")
    # d.outliers (derive) precedes d.literal (0.5) in load order: the later rule wins
    assert huber.params["delta"].value == 0.5 and huber.params["delta"].rule_id == "d.literal"
    no_data = recommend(small, make_context(task="regression"))
    delta = next(r for r in no_data.ranking if r.loss == "huber").params["delta"]
    assert delta.value == 0.5
    rb = small.model_copy(update={"rules": [r for r in small.rules if r.id != "d.literal"]})
    derived = next(
        r
        for r in recommend(rb, make_context(), _continuous(outlier_ratio=0.05)).ranking
        if r.loss == "huber"
    ).params["delta"]
    assert derived.value == pytest.approx(1.345 * 2.0) and "mad_sigma" in derived.derivation
    kept = next(
        r for r in recommend(rb, make_context(task="regression")).ranking if r.loss == "huber"
    ).params["delta"]
    assert kept.value == small.losses["huber"].params["delta"].default
    assert kept.derivation.startswith("catalog default")  # d.outliers did not fire: no data


def test_optimizer_best_and_requested(small: RuleBase) -> None:
    data = _continuous(outlier_ratio=0.05)
    best = recommend(small, make_context(task="regression"), data).optimizer
    assert best.name == "adamw" and not best.requested
    assert best.settings["lr"] == 0.0003  # catalog default overridden by the rule
    assert best.settings["weight_decay"] == small.optimizers["adamw"].defaults["weight_decay"]
    chosen = recommend(small, make_context(task="regression", optimizer="sgd"), data).optimizer
    assert chosen.name == "sgd" and chosen.requested
    assert chosen.settings["momentum"] == 0.95
    assert any("adamw scored higher" in r for r in chosen.reasons)
    assert any("momentum = 0.95" in r for r in chosen.reasons)


def test_balancing_follows_head_families(small: RuleBase) -> None:
    mixed = recommend(small, make_context(heads=["a:regression", "b:binary:0.3"]))
    assert mixed.balancing is not None and mixed.balancing.method == "uncertainty"
    assert [h.weight for h in mixed.heads] == [1.0, 0.3]
    assert mixed.facts["n_heads"] == 2 and mixed.facts["task"] == "regression"
    same = recommend(small, make_context(heads=["a:regression", "b:regression"]))
    assert same.balancing is not None
    assert same.balancing.method == "gradnorm"  # tie with dwa: catalog order
    assert same.balancing.settings == small.balancing["gradnorm"].defaults


def test_cautions_are_deduplicated_in_rule_order(small: RuleBase) -> None:
    rec = recommend(small, make_context(task="regression"), _continuous(outlier_ratio=0.05))
    assert [c.rule_id for c in rec.cautions] == ["d.outliers", "d.literal"]
    again = recommend(small, make_context(task="regression"), _continuous(outlier_ratio=0.05))
    assert dump_json(again) == dump_json(rec)


def test_nothing_to_go_on_and_no_candidate(small: RuleBase) -> None:
    with pytest.raises(InputError, match="give DATA"):
        recommend(small, make_context())
    with pytest.raises(InputError, match="no loss in the rule base fits task segmentation"):
        recommend(small, make_context(task="segmentation"))
    with pytest.raises(InputError, match="contradicts"):
        recommend(small, make_context(task="binary"), _continuous())


def test_requested_optimizer_without_rules_keeps_catalog_defaults(small: RuleBase) -> None:
    opt = recommend(small, make_context(task="binary", optimizer="adam")).optimizer
    assert opt.name == "adam" and opt.requested
    assert opt.settings == dict(sorted(small.optimizers["adam"].defaults.items()))
    assert opt.schedule == small.optimizers["adam"].schedule
    assert not any("scored higher" in r for r in opt.reasons)  # all optimizers tie at 0
    assert opt.reasons == ["you chose adam; no rule adjusts it for bce: catalog defaults"]
    best = recommend(small, make_context(task="binary")).optimizer
    assert best.name == next(iter(small.optimizers))  # tie: catalog order
