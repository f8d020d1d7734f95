"""`recommend --task X` imports only what it uses (issue 18's start-up), checked without timing.

benchmarks/startup.py measures the time; these tests pin its causes, each of which a harmless
looking import would undo: only the running command's module is imported (--help reads the
registry's summaries, kept equal to the docstrings here), the data readers stay out, and the
rule base comes back from the cache without building its pydantic validator.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lossadvisor.cli.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import contextlib, io, json, runpy, sys
sys.argv = ["lossadvisor", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        runpy.run_module("lossadvisor", run_name="__main__")
    except SystemExit as done:
        code = done.code
from pydantic import BaseModel
from lossadvisor.rules.schema import RuleBase
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
built = sorted({c.__qualname__ for c in subclasses(BaseModel)
                if c.__module__.startswith("lossadvisor") and c.__pydantic_complete__})
print(json.dumps({"code": code, "modules": sorted(sys.modules), "out": out.getvalue(),
                  "rulebase_validator_built": RuleBase.__pydantic_complete__,
                  "validators_built": built}))
"""

# Imported by other commands or by DATA only; `recommend --task` has no use for them.
# importlib.metadata: pydantic's plugin loader imports it with the first TypeAdapter, which
# no option of `recommend --task X` needs (cli/coercion.py).
UNUSED = (
    "importlib.metadata",
    "numpy",
    "pandas",
    "pyarrow",
    "yaml",
    "lossadvisor.profile",
    "lossadvisor.export",
    "lossadvisor.evidence",
    "lossadvisor.rules.check",
    "lossadvisor.rules.catalog_checks",
    "lossadvisor.rules.rule_checks",
    "lossadvisor.rules.frameworks",
    *(f"lossadvisor.cli.{m}" for m in ("evidence_cmd", "profile_cmd", "rules_cmd", "bench_cmd")),
    *(f"lossadvisor.cli.{m}" for m in ("export_cmd", "report_cmd", "tasks_cmd")),
)


def probe(tmp_path: Path, *args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOSSADVISOR_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The second run of the command, its rule base from the cache the first one wrote."""
    cache = tmp_path_factory.mktemp("startup-cache")
    first = probe(cache, "recommend", "--task", "segmentation")
    assert first["code"] == 0
    second = probe(cache, "recommend", "--task", "segmentation")
    assert second["out"] == first["out"] and "dice" in str(second["out"])
    return second


def test_recommend_task_imports_nothing_it_does_not_use(second_run: dict[str, object]) -> None:
    modules = set(second_run["modules"])  # type: ignore[call-overload]
    loaded = sorted(m for m in modules if any(m == u or m.startswith(u + ".") for u in UNUSED))
    assert loaded == []


def test_the_cached_rule_base_is_rebuilt_without_a_validator(
    second_run: dict[str, object],
) -> None:
    assert second_run["rulebase_validator_built"] is False


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_the_registry_summary_is_the_docstring_first_paragraph(command: object) -> None:
    """--help lists these summaries without importing the commands; they must not drift."""
    doc = inspect.getdoc(command.function) or ""  # type: ignore[attr-defined]
    first = " ".join(doc.split("\n\n")[0].split())
    assert command.summary == first  # type: ignore[attr-defined]


def test_no_validator_is_built_on_the_way(second_run: dict[str, object]) -> None:
    """Every lossadvisor model on the path is made from checked values (the rule cache, the
    Context of checked options, the rule engine's ledger, recommend's output): building one
    validator costs milliseconds of start-up."""
    assert second_run["validators_built"] == []


CONTEXTS = [
    {"task": "segmentation"},
    {"task": "binary", "batch_size": 64, "foreground_ratio": 0.25, "metric": "quantile:0.9"},
    {"task": "regression", "batch_size": 8, "foreground_ratio": 0, "priority": "speed"},
    {"heads": ["det:detection:1.0", "lane:segmentation:0.5"], "multitask_kind": "shared_backbone"},
]


@pytest.mark.parametrize("given", CONTEXTS)
def test_the_context_equals_its_validation(given: dict[str, object]) -> None:
    """make_context constructs a Context of command-line types without a validator; pydantic's
    validation of the same data must give the same values of the same types (an int
    foreground ratio from the API is validated, so it becomes a float as before)."""
    from lossadvisor.context import Context, make_context

    made = make_context(**given)  # type: ignore[arg-type]
    validated = Context.model_validate(made.__dict__ | {"heads": made.heads})
    assert [(k, type(v), v) for k, v in made.__dict__.items()] == [
        (k, type(v), v) for k, v in validated.__dict__.items()
    ]
    assert made.model_fields_set <= set(Context.model_fields)


def _values(annotation: object) -> list[object]:
    """Values of an option's own plain types, and some that are not (typer must convert)."""
    return [
        "", "abc", "5", 0, 5, -3, 0.5, True, [], ["a", "b"], ("a",), ["a", 1], ("x", "y"),
    ]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_options_returned_as_they_are_equal_typer_coercion(command: object) -> None:
    """Where cli/coercion.py returns a value without building typer's TypeAdapter, typer's
    own coercion of the same value gives the same value of the same type (checked for every
    option of every command)."""
    import typer
    import typer._coercion as typer_coercion

    from lossadvisor.cli.app import _command
    from lossadvisor.cli.coercion import _as_is

    built = _command(command)  # type: ignore[arg-type]
    ctx = typer.Context(built)
    checked = 0
    for param in built.params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None:
            continue
        multiple = bool(param.multiple or param.nargs == -1)
        real = typer_coercion.build_runtime_param(descriptor)
        for value in _values(descriptor.annotation):
            fast = _as_is(descriptor, value, multiple)
            if fast is None:
                continue
            expected = real.coerce(value, param=param, ctx=ctx)
            assert (type(fast[0]), fast[0]) == (type(expected), expected), (param.name, value)
            checked += 1
    assert checked > 0 or not any(
        getattr(p, "type_descriptor", None) is not None for p in built.params
    )
