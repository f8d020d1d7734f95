"""Hostile values and structure-aware mutations shared by the fuzz tests.

Everything is generated from hypothesis strategies (derandomized: the same cases every run) or
from the shipped rule files and a real export, mutated at one place at a time.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from lossadvisor.resources import rules_dir
from lossadvisor.rules.schema import TABLES

SCALE = float(os.environ.get("LOSSADVISOR_FUZZ_SCALE", "1"))
"""Multiplies every case count (CI runs 1; a long local hunt may run 20)."""
CASE_LIMIT = 20.0
"""Seconds one case may take before it counts as a hang."""


def fuzz_settings(cases: int) -> settings:
    return settings(
        max_examples=max(1, int(cases * SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


@contextmanager
def counted(name: str) -> Iterator[None]:
    """Count one case (LOSSADVISOR_FUZZ_COUNTS=FILE appends 'name' lines, for the report)."""
    yield
    target = os.environ.get("LOSSADVISOR_FUZZ_COUNTS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(name + "\n")


# --- hostile scalar and structured values -------------------------------------------------------

TARGET_NODE = {"_target_": "builtins.open", "_args_": ["/tmp/lossadvisor-fuzz-victim", "w"]}
LIGHTNING_NODE = {"class_path": "os.system", "init_args": {"command": "touch /tmp/x"}}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "${oc.env:HOME}",
            "{zero_ratio:999999999}",
            "{batch_size:c}",
            "{missing_ratio!r:>100000}",
            "{{literal}}",
            "{",
            "}",
            "bad\nname",
            "\x1b[31mred",
            "\x00",
            "a" * 2000,
            "huber",
            "adamw",
            "regression",
        ]
    ),
)
hostile_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 1e308, -1e308, 2**53 + 1, 0.5, 1.0, 2.0, 1e-300]),
)
hostile_leaf = st.one_of(hostile_number, hostile_text, st.booleans(), st.none())
hostile_value = st.recursive(
    st.one_of(hostile_leaf, st.just(TARGET_NODE), st.just(LIGHTNING_NODE)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=6,
)


def places(data: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a document: each container and each leaf."""
    found = [loc]
    if isinstance(data, dict):
        for key, value in data.items():
            found += places(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += places(value, (*loc, i))
    return found


def mutate(data: Any, loc: tuple[Any, ...], how: str, value: Any) -> Any:
    """A deep copy of `data` with one change at `loc`: replace, delete or add a key."""
    data = copy.deepcopy(data)
    if not loc:
        return value if how == "replace" else data
    parent = data
    for step in loc[:-1]:
        parent = parent[step]
    last = loc[-1]
    if how == "delete":
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][str(value)[:20] if not isinstance(value, str) else value[:20]] = value
    elif how == "add" and isinstance(parent[last], list):
        parent[last].append(value)
    else:
        parent[last] = value
    return data


@st.composite
def mutated(draw: st.DrawFn, seed_doc: Any) -> Any:
    """`seed_doc` with one hostile change at one of its places."""
    loc = draw(st.sampled_from(places(seed_doc)))
    how = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
    return mutate(seed_doc, loc, how, draw(hostile_value))


_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(data: Any) -> str:
    """YAML text for any generated document (non-finite floats and odd keys included)."""
    try:
        return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(data, default=str)


# --- YAML-level attacks --------------------------------------------------------------------------


def alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [" + ",".join(['"x"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


yaml_attack = st.one_of(
    st.builds(alias_bomb, st.integers(2, 9), st.integers(2, 12)),
    st.integers(50, 1200).map(lambda n: "[" * n + "]" * n),
    st.integers(50, 1200).map(lambda n: "{a: " * n + "1" + "}" * n),
    st.integers(2, 600).map(lambda n: "x: " + "{not: " * n + "{task: regression}" + "}" * n),
    st.just("a: &a [*a]\n"),
    st.just("a: &a {b: *a}\n"),
    st.sampled_from(
        [
            "x: !!binary aGVsbG8=\n",
            "x: !!set {a, b}\n",
            "x: !!python/object/apply:os.system [echo]\n",
            "x: !!omap [{a: 1}]\n",
            "--- a\n--- b\n",
            "x: .nan\n",
            "\x00\x01",
            "x: 'unterminated\n",
        ]
    ),
)


# --- seeds ---------------------------------------------------------------------------------------


def shipped_rules() -> list[tuple[str, dict[str, Any]]]:
    """(table, rule entry) for every shipped rule, as plain YAML data."""
    found = []
    for table in TABLES:
        data = yaml.safe_load((rules_dir() / f"{table}.yaml").read_text(encoding="utf-8"))
        found += [(table, entry) for entry in data.get("rules", [])]
    return found


def finite(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    return path
