"""Pydantic models of the rule YAML (docs/rule-language.md) and of the loaded RuleBase.

The `*Entry` / `*File` models describe exactly what a YAML file may hold (unknown keys are
errors); `Rule` adds where the rule came from. Semantic checks that need the catalog (loss ids,
facts, ranges) live in `catalog_checks.py` and `rule_checks.py`, not here, so that one bad
entry never hides another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, StrictBool, StrictInt

from lossadvisor.facts import LossFamily, ModelOutput, TargetType, Task
from lossadvisor.rules.condition import All, build
from lossadvisor.rules.stages import Stage
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
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A finite YAML number (int or float); strings, booleans, .nan and .inf are errors."""

ValueKind = Literal["number", "integer", "boolean", "enum", "numbers", "weights", "text"]
"""What a parameter or setting may hold (docs/rule-language.md, "Value kinds"):

number   a finite number inside [min, max]         integer  a whole number inside [min, max]
boolean  true or false                             enum     one of `choices` (strings)
numbers  a list of numbers inside the range, `length` long when given
weights  per-class numbers inside the range: a list, or {class label: number}
text     a one-line note of at most TEXT_LIMIT printable characters, no `${` (it reaches an
         export only as a comment, e.g. a recipe's "batch / 256" learning-rate scaling)
"""
TEXT_LIMIT = 200

RESERVED_KEYS = frozenset({"class_path", "init_args", "dict_kwargs"})
"""Keys that make a mapping an instruction to a config loader (also any key starting with '_',
which covers Hydra's _target_, _args_, _partial_, ...): never allowed inside a value."""


class _Strict(BaseModel):
    # defer_build: built when first validated, off the cached start-up path (rules/cache.py)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --- the loss catalog --------------------------------------------------------------------------


class SearchSpec(_Strict):
    """What `lossadvisor tune` tries for a parameter (evidence/tune.py reads it, nothing else).

    `unit` says what the numbers are:
    absolute      the values themselves;
    robust_scale  multiples of the current value (rule-derived or default); the grid also gets
                  Huber's 95 % value 1.345 × the target's robust scale, and the Bayesian range
                  spans [low × the smaller, high × the larger] of the two;
    class_ratio   powers of r = n_negative / n_positive (0 gives 1, 1 gives r); null in the grid
                  is the proxy's own per-fold rule.
    `grid`: the grid search's values; `low`/`high`: the Bayesian (TPE) range, log-uniform when
    `log`; `complement`: the TPE samples 1 − value in [low, high] (values close to 1).
    """

    unit: Literal["absolute", "robust_scale", "class_ratio"] = "absolute"
    grid: list[Number | None] = Field(min_length=1)
    low: Number
    high: Number
    log: StrictBool = False
    complement: StrictBool = False


class ParamSpec(_Strict):
    """A loss hyperparameter or method setting: kind, default, admissible range and meaning.

    `kind` may be left out when the default says it (a float -> number, an int -> integer, a
    bool -> boolean, a list -> numbers); a parameter whose default is null must declare it.
    `value_problem` is the one check every trust boundary applies (rule files, native exports,
    saved profiles, exports).
    """

    kind: ValueKind | list[ValueKind] | None = None
    default: Any
    min: Number | None = None
    max: Number | None = None
    exclusive_min: StrictBool = False
    exclusive_max: StrictBool = False
    choices: list[str] | None = None
    length: StrictInt | None = None
    meaning: str
    search: SearchSpec | None = None  # tune's search space; None: tune does not search it

    def kinds(self) -> tuple[ValueKind, ...]:
        """The declared kinds, or the one the default implies; () when neither says."""
        if isinstance(self.kind, list):
            return tuple(self.kind)
        if self.kind is not None:
            return (self.kind,)
        default = self.default
        if isinstance(default, bool):
            return ("boolean",)
        if isinstance(default, int):
            return ("integer",)
        if isinstance(default, float):
            return ("number",)
        if isinstance(default, list):
            return ("numbers",)
        return ()

    def expected(self) -> str:
        """The admissible values in words, e.g. 'a number in (0, inf)'."""
        words = {
            "number": f"a number in {self.range_text()}",
            "integer": f"an integer in {self.range_text()}",
            "boolean": "true or false",
            "enum": "one of " + ", ".join(repr(c) for c in self.choices or []),
            "numbers": (f"a list of {self.length} " if self.length is not None else "a list of ")
            + f"numbers in {self.range_text()}",
            "weights": f"per-class weights (a list or {{class: number}}) in {self.range_text()}",
            "text": f"one line of at most {TEXT_LIMIT} printable characters without '${{'",
        }
        text = " or ".join(words[k] for k in self.kinds()) or "a value"
        return text + (" or null" if self.default is None else "")

    def value_problem(self, value: Any) -> str | None:
        """None when `value` is admissible, else what is wrong in words (for 'must be X')."""
        if value is None and self.default is None:
            return None
        for kind in self.kinds():
            if self._fits(kind, value):
                return None
        return self.expected()

    def _fits(self, kind: ValueKind, value: Any) -> bool:
        if kind == "number":
            return _is_finite(value) and self.admits(value)
        if kind == "integer":
            return isinstance(value, int) and not isinstance(value, bool) and self.admits(value)
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "enum":
            return isinstance(value, str) and value in (self.choices or [])
        if kind == "text":
            return (
                isinstance(value, str)
                and len(value) <= TEXT_LIMIT
                and value.isprintable()
                and "${" not in value
            )
        if kind == "numbers":
            return (
                isinstance(value, list | tuple)
                and (self.length is None or len(value) == self.length)
                and all(_is_finite(v) and self.admits(v) for v in value)
            )
        items: Any = value
        if isinstance(value, Mapping):
            if not value or not all(_is_label(k) for k in value):
                return False
            items = list(value.values())
        return (
            isinstance(items, list | tuple)
            and len(items) > 0
            and all(_is_finite(v) and self.admits(v) for v in items)
        )

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


def _is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_label(key: Any) -> bool:
    """A class label: a plain string or integer that no config loader reads as an instruction."""
    if isinstance(key, bool) or not isinstance(key, str | int):
        return False
    return not (isinstance(key, str) and (key.startswith("_") or key in RESERVED_KEYS))


class LossProperties(_Strict):
    outlier_sensitivity: Level
    gradient_continuity: Literal["smooth", "continuous", "discontinuous"]
    gradient_bounded: StrictBool
    gradient_scale: str
    time_complexity: str
    memory: Level
    gpu_friendly: Level


# The heads of the neural proxy (`validate --proxy mlp`; lossadvisor/evidence/mlp.py reads each).
MLPHead = Literal["real", "log", "gaussian", "logit", "softmax", "cumulative", "coral"]


class TableEvidence(_Strict):
    """How `validate` can measure the loss on a table of one target: the head the MLP proxy
    trains it with (`mlp_head`), or what such a table lacks for it (`needs`: why it is skipped).
    Exactly one of the two."""

    mlp_head: MLPHead | None = None
    needs: str | None = Field(default=None, min_length=1)

    def model_post_init(self, _: Any) -> None:
        if (self.mlp_head is None) == (self.needs is None):
            raise ValueError("give exactly one of 'mlp_head' and 'needs'")


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
    evidence: TableEvidence | None = Field(
        default=None, description="how validate measures it on a table (docs/rule-language.md)"
    )
    sources: list[str] = Field(min_length=1)


class OptimizerSpec(_Strict):
    id: str
    name: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    schedule: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(min_length=1)


class MethodSettings(_Strict):
    """The value specs of optimizer settings, schedule settings and balancing settings.

    Shared by every method of a section (torch's `eps` means the same in Adam and RMSprop);
    `rules/methods.yaml` declares them next to the methods.
    """

    optimizer: dict[str, ParamSpec] = Field(default_factory=dict)
    schedule: dict[str, ParamSpec] = Field(default_factory=dict)
    balancing: dict[str, ParamSpec] = Field(default_factory=dict)


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


class RuleExamples(_Strict):
    """Facts under which a rule fires, and facts under which it stays silent (`rules test`)."""

    fires: list[dict[str, Any]] = Field(default_factory=list)
    silent: list[dict[str, Any]] = Field(default_factory=list)


class RuleEntry(_Strict):
    """One rule exactly as written in a table file."""

    id: str
    covers: list[str] = Field(
        default_factory=list, description="article rows (required in the built-in tables)"
    )
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
    examples: RuleExamples | None = Field(
        default=None, description="facts it fires on / stays silent on, run by `rules test`"
    )


class Rule(RuleEntry):
    """A loaded rule: the entry plus its table, its table's stage and where it was written."""

    table: str
    stage: Stage = "loss"
    file: str
    line: int
    _condition: All | None = PrivateAttr(default=None)

    @property
    def condition(self) -> All:
        """`when` as the typed condition model, parsed once (at load, or on first use after
        the rule came back from the cache, which stores `when` as written)."""
        if self._condition is None:
            self._condition = build(self.when)
        return self._condition

    def __eq__(self, other: object) -> bool:
        # The parsed tree is a cache of `when`: a rule from the cache equals the one checked.
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # dict fields: never hashable anyway

    def use_condition(self, condition: All | None) -> None:
        """Keep the tree the loader already built while checking `when`."""
        self._condition = condition


class TableHeader(_Strict):
    """The top of a table file (its `rules` are validated entry by entry)."""

    table: str
    stage: Stage | None = Field(
        default=None, description="the pass its rules run in; built-in names imply it"
    )
    title: str | None = None
    article_section: str | None = None
    rules: list[Any]


class TableInfo(_Strict):
    table: str
    stage: Stage = "loss"
    title: str
    article_section: str | None
    file: str


class RuleBase(_Strict):
    """The validated knowledge base: catalogs, rules in load order and their digest."""

    losses: dict[str, LossSpec]
    optimizers: dict[str, OptimizerSpec]
    balancing: dict[str, BalancingSpec]
    settings: MethodSettings = Field(default_factory=lambda: MethodSettings())
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
