"""docs/article-audit.md, generated from rules/article.yaml: the project's own account of each
row of the source article, its verdict and the correction, so that a citation such as
"article §2 row 1" or "article-audit 2.1" can be looked up inside the project.

    python -m lossadvisor.rules.article_audit docs/article-audit.md

A test checks that the file is current.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from lossadvisor.resources import rules_dir
from lossadvisor.rules.schema import TABLES


def _row_title(row_id: str) -> str:
    """'table2.row1' -> 'article §2 row 1'; 'table7.prose1' -> 'article §7 prose claim 1'."""
    table, _, part = row_id.partition(".")
    kind = "row" if part.startswith("row") else "prose claim"
    return f"article §{table[5:]} {kind} {part.lstrip('rowpse')}"


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# The article audit",
        "",
        "<!-- generated from rules/article.yaml by "
        "`python -m lossadvisor.rules.article_audit docs/article-audit.md`; do not edit -->",
        "",
        "lossadvisor's knowledge base starts from the tables of a Chinese-language blog article on",
        "choosing a loss function. Each of its rows (and each checked claim of its prose) is",
        "listed here with what it says, lossadvisor's verdict and the correction the rules apply.",
        "Rule sources cite these entries as `article §N row M` and `article-audit N.M`.",
        "`article` quotes the original cells and `says` paraphrases them: both are the article's",
        "words, not facts. Rules that cover a row: `lossadvisor rules list`, column `covers`.",
    ]
    for number, table in enumerate(TABLES, start=1):
        lines += ["", f"## §{number} {table}"]
        for row in rows:
            if row.get("table") != table:
                continue
            lines += [
                "",
                f"### {row['id']}: {_row_title(str(row['id']))} ({row.get('audit', '')})",
                "",
                f"- article: {row.get('article', '')}",
                f"- says: {row.get('says', '')}",
                f"- verdict: **{row.get('verdict', '')}**",
                f"- correction: {row.get('correction', '')}",
            ]
    return "\n".join(lines) + "\n"


def current_text() -> str:
    tree = yaml.safe_load((rules_dir() / "article.yaml").read_text(encoding="utf-8"))
    return render(list(tree.get("rows", [])))


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/article-audit.md")
    target.write_text(current_text(), encoding="utf-8")
    print(target)
