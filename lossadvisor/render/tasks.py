"""Rich view of the vocabulary (`lossadvisor tasks`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table


def vocabulary_table(rows: Sequence[dict[str, Any]], section: str) -> Table:
    """One row per family (or head task, architecture, metric, model output)."""
    table = Table(title=f"lossadvisor {section}", show_lines=False)
    table.add_column("id", style="bold", no_wrap=True)
    if section == "families":
        table.add_column("group")
        table.add_column("trains as")
        table.add_column("synonyms (what --task accepts)")
        table.add_column("architectures / presets")
        for row in rows:
            extra = ", ".join(row["architectures"])
            if row["presets"]:
                extra += ("; " if extra else "") + "heads: " + ", ".join(row["presets"])
            table.add_row(row["id"], row["group"], row["task"], ", ".join(row["synonyms"]), extra)
        return table
    if section == "heads":
        table.add_column("trains as")
        table.add_column("synonyms (what --head NAME:TASK accepts)")
        for row in rows:
            table.add_row(row["id"], row["task"], ", ".join(row["synonyms"]))
        return table
    table.add_column("name")
    table.add_column("synonyms")
    for row in rows:
        table.add_row(row["id"], row["name"], ", ".join(row["synonyms"]))
    return table
