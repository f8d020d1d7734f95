"""What an export format is: one record per format, and what its build function is given.

Each format module declares its record(s) next to its build function (hydra.FORMAT,
gbdt.LIGHTGBM, ...); export/registry.py lists them, in the order `--help` shows them. Adding a
format is one module with one record, and one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lossadvisor.export.choice import LossChoice
from lossadvisor.models import Recommendation
from lossadvisor.rules.frameworks import Framework, Frameworks

Body = tuple[dict[str, Any], list[str]]
"""A config body and the notes gathered while building it (they go to the header)."""

HeaderStyle = Literal["block", "comments", "none"]
"""Where the `lossadvisor:` provenance block goes: a top-level key, YAML comments (for loaders
that reject unknown keys, as LightningCLI does), or nowhere of its own (native's header is the
document's)."""


@dataclass(frozen=True)
class Job:
    """One export being built: the recommendation, the chosen losses and the user's options."""

    rec: Recommendation
    choices: list[LossChoice]
    frameworks: Frameworks
    format: ExportFormat
    formats: Mapping[str, ExportFormat]  # the registry, for "formats that have it" messages
    steps: int | None = None
    model: str | None = None

    @property
    def framework(self) -> Framework:
        """The frameworks.yaml entry the format reads (a tool format always has one)."""
        if self.format.framework is None:
            raise TypeError(f"{self.format.name} reads no framework entry")
        return self.format.framework

    @property
    def single(self) -> bool:
        """One loss for the whole model (not one per head)."""
        return len(self.choices) == 1 and self.choices[0].head is None


@dataclass(frozen=True)
class ExportFormat:
    """A format: its name, the frameworks.yaml entry it reads, what it can hold, its builder."""

    name: str
    framework: Framework | None  # None: the format needs no framework map (native)
    multi_head: bool  # can the config carry one loss per head?
    header: HeaderStyle
    build: Callable[[Job], Body] | None  # None: not a tool config (native: export/native.py)


def formats_with(formats: Mapping[str, ExportFormat], frameworks: Collection[str]) -> list[str]:
    """The formats that read one of `frameworks`, native (which carries anything) first."""
    return [f.name for f in formats.values() if f.framework is None or f.framework in frameworks]
