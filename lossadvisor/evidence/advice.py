"""What `validate` and `tune` take from a Recommendation: the rule ranking and rule parameters."""

from __future__ import annotations

from collections.abc import Collection

from lossadvisor.evidence.proxies import NEURAL_ONLY, PROXIES, proxy_for
from lossadvisor.evidence.results import ParamUsed, TuneResult
from lossadvisor.models import ParamAdvice, RankedLoss, Recommendation


def rule_ranking(rec: Recommendation) -> list[str]:
    """Loss ids in rule order, excluded ones left out."""
    return [r.loss for r in rec.ranking if r.verdict != "excluded"]


def top_losses(
    rec: Recommendation, k: int, have: Collection[str] = PROXIES
) -> tuple[list[str], list[str]]:
    """The first `k` ranked losses that have a proxy (in `have`: the tree's by default, or the
    MLP's), and the better-ranked ones that have none."""
    chosen: list[str] = []
    without: list[str] = []
    for loss in rule_ranking(rec):
        if len(chosen) == k:
            break
        (chosen if loss in have else without).append(loss)
    return chosen, without


def unmeasured(
    ranking: list[str], measured: list[str], have: Collection[str] = PROXIES
) -> dict[str, str]:
    """Why each ranked loss above the last measured one was not measured (for the verdict)."""
    out: dict[str, str] = {}
    for loss in ranking:
        if loss in measured:
            continue
        out[loss] = "no table proxy" if loss not in have else "not among the validated losses"
    return out


def rule_params(rec: Recommendation) -> dict[str, dict[str, ParamUsed]]:
    """Each proxied loss's parameters as the rules set them, with their derivation text.

    Only parameters the proxy trains with are kept (class weights, for one, are recomputed from
    each training fold so that no held-out row informs them).
    """
    out: dict[str, dict[str, ParamUsed]] = {}
    for ranked in rec.ranking:
        if ranked.loss not in PROXIES and ranked.loss not in NEURAL_ONLY:
            continue
        proxy = proxy_for(ranked.loss)  # the tree's record, or an MLP-only loss's
        used: dict[str, ParamUsed] = {}
        for name, advice in ranked.params.items():
            if name not in proxy.defaults or not isinstance(advice.value, int | float):
                continue
            if advice.rule_id is None and ranked.loss == "weighted_bce":
                continue  # catalog pos_weight 1 would make it plain BCE: keep the fold ratio
            used[name] = ParamUsed.from_advice(advice)
        out[ranked.loss] = used
    return out


def with_tuned(rec: Recommendation, tuned: TuneResult) -> Recommendation:
    """The Recommendation with the tuned loss first and its parameters set to the best trial."""
    how = (
        f"tuned by {tuned.search} search on '{tuned.target}': {tuned.n_folds}-fold CV "
        f"{tuned.metric} {tuned.best.mean:.4g} vs {tuned.default.mean:.4g} at the default"
    )
    current = next((r for r in rec.ranking if r.loss == tuned.loss), None)
    params = dict(current.params) if current is not None else {}
    for name, value in tuned.best.params.items():
        params[name] = ParamAdvice(value=value, derivation=how)
    if current is None:
        first = RankedLoss(
            loss=tuned.loss,
            name=tuned.loss,
            score=0.0,
            verdict="recommended",
            params=params,
            reasons=[how],
        )
    else:
        first = current.model_copy(update={"params": params, "verdict": "recommended"})
    rest = [r for r in rec.ranking if r.loss != tuned.loss]
    return rec.model_copy(update={"ranking": [first, *rest]})
