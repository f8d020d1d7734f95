"""Pydantic models of the rule YAML (docs/rule-language.md) and of the loaded RuleBase.

The `*Entry` / `*File` models describe exactly what a YAML file may hold (unknown keys are
errors); `Rule` adds where the rule came from. Semantic checks that need the catalog (loss ids,
facts, ranges) live in `validate.py`, not here, so that one bad entry never hides another.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool

from lossadvisor.facts import LossFamily, ModelOutput, TargetType, Task
from lossadvisor.vocabulary import Reference, Vocabulary

TABLES: tuple[str, ...] = (
    "task",
    "data",
    "output",
    "efficiency",
    "robustness",
    "gradient",
    "multitask",
    "optimizer",
)
"""The article's eight tables, in article order (table1 .. table8)."""

EXTRA_TABLES: tuple[str, ...] = ("practice",)
"""Tables beyond the article (no article rows to cover): what reference implementations train
with, per task family (rules/practice.yaml). They load after the article's tables."""

# The vocabularies are defined once, in the fact vocabulary.
Family = LossFamily
Output = ModelOutput
Level = Literal["low", "medium", "high"]
Number = Annotated[float, Strict()]
"""A YAML number (int or float); strings and booleans are errors, not silently converted."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the loss catalog --------------------------------------------------------------------------


class ParamSpec(_Strict):
    """A loss hyperparameter: default, admissible range and meaning."""

    default: Any
    min: Number | None = None
    max: Number | None = None
    exclusive_min: StrictBool = False
    exclusive_max: StrictBool = False
    meaning: str

    def admits(self, value: float) -> bool:
        """Whether a numeric value lies inside the declared range."""
        if self.min is not None and (
            value < self.min or (self.exclusive_min and value == self.min)
        ):
            return False
        return not (
            self.max is not None
            and (value > self.max or (self.exclusive_max and value == self.max))
        )

    def range_text(self) -> str:
        """The range in interval notation, e.g. '(0, inf)'."""
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "inf" if self.max is None else f"{self.max:g}"
        left = "(" if self.min is None or self.exclusive_min else "["
        right = ")" if self.max is None or self.exclusive_max else "]"
        return f"{left}{lo}, {hi}{right}"


class LossProperties(_Strict):
    outlier_sensitivity: Level
    gradient_continuity: Literal["smooth", "continuous", "discontinuous"]
    gradient_bounded: StrictBool
    gradient_scale: str
    time_complexity: str
    memory: Level
    gpu_friendly: Level


class LossSpec(_Strict):
    """One loss of the catalog (`rules/losses.yaml`)."""

    id: str
    name: str
    family: Family
    formula: str
    gradient: str
    output: Output
    target_types: list[TargetType] = Field(default_factory=list)
    tasks: list[Task]
    estimates: str | None = None
    properties: LossProperties
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    sources: list[str] = Field(min_length=1)


class OptimizerSpec(_Strict):
    id: str
    name: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    schedule: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(min_length=1)


class BalancingSpec(_Strict):
    id: str
    name: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(min_length=1)


# --- table files -------------------------------------------------------------------------------


class MethodAdvice(_Strict):
    """Optimizer or balancing advice: score deltas and setting overrides."""

    score: dict[str, Number] = Field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    schedule: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="optimizer id -> overrides of its catalog schedule"
    )


class RuleEntry(_Strict):
    """One rule exactly as written in a table file."""

    id: str
    covers: list[str]
    when: dict[str, Any]
    because: str
    source: str = Field(min_length=1)
    score: dict[str, Number] = Field(default_factory=dict)
    exclude: dict[str, str] = Field(default_factory=dict)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    optimizer: MethodAdvice | None = None
    balancing: MethodAdvice | None = None
    caution: str | None = None
    references: list[Reference] = Field(
        default_factory=list,
        description="source files the rule was read from (repository, path, lines, commit)",
    )


class Rule(RuleEntry):
    """A loaded rule: the entry plus its table and where it was written."""

    table: str
    file: str
    line: int


class TableHeader(_Strict):
    """The top of a table file (its `rules` are validated entry by entry)."""

    table: str
    title: str | None = None
    article_section: str | None = None
    rules: list[Any]


class TableInfo(_Strict):
    table: str
    title: str
    article_section: str | None
    file: str


class RuleBase(_Strict):
    """The validated knowledge base: catalogs, rules in load order and their digest."""

    losses: dict[str, LossSpec]
    optimizers: dict[str, OptimizerSpec]
    balancing: dict[str, BalancingSpec]
    rules: list[Rule]
    tables: dict[str, TableInfo]
    digest: str
    files: list[str] = Field(default_factory=list, description="rule files in load order")
    vocabulary: Vocabulary = Field(
        default_factory=Vocabulary, description="rules/tasks.yaml: the words users type"
    )

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None
