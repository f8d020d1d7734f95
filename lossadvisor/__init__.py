"""lossadvisor: which loss to train with, why, and with which optimizer — from your data.

    import lossadvisor
    rec = lossadvisor.recommend(df, target="claims")    # df: pandas/polars/pyarrow/NumPy/path
    rec.ranking[0].loss, rec.to_dict(), rec.plot_target()

The public API (docs/api.md): profile, recommend, validate, export, load_rules, InputError.
Everything is imported on first use, so `import lossadvisor` costs next to nothing
(benchmarks/import_time.py measures it).
"""

from __future__ import annotations

import importlib
import sys
import types

# Not `from typing import TYPE_CHECKING`: importing typing alone costs ~15 ms, most of the
# import budget (type checkers recognise the name TYPE_CHECKING wherever it is defined).
TYPE_CHECKING = False

__version__ = "0.1.0"

_API = ("profile", "recommend", "validate", "export", "load_rules")
_WHERE = {**dict.fromkeys(_API, "lossadvisor.api"), "InputError": "lossadvisor.errors"}
__all__ = [
    "InputError",
    "__version__",
    "export",
    "load_rules",
    "profile",
    "recommend",
    "validate",
]

if TYPE_CHECKING:
    from typing import Any

    from lossadvisor.api import export, load_rules, profile, recommend, validate
    from lossadvisor.errors import InputError


def __getattr__(name: str) -> Any:
    """The public names, imported when first used (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'lossadvisor' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


class _Facade(types.ModuleType):
    """Keeps the API functions bound to their names.

    `lossadvisor.profile`, `.recommend` and `.export` are also subpackages; importing one
    makes Python set it as an attribute of this package, which would replace the function.
    The submodules stay reachable through `import lossadvisor.profile` / `from ... import`.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade
