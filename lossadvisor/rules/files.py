"""The rule files' names and how paths are shown in messages (shared by load and check)."""

from __future__ import annotations

import os
from pathlib import Path

LOSSES_FILE = "losses.yaml"
METHODS_FILE = "methods.yaml"
FRAMEWORKS_FILE = "frameworks.yaml"
ARTICLE_FILE = "article.yaml"
VOCABULARY_FILE = "tasks.yaml"


def display_name(path: Path) -> str:
    """The path as shown in messages: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
