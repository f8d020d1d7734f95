"""Shared fixtures for the knowledge-base tests: the rule YAML read with yaml.safe_load only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
TABLES = (
    "task",
    "data",
    "output",
    "efficiency",
    "robustness",
    "gradient",
    "multitask",
    "optimizer",
)


def read_yaml(name: str) -> Any:
    """One rule file, parsed safely (never executing anything in it)."""
    with (RULES_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def losses() -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in read_yaml("losses.yaml")["losses"]}


@pytest.fixture(scope="session")
def methods() -> dict[str, Any]:
    data: dict[str, Any] = read_yaml("methods.yaml")
    return data


@pytest.fixture(scope="session")
def article_rows() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in read_yaml("article.yaml")["rows"]}


@pytest.fixture(scope="session")
def tables() -> dict[str, dict[str, Any]]:
    return {name: read_yaml(f"{name}.yaml") for name in TABLES}


@pytest.fixture(scope="session")
def rules(tables: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every rule of the eight tables, each tagged with its table name under '_table'."""
    return [{**rule, "_table": name} for name, data in tables.items() for rule in data["rules"]]
