"""Immutable results of `validate` and `tune` (what the renderers and `--json` show)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lossadvisor.models import Frozen, ParamAdvice


class ParamUsed(Frozen):
    """A loss parameter as trained, and where its value came from: a recommendation's
    ParamAdvice narrowed to what a proxy trains with (`from_advice`), or a default."""

    value: float | None
    source: str = Field(description="rule-derived formula, catalog default, or per-fold rule")

    @classmethod
    def from_advice(cls, advice: ParamAdvice) -> ParamUsed:
        """The value a rule (or the catalog default) advised, with the rule's derivation as its
        source ('rules: δ = 1.345 × ...'); numeric advice only."""
        source = f"rules: {advice.derivation}" if advice.rule_id else "catalog default"
        return cls(value=float(advice.value), source=source)


class Comparison(Frozen):
    """Paired difference of two losses over the same folds (Nadeau–Bengio corrected t)."""

    better: str
    worse: str
    metric: str
    difference: float = Field(description="how much better `better` is, in metric units (> 0)")
    std_error: float
    t: float
    n_folds: int
    beyond_noise: bool = Field(description="|t| above the two-sided 95 % t critical value")


class LossEvidence(Frozen):
    """One loss's cross-validated scores."""

    loss: str
    model: str = Field(description="the proxy that trained with this loss")
    params: dict[str, ParamUsed] = Field(default_factory=dict)
    folds_done: int
    rounds: list[int] = Field(
        default_factory=list, description="boosting rounds kept per fold (early stopping)"
    )
    fold_scores: dict[str, list[float]] = Field(description="metric -> one value per fold")
    mean: dict[str, float]
    std: dict[str, float]


class ValidationResult(Frozen):
    """Everything `lossadvisor validate` measured."""

    target: str
    task: str = Field(description="regression | proportion | binary | multiclass | multilabel")
    n_rows: int
    n_features: int
    n_folds: int
    repeats: int = 1
    fold_plan: str | None = Field(default=None, description="why folds/repeats were adapted")
    seed: int
    metric: str
    higher_is_better: bool
    panel: list[str]
    engine: str = Field(default="", description="the one engine and its settings, in words")
    proxy_settings: dict[str, Any]
    jobs: int = 1
    losses: list[LossEvidence]
    winner: str | None
    runner_up: Comparison | None = None
    rule_ranking: list[str] | None = None
    rules_first: str | None = Field(default=None, description="the rules' first choice")
    rules_vs_data: Comparison | None = None
    verdict: str = Field(description="one plain sentence: winner, noise, agreement with rules")
    skipped: list[str] = Field(default_factory=list, description="'loss fold k' not measured")
    notes: list[str] = Field(default_factory=list, description="rows dropped, metric clipping")
    constant_log_loss: float | None = Field(
        default=None,
        description="classes: held-out log-loss of the training-fold class prior, same folds",
    )
    cautions: list[str] = Field(
        default_factory=list, description="losses whose log-loss is worse than the constant"
    )
    stopped_by_budget: bool = False
    seconds: float = 0.0


class TrialResult(Frozen):
    params: dict[str, float]
    learning_rate: float
    mean: float
    std: float


class TuneResult(Frozen):
    """Everything `lossadvisor tune` measured."""

    target: str
    task: str
    loss: str
    search: str
    metric: str
    higher_is_better: bool
    n_folds: int
    seed: int
    default: TrialResult
    default_sources: dict[str, str]
    best: TrialResult
    improvement: Comparison | None
    trials: list[TrialResult]
    verdict: str
    exported: str | None = Field(
        default=None, description="which setting --export wrote (tuned or rule-derived), and why"
    )
    engine: str = Field(
        default="",
        description="the proxy and its settings, in words (the MLP's are fixed: "
        "only the loss's parameters are searched)",
    )
    stopped_by_budget: bool = False
    seconds: float = 0.0
