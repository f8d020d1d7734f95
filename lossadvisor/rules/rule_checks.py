"""Checking table files: the header (table name, stage), then every rule on its own.

A rule is checked against the catalogs (catalog_checks.Catalog), the fact vocabulary, its
table's stage (what the stage can see and which effects it reads) and, in `rules check`, the
solver (a `when` no facts meet). Every problem is kept, so one bad entry never hides another.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from lossadvisor.errors import did_you_mean
from lossadvisor.facts import FACTS, FactSpec
from lossadvisor.rules.catalog_checks import (
    CATALOG_ID,
    COVERS,
    Catalog,
    check_reference,
    param_problems,
    value_problem,
)
from lossadvisor.rules.condition import All as Condition
from lossadvisor.rules.condition import Loc, build
from lossadvisor.rules.conditions import check_condition
from lossadvisor.rules.problems import Problem, entry_name, line_at, pydantic_problems
from lossadvisor.rules.schema import (
    EXTRA_TABLES,
    TABLES,
    MethodAdvice,
    ParamSpec,
    Rule,
    RuleEntry,
    TableHeader,
    TableInfo,
)
from lossadvisor.rules.solver import unsatisfiable
from lossadvisor.rules.stages import BUILTIN_STAGES, STAGES, Stage, sees, why_unseen
from lossadvisor.rules.stages import EFFECTS as STAGE_EFFECTS
from lossadvisor.rules.yaml_lines import LineDict, line_of

RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

EFFECTS = ("score", "exclude", "params", "optimizer", "balancing", "caution")
VOCABULARY_FACTS = ("task_family", "architecture", "head_task")
"""Facts whose choices come from rules/tasks.yaml."""


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
        problems.append(Problem(file, line_at(tree, key), None, message))

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


Found = list[tuple[Loc, str]]
"""Problems of one rule as (where in the entry, message); check_rule adds file and line."""


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
    name = entry_name(raw, fallback)
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
    condition, when_found = _when_problems(entry, table, stage, catalog)
    found = [
        *_header_problems(entry, table, builtin, catalog),
        *when_found,
        *_effect_problems(entry, table, stage, complete=salvaged is None),
        *_loss_problems(entry, catalog),
        *_method_problems(entry, catalog),
    ]
    problems += [Problem(file, line_of(raw, loc, line), name, message) for loc, message in found]
    if problems or condition is None:
        return None, problems
    rule = Rule.model_construct(**dict(entry), table=table, stage=stage, file=file, line=line)
    rule.use_condition(condition)
    return rule, []


def _header_problems(entry: RuleEntry, table: str, builtin: bool, catalog: Catalog) -> Found:
    """The id, the article rows it covers, the source-file references."""
    found: Found = []
    if not RULE_ID.match(entry.id):
        found.append(
            (
                ("id",),
                "a rule id must be dotted lowercase words, e.g. 'data.outliers.robust'. "
                f"Got {entry.id!r} instead.",
            )
        )
    if builtin and not entry.covers and table not in EXTRA_TABLES:
        found.append((("covers",), "a built-in rule must say which article rows it covers"))
    if table in EXTRA_TABLES and entry.covers:
        found.append(
            (("covers",), f"the {table} table holds no article rows; 'covers' must be empty")
        )
    for i, ref in enumerate(entry.references):
        found += [(("references", i), message) for message in check_reference(ref)]
    for i, cover in enumerate(entry.covers):
        if not COVERS.match(cover):
            message = (
                "the 'covers' entry must look like 'table2.row1' or 'table2.prose1' "
                f"(tables 1..8). Got {cover!r} instead."
            )
            found.append((("covers", i), message))
        elif catalog.article_rows is not None and cover not in catalog.article_rows:
            message = f"covers '{cover}', which is not a row of rules/article.yaml."
            found.append((("covers", i), message))
    return found


def _when_problems(
    entry: RuleEntry, table: str, stage: Stage, catalog: Catalog
) -> tuple[Condition | None, Found]:
    """The typed condition (None when the `when` has problems) and the problems: the grammar
    and the fact vocabulary, facts the stage never sees, and (in `rules check`) no solution."""
    choices = catalog.choices()
    unchecked = {
        "loss": not catalog.has_losses,
        "optimizer": "optimizer" not in choices,  # no optimizer catalog: its ids go unchecked
        **dict.fromkeys(VOCABULARY_FACTS, catalog.vocabulary is None),
    }
    found: Found = [
        (("when", *loc), message)
        for loc, message in check_condition(entry.when, choices)
        if not (loc and unchecked.get(str(loc[-1]), False))
    ]
    if found:
        return None, found
    condition = build(entry.when)
    for test in condition.tests():
        if not sees(stage, test.fact):
            message = (
                f"the {stage} stage (table '{table}') never sees '{test.fact}', so this rule "
                f"would never fire: {why_unseen(stage, test.fact)}"
            )
            found.append((("when", *test.loc), message))
    if not found and catalog.solve and unsatisfiable(condition, choices):
        message = (
            "unsatisfiable condition: no facts meet this 'when' (its tests contradict each "
            "other), so the rule would never fire"
        )
        found.append((("when",), message))
    return condition, found


def _effect_problems(entry: RuleEntry, table: str, stage: Stage, complete: bool) -> Found:
    """Effects the stage does not read, the `because` template, a rule without effects."""
    found: Found = []
    for effect in EFFECTS:
        if getattr(entry, effect) and effect not in STAGE_EFFECTS[stage]:
            message = (
                f"'{effect}' has no effect in the {stage} stage (table '{table}'), whose pass "
                f"reads only {', '.join(STAGE_EFFECTS[stage])}"
            )
            found.append(((effect,), message))
    found += [(("because",), message) for message in check_template(entry.because)]
    # a salvaged entry lost its invalid keys, which may have been its effects
    if complete and not any(getattr(entry, effect) for effect in EFFECTS):
        found.append(((), f"a rule needs at least one effect: {', '.join(EFFECTS)}"))
    return found


def _loss_problems(entry: RuleEntry, catalog: Catalog) -> Found:
    """Loss ids the catalog lacks, and parameter advice its specs do not admit."""
    if not catalog.has_losses:
        return []
    found: Found = []
    for effect in ("score", "exclude", "params"):
        for loss_id in getattr(entry, effect):
            if loss_id not in catalog.losses:
                hint = did_you_mean(loss_id, catalog.losses)
                found.append(
                    ((effect, loss_id), f"unknown loss id '{loss_id}' in '{effect}'.{hint}")
                )
    for loss_id, hints in entry.params.items():
        spec = catalog.losses.get(loss_id)
        if spec is not None:
            found += [
                (("params", loss_id, *loc), m) for loc, m in param_problems(loss_id, spec, hints)
            ]
    return found


def _method_problems(entry: RuleEntry, catalog: Catalog) -> Found:
    """Optimizer and balancing ids the catalog lacks, and settings their specs do not admit."""
    if not catalog.has_methods:
        return []
    found: Found = []
    for effect, known in (("optimizer", catalog.optimizers), ("balancing", catalog.balancing)):
        advice: MethodAdvice | None = getattr(entry, effect)
        if advice is None:
            continue
        for part in ("score", "settings", "schedule"):
            for method in getattr(advice, part):
                if method not in known:
                    message = (
                        f"unknown {effect} id '{method}' in '{effect}.{part}'."
                        f"{did_you_mean(method, known)}"
                    )
                    found.append(((effect, part, method), message))
        specs = getattr(catalog.settings, effect)
        if not specs:  # a methods file without `settings:` (old user files): unchecked
            continue
        found += _value_problems(effect, "settings", advice.settings, specs, "{method}.{key}")
        # A rule's schedule reaches the exports like a setting: the same specs apply.
        if effect == "optimizer" and catalog.settings.schedule:
            schedule = catalog.settings.schedule
            found += _value_problems(
                effect, "schedule", advice.schedule, schedule, "schedule.{key}"
            )
    return found


def _value_problems(
    effect: str,
    part: str,
    given: Mapping[str, Mapping[str, Any]],
    specs: Mapping[str, ParamSpec],
    what: str,
) -> Found:
    """Setting values (method -> key -> value) that their specs do not admit."""
    found: Found = []
    for method, overrides in given.items():
        for key, value in overrides.items():
            name = what.format(method=method, key=key)
            message = value_problem(name, specs.get(key), value, list(specs))
            if message is not None:
                found.append(((effect, part, method, key), message))
    return found


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
