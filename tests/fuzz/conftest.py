"""Fixtures for the hostile-input tests: a private rule cache, files written per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the rule-base cache of these tests out of the user's cache directory."""
    directory = tmp_path_factory.mktemp("rule-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOSSADVISOR_CACHE_DIR", str(directory))
        yield directory


@pytest.fixture(scope="session", autouse=True)
def baseline_libraries_imported() -> None:
    """Import the conditional pass's libraries once, so a case's time limit measures the case
    (the first `import sklearn.ensemble` alone can take seconds on a loaded machine)."""
    import sklearn.ensemble  # noqa: F401
    import statsmodels.api  # noqa: F401
