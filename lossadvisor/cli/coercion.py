"""Typer's per-option coercion, built when an option has a value instead of for every option.

typer (>= 0.26) builds a pydantic TypeAdapter for each parameter of the command that runs,
given or not, and then returns None for an option left unset without using it. `recommend`
has some thirty options: building their adapters was a fifth of its start-up. `defer` gives
each parameter a stand-in that keeps typer's answer for a missing value and builds the real
coercion (typer's own `build_runtime_param`) on the first value. With a typer that works
differently (no `_runtime_param`), nothing is changed.
"""

from __future__ import annotations

from typing import Any

try:
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # pragma: no cover - typer before 0.26 coerces through click types
    RuntimeParam = None  # type: ignore[assignment,misc]


def defer(command: Any) -> None:
    """Give every parameter of `command` a coercion that is built on its first value."""
    if RuntimeParam is None:
        return
    for param in command.params:
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = _Deferred(param.type_descriptor)


if RuntimeParam is not None:

    class _Deferred(RuntimeParam):
        """Typer's RuntimeParam for this parameter, built when a value comes."""

        _descriptor: Any
        _built: Any

        def __init__(self, descriptor: Any) -> None:  # typer's RuntimeParam is frozen
            object.__setattr__(self, "annotation", descriptor.annotation)
            object.__setattr__(self, "parameter_info", descriptor.parameter_info)
            object.__setattr__(self, "_descriptor", descriptor)
            object.__setattr__(self, "_built", None)

        def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
            if value is None:  # RuntimeParam.coerce answers without the adapter
                return super().coerce(value, param=param, ctx=ctx)
            return self._real().coerce(value, param=param, ctx=ctx)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return self._real()._coerce_value(value, param=param, ctx=ctx)

        def _real(self) -> Any:
            if self._built is None:
                object.__setattr__(self, "_built", build_runtime_param(self._descriptor))
            return self._built
