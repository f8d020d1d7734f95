"""Fixtures for the rule engine tests: a small complete rule base and the shipped one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE

from lossadvisor.rules import load as load_module
from lossadvisor.rules.load import builtin_files, load_rulebase
from lossadvisor.rules.schema import RuleBase


@pytest.fixture(scope="session", autouse=True)
def private_rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the rule-base cache of these tests out of the user's cache directory."""
    directory = tmp_path_factory.mktemp("rule-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSADVISOR_CACHE_DIR", str(directory))
        yield directory


@pytest.fixture(scope="session")
def fixture_base() -> RuleBase:
    """The eight-table rule base in tests/rules/data/base."""
    return load_rulebase(builtin_dir=FIXTURE_BASE)


@pytest.fixture(scope="session")
def builtin_base() -> RuleBase:
    """The shipped rule base (a missing file fails the tests: packaging must not lose one)."""
    missing = [p.name for p in builtin_files() if not p.is_file()]
    assert not missing, f"built-in rule files missing: {', '.join(missing)}"
    return load_rulebase()


@pytest.fixture
def fixture_rules_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loader's built-in directory at the fixture base (for in-process CLI tests)."""
    monkeypatch.setattr(load_module, "rules_dir", lambda: FIXTURE_BASE.resolve())
    yield FIXTURE_BASE
