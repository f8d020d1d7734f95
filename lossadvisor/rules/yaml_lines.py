"""Safe YAML loading that remembers the line of every mapping key and sequence item.

The parser is libyaml's (CSafeLoader) when available; construction stays PyYAML's
SafeConstructor, so no tag can run code (`!!python/object` is a constructor error). Mappings
come back as `LineDict` (a dict that knows its own line and each key's line), sequences as
`LineList`; duplicate keys, which PyYAML would silently overwrite, are recorded.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class LineDict(dict[Any, Any]):
    """A mapping from YAML with `line` (1-based) and `key_lines` (key -> line of the key)."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


class LineList(list[Any]):
    """A sequence from YAML with `line` and `item_lines` (index -> line of the item)."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []

    def _construct_map(self, node: MappingNode) -> Iterator[LineDict]:
        data = LineDict(node.start_mark.line + 1)
        yield data
        self.flatten_mapping(node)  # YAML merge keys (<<)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                )
            line = key_node.start_mark.line + 1
            if key in data:
                self.duplicate_keys.append((line, str(key)))
            data[key] = self.construct_object(value_node, deep=False)
            data.key_lines[key] = line

    def _construct_seq(self, node: SequenceNode) -> Iterator[LineList]:
        data = LineList(node.start_mark.line + 1)
        yield data
        for child in node.value:
            data.append(self.construct_object(child, deep=False))
            data.item_lines.append(child.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader._construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader._construct_seq)


class YamlProblem(Exception):
    """The text is not valid YAML (or uses a tag safe loading refuses); `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_with_lines(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Parse one YAML document safely; return it and the duplicate keys as (line, key).

    Raises YamlProblem for syntax errors, unsafe tags and multi-document streams.
    """
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(p for p in (err.context, err.problem) if p)
        if isinstance(err, yaml.constructor.ConstructorError):
            raise YamlProblem(line, f"YAML value refused by safe loading: {what}") from None
        raise YamlProblem(line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as err:
        raise YamlProblem(1, f"YAML error: {err}") from None
    finally:
        loader.dispose()
    return data, loader.duplicate_keys


def line_of(tree: Any, loc: Sequence[Any], default: int = 1) -> int:
    """The line of the deepest node reachable along `loc` (keys and indexes) in `tree`."""
    line = getattr(tree, "line", default) or default
    node = tree
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
