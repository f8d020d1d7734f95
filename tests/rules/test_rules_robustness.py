"""The loader never crashes: any value in any place of a rule gives problems, not exceptions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from rules_helpers import FIXTURE_BASE

from lossadvisor.rules.load import check_files

CATALOGS = [FIXTURE_BASE / "losses.yaml", FIXTURE_BASE / "methods.yaml"]
ODD_VALUES: list[Any] = [None, 1, -2.5, "x", True, [], {}, [1, "a"], {"gt": "a"}, {"a": {"b": 1}}]

TABLE = {
    "table": "data",
    "title": "t",
    "rules": [
        {
            "id": "data.r",
            "covers": ["table2.row1"],
            "when": {
                "task": "regression",
                "outlier_ratio": {"gt": 0.1},
                "any": [{"tail": "heavy"}, {"not": {"skewness": {"lt": 1}}}],
            },
            "score": {"huber": 2},
            "exclude": {"mse": "no"},
            "params": {"huber": {"delta": {"derive": "huber_delta_mad"}}},
            "optimizer": {"score": {"adam": 1}, "settings": {"adam": {"lr": 0.001}}},
            "because": "{outlier_ratio:.1%}",
            "source": "s",
            "caution": "c",
        }
    ],
}


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key/index path into a nested structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from paths(value, (*prefix, i))


def replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (replaced(v, rest, value) if k == head else v) for k, v in node.items()}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(node)]


def test_the_base_table_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(TABLE, allow_unicode=True), encoding="utf-8")
    assert check_files([*CATALOGS, path]) == []


def test_any_value_anywhere_is_reported_not_raised(tmp_path: Path) -> None:
    checked = 0
    for where in paths(TABLE):
        for value in ODD_VALUES:
            mutated = replaced(TABLE, where, value)
            if mutated == TABLE:
                continue
            path = tmp_path / f"m{checked}.yaml"
            path.write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
            problems = check_files([*CATALOGS, path])
            assert all(isinstance(p, str) and p.startswith(str(tmp_path)) for p in problems)
            checked += 1
    assert checked > 200
