"""What the user said about the conditional pass (light: importable without numpy)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_ROWS = 200_000


@dataclass(frozen=True)
class FeatureOptions:
    """Which feature columns (None = all others), on or off, the exposure column, the sample."""

    enabled: bool = True
    columns: tuple[str, ...] | None = None
    exposure: str | None = None
    max_rows: int = DEFAULT_MAX_ROWS
