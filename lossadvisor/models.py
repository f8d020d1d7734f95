"""Immutable models that pass between the stages: Profile -> (rules) -> Recommendation.

Stages only exchange these; nothing here reads files or prints.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from lossadvisor.facts import FactValue

PROFILE_SCHEMA_VERSION = 1
RECOMMENDATION_SCHEMA_VERSION = 1


class Frozen(BaseModel):
    # defer_build: a model's validator is built when first used, not at import (start-up)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-able data (what --json prints, as a dict)."""
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """The model as JSON text, as --json prints it."""
        return self.model_dump_json(indent=indent)

    def _repr_html_(self) -> str:
        """A compact card for Jupyter (render/cards.py)."""
        from lossadvisor.render.cards import card

        return card(self)


# --- profile ---------------------------------------------------------------------------------


class ConditionalInfo(Frozen):
    """Provenance of the conditional facts: which baseline, on which rows and features."""

    model: str | None = Field(
        description="the cross-fitted baseline, e.g. 'HistGradientBoostingRegressor(loss=poisson)'"
        " (None: no baseline was fitted; `note` says why)"
    )
    resampling: str | None = Field(default=None, description="how out-of-fold fits were made")
    n_rows: int = Field(default=0, description="rows the baseline was fitted and scored on")
    sampled: bool = Field(default=False, description="the rows are a seeded sample of the file")
    features: list[str] = Field(default_factory=list)
    excluded: dict[str, str] = Field(
        default_factory=dict, description="column -> why it is not a feature"
    )
    exposure: str | None = Field(default=None, description="the exposure column, if any")
    note: str = ""


class TargetProfile(Frozen):
    """Everything measured about one target column."""

    name: str
    target_type: str
    type_reason: str = Field(description="why this target type was inferred (or that it was given)")
    facts: dict[str, FactValue] = Field(description="fact name -> value, names from facts.FACTS")
    class_counts: dict[str, int] | None = None
    quantiles: dict[str, float] | None = None
    estimated: list[str] = Field(default_factory=list, description="facts that are estimates")
    sample_size: int | None = Field(default=None, description="rows behind the estimated facts")
    readings: dict[str, str] = Field(
        default_factory=dict, description="fact -> plain-words reading"
    )
    levels: list[str] | None = Field(
        default=None, description="ordinal targets: every level, lowest first"
    )
    conditional: ConditionalInfo | None = Field(
        default=None, description="provenance of the conditional (residual) facts"
    )
    class_order: list[str] | None = Field(
        default=None,
        description="the order the data itself declares its classes in (COCO categories by "
        "id, a YOLO names file); exports index the classes this way. None: natural order",
    )
    class_images: dict[str, int] | None = Field(
        default=None, description="vision: images (masks) in which each class appears"
    )
    class_image_pixels: dict[str, int] | None = Field(
        default=None,
        description="segmentation: pixels of the masks in which each class appears "
        "(median-frequency balancing)",
    )
    # The baseline's out-of-fold fit (observed, fitted) on a seeded sample of rows, kept in
    # memory for the report's residual plot; never serialised.
    _baseline_fit: Any = PrivateAttr(default=None)

    def attach_baseline_fit(self, observed: Any, fitted: Any) -> None:
        self._baseline_fit = (observed, fitted)

    def baseline_fit(self) -> tuple[Any, Any] | None:
        """(observed, out-of-fold fitted) of the conditional baseline, or None."""
        return self._baseline_fit


class DatasetProfile(Frozen):
    """The profile of one dataset: one or more targets."""

    schema_version: int = PROFILE_SCHEMA_VERSION
    source: str
    format: str
    n_rows: int
    target_choice: str = Field(description="which rule picked the target(s)")
    targets: list[TargetProfile]
    # A uniform sample of each numeric target's values, kept by the Python API for the plots;
    # never serialised (the profile document stays the facts).
    _values: dict[str, Any] = PrivateAttr(default_factory=dict)

    def attach_values(self, values: dict[str, Any]) -> None:
        self._values = dict(values)

    def values_of(self, target: str) -> Any | None:
        """The sampled values of a numeric target (a NumPy array), or None."""
        return self._values.get(target)

    def plot_target(self, target: str | None = None) -> Any:
        """A matplotlib Figure: the target's histogram with fitted candidate densities, or its
        class bars (the `report` extra)."""
        from lossadvisor.render.plots import target_figure

        chosen = next((t for t in self.targets if target in (None, t.name)), None)
        if chosen is None:
            from lossadvisor.errors import unknown_name

            raise unknown_name("target", str(target), [t.name for t in self.targets])
        return target_figure(chosen, self.values_of(chosen.name))


# --- recommendation --------------------------------------------------------------------------

Verdict = Literal["recommended", "alternative", "weaker", "avoid", "excluded"]


class Contribution(Frozen):
    """One rule's effect on one candidate: the unit of the score ledger."""

    rule_id: str
    table: str
    delta: float
    because: str = Field(description="the rule's rationale, formatted with the facts")
    facts: dict[str, FactValue] = Field(description="the facts the rule read, with their values")
    source: str


class ParamAdvice(Frozen):
    """A hyperparameter value and how it was obtained."""

    value: Any
    derivation: str = Field(description="human-readable: formula and inputs, or 'default'")
    rule_id: str | None = None


class RankedLoss(Frozen):
    loss: str
    name: str
    score: float
    verdict: Verdict
    params: dict[str, ParamAdvice] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list, description="strongest reasons first")
    ledger: list[Contribution] = Field(default_factory=list)
    excluded_because: str | None = None


class OptimizerAdvice(Frozen):
    name: str = Field(description="sgd | adam | adamw | lamb | lars | rmsprop | adadelta")
    settings: dict[str, Any] = Field(description="lr, betas, momentum, weight_decay, eps, ...")
    schedule: dict[str, Any] = Field(default_factory=dict)
    requested: bool = Field(default=False, description="the user chose it with --optimizer")
    reasons: list[str] = Field(default_factory=list)
    ledger: list[Contribution] = Field(default_factory=list)


class HeadAdvice(Frozen):
    name: str
    task: str
    loss: str
    params: dict[str, ParamAdvice] = Field(default_factory=dict)
    weight: float = 1.0
    reasons: list[str] = Field(default_factory=list)


class BalancingAdvice(Frozen):
    method: str = Field(description="fixed | uncertainty | gradnorm | dwa | dtp")
    settings: dict[str, Any] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list)
    ledger: list[Contribution] = Field(default_factory=list)


class Caution(Frozen):
    rule_id: str
    text: str
    source: str
    losses: list[str] = Field(
        default_factory=list,
        description="the losses the rule scores, excludes or parameterises ([] = general advice)",
    )


class Recommendation(Frozen):
    schema_version: int = RECOMMENDATION_SCHEMA_VERSION
    facts: dict[str, FactValue]
    context: dict[str, FactValue]
    ranking: list[RankedLoss]
    optimizer: OptimizerAdvice
    heads: list[HeadAdvice] = Field(default_factory=list)
    balancing: BalancingAdvice | None = None
    cautions: list[Caution] = Field(default_factory=list)
    classes: list[str] = Field(
        default_factory=list,
        description="the target's class labels as the data spells them, in natural order "
        "(numbers by value, else text order, as numpy.unique sorts them); [] = no classes",
    )
    positive_class: str | None = Field(
        default=None, description="binary targets: the label the class-prior parameters treat as 1"
    )
    exposure: str | None = Field(
        default=None,
        description="the exposure column the target was measured over (an offset in the exports)",
    )
    target: str | None = Field(
        default=None,
        description="the target column the recommendation was made for (None: no data, or "
        "several heads); exports that name the label column use it",
    )
    # The profiled target and a sample of its values, kept by the Python API for the plots.
    _target: TargetProfile | None = PrivateAttr(default=None)
    _values: Any = PrivateAttr(default=None)

    def attach_target(self, target: TargetProfile, values: Any | None) -> None:
        self._target, self._values = target, values

    def to_json(self, indent: int | None = 2) -> str:
        """The deterministic JSON of `recommend --json` (sorted keys)."""
        import json

        return json.dumps(self.to_dict(), sort_keys=True, indent=indent, ensure_ascii=False) + "\n"

    def plot_target(self) -> Any:
        """A matplotlib Figure: the target's histogram with the densities of the ranked
        candidate families fitted to it, or its class bars (the `report` extra)."""
        from lossadvisor.errors import InputError
        from lossadvisor.render.plots import target_figure

        if self._target is None:
            raise InputError("plot_target needs a recommendation made from data.")
        return target_figure(self._target, self._values, self)
