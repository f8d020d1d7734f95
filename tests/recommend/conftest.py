"""Shared fixtures for the recommend tests: the built-in rule base, loaded once."""

from __future__ import annotations

import pytest

from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase


@pytest.fixture(scope="session")
def base() -> RuleBase:
    """The shipped rule base (rules/*.yaml)."""
    return load_rulebase()
