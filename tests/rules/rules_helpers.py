"""Helpers shared by the rule tests (unique module name: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path

FIXTURE_BASE = Path(__file__).parent / "data" / "base"


def write(directory: Path, name: str, text: str) -> Path:
    """Write a rule file and return its path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def line_containing(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle` (computed from the text itself)."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")
