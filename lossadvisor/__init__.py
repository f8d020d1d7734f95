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
    if name in _SHARED_NAMES:
        value = _FunctionAndModule(value, f"{__name__}.{name}")
    globals()[name] = value
    return value


# API functions named like one of our modules (lossadvisor/profile/, recommend.py, export/).
_SHARED_NAMES = ("profile", "recommend", "export")


class _FunctionAndModule:
    """The API function, which also answers for the module of the same name.

    `import lossadvisor.profile.store as S` looks `profile` up on this package and `store` on
    what it finds; `import lossadvisor.recommend as R` binds R to what `lossadvisor.recommend`
    is. With a plain function there the first failed and the second gave a function without
    the module's names. Calls go to the function; other names to the module (imported then).
    """

    def __init__(self, function: Any, module: str) -> None:
        self.__wrapped__ = function  # inspect.signature and help() follow it
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__module__ = function.__module__
        self._module = module

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self._module), name)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # A method descriptor to `inspect.isroutine`, so help() documents it as the function.
        return self

    def __repr__(self) -> str:
        return repr(self.__wrapped__)


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
