"""The article's WRONG claims never appear as facts; its unverifiable figures only as quotes.

A figure nobody can verify may appear only in a text that says "the article reports".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from knowledge_helpers import TABLES, read_yaml

# article.yaml fields that quote or paraphrase the ARTICLE (not lossadvisor's own statements).
QUOTATION_FIELDS = {"article", "says"}


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed YAML tree with a readable path."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("id", i) if isinstance(value, dict) else i
            yield from strings(value, f"{path}[{label}]")


def own_statements() -> list[tuple[str, str]]:
    """Every string lossadvisor states: all rule files, minus the article's quotations."""
    found = []
    for name in ("losses", "methods", *TABLES):
        found += [(f"{name}.yaml{p}", s) for p, s in strings(read_yaml(f"{name}.yaml"))]
    for row in read_yaml("article.yaml")["rows"]:
        for key, value in row.items():
            if key not in QUOTATION_FIELDS and isinstance(value, str):
                found.append((f"article.yaml[{row['id']}].{key}", value))
    return found


def rule_texts() -> list[tuple[str, str]]:
    """The text a user sees for each rule: because + caution, per rule id."""
    texts = []
    for name in TABLES:
        for rule in read_yaml(f"{name}.yaml")["rules"]:
            texts.append((rule["id"], f"{rule['because']} {rule.get('caution') or ''}"))
    return texts


STATEMENTS = own_statements()


def test_the_scan_sees_the_knowledge_base() -> None:
    assert len(STATEMENTS) > 500
    assert any("clip(r, −δ, δ)" in s for _, s in STATEMENTS)


def test_no_n_log_n_complexity_anywhere() -> None:
    hits = [p for p, s in STATEMENTS if re.search(r"\bn\s*·?\s*log\s*n\b", s, re.IGNORECASE)]
    assert not hits, hits


def test_no_quadratic_complexity_anywhere() -> None:
    pattern = re.compile(r"O\(\s*n\s*(\^\s*2|²|\*\*\s*2)\s*\)", re.IGNORECASE)
    hits = [p for p, s in STATEMENTS if pattern.search(s)]
    assert not hits, hits


def test_lambda_optimizer_name_only_inside_corrections() -> None:
    hits = [p for p, s in STATEMENTS if "LAMBDA" in s and not p.endswith(".correction")]
    assert not hits, hits


def test_focal_and_tversky_complexities_are_the_corrected_ones() -> None:
    catalog = {entry["id"]: entry for entry in read_yaml("losses.yaml")["losses"]}
    for focal in ("focal_binary", "focal_multiclass"):
        text = catalog[focal]["properties"]["time_complexity"]
        assert "O(N·C)" in text and "no sort" in text
    tversky = catalog["tversky"]["properties"]["time_complexity"]
    assert "O(N·C)" in tversky and "O(C)" in tversky
    assert "log" in catalog["lovasz"]["properties"]["time_complexity"]


@pytest.mark.parametrize(
    ("claim", "pattern"),
    [
        ("pinball as a power loss", r"power loss"),
        ("Nesterov as a penalty", r"nesterov.*penalt|penalt.*nesterov"),
        ("Wing as multi-task weighting", r"wing.*weighting|weighting.*wing"),
    ],
)
def test_wrong_claims_are_only_mentioned_to_be_denied(claim: str, pattern: str) -> None:
    for path, text in STATEMENTS:
        if re.search(pattern, text, re.IGNORECASE | re.DOTALL):
            assert re.search(r"\bnot\b|\bno\b", text), f"{path} states '{claim}' without denying it"


def test_wing_is_never_a_balancing_method() -> None:
    methods = read_yaml("methods.yaml")
    assert "wing" not in {m["id"] for m in methods["balancing"]}
    for rule in read_yaml("multitask.yaml")["rules"]:
        assert "wing" not in (rule.get("score") or {}), rule["id"]


UNVERIFIABLE_FIGURES = {
    "+15 % IoU": r"15\s*%",
    "ImageNet timings": r"0\.[13]\s*ms",
    "Huber 85 %": r"85\s*%",
    "ResNet-18 ±15 %/±3 %": r"±\s*(15|3)\s*%",
    "driving weights": r"1\.0\D{1,40}0\.5\D{1,40}0\.2",
    "CIFAR-10 +2.3 %": r"2\.3\s*%",
    "β2 = 0.99": r"β2[^.]{0,40}(?<![\d.])0\.99(?!\d)",
}


@pytest.mark.parametrize("figure", sorted(UNVERIFIABLE_FIGURES))
def test_unverifiable_figures_only_as_the_article_reports(figure: str) -> None:
    pattern = re.compile(UNVERIFIABLE_FIGURES[figure])
    hits = [(rid, text) for rid, text in rule_texts() if pattern.search(text)]
    assert hits, f"no rule carries the article's {figure} (each prose row must be covered)"
    for rule_id, text in hits:
        assert "article reports" in text, f"{rule_id} quotes {figure} as a fact"


def test_losses_and_methods_do_not_quote_unverifiable_figures() -> None:
    for name in ("losses", "methods"):
        for path, text in strings(read_yaml(f"{name}.yaml")):
            for figure, pattern in UNVERIFIABLE_FIGURES.items():
                assert not re.search(pattern, text), f"{name}.yaml{path} quotes {figure}"
