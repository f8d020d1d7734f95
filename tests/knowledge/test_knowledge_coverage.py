"""Every row of the article is encoded by at least one rule, and the verdicts follow the audit."""

from __future__ import annotations

import re
from typing import Any

from knowledge_helpers import TABLES

# The rows the task names (issue #3 and the knowledge brief), written out independently of the YAML.
EXPECTED_ROWS = {
    1: (4, 1),
    2: (4, 1),
    3: (4, 1),
    4: (4, 2),
    5: (4, 1),
    6: (4, 2),
    7: (3, 1),
    8: (4, 1),
}

# Verdicts the audit (seed-audit.md §1) gives to rows it calls WRONG.
WRONG_IN_AUDIT = {
    "table2.row3",  # pinball as a "power loss"
    "table3.row4",  # CE "fails when classes overlap"
    "table4.row3",  # focal complexity
    "table4.row4",  # Tversky complexity
    "table4.prose2",  # loss choice and inference latency
    "table6.prose2",  # Nesterov as a penalty
    "table7.row3",  # Wing as multi-task weighting
    "table8.row3",  # "LAMBDA"
}
UNVERIFIABLE_IN_AUDIT = {
    "table2.prose1",
    "table4.prose1",
    "table5.prose1",
    "table6.prose1",
    "table7.prose1",
    "table8.prose1",
}


def expected_ids() -> set[str]:
    ids = set()
    for table, (rows, prose) in EXPECTED_ROWS.items():
        ids |= {f"table{table}.row{i}" for i in range(1, rows + 1)}
        ids |= {f"table{table}.prose{i}" for i in range(1, prose + 1)}
    return ids


def test_article_lists_exactly_the_expected_rows(article_rows: dict[str, Any]) -> None:
    assert set(article_rows) == expected_ids()


def test_each_row_names_its_table_file(article_rows: dict[str, Any]) -> None:
    for row_id, row in article_rows.items():
        number = int(re.match(r"table(\d)\.", row_id).group(1))  # type: ignore[union-attr]
        assert row["table"] == TABLES[number - 1], row_id


def test_each_row_is_complete(article_rows: dict[str, Any]) -> None:
    for row_id, row in article_rows.items():
        assert row["verdict"] in {"OK", "DUBIOUS", "WRONG", "UNVERIFIABLE"}, row_id
        assert row["article"].strip() and row["says"].strip(), row_id
        assert row["audit"].startswith("article-audit "), row_id  # docs/article-audit.md
        if row["verdict"] != "OK":
            assert len(row.get("correction", "")) > 20, f"{row_id} needs a correction"


def test_verdicts_follow_the_audit(article_rows: dict[str, Any]) -> None:
    wrong = {rid for rid, row in article_rows.items() if row["verdict"] == "WRONG"}
    unverifiable = {rid for rid, row in article_rows.items() if row["verdict"] == "UNVERIFIABLE"}
    assert wrong == WRONG_IN_AUDIT
    assert unverifiable == UNVERIFIABLE_IN_AUDIT


def test_every_row_is_covered_by_a_rule(
    article_rows: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    covered = {row for rule in rules for row in rule["covers"]}
    missing = sorted(set(article_rows) - covered)
    assert not missing, f"article rows no rule covers: {missing}"


def test_every_cover_names_an_article_row(
    article_rows: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    unknown = [
        (rule["id"], row) for rule in rules for row in rule["covers"] if row not in article_rows
    ]
    assert not unknown


def test_each_table_covers_its_own_rows(
    article_rows: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    """Cross-table covers are allowed, but each table file encodes every row of its own table."""
    for row_id, row in article_rows.items():
        own = [r["id"] for r in rules if r["_table"] == row["table"] and row_id in r["covers"]]
        assert own, f"{row_id} is not covered inside {row['table']}.yaml"
