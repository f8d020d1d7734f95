"""Loading the rule base: built-in files, then user files, every problem reported.

`check_files` lists every problem of the given files (for `rules check`); `load_rulebase`
loads the built-ins plus user files and raises one InputError line if anything is wrong.
Nothing in a rule file is ever executed: see `yaml_lines`. Validation lives in `check.py`,
imported only when the cache cannot answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lossadvisor.errors import InputError
from lossadvisor.resources import rules_dir
from lossadvisor.rules.cache import cache_key, read_cached, write_cached
from lossadvisor.rules.files import (
    FRAMEWORKS_FILE,
    LOSSES_FILE,
    METHODS_FILE,
    VOCABULARY_FILE,
    display_name,
)
from lossadvisor.rules.schema import EXTRA_TABLES, TABLES, RuleBase

if TYPE_CHECKING:
    from lossadvisor.rules.problems import Problem


def builtin_files(base: Path | None = None) -> list[Path]:
    """The built-in rule files in load order: the catalogs, the vocabulary, the eight tables,
    then the tables beyond the article. The vocabulary and the extra tables are optional (a
    minimal base, as in the tests, has neither)."""
    base = base or rules_dir()
    vocabulary = [base / VOCABULARY_FILE] if (base / VOCABULARY_FILE).is_file() else []
    extra = [base / f"{t}.yaml" for t in EXTRA_TABLES if (base / f"{t}.yaml").is_file()]
    return [
        base / LOSSES_FILE,
        base / METHODS_FILE,
        *vocabulary,
        *(base / f"{t}.yaml" for t in TABLES),
        *extra,
    ]


def check_files(paths: Sequence[str | Path]) -> list[str]:
    """Every problem of these rule files as 'file:line: rule-id: message'; [] when valid.

    Rule files are checked against the catalogs among `paths`, else the built-in ones, and
    their `covers` against the article's rows (article.yaml among `paths`, else the built-in).
    """
    return [str(p) for p in check_problems(paths)]


def check_problems(paths: Sequence[str | Path]) -> list[Problem]:
    """The problems check_files prints, in file order, as Problem records."""
    from lossadvisor.rules.check import check_paths, in_file_order

    return list(in_file_order(check_paths([Path(p) for p in paths], rules_dir()).problems))


def load_rulebase(
    extra_files: Sequence[str | Path] = (), *, builtin_dir: Path | None = None
) -> RuleBase:
    """The built-in rule base plus user rule files (which may add or replace rules by id).

    Raises InputError naming the first problem and how many more there are. `builtin_dir`
    replaces the shipped rules directory (tests).
    """
    base = builtin_dir or rules_dir()
    # `covers` against article.yaml is left to `rules check` and the tests: it is a
    # property of the files, not of a run, and parsing the article costs a sixth of the load.
    paths = [*builtin_files(base), *(Path(p) for p in extra_files)]
    frameworks = base / FRAMEWORKS_FILE  # in the digest, so in the key (not parsed here)
    key = _key([*paths, frameworks] if frameworks.is_file() else paths)
    if key is not None and (cached := read_cached(key)) is not None:
        return cached
    from lossadvisor.rules.check import check_paths, in_file_order

    result = check_paths(paths, base, rows_check=False)
    if result.problems:
        problems = in_file_order(result.problems)
        first, more = problems[0], len(problems) - 1
        message = str(first)
        if more:
            files = " ".join(dict.fromkeys(p.file for p in problems))
            message += f" (and {more} more; run `lossadvisor rules check {files}`)"
        raise InputError(message)
    rulebase = RuleBase.model_construct(
        losses=result.losses,
        optimizers=result.optimizers,
        balancing=result.balancing,
        settings=result.settings,
        rules=result.rules,
        tables=result.tables,
        digest=result.digest,
        files=result.files,
        vocabulary=result.vocabulary,
    )
    if key is not None:
        write_cached(key, rulebase)
    return rulebase


def _key(paths: Sequence[Path]) -> str | None:
    """The cache key of these files, or None if one cannot be read (the check will say why)."""
    try:
        return cache_key([(display_name(p), p.read_bytes()) for p in paths])
    except OSError:
        return None
