"""Citations resolve inside the project: the article audit is generated and current, every
`article-audit N.M` a rule cites exists, and no user-facing text points outside the project."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from lossadvisor.rules.article_audit import current_text

ROOT = Path(__file__).resolve().parents[2]
# Files a user of the project cannot read (they lived beside the repository while it was
# written), and wording that only made sense next to them.
OUTSIDE = re.compile(r"seed-audit|\.\./shared/|shared/reference/|stray cell", re.IGNORECASE)


def test_the_article_audit_is_current() -> None:
    path = ROOT / "docs" / "article-audit.md"
    assert path.read_text(encoding="utf-8") == current_text(), (
        "regenerate: python -m lossadvisor.rules.article_audit docs/article-audit.md"
    )


def test_every_cited_audit_entry_exists() -> None:
    rows = yaml.safe_load((ROOT / "rules" / "article.yaml").read_text(encoding="utf-8"))["rows"]
    known = {n for row in rows for n in re.findall(r"\d+\.\d+", row["audit"])}
    assert len(known) == len(rows)
    cited: set[str] = set()
    for path in (ROOT / "rules").glob("*.yaml"):
        for match in re.finditer(r"article-audit ((?:\d+\.\d+(?:, )?)+)", path.read_text("utf-8")):
            cited |= set(re.findall(r"\d+\.\d+", match.group(1)))
    assert cited and cited <= known, sorted(cited - known)


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_no_user_facing_text_cites_files_outside_the_project() -> None:
    found = []
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [f"{path.name}: {s[:80]}" for s in _strings(tree) if OUTSIDE.search(s)]
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in docs:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.name}:{number}: {line[:80]}")
    assert found == []


def test_no_string_in_the_package_cites_files_outside_the_project() -> None:
    """Docstrings, help texts and messages are read by users too (--help, errors, help())."""
    found = []
    for path in sorted((ROOT / "lossadvisor").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and OUTSIDE.search(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
