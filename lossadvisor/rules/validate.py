"""Checking parsed rule files against the schema, the fact vocabulary and the catalog.

Every function here takes the tree `yaml_lines` produced and returns what it could build plus
every problem it found, so that `rules check` can list all of them at once.
"""

from __future__ import annotations

import re
import string
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from lossadvisor.errors import did_you_mean, one_line
from lossadvisor.facts import (
    FACTS,
    LOSS_FAMILIES,
    METRICS,
    MODEL_OUTPUTS,
    FactSpec,
)
from lossadvisor.params import DERIVATION_NAMES
from lossadvisor.rules.condition import build
from lossadvisor.rules.conditions import check_condition
from lossadvisor.rules.schema import (
    EXTRA_TABLES,
    TABLES,
    BalancingSpec,
    LossSpec,
    MethodAdvice,
    MethodSettings,
    OptimizerSpec,
    ParamSpec,
    Rule,
    RuleEntry,
    TableHeader,
    TableInfo,
)
from lossadvisor.rules.solver import unsatisfiable
from lossadvisor.rules.stages import BUILTIN_STAGES, STAGES, Stage, sees, why_unseen
from lossadvisor.rules.stages import EFFECTS as STAGE_EFFECTS
from lossadvisor.rules.yaml_lines import LineDict, LineList, line_of
from lossadvisor.vocabulary import HEX40, LINES, Reference, Vocabulary, normalise

RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
CATALOG_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COVERS = re.compile(r"^table[1-8]\.(row|prose)[1-9][0-9]*$")

DERIVATIONS = DERIVATION_NAMES
"""The named derivations of docs/rule-language.md (computed in lossadvisor/params.py)."""

EFFECTS = ("score", "exclude", "params", "optimizer", "balancing", "caution")
VOCABULARY_FACTS = ("task_family", "architecture", "head_task")
"""Facts whose choices come from rules/tasks.yaml."""


@dataclass(frozen=True)
class Problem:
    """One load problem, printed as `file:line: entry-id: message`."""

    file: str
    line: int | None
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = (
            f"{where}: {self.entry}: {self.message}" if self.entry else f"{where}: {self.message}"
        )
        return one_line(text)  # a key or id with a newline must not split the listing


@dataclass(frozen=True)
class Catalog:
    """The ids rules may name; empty when the catalog could not be read (ids go unchecked)."""

    losses: Mapping[str, LossSpec]
    optimizers: Mapping[str, OptimizerSpec]
    balancing: Mapping[str, BalancingSpec]
    settings: MethodSettings = dataclass_field(default_factory=MethodSettings)
    has_losses: bool = True
    has_methods: bool = True
    article_rows: frozenset[str] | None = None  # None: no article.yaml, covers go unchecked
    vocabulary: Vocabulary | None = None  # None: no tasks.yaml, family names go unchecked
    # Whether to prove every `when` satisfiable: `rules check` does, a run's load does not
    # (like `covers`, a property of the files that costs a third of a cold load).
    solve: bool = True

    def choices(self) -> dict[str, tuple[str, ...]]:
        """Admissible values of the facts whose choices come from the rule files."""
        out: dict[str, tuple[str, ...]] = {"loss_family": LOSS_FAMILIES}
        if self.has_losses:
            out["loss"] = tuple(self.losses)
        if self.has_methods and self.optimizers:
            out["optimizer"] = tuple(self.optimizers)
        vocabulary = self.vocabulary or Vocabulary()
        out["task_family"] = vocabulary.family_ids()
        out["architecture"] = vocabulary.architecture_ids()
        out["head_task"] = vocabulary.head_task_ids()
        return out


# --- pydantic errors -> one-line messages -------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _keys_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys allowed in the mapping at `loc` (for 'did you mean' on an unknown key)."""
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(step))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def pydantic_problems(
    err: ValidationError,
    model: type[BaseModel],
    tree: Any,
    file: str,
    entry: str | None,
    prefix: Sequence[Any] = (),
) -> list[Problem]:
    """Translate a ValidationError on `tree` (validated as `model`) into Problems with lines."""
    problems: list[Problem] = []
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = line_of(tree, loc)
        where = ".".join(str(p) for p in (*prefix, *loc))
        kind = e["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            hint = did_you_mean(key, _keys_at(model, loc[:-1]))
            msg = f"unknown key '{where}'.{hint}"
        elif kind == "missing":
            msg = f"missing required key '{where}'"
            if loc and loc[-1] in ("source", "sources"):
                msg += " (every entry needs a source)"
        elif kind == "literal_error":
            expected = e.get("ctx", {}).get("expected", "")
            msg = f"the '{where}' must be one of {expected}. Got {_show(e['input'])} instead."
        elif kind in ("too_short", "string_too_short"):
            msg = f"the '{where}' must not be empty. Got {_show(e['input'])} instead."
        else:
            text = e["msg"]
            text = text[0].lower() + text[1:]
            msg = f"the '{where}' is invalid: {text}. Got {_show(e['input'])} instead."
        problems.append(Problem(file, line, entry, msg))
    return problems


def _show(value: Any) -> str:
    text = repr(dict(value) if isinstance(value, dict) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _entry_name(raw: Any, fallback: str) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return fallback


def _line(tree: Any, *loc: Any) -> int:
    return line_of(tree, loc)


# --- the loss catalog and the methods ------------------------------------------------------------


def check_losses(tree: LineDict, file: str) -> tuple[dict[str, LossSpec], list[Problem]]:
    """Validate `rules/losses.yaml`: every entry, unique ids, defaults inside their ranges."""
    problems = _top_keys(tree, file, ("losses",))
    entries = tree.get("losses")
    if not isinstance(entries, list):
        problems.append(
            Problem(
                file,
                _line(tree, "losses"),
                None,
                f"'losses' must be a list of losses. Got {_show(entries)} instead.",
            )
        )
        return {}, problems
    losses: dict[str, LossSpec] = {}
    for i, raw in enumerate(entries):
        name = _entry_name(raw, f"losses[{i}]")
        line = entries.item_lines[i] if isinstance(entries, LineList) else 1
        try:
            spec = LossSpec.model_validate(raw)
        except ValidationError as err:
            problems += pydantic_problems(err, LossSpec, raw, file, name)
            continue
        if not CATALOG_ID.match(spec.id):
            problems.append(
                Problem(file, _line(raw, "id"), name, "a loss id must be lowercase snake_case")
            )
        if spec.id in losses:
            problems.append(Problem(file, line, name, f"duplicate loss id '{spec.id}'"))
            continue
        for pname, param in spec.params.items():
            problems += [
                Problem(file, _line(raw, "params", pname, *loc), name, message)
                for loc, message in spec_problems(f"parameter '{pname}'", param)
            ]
        losses[spec.id] = spec
    return losses, problems


def spec_problems(what: str, param: ParamSpec) -> list[tuple[tuple[Any, ...], str]]:
    """A value spec that cannot check anything, or whose default it does not admit."""
    if not param.kinds():
        return [
            (
                ("default",),
                f"the {what} needs a 'kind' (number, integer, boolean, enum, numbers, weights): "
                f"its default {param.default!r} does not say which",
            )
        ]
    if "enum" in param.kinds() and not param.choices:
        return [(("kind",), f"the {what} is an enum and needs 'choices'")]
    problem = param.value_problem(param.default)
    if problem is not None:
        got = _show(param.default)
        return [(("default",), f"the default of {what} must be {problem}. Got {got} instead.")]
    return []


def value_problem(
    what: str, spec: ParamSpec | None, value: Any, known: Sequence[str]
) -> str | None:
    """'the value of X must be Y. Got Z instead.' or an unknown name; None when admissible."""
    if spec is None:
        hint = did_you_mean(what.rsplit(".", 1)[-1], known)
        return f"unknown setting '{what}'.{hint}"
    problem = spec.value_problem(value)
    if problem is None:
        return None
    return f"the value of '{what}' must be {problem}. Got {_show(value)} instead."


def check_settings(tree: LineDict, file: str) -> tuple[MethodSettings, list[Problem]]:
    """The `settings:` block of methods.yaml: the value spec of every method setting."""
    raw = tree.get("settings", {})
    try:
        settings = MethodSettings.model_validate(raw)
    except ValidationError as err:
        prefix = ("settings",)
        return MethodSettings(), pydantic_problems(err, MethodSettings, raw, file, None, prefix)
    problems: list[Problem] = []
    for section in ("optimizer", "schedule", "balancing"):
        for key, param in getattr(settings, section).items():
            problems += [
                Problem(file, _line(tree, "settings", section, key, *loc), None, message)
                for loc, message in spec_problems(f"{section} setting '{key}'", param)
            ]
    return settings, problems


def check_methods(
    tree: LineDict, file: str
) -> tuple[dict[str, OptimizerSpec], dict[str, BalancingSpec], MethodSettings, list[Problem]]:
    """Validate `rules/methods.yaml`: the optimizer and balancing catalogs and setting specs."""
    problems = _top_keys(tree, file, ("optimizers", "balancing", "settings"))
    settings, setting_problems = check_settings(tree, file)
    problems += setting_problems
    optimizers: dict[str, Any] = {}
    balancing: dict[str, Any] = {}
    section: str
    for section, model, into in (
        ("optimizers", OptimizerSpec, optimizers),
        ("balancing", BalancingSpec, balancing),
    ):
        entries = tree.get(section)
        if not isinstance(entries, list):
            problems.append(
                Problem(
                    file,
                    _line(tree, section),
                    None,
                    f"'{section}' must be a list. Got {_show(entries)} instead.",
                )
            )
            continue
        for i, raw in enumerate(entries):
            name = _entry_name(raw, f"{section}[{i}]")
            try:
                spec = model.model_validate(raw)
            except ValidationError as err:
                problems += pydantic_problems(err, model, raw, file, name)
                continue
            if spec.id in into:
                problems.append(
                    Problem(file, _line(raw, "id"), name, f"duplicate {section} id '{spec.id}'")
                )
                continue
            if "settings" in tree:
                parts = [("defaults", "balancing" if section == "balancing" else "optimizer")]
                if section == "optimizers":
                    parts.append(("schedule", "schedule"))
                for part, kind in parts:
                    specs = getattr(settings, kind)
                    for key, value in getattr(spec, part).items():
                        message = value_problem(key, specs.get(key), value, list(specs))
                        if message is not None:
                            problems.append(Problem(file, _line(raw, part, key), name, message))
            into[spec.id] = spec
    return optimizers, balancing, settings, problems


def _top_keys(tree: LineDict, file: str, allowed: Sequence[str]) -> list[Problem]:
    return [
        Problem(
            file,
            tree.key_lines.get(key, tree.line),
            None,
            f"unknown top-level key '{key}'.{did_you_mean(str(key), allowed)}",
        )
        for key in tree
        if key not in allowed
    ]


def check_frameworks(tree: LineDict, file: str, catalog: Catalog) -> list[Problem]:
    """`rules/frameworks.yaml` against the typed model the exporters load it with (every key,
    the named conversions, the exposure forms), and the loss and optimizer ids it names."""
    # The model lives with the conversions it names (export/mapping.py imports nothing of
    # rules/); imported here only, when a frameworks file is checked.
    from lossadvisor.export.mapping import CONVERSIONS, Frameworks

    try:
        frameworks = Frameworks.model_validate(tree)
    except ValidationError as err:
        problems = pydantic_problems(err, Frameworks, tree, file, None)
    else:
        problems = []
        for kind, table in (("losses", frameworks.losses), ("optimizers", frameworks.optimizers)):
            for item, per_framework in table.items():
                for fw, entry in per_framework.items():
                    where = (kind, item, fw)
                    if (
                        entry.exposure is not None
                        and entry.exposure not in frameworks.exposure_forms
                    ):
                        problems.append(
                            Problem(
                                file,
                                _line(tree, *where, "exposure"),
                                str(item),
                                f"exposure form '{entry.exposure}' is not described under "
                                "exposure_forms",
                            )
                        )
                    for param, spec in entry.args.items():
                        if spec.convert is not None and spec.convert not in CONVERSIONS:
                            hint = did_you_mean(spec.convert, CONVERSIONS)
                            problems.append(
                                Problem(
                                    file,
                                    _line(tree, *where, "args", param),
                                    str(item),
                                    f"unknown conversion '{spec.convert}'.{hint}",
                                )
                            )
    for section, known, ok in (
        ("losses", catalog.losses, catalog.has_losses),
        ("optimizers", catalog.optimizers, catalog.has_methods),
    ):
        entries = tree.get(section)
        if not isinstance(entries, Mapping) or not ok:
            continue
        for key in entries:
            if key not in known:
                problems.append(
                    Problem(
                        file,
                        _line(tree, section, key),
                        str(key),
                        f"unknown {section[:-1]} id '{key}'.{did_you_mean(str(key), known)}",
                    )
                )
    return problems


def check_article(tree: LineDict, file: str) -> tuple[frozenset[str], list[Problem]]:
    """Light check of `rules/article.yaml`: row ids well formed and in the table they name."""
    rows: set[str] = set()
    problems: list[Problem] = []
    entries = tree.get("rows")
    if not isinstance(entries, list):
        return frozenset(), [Problem(file, tree.line, None, "'rows' must be a list of rows")]
    for i, raw in enumerate(entries):
        row_id = raw.get("id") if isinstance(raw, Mapping) else None
        line = line_of(entries, [i])
        if not isinstance(row_id, str) or not COVERS.match(row_id):
            problems.append(
                Problem(
                    file,
                    line,
                    None,
                    f"a row id must look like 'table2.row1' "
                    f"or 'table2.prose1'. Got {row_id!r} instead.",
                )
            )
            continue
        table = raw.get("table")
        expected = TABLES[int(row_id[5]) - 1]
        if table != expected:
            problems.append(
                Problem(
                    file,
                    line_of(raw, ["table"]),
                    row_id,
                    f"the 'table' of {row_id} must be '{expected}'. Got {table!r} instead.",
                )
            )
        if row_id in rows:
            problems.append(Problem(file, line, row_id, f"duplicate row id '{row_id}'"))
        rows.add(row_id)
    return frozenset(rows), problems


# --- table files -------------------------------------------------------------------------------


def check_table(
    tree: LineDict, file: str, stem: str, builtin: bool, catalog: Catalog
) -> tuple[TableInfo | None, list[Rule], list[Problem]]:
    """Validate a table file (built-in or user): header, then every rule on its own."""
    try:
        header = TableHeader.model_validate(tree)
    except ValidationError as err:
        problems = pydantic_problems(err, TableHeader, tree, file, None)
        if not isinstance(tree.get("rules"), list):
            return None, [], problems
        header = None
    else:
        problems = []
    table = str(tree.get("table", ""))
    declared = tree.get("stage")
    stage: Stage = BUILTIN_STAGES.get(table) or (declared if declared in STAGES else "loss")
    if header is not None:
        stage, header_problems = _table_stage(tree, file, header, stem, builtin)
        problems += header_problems
        if builtin and not header.title:
            problems.append(Problem(file, tree.line, None, "missing required key 'title'"))
    info = None
    if header is not None and not problems:
        info = TableInfo(
            table=table,
            stage=stage,
            title=header.title or table,
            article_section=header.article_section,
            file=file,
        )
    rules: list[Rule] = []
    entries = tree["rules"]
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries):
        rule, rule_problems = check_rule(raw, file, table, builtin, catalog, f"rules[{i}]", stage)
        problems += rule_problems
        rule_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(rule_id, str):
            line = getattr(raw, "line", 1)
            if rule_id in seen:
                message = f"duplicate rule id '{rule_id}' (first at line {seen[rule_id]})"
                problems.append(Problem(file, line, rule_id, message))
                continue
            seen[rule_id] = line
        if rule is not None:
            rules.append(rule)
    return info, rules, problems


def _table_stage(
    tree: LineDict, file: str, header: TableHeader, stem: str, builtin: bool
) -> tuple[Stage, list[Problem]]:
    """The table's stage (declared, or implied by a built-in name) and the header's problems.

    A user's table may have its own name (snake_case) if it says which stage it belongs to.
    """
    table = header.table
    builtin_names = (*TABLES, *EXTRA_TABLES)
    implied = BUILTIN_STAGES.get(table)
    problems: list[Problem] = []

    def add(message: str, key: str) -> None:
        problems.append(Problem(file, _line(tree, key), None, message))

    if builtin and table not in builtin_names:
        add(
            f"the 'table' of a built-in file must be one of {', '.join(builtin_names)}. "
            f"Got {table!r} instead.{did_you_mean(table, builtin_names)}",
            "table",
        )
    elif builtin and table != stem:
        add(
            f"the 'table' of a built-in file must equal its file name '{stem}'. "
            f"Got {table!r} instead.",
            "table",
        )
    elif not CATALOG_ID.match(table):
        add(f"a table name must be lowercase snake_case. Got {table!r} instead.", "table")
    if header.stage is not None and implied is not None and header.stage != implied:
        add(
            f"the {table} table runs in the {implied} stage; 'stage: {header.stage}' "
            "contradicts it (give your table another name)",
            "stage",
        )
    if header.stage is None and implied is None and not problems:
        hint = did_you_mean(table, builtin_names)
        add(
            f"the table '{table}' is not a built-in table: say which pass its rules run in "
            f"with 'stage:' ({', '.join(STAGES)}).{hint}",
            "table",
        )
    return header.stage or implied or "loss", problems


def check_rule(
    raw: Any,
    file: str,
    table: str,
    builtin: bool,
    catalog: Catalog,
    fallback: str,
    stage: Stage = "loss",
) -> tuple[Rule | None, list[Problem]]:
    """Validate one rule entry completely; the Rule is None when any problem was found."""
    name = _entry_name(raw, fallback)
    line = getattr(raw, "line", 1)
    problems: list[Problem] = []
    salvaged: RuleEntry | None = None
    try:
        entry = RuleEntry.model_validate(raw)
    except ValidationError as err:
        problems = pydantic_problems(err, RuleEntry, raw, file, name)
        salvaged = _salvage(raw, err)
        if salvaged is None:
            return None, problems
        entry = salvaged

    def add(message: str, *loc: Any) -> None:
        problems.append(Problem(file, line_of(raw, loc, line), name, message))

    if not RULE_ID.match(entry.id):
        add(
            "a rule id must be dotted lowercase words, e.g. 'data.outliers.robust'. "
            f"Got {entry.id!r} instead.",
            "id",
        )
    if builtin and not entry.covers and table not in EXTRA_TABLES:
        add("a built-in rule must say which article rows it covers", "covers")
    if table in EXTRA_TABLES and entry.covers:
        add(f"the {table} table holds no article rows; 'covers' must be empty", "covers")
    for i, ref in enumerate(entry.references):
        for message in check_reference(ref):
            add(message, "references", i)
    for i, cover in enumerate(entry.covers):
        if not COVERS.match(cover):
            add(
                f"the 'covers' entry must look like 'table2.row1' or 'table2.prose1' "
                f"(tables 1..8). Got {cover!r} instead.",
                "covers",
                i,
            )
        elif catalog.article_rows is not None and cover not in catalog.article_rows:
            add(f"covers '{cover}', which is not a row of rules/article.yaml.", "covers", i)
    choices = catalog.choices()
    unchecked = {
        "loss": not catalog.has_losses,
        "optimizer": "optimizer" not in choices,  # no optimizer catalog: its ids go unchecked
        **dict.fromkeys(VOCABULARY_FACTS, catalog.vocabulary is None),
    }
    before_when = len(problems)
    when_problems = [
        (loc, message)
        for loc, message in check_condition(entry.when, choices)
        if not (loc and unchecked.get(str(loc[-1]), False))
    ]
    for loc, message in when_problems:
        add(message, "when", *loc)
    condition = build(entry.when) if not when_problems else None
    for test in condition.tests() if condition is not None else ():
        fact, loc = test.fact, test.loc
        if not sees(stage, fact):
            add(
                f"the {stage} stage (table '{table}') never sees '{fact}', so this rule "
                f"would never fire: {why_unseen(stage, fact)}",
                "when",
                *loc,
            )
    if (
        catalog.solve
        and condition is not None
        and len(problems) == before_when
        and unsatisfiable(condition, choices)
    ):
        add(
            "unsatisfiable condition: no facts meet this 'when' (its tests contradict each "
            "other), so the rule would never fire",
            "when",
        )
    for effect in EFFECTS:
        if getattr(entry, effect) and effect not in STAGE_EFFECTS[stage]:
            add(
                f"'{effect}' has no effect in the {stage} stage (table '{table}'), whose pass "
                f"reads only {', '.join(STAGE_EFFECTS[stage])}",
                effect,
            )
    for message in check_template(entry.because):
        add(message, "because")
    # a salvaged entry lost its invalid keys, which may have been its effects
    if salvaged is None and not any(getattr(entry, effect) for effect in EFFECTS):
        add(f"a rule needs at least one effect: {', '.join(EFFECTS)}")
    if catalog.has_losses:
        for effect in ("score", "exclude", "params"):
            for loss_id in getattr(entry, effect):
                if loss_id not in catalog.losses:
                    add(
                        f"unknown loss id '{loss_id}' in '{effect}'."
                        f"{did_you_mean(loss_id, catalog.losses)}",
                        effect,
                        loss_id,
                    )
        for loss_id, hints in entry.params.items():
            spec = catalog.losses.get(loss_id)
            if spec is not None:
                problems += [
                    Problem(file, line_of(raw, ("params", loss_id, *loc), line), name, m)
                    for loc, m in _check_params(loss_id, spec, hints)
                ]
    if catalog.has_methods:
        for effect, known in (("optimizer", catalog.optimizers), ("balancing", catalog.balancing)):
            advice: MethodAdvice | None = getattr(entry, effect)
            if advice is None:
                continue
            for part in ("score", "settings", "schedule"):
                for method in getattr(advice, part):
                    if method not in known:
                        add(
                            f"unknown {effect} id '{method}' in '{effect}.{part}'."
                            f"{did_you_mean(method, known)}",
                            effect,
                            part,
                            method,
                        )
            specs = getattr(catalog.settings, effect)
            if not specs:  # a methods file without `settings:` (old user files): unchecked
                continue
            for method, overrides in advice.settings.items():
                for key, value in overrides.items():
                    found = value_problem(f"{method}.{key}", specs.get(key), value, list(specs))
                    if found is not None:
                        add(found, effect, "settings", method, key)
            # A rule's schedule reaches the exports like a setting: the same specs apply.
            schedule_specs = catalog.settings.schedule if effect == "optimizer" else {}
            for method, overrides in advice.schedule.items() if schedule_specs else ():
                for key, value in overrides.items():
                    found = value_problem(
                        f"schedule.{key}", schedule_specs.get(key), value, list(schedule_specs)
                    )
                    if found is not None:
                        add(found, effect, "schedule", method, key)
    if problems:
        return None, problems
    rule = Rule.model_construct(**dict(entry), table=table, stage=stage, file=file, line=line)
    rule.use_condition(condition)
    return rule, []


_PLACEHOLDERS: dict[str, Any] = {"covers": [], "when": {}, "because": "", "source": "-"}


def _salvage(raw: Any, err: ValidationError) -> RuleEntry | None:
    """The entry without its invalid keys, so the rest can still be checked; None if hopeless."""
    if not isinstance(raw, Mapping):
        return None
    bad = {e["loc"][0] for e in err.errors() if e["loc"]}
    kept: dict[str, Any] = {k: v for k, v in raw.items() if k not in bad}
    kept.setdefault("id", str(raw.get("id", "?")))
    for key, placeholder in _PLACEHOLDERS.items():
        kept.setdefault(key, placeholder)
    try:
        return RuleEntry.model_validate(kept)
    except ValidationError:
        return None


def _check_params(
    loss_id: str, spec: LossSpec, advice: Mapping[str, Any]
) -> list[tuple[tuple[Any, ...], str]]:
    problems: list[tuple[tuple[Any, ...], str]] = []
    for pname, value in advice.items():
        param = spec.params.get(pname)
        if param is None:
            hint = did_you_mean(pname, spec.params) or (
                " It has: " + ", ".join(spec.params) + "." if spec.params else " It has none."
            )
            problems.append(((pname,), f"unknown parameter '{pname}' of loss '{loss_id}'.{hint}"))
            continue
        if isinstance(value, Mapping):
            keys = set(value)
            if keys != {"derive"}:
                problems.append(
                    (
                        (pname,),
                        "a derived parameter is written {derive: NAME}. "
                        f"Got keys {sorted(map(str, keys))} instead.",
                    )
                )
            elif value["derive"] not in DERIVATIONS:
                hint = did_you_mean(str(value["derive"]), DERIVATIONS)
                problems.append(
                    ((pname, "derive"), f"unknown derivation '{value['derive']}'.{hint}")
                )
        else:
            problem = param.value_problem(value)
            if problem is not None:
                problems.append(
                    (
                        (pname,),
                        f"the value of '{loss_id}.{pname}' must be {problem}. "
                        f"Got {_show(value)} instead.",
                    )
                )
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_SAMPLE = {"number": 0.25, "integer": 3, "boolean": True}


def _sample(spec: FactSpec) -> Any:
    if spec.kind == "choice":
        return spec.choices[0] if spec.choices else "x"
    return _SAMPLE[spec.kind]


MAX_FORMAT_WIDTH = 100
"""The widest field (and longest precision) a `because` text may ask for."""
_FORMAT_NUMBERS = re.compile(r"\d+")


def _too_wide(spec: str) -> bool:
    """Whether a format spec asks for a width or precision above MAX_FORMAT_WIDTH."""
    return any(int(n) > MAX_FORMAT_WIDTH for n in _FORMAT_NUMBERS.findall(spec))


def check_template(text: str) -> list[str]:
    """Problems of a `because` text: fields that are not facts, or format specs that fail."""
    problems: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as err:
        return [f"'because' is not a valid format string: {err}"]
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FACTS:
            hint = did_you_mean(field, FACTS)
            problems.append(
                f"'because' names '{{{field}}}', which is not a fact.{hint}"
                " (write literal braces as {{ }})"
            )
            continue
        if _too_wide(spec or ""):
            problems.append(
                f"'because' formats '{field}' with ':{spec}': widths and precisions above "
                f"{MAX_FORMAT_WIDTH} are not allowed"
            )
            continue
        try:
            sample = _sample(FACTS[field])
            if conversion:
                sample = repr(sample) if conversion == "r" else str(sample)
            format(sample, spec or "")
        except (ValueError, TypeError, OverflowError) as err:
            problems.append(
                f"'because' formats '{field}' with ':{spec}', which fails for a "
                f"{FACTS[field].kind} fact: {err}"
            )
    return problems


# --- the vocabulary (rules/tasks.yaml) -----------------------------------------------------------


def check_reference(ref: Reference) -> list[str]:
    """Problems of one source-file citation: the commit is 40 hex digits, the lines a range."""
    problems = []
    if not HEX40.match(ref.commit):
        problems.append(f"a reference's commit must be 40 hex digits. Got {ref.commit!r} instead.")
    if not LINES.match(ref.lines):
        problems.append(f"a reference's lines must look like '42' or '120-168'. Got {ref.lines!r}.")
    elif "-" in ref.lines:
        first, last = (int(x) for x in ref.lines.split("-"))
        if last < first:
            problems.append(f"a reference's line range runs backwards: {ref.lines!r}")
    if "/" not in ref.repo:
        problems.append(f"a reference's repo must be owner/name. Got {ref.repo!r} instead.")
    return problems


def check_vocabulary(
    tree: LineDict, file: str, catalog: Catalog | None = None
) -> tuple[Vocabulary | None, list[Problem]]:
    """Validate rules/tasks.yaml: the schema, unique ids and words, cross-references."""
    problems = _top_keys(
        tree,
        file,
        ("families", "head_tasks", "architectures", "metrics", "model_outputs", "unsupported"),
    )
    try:
        vocabulary = Vocabulary.model_validate(dict(tree))
    except ValidationError as err:
        return None, problems + pydantic_problems(err, Vocabulary, tree, file, None)

    def add(section: str, index: int, entry: str, message: str, *loc: Any) -> None:
        problems.append(Problem(file, line_of(tree, (section, index, *loc)), entry, message))

    sections: dict[str, list[Any]] = {
        "families": vocabulary.families,
        "head_tasks": vocabulary.head_tasks,
        "architectures": vocabulary.architectures,
        "metrics": vocabulary.metrics,
        "model_outputs": vocabulary.model_outputs,
    }
    for section, entries in sections.items():
        ids: set[str] = set()
        words: dict[str, str] = {}
        for i, entry in enumerate(entries):
            if not CATALOG_ID.match(entry.id):
                add(section, i, entry.id, "an id must be lowercase snake_case", "id")
            if entry.id in ids:
                add(section, i, entry.id, f"duplicate id '{entry.id}' in '{section}'", "id")
            ids.add(entry.id)
            for word in (entry.id, *entry.synonyms):
                key = normalise(word)
                owner = words.setdefault(key, entry.id)
                if owner != entry.id:
                    add(
                        section,
                        i,
                        entry.id,
                        f"the word '{word}' already names '{owner}' in '{section}'",
                        "synonyms",
                    )
    for i, term in enumerate(vocabulary.metrics):
        if term.id not in METRICS:
            add("metrics", i, term.id, f"'{term.id}' is not a metric of lossadvisor/facts.py")
    # the one metric vocabulary: every metric fact value has its entry (and its words) here
    missing = [m for m in METRICS if m not in {t.id for t in vocabulary.metrics}]
    if missing:
        problems.append(
            Problem(
                file,
                line_of(tree, ("metrics",)),
                missing[0],
                f"no entry for the metric(s) {', '.join(missing)} of lossadvisor/facts.py "
                "(recommend, validate and tune read a metric's words from this section)",
            )
        )
    for i, term in enumerate(vocabulary.model_outputs):
        if term.id not in MODEL_OUTPUTS:
            add("model_outputs", i, term.id, f"'{term.id}' is not a model output of facts.py")
    families = set(vocabulary.family_ids())
    architectures = set(vocabulary.architecture_ids())
    heads = set(vocabulary.head_task_ids())
    base_catalog = catalog or Catalog(losses={}, optimizers={}, balancing={}, has_losses=False)
    choices = Catalog(
        losses=base_catalog.losses,
        optimizers={},
        balancing={},
        has_losses=base_catalog.has_losses,
        vocabulary=vocabulary,
    ).choices()
    for i, family in enumerate(vocabulary.families):
        if family.parent is not None and family.parent not in families:
            add("families", i, family.id, f"unknown parent family '{family.parent}'", "parent")
        for arch in family.architectures:
            if arch not in architectures:
                hint = did_you_mean(arch, architectures)
                add("families", i, family.id, f"unknown architecture '{arch}'.{hint}")
        for loc, message in check_condition(dict(family.implies), choices):
            add("families", i, family.id, f"implies: {message}", "implies", *loc)
        for p, preset in enumerate(family.presets):
            where = ("presets", p)
            if preset.architecture is not None and preset.architecture not in family.architectures:
                add(
                    "families",
                    i,
                    family.id,
                    f"preset '{preset.name}' names architecture '{preset.architecture}', "
                    "which the family does not list",
                    *where,
                )
            for r, ref in enumerate(preset.references):
                for message in check_reference(ref):
                    add("families", i, family.id, message, *where, "references", r)
            for h, head in enumerate(preset.heads):
                here = (*where, "heads", h)
                if head.head_task not in heads:
                    hint = did_you_mean(head.head_task, heads)
                    add("families", i, family.id, f"unknown head task '{head.head_task}'.{hint}")
                if not base_catalog.has_losses:
                    continue
                spec = base_catalog.losses.get(head.loss)
                if spec is None:
                    hint = did_you_mean(head.loss, base_catalog.losses)
                    add("families", i, family.id, f"unknown loss id '{head.loss}'.{hint}", *here)
                    continue
                for loc, message in _check_params(head.loss, spec, head.params):
                    add("families", i, family.id, message, *here, "params", *loc)
    for i, entry in enumerate(vocabulary.unsupported):
        for name in entry.suggest:
            if name not in families:
                add("unsupported", i, None or entry.words[0], f"suggests unknown family '{name}'")
        family_words = {normalise(w) for f in vocabulary.families for w in (f.id, *f.synonyms)}
        for word in entry.words:
            if normalise(word) in family_words:
                add("unsupported", i, entry.words[0], f"'{word}' is also a family's word")
    return vocabulary, problems
