"""Checking the catalogs: losses.yaml, methods.yaml, frameworks.yaml, article.yaml, tasks.yaml.

Each check takes the tree `yaml_lines` produced and returns what it could build plus every
problem it found. `Catalog` is what the rule checks (rule_checks.py) check rules against: the
ids they may name and the choices of the facts whose values the rule files define.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from pydantic import ValidationError

from lossadvisor.errors import did_you_mean
from lossadvisor.facts import LOSS_FAMILIES, METRICS, MODEL_OUTPUTS
from lossadvisor.params import DERIVATION_NAMES
from lossadvisor.rules.conditions import check_condition
from lossadvisor.rules.problems import (
    Problem,
    entry_name,
    line_at,
    pydantic_problems,
    show,
    top_keys,
)
from lossadvisor.rules.schema import (
    TABLES,
    BalancingSpec,
    LossSpec,
    MethodSettings,
    OptimizerSpec,
    ParamSpec,
)
from lossadvisor.rules.yaml_lines import LineDict, LineList, line_of
from lossadvisor.vocabulary import HEX40, LINES, Reference, Vocabulary, normalise

CATALOG_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COVERS = re.compile(r"^table[1-8]\.(row|prose)[1-9][0-9]*$")

DERIVATIONS = DERIVATION_NAMES
"""The named derivations of docs/rule-language.md (computed in lossadvisor/params.py)."""


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


# --- the loss catalog and the methods ------------------------------------------------------------


def check_losses(tree: LineDict, file: str) -> tuple[dict[str, LossSpec], list[Problem]]:
    """Validate `rules/losses.yaml`: every entry, unique ids, defaults inside their ranges."""
    problems = top_keys(tree, file, ("losses",))
    entries = tree.get("losses")
    if not isinstance(entries, list):
        problems.append(
            Problem(
                file,
                line_at(tree, "losses"),
                None,
                f"'losses' must be a list of losses. Got {show(entries)} instead.",
            )
        )
        return {}, problems
    losses: dict[str, LossSpec] = {}
    for i, raw in enumerate(entries):
        name = entry_name(raw, f"losses[{i}]")
        line = entries.item_lines[i] if isinstance(entries, LineList) else 1
        try:
            spec = LossSpec.model_validate(raw)
        except ValidationError as err:
            problems += pydantic_problems(err, LossSpec, raw, file, name)
            continue
        if not CATALOG_ID.match(spec.id):
            problems.append(
                Problem(file, line_at(raw, "id"), name, "a loss id must be lowercase snake_case")
            )
        if spec.id in losses:
            problems.append(Problem(file, line, name, f"duplicate loss id '{spec.id}'"))
            continue
        for pname, param in spec.params.items():
            problems += [
                Problem(file, line_at(raw, "params", pname, *loc), name, message)
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
        got = show(param.default)
        return [(("default",), f"the default of {what} must be {problem}. Got {got} instead.")]
    return search_problems(what, param)


def search_problems(what: str, param: ParamSpec) -> list[tuple[tuple[Any, ...], str]]:
    """A `search:` that tune could not use: an empty range, or absolute values (grid points,
    range ends) the parameter's own range refuses. Relative units depend on the data; tune
    checks the values they resolve to."""
    space = param.search
    if space is None:
        return []
    if not space.low < space.high:
        return [(("search", "low"), f"the search range of {what} must have low < high")]
    if space.unit != "absolute":
        return []
    ends = [1 - space.low, 1 - space.high] if space.complement else [space.low, space.high]
    outside = [v for v in (*space.grid, *ends) if v is not None and not param.admits(v)]
    if outside:
        return [
            (
                ("search",),
                f"the search space of {what} must lie inside its range. "
                f"Got {show(outside[0])} instead.",
            )
        ]
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
    return f"the value of '{what}' must be {problem}. Got {show(value)} instead."


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
                Problem(file, line_at(tree, "settings", section, key, *loc), None, message)
                for loc, message in spec_problems(f"{section} setting '{key}'", param)
            ]
    return settings, problems


def check_methods(
    tree: LineDict, file: str
) -> tuple[dict[str, OptimizerSpec], dict[str, BalancingSpec], MethodSettings, list[Problem]]:
    """Validate `rules/methods.yaml`: the optimizer and balancing catalogs and setting specs."""
    problems = top_keys(tree, file, ("optimizers", "balancing", "settings"))
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
                    line_at(tree, section),
                    None,
                    f"'{section}' must be a list. Got {show(entries)} instead.",
                )
            )
            continue
        for i, raw in enumerate(entries):
            name = entry_name(raw, f"{section}[{i}]")
            try:
                spec = model.model_validate(raw)
            except ValidationError as err:
                problems += pydantic_problems(err, model, raw, file, name)
                continue
            if spec.id in into:
                problems.append(
                    Problem(file, line_at(raw, "id"), name, f"duplicate {section} id '{spec.id}'")
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
                            problems.append(Problem(file, line_at(raw, part, key), name, message))
            into[spec.id] = spec
    return optimizers, balancing, settings, problems


def check_frameworks(tree: LineDict, file: str, catalog: Catalog) -> list[Problem]:
    """`rules/frameworks.yaml` as the exporters' loader checks it (rules/frameworks.py), and
    the loss and optimizer ids it names against the catalog."""
    # Imported here: building the map's pydantic models costs more than the rest of a cold
    # load's checks, and a run's load never checks frameworks.yaml (only `rules check` does).
    from lossadvisor.rules.frameworks import frameworks_problems

    problems = frameworks_problems(tree, file)[1]
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
                        line_at(tree, section, key),
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


def param_problems(
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
                        f"Got {show(value)} instead.",
                    )
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
    problems = top_keys(
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
                for loc, message in param_problems(head.loss, spec, head.params):
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
