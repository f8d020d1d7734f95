"""Safe YAML loading that remembers the line of every mapping key and sequence item.

The parser is libyaml's (CSafeLoader) when available; construction stays PyYAML's
SafeConstructor, so no tag can run code (`!!python/object` is a constructor error). Mappings
come back as `LineDict` (a dict that knows its own line and each key's line), sequences as
`LineList`; duplicate keys, which PyYAML would silently overwrite, are recorded.

Loading is bounded: before anything is constructed, the composed node graph is measured, and a
document is refused when its aliases expand to more than MAX_ALIAS_NODES nodes ("billion
laughs"), when it nests deeper than MAX_DEPTH (aliases included), or when an alias refers to a
node that contains it. Everything downstream (validation, repr, JSON caching, export) can then
walk the data without a bound of its own. `safe_load_bounded` gives the same guarantee for
plain data (native exports, saved profiles).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


MAX_ALIAS_NODES = 10_000
"""Nodes a document may gain through aliases (the tree size minus the distinct nodes)."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences, counted through aliases."""


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


class YamlProblem(Exception):
    """The text is not valid YAML (or uses a tag safe loading refuses); `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def check_bounds(root: Node) -> None:
    """Raise YamlProblem if the node graph is recursive, too deep or an alias bomb.

    One iterative post-order walk over the distinct nodes (no Python recursion, so a deep
    document cannot raise RecursionError here): each node's expanded size and depth are
    computed once from its children's, so the cost follows the text, not the expansion.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    reused: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in children), 1 << 62)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise YamlProblem(
                    node.start_mark.line + 1,
                    f"the YAML nests deeper than {MAX_DEPTH} levels; "
                    "flatten it (see docs/rule-language.md, limits)",
                )
            continue
        if key in size:  # reached again: through an alias
            reused.append(node)
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise YamlProblem(
                    child.start_mark.line + 1,
                    "a YAML alias refers to a node that contains it (a recursive alias)",
                )
            stack.append((child, False))
    from_aliases = size[id(root)] - len(size)
    if from_aliases > MAX_ALIAS_NODES:
        # An alias node is its anchor's node, so the line shown is the biggest reused anchor's.
        biggest = max(reused, key=lambda n: size[id(n)], default=root)
        raise YamlProblem(
            biggest.start_mark.line + 1,
            f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
            f"({from_aliases:,}; this anchor is the largest one reused); "
            "write the values out or use fewer aliases",
        )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _BoundedMixin:
    """get_single_data that measures the composed graph before constructing anything."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[attr-defined]
        if node is None:
            return None
        check_bounds(node)
        return self.construct_document(node)  # type: ignore[attr-defined]


class _BoundedLoader(_BoundedMixin, _BaseLoader):  # type: ignore[misc,valid-type]
    """Plain safe loading (dicts and lists), bounded like the line-aware loader."""


class _LineLoader(_BoundedMixin, _BaseLoader):  # type: ignore[misc,valid-type]
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

# Tags whose values no lossadvisor file holds and that downstream code cannot treat as plain
# data (bytes, sets, ordered pairs): refused at load, with the line, like `!!python/*`.
_REFUSED_TAGS = ("binary", "set", "omap", "pairs")


def _refuse(loader: Any, node: Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"the tag {node.tag!r} is not allowed", node.start_mark
    )


for _loader in (_LineLoader, _BoundedLoader):
    for _tag in _REFUSED_TAGS:
        _loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


def load_with_lines(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Parse one YAML document safely; return it and the duplicate keys as (line, key).

    Raises YamlProblem for syntax errors, unsafe tags, multi-document streams and documents
    past the bounds (MAX_ALIAS_NODES, MAX_DEPTH, recursive aliases).
    """
    loader = _LineLoader(text)
    return _run(loader), loader.duplicate_keys


def safe_load_bounded(text: str) -> Any:
    """yaml.safe_load with the same bounds and YamlProblem errors as `load_with_lines`."""
    return _run(_BoundedLoader(text))


def _run(loader: Any) -> Any:
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
        raise YamlProblem(1, "YAML error: " + " ".join(str(err).split())) from None
    finally:
        loader.dispose()
    return data


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
