"""Helpers shared by the knowledge-base tests (a uniquely named module: every test directory
has its own conftest.py, so tests must not import from `conftest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def admits(spec: dict[str, Any], value: float) -> bool:
    """Whether a value lies in a parameter's declared range (exclusive ends honoured)."""
    low, high = spec.get("min"), spec.get("max")
    if low is not None and (value < low or (spec.get("exclusive_min") and value == low)):
        return False
    return not (
        high is not None and (value > high or (spec.get("exclusive_max") and value == high))
    )
