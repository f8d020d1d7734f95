"""rules/frameworks.yaml, typed: how each framework names a loss or optimizer, and its labels.

The one model and the one loader of the framework map. `rules check` checks a frameworks file
with `frameworks_problems` (every key with its line, the named conversions, the exposure
forms); `load_frameworks` runs the same check and raises its first problem, so an export and
`rules check` give the same `file:line: message`. The exporters (lossadvisor/export) read the
map through this module; the conversions it names are functions of export/mapping.py, whose
names the map may use are declared here (CONVERSION_NAMES) so that checking needs no exporter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lossadvisor.errors import InputError, did_you_mean
from lossadvisor.resources import rules_dir
from lossadvisor.rules.files import FRAMEWORKS_FILE, display_name
from lossadvisor.rules.problems import Problem, line_at, pydantic_problems
from lossadvisor.rules.yaml_lines import YamlProblem, load_with_lines

Framework = Literal["torch", "keras", "lightgbm", "xgboost", "sklearn", "ludwig"]
FRAMEWORKS: tuple[Framework, ...] = ("torch", "keras", "lightgbm", "xgboost", "sklearn", "ludwig")

CONVERSION_NAMES: tuple[str, ...] = (
    "tensor",
    "list",
    "scalar",
    "huber_epsilon",
    "pos_weight_to_alpha",
    "class_weight_dict",
    "label_keyed",
    "pos_weight_class_weight",
    "per_class_only",
    "split_betas",
    "smooth_both",
)
"""The conversions an `args:` entry may name (`convert:`); export/mapping.CONVERSIONS holds
one function for each (a test keeps the two the same)."""

# How a framework takes an exposure column (rules/frameworks.yaml `exposure_forms:`).
ExposureFormName = Literal["offset", "init_score", "base_margin", "rate_weight"]


class ExposureForm(BaseModel):
    """One way of giving a framework the exposure: the training line, its source, a wrapper."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    use: str
    source: str
    wrapper: str | None = None  # torch: the module that adds log(exposure) to the input


class ArgSpec(BaseModel):
    """Where a lossadvisor parameter goes in the framework: its argument, and a conversion."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    to: str
    convert: str | None = None


class Override(BaseModel):
    """What changes for more than two classes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    target: str | None = None
    class_name: str | None = None
    objective: str | None = None
    feature: str | None = None
    fixed: dict[str, Any] = Field(default_factory=dict)


class Entry(BaseModel):
    """One framework's name and parameters for one loss or optimizer."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    target: str | None = None
    class_name: str | None = None
    objective: str | None = None
    feature: str | None = None  # ludwig: the output feature type the loss belongs to
    args: dict[str, ArgSpec] = Field(default_factory=dict)
    fixed: dict[str, Any] = Field(default_factory=dict)
    facts: dict[str, str] = Field(default_factory=dict)
    multiclass: Override | Literal[False] | None = None
    multilabel: Override | Literal[False] | None = None
    list_wrapper: str | None = None
    input: str | None = None
    note: str | None = None
    exposure: ExposureFormName | None = None

    @field_validator("args", mode="before")
    @classmethod
    def _short_args(cls, value: Any) -> Any:
        # `delta: alpha` is shorthand for `delta: {to: alpha}`.
        if isinstance(value, Mapping):
            return {k: {"to": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    def name(self) -> str:
        """The framework's name for the thing: dotted path, Keras class or objective."""
        return self.target or self.class_name or self.objective or "?"


class LudwigBalancing(BaseModel):
    """A balancing method's Ludwig form: trainer.loss_balancing and its settings' trainer keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    method: str
    settings: dict[str, str] = Field(default_factory=dict)
    source: str


class LabelEncodings(BaseModel):
    """`label_encodings`: what each framework's loss expects as labels."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kinds: dict[str, str] = Field(default_factory=lambda: {"none": "no class labels"})
    by_loss: dict[str, dict[str, str]] = Field(default_factory=dict)
    by_target: dict[str, dict[str, str]] = Field(default_factory=dict)

    def kind(self, framework: str, loss: str, target: str | None) -> str:
        """The encoding `loss` in `framework` expects: its own entry, else the target's."""
        own = self.by_loss.get(framework, {}).get(loss)
        if own is not None:
            return own
        return self.by_target.get(framework, {}).get(target or "", "none")


class Frameworks(BaseModel):
    """The whole framework map."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    losses: dict[str, dict[Framework, Entry]]
    optimizers: dict[str, dict[Framework, Entry]]
    label_encodings: LabelEncodings = Field(default_factory=LabelEncodings)
    sklearn_linear: dict[str, dict[str, Any]] = Field(default_factory=dict)  # class -> no penalty
    exposure_forms: dict[ExposureFormName, ExposureForm] = Field(default_factory=dict)
    ludwig_balancing: dict[str, LudwigBalancing] = Field(default_factory=dict)


def frameworks_problems(tree: Any, file: str) -> tuple[Frameworks | None, list[Problem]]:
    """The typed map of a parsed frameworks file and every problem of it, with its line: the
    schema (unknown keys, 'did you mean'), conversions it names, exposure forms it uses."""
    try:
        frameworks = Frameworks.model_validate(tree)
    except ValidationError as err:
        return None, pydantic_problems(err, Frameworks, tree, file, None)
    problems: list[Problem] = []
    for kind, table in (("losses", frameworks.losses), ("optimizers", frameworks.optimizers)):
        for item, per_framework in table.items():
            for fw, entry in per_framework.items():
                where = (kind, item, fw)
                if entry.exposure is not None and entry.exposure not in frameworks.exposure_forms:
                    problems.append(
                        Problem(
                            file,
                            line_at(tree, *where, "exposure"),
                            str(item),
                            f"exposure form '{entry.exposure}' is not described under "
                            "exposure_forms",
                        )
                    )
                for param, spec in entry.args.items():
                    if spec.convert is not None and spec.convert not in CONVERSION_NAMES:
                        hint = did_you_mean(spec.convert, CONVERSION_NAMES)
                        problems.append(
                            Problem(
                                file,
                                line_at(tree, *where, "args", param),
                                str(item),
                                f"unknown conversion '{spec.convert}'.{hint}",
                            )
                        )
    return frameworks, problems


@functools.lru_cache(maxsize=4)
def load_frameworks(path: str | None = None) -> Frameworks:
    """The framework map (the shipped one unless `path` is given), checked as `rules check`
    checks it; InputError with the first problem's `file:line: message`."""
    file = Path(path) if path else rules_dir() / FRAMEWORKS_FILE
    name = display_name(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{name}: cannot read the framework map: {err}") from err
    try:
        tree, duplicates = load_with_lines(text)
    except YamlProblem as err:
        raise InputError(str(Problem(name, err.line, None, err.message))) from err
    frameworks, found = frameworks_problems(tree, name)
    problems = [Problem(name, line, None, f"duplicate key '{key}'") for line, key in duplicates]
    problems += found
    if problems or frameworks is None:
        # the shape of load_rulebase's message: the first problem, then how to see the rest
        more = len(problems) - 1
        tail = f" (and {more} more; run `lossadvisor rules check {name}`)" if more else ""
        raise InputError(f"{problems[0]}{tail}")
    return frameworks


def loss_forms(loss: str) -> dict[Framework, Entry]:
    """Every framework's entry for `loss` (for explain); {} when the map has none, or when
    there is no framework map at all (a minimal rule base)."""
    if not (rules_dir() / FRAMEWORKS_FILE).is_file():
        return {}
    return dict(load_frameworks().losses.get(loss, {}))
