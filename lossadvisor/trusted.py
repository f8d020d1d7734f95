"""Pydantic models rebuilt from JSON that a model itself wrote, without validating it again.

Building a validator for a model tree as large as the rule base costs tens of milliseconds
on every start (more than the validation itself); the rule cache (rules/cache.py) holds only
bases that passed every check, dumped by `model_dump_json`, under a key that covers the code
that defines them. So its JSON is turned back into models with `model_construct`, guided by
the fields' annotations. The shape is still checked: every model must get exactly its fields,
and an annotation this module cannot rebuild exactly (a tuple, a union of models) is refused,
so a caller can fall back to validation. A test keeps the result equal to the validated one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)
Builder = Callable[[Any], Any]

_PLANS: dict[type[BaseModel], dict[str, Builder | None]] = {}


class NotTrusted(ValueError):
    """The data does not have the shape of the model (or the model cannot be rebuilt)."""


def construct(model: type[Model], data: Any) -> Model:
    """`model` from the parsed JSON `data` of one of its own dumps, without validation."""
    if not isinstance(data, Mapping):
        raise NotTrusted(f"{model.__name__}: expected an object")
    plan = _plan(model)
    if data.keys() != plan.keys():
        raise NotTrusted(f"{model.__name__}: fields {sorted(data.keys() ^ plan.keys())}")
    values = {
        name: data[name] if build is None else build(data[name]) for name, build in plan.items()
    }
    # What model_construct does for a model without aliases or extras, minus its per-field
    # alias and default lookups (every field is present): a third of the time.
    instance = model.__new__(model)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", set(values))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    if model.__pydantic_post_init__:  # private attributes get their defaults here
        instance.model_post_init(None)
    return instance


_set = object.__setattr__


def _plan(model: type[BaseModel]) -> dict[str, Builder | None]:
    plan = _PLANS.get(model)
    if plan is None:
        if model.__pydantic_root_model__ or model.model_config.get("extra") == "allow":
            raise NotTrusted(f"cannot rebuild {model.__name__}")
        if any(f.alias or f.validation_alias for f in model.model_fields.values()):
            raise NotTrusted(f"cannot rebuild {model.__name__} (aliases)")
        plan = {name: _builder(hint) for name, hint in _annotations(model).items()}
        _PLANS[model] = plan
    return plan


def _annotations(model: type[BaseModel]) -> dict[str, Any]:
    """Each field's type. Pydantic resolved them when it made the class: its FieldInfo
    annotations are read as they are (typing.get_type_hints would evaluate every string
    annotation again, a third of a cached load); a model whose fields are not complete (a
    forward reference not yet defined) falls back to get_type_hints."""
    fields = model.model_fields
    if getattr(model, "__pydantic_fields_complete__", False):
        return {name: field.annotation for name, field in fields.items()}
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in fields}


def _builder(annotation: Any) -> Builder | None:
    """What turns JSON into a value of `annotation`; None where the JSON value is the value
    (str, numbers, bool, Literal, Any, and containers of those)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return lambda data: construct(annotation, data)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is typing.Annotated:
        return _builder(args[0])
    if origin in (Union, types.UnionType):
        builders = [(arg, _builder(arg)) for arg in args if arg is not type(None)]
        rebuilt = [build for _, build in builders if build is not None]
        if not rebuilt:
            return None
        if len(builders) != 1:  # which member a value belongs to is validation's job
            raise NotTrusted(f"cannot rebuild {annotation}")
        only = rebuilt[0]
        return lambda data: None if data is None else only(data)
    if origin is list:
        item = _builder(args[0])
        return None if item is None else lambda data: [item(x) for x in _list(data)]
    if origin is dict:
        value = _builder(args[1])
        return None if value is None else lambda data: {k: value(v) for k, v in _dict(data)}
    if origin in (tuple, set, frozenset) or annotation in (tuple, set, frozenset):
        raise NotTrusted(f"cannot rebuild {annotation} from JSON arrays")
    return None


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise NotTrusted("expected an array")
    return data


def _dict(data: Any) -> Any:
    if not isinstance(data, dict):
        raise NotTrusted("expected an object")
    return data.items()
