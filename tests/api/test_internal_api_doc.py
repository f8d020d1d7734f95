"""docs/internal-api.md names real things: every `def`/`class` under a `# lossadvisor.X`
comment is importable from module lossadvisor.X (the doc once sent readers to a name that
raised ImportError)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "internal-api.md"


def documented() -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    module = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            module = None
        header = re.match(r"# (lossadvisor(?:\.[a-z_]+)*)", line)
        if header:
            module = header.group(1)
            continue
        item = re.match(r"(?:def|class) ([A-Za-z_]+)|([A-Z_]+) = ", line)
        if module and item:
            names.append((module, item.group(1) or item.group(2)))
    return names


def test_every_documented_name_imports() -> None:
    names = documented()
    assert len(names) >= 25, names
    missing = []
    for module, name in names:
        if not hasattr(importlib.import_module(module), name):
            missing.append(f"{module}.{name}")
    assert not missing, missing
