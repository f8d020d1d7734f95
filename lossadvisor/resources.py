"""Where the shipped rule files live: inside the wheel, or at the repository root when editable."""

from __future__ import annotations

from pathlib import Path


def rules_dir() -> Path:
    """The directory holding losses.yaml, methods.yaml, frameworks.yaml and the table files."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"
