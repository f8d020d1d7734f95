"""Validating rule files: parse with line numbers, check every entry, collect every problem.

Only needed when the rule base is not in the cache, or for `rules check`; `load.py` imports
this module lazily so that a cached start-up does not pay for YAML parsing and validation.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lossadvisor.rules.catalog_checks import (
    Catalog,
    check_article,
    check_frameworks,
    check_losses,
    check_methods,
    check_vocabulary,
)
from lossadvisor.rules.files import (
    ARTICLE_FILE,
    FRAMEWORKS_FILE,
    LOSSES_FILE,
    METHODS_FILE,
    VOCABULARY_FILE,
    display_name,
)
from lossadvisor.rules.problems import Problem
from lossadvisor.rules.rule_checks import check_table
from lossadvisor.rules.schema import (
    BalancingSpec,
    LossSpec,
    MethodSettings,
    OptimizerSpec,
    Rule,
    TableInfo,
)
from lossadvisor.rules.yaml_lines import LineDict, YamlProblem, load_with_lines
from lossadvisor.vocabulary import Vocabulary


@dataclass
class _Parsed:
    path: Path
    name: str  # as shown in messages
    data: bytes = b""
    tree: Any = None
    kind: str = ""  # losses | methods | frameworks | table | "" (unreadable)
    problems: list[Problem] = field(default_factory=list)


def parse(path: Path) -> _Parsed:
    parsed = _Parsed(path=path, name=display_name(path))
    try:
        parsed.data = path.read_bytes()
    except OSError as err:
        parsed.problems.append(Problem(parsed.name, None, None, f"cannot read: {err.strerror}"))
        return parsed
    try:
        text = parsed.data.decode("utf-8")
    except UnicodeDecodeError as err:
        parsed.problems.append(Problem(parsed.name, None, None, f"not UTF-8 text: {err.reason}"))
        return parsed
    try:
        tree, duplicates = load_with_lines(text)
    except YamlProblem as err:
        parsed.problems.append(Problem(parsed.name, err.line, None, err.message))
        return parsed
    for line, key in duplicates:
        parsed.problems.append(Problem(parsed.name, line, None, f"duplicate key '{key}'"))
    parsed.tree = tree
    parsed.kind = _kind(tree)
    if not parsed.kind:
        parsed.problems.append(
            Problem(
                parsed.name,
                getattr(tree, "line", 1),
                None,
                "not a rule file: expected top-level 'losses' (catalog), 'optimizers' and "
                "'balancing' (methods), 'rows' (the article), or 'table' and 'rules' "
                "(a table file)",
            )
        )
    return parsed


def _kind(tree: Any) -> str:
    if not isinstance(tree, LineDict):
        return ""
    if isinstance(tree.get("losses"), Mapping) or "frameworks" in tree:
        return "frameworks"
    if "losses" in tree:
        return "losses"
    if "optimizers" in tree or "balancing" in tree:
        return "methods"
    if "rows" in tree:
        return "article"
    if "families" in tree or "head_tasks" in tree:
        return "vocabulary"
    if "rules" in tree or "table" in tree:
        return "table"
    return ""


def _is_builtin(path: Path, base: Path) -> bool:
    try:
        return path.resolve().parent == base.resolve()
    except OSError:
        return False


@dataclass
class _Result:
    problems: list[Problem] = field(default_factory=list)
    losses: dict[str, LossSpec] = field(default_factory=dict)
    optimizers: dict[str, OptimizerSpec] = field(default_factory=dict)
    balancing: dict[str, BalancingSpec] = field(default_factory=dict)
    settings: MethodSettings = field(default_factory=MethodSettings)
    tables: dict[str, TableInfo] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    digest: str = ""
    vocabulary: Vocabulary = field(default_factory=Vocabulary)


def _catalog_for(
    parsed: Sequence[_Parsed], result: _Result, base: Path, rows_check: bool
) -> Catalog:
    """The catalog from the given files, else from the built-in files."""
    have_losses = have_methods = False
    for p in parsed:
        if p.kind == "losses":
            losses, problems = check_losses(p.tree, p.name)
            result.losses.update(losses)
            result.problems += problems
            have_losses = True
        elif p.kind == "methods":
            optimizers, balancing, settings, problems = check_methods(p.tree, p.name)
            result.settings = _merged(result.settings, settings)
            result.optimizers.update(optimizers)
            result.balancing.update(balancing)
            result.problems += problems
            have_methods = True
    needs_catalog = any(p.kind in ("table", "frameworks") for p in parsed)
    for needed, have, kind in (
        (LOSSES_FILE, have_losses, "losses"),
        (METHODS_FILE, have_methods, "methods"),
    ):
        if have or not needs_catalog:
            continue
        builtin = parse(base / needed)
        if builtin.kind == kind:
            if kind == "losses":
                losses, problems = check_losses(builtin.tree, builtin.name)
                result.losses.update(losses)
            else:
                optimizers, balancing, settings, problems = check_methods(
                    builtin.tree, builtin.name
                )
                result.settings = _merged(result.settings, settings)
                result.optimizers.update(optimizers)
                result.balancing.update(balancing)
            if not problems:
                continue
            first = str(problems[0])
        else:
            first = str(builtin.problems[0]) if builtin.problems else "unreadable"
        result.problems.append(
            Problem(
                builtin.name,
                None,
                None,
                f"the built-in {kind} catalog is not usable, ids go unchecked: {first}",
            )
        )
    rows: frozenset[str] | None = None
    articles = [p for p in parsed if p.kind == "article"]
    if not articles and rows_check and needs_catalog and (base / ARTICLE_FILE).is_file():
        articles = [parse(base / ARTICLE_FILE)]
    for p in articles:
        if p.kind == "article":
            found, problems = check_article(p.tree, p.name)
            rows = (rows or frozenset()) | found
            if p in parsed:
                result.problems += problems
    catalog = Catalog(
        article_rows=rows,
        losses=result.losses,
        optimizers=result.optimizers,
        balancing=result.balancing,
        settings=result.settings,
        has_losses=bool(result.losses),
        has_methods=bool(result.optimizers or result.balancing),
        solve=rows_check,
    )
    vocabularies = [p for p in parsed if p.kind == "vocabulary"]
    if not vocabularies and needs_catalog and (base / VOCABULARY_FILE).is_file():
        builtin = parse(base / VOCABULARY_FILE)
        if builtin.kind == "vocabulary":
            # Its presets name the built-in catalog's losses, which `catalog` may not be.
            vocabulary, problems = check_vocabulary(builtin.tree, builtin.name, None)
            if vocabulary is not None and not problems:
                result.vocabulary = vocabulary
                return replace(catalog, vocabulary=vocabulary)
        result.problems.append(
            Problem(builtin.name, None, None, "the built-in vocabulary is not usable")
        )
        return catalog
    for p in vocabularies:
        vocabulary, problems = check_vocabulary(p.tree, p.name, catalog)
        result.problems += problems
        if vocabulary is not None:
            result.vocabulary = vocabulary
            catalog = replace(catalog, vocabulary=vocabulary)
    return catalog


def _merged(old: MethodSettings, new: MethodSettings) -> MethodSettings:
    """Setting specs of a later methods file add to (or replace by name) earlier ones."""
    return MethodSettings(
        optimizer={**old.optimizer, **new.optimizer},
        schedule={**old.schedule, **new.schedule},
        balancing={**old.balancing, **new.balancing},
    )


def check_paths(paths: Sequence[Path], base: Path, rows_check: bool = True) -> _Result:
    result = _Result()
    parsed = [parse(p) for p in paths]
    for p in parsed:
        result.problems += p.problems
    catalog = _catalog_for(parsed, result, base, rows_check)
    digest = hashlib.sha256()
    builtin_ids: dict[str, Rule] = {}
    index_of: dict[str, int] = {}
    for p in parsed:
        digest.update(p.data)
        result.files.append(p.name)
        if p.kind == "frameworks":
            result.problems += check_frameworks(p.tree, p.name, catalog)
        if p.kind != "table":
            continue
        builtin = _is_builtin(p.path, base)
        info, rules, problems = check_table(p.tree, p.name, p.path.stem, builtin, catalog)
        result.problems += problems
        if info is not None and builtin:
            result.tables[info.table] = info
        for rule in rules:
            first = builtin_ids.get(rule.id)
            if builtin and first is not None:
                result.problems.append(
                    Problem(
                        p.name,
                        rule.line,
                        rule.id,
                        f"duplicate rule id '{rule.id}' (first at {first.file}:{first.line})",
                    )
                )
            elif rule.id in index_of:  # a user file replaces a rule by id, in place
                result.rules[index_of[rule.id]] = rule
            else:
                index_of[rule.id] = len(result.rules)
                result.rules.append(rule)
            if builtin and first is None:
                builtin_ids[rule.id] = rule
    frameworks = base / FRAMEWORKS_FILE
    if not any(p.kind == "frameworks" for p in parsed) and frameworks.is_file():
        # The exports read it: a changed framework target must change the digest their
        # provenance header records, though a run does not parse it.
        with contextlib.suppress(OSError):
            digest.update(frameworks.read_bytes())
    result.digest = digest.hexdigest()
    return result


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file (first mention first), by line within a file."""
    order = {name: i for i, name in enumerate(dict.fromkeys(p.file for p in problems))}
    return sorted(problems, key=lambda p: (order[p.file], p.line or 0))
