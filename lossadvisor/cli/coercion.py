"""Typer's per-option coercion, built when an option has a value instead of for every option.

typer (>= 0.26) builds a pydantic TypeAdapter for each parameter of the command that runs,
given or not, and then returns None for an option left unset without using it. `recommend`
has some thirty options: building their adapters was a fifth of its start-up. `defer` gives
each parameter a stand-in that keeps typer's answer for a missing value and builds the real
coercion (typer's own `build_runtime_param`) on the first value. With a typer that works
differently (no `_runtime_param`), nothing is changed.

A value that already has the option's plain type (a str for a str option, an int default for
an int option without bounds, a list of str for a list[str] option) is what typer's adapter
would return (an unconstrained str / int / float TypeAdapter returns such a value as it is;
a list[str] one returns a list of the same items), so it is returned without building one:
the first TypeAdapter imports pydantic's plugin loader and with it importlib.metadata, some
20 ms of `recommend --task X`. Everything else goes to typer's coercion
(tests/cli/test_cli_startup.py compares the two on every option of every command).
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

try:
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # pragma: no cover - typer before 0.26 coerces through click types
    RuntimeParam = None  # type: ignore[assignment,misc]


def defer(command: Any) -> None:
    """Give every parameter of `command` a coercion that is built on its first value."""
    for param in command.params:
        defer_param(param)


def defer_param(param: Any) -> None:
    """Give one parameter (also --help, which click makes when a command parses) a coercion
    that is built on its first value."""
    if RuntimeParam is None:
        return
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
            multiple = bool(param.multiple or param.nargs == -1)
            if self._built is None and (plain := _as_is(self._descriptor, value, multiple)):
                return plain[0]
            return self._real().coerce(value, param=param, ctx=ctx)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return self._real()._coerce_value(value, param=param, ctx=ctx)

        def _real(self) -> Any:
            if self._built is None:
                object.__setattr__(self, "_built", build_runtime_param(self._descriptor))
            return self._built


_PLAIN = (str, int, float)
_KNOWN = ("parser", "min", "max")  # what typer 0.29's leaf adapters read besides the type


def _as_is(descriptor: Any, value: Any, multiple: bool) -> tuple[Any] | None:
    """(what typer's adapter returns for `value`,) when that is the value itself (see the
    module docstring), else None: typer's own coercion decides."""
    info = descriptor.parameter_info
    if not all(hasattr(info, name) for name in _KNOWN):  # another typer: its own coercion
        return None
    if info.parser is not None or getattr(descriptor, "file_annotation", None) is not None:
        return None
    annotation = descriptor.annotation
    if multiple:
        if get_origin(annotation) is not list or not isinstance(value, list | tuple):
            return None
        (item,) = get_args(annotation)
        if all(_plain(item, info, v) for v in value):
            return (list(value),)
        return None
    return (value,) if _plain(annotation, info, value) else None


def _plain(annotation: Any, info: Any, value: Any) -> bool:
    if annotation not in _PLAIN or type(value) is not annotation:
        return False
    return annotation is str or (info.min is None and info.max is None)
