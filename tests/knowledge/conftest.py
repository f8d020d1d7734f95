"""Fixtures for the knowledge-base tests: the rule YAML read with yaml.safe_load only."""

from __future__ import annotations

from typing import Any

import pytest
from knowledge_helpers import TABLES, read_yaml


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
