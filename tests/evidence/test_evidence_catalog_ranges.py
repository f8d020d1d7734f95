"""Every declared parameter range holds on every path a value can take (issue 9 item 4).

scikit-learn declares each estimator's parameter constraints once and *generates* invalid values
from the declarations (`sklearn.utils.estimator_checks.check_param_validation`). Here the
declaration is the catalog's ParamSpec (rules/losses.yaml); for every (loss, parameter) with a
numeric range, the values just outside it (the excluded bound itself, or the nearest float past
an included one) are fed to
1. the validate proxies (`resolve_params`: InputError, one line naming loss.parameter),
2. the torch modules an export points to (lossadvisor.torch_losses / torch_task_losses, which
   stay self-contained for `export --vendor`, so they restate the ranges: ValueError),
3. the exports: a native export whose parameter was edited to that value (the API: InputError;
   `lossadvisor export`: exit 2 and one line on stderr, for a sample of cases).
The bounds come from the YAML, never from the code under test; a range the code does not enforce,
or enforces differently, fails here.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from lossadvisor.errors import InputError
from lossadvisor.evidence.proxies import PROXIES, resolve_params
from lossadvisor.rules.frameworks import load_frameworks
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import ParamSpec

CATALOG = load_rulebase().losses
FRAMEWORKS = load_frameworks()


def just_outside(spec: ParamSpec) -> list[float | int]:
    """The values nearest to the declared range that it excludes."""
    integer = spec.kinds() == ("integer",)
    out: list[float | int] = []
    if spec.min is not None:
        if spec.exclusive_min:
            out.append(int(spec.min) if integer else float(spec.min))
        else:
            out.append(int(spec.min) - 1 if integer else math.nextafter(spec.min, -math.inf))
    if spec.max is not None:
        if spec.exclusive_max:
            out.append(int(spec.max) if integer else float(spec.max))
        else:
            out.append(int(spec.max) + 1 if integer else math.nextafter(spec.max, math.inf))
    return out


CASES = [
    (loss, name, value)
    for loss, entry in CATALOG.items()
    for name, spec in entry.params.items()
    if {"number", "integer"} & set(spec.kinds())
    for value in just_outside(spec)
]


def _id(case: tuple[str, str, float]) -> str:
    return f"{case[0]}.{case[1]}={case[2]!r}"


def test_the_catalog_declares_ranges_to_generate_from() -> None:
    assert len(CASES) > 60  # the generator found the declarations (not an empty loop)
    assert ("huber", "delta", 0.0) in CASES
    assert ("tweedie", "power", 2.0) in CASES


# --- 1. the validate proxies -------------------------------------------------------------------

PROXY_CASES = [c for c in CASES if c[0] in PROXIES and c[1] in PROXIES[c[0]].defaults]


def test_every_proxy_parameter_is_declared_in_the_catalog_with_its_default() -> None:
    for loss, proxy in PROXIES.items():
        specs = CATALOG[loss].params
        for name, default in proxy.defaults.items():
            assert name in specs, f"{loss}.{name} is not in the catalog"
            if default is not None:  # None: the proxy's own rule (pos_weight per fold)
                assert default == specs[name].default, f"{loss}.{name}"
    assert len(PROXY_CASES) >= 15


@pytest.mark.parametrize("case", PROXY_CASES, ids=_id)
def test_proxies_refuse_a_value_just_outside_the_declared_range(
    case: tuple[str, str, float],
) -> None:
    loss, name, value = case
    with pytest.raises(InputError) as err:
        resolve_params(loss, {name: value})
    message = str(err.value)
    assert "\n" not in message
    assert f"{loss}.{name} must be" in message and repr(float(value)) in message


@pytest.mark.parametrize("loss", [loss for loss in PROXIES if PROXIES[loss].defaults])
def test_proxies_accept_the_catalog_default(loss: str) -> None:
    specs = CATALOG[loss].params
    defaults = {name: specs[name].default for name in PROXIES[loss].defaults}
    defaults = {name: value for name, value in defaults.items() if value is not None}
    assert resolve_params(loss, defaults) == {n: float(v) for n, v in defaults.items()}


# --- 2. the torch modules ----------------------------------------------------------------------


def _torch_target(loss: str, name: str) -> tuple[str, str] | None:
    """(dotted class, keyword) of the project's own torch module for loss.name, if any."""
    entry = FRAMEWORKS.losses.get(loss, {}).get("torch")
    if entry is None or not (entry.target or "").startswith("lossadvisor."):
        return None
    arg = entry.args.get(name)
    return None if arg is None or entry.target is None else (entry.target, arg.to)


TORCH_CASES = [c for c in CASES if _torch_target(c[0], c[1]) is not None]


def _construct(target: str, keyword: str, value: Any) -> Any:
    module, _, name = target.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    kwargs: dict[str, Any] = {keyword: value}
    required = [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty and p.name not in kwargs
    ]
    if "num_classes" in required:  # the ordinal modules need K
        kwargs["num_classes"] = 4
    return cls(**kwargs)


@pytest.mark.parametrize("case", TORCH_CASES, ids=_id)
def test_torch_modules_refuse_a_value_just_outside_the_declared_range(
    case: tuple[str, str, float],
) -> None:
    pytest.importorskip("torch")
    loss, name, value = case
    found = _torch_target(loss, name)
    assert found is not None
    target, keyword = found
    with pytest.raises(ValueError) as err:
        _construct(target, keyword, value)
    assert "\n" not in str(err.value) and keyword in str(err.value)


def test_torch_modules_accept_the_catalog_default() -> None:
    pytest.importorskip("torch")
    for loss, name, _ in TORCH_CASES:
        found = _torch_target(loss, name)
        assert found is not None
        default = CATALOG[loss].params[name].default
        if default is not None:
            _construct(*found, default)


def test_there_are_torch_cases() -> None:
    assert len(TORCH_CASES) >= 30


# --- 3. the exports ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real native export (recommend --export, built-in rules), parsed."""
    path = tmp_path_factory.mktemp("native") / "rec.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "recommend", "--task", "regression",
         "--export", str(path), "--format", "native"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _edited(native: dict[str, Any], loss: str, name: str, value: Any) -> dict[str, Any]:
    """The export with its first ranked loss replaced by `loss` carrying name = value."""
    data = copy.deepcopy(native)
    first = data["recommendation"]["ranking"][0]
    first.update(loss=loss, name=CATALOG[loss].name, ledger=[], reasons=[])
    first["params"] = {name: {"value": value, "derivation": "edited by hand", "rule_id": None}}
    return data


def test_an_edited_export_with_in_range_values_loads(native: dict[str, Any]) -> None:
    from lossadvisor.export.native import from_data

    for loss, name, _ in CASES:
        default = CATALOG[loss].params[name].default
        if isinstance(default, int | float) and not isinstance(default, bool):
            from_data(_edited(native, loss, name, default), "rec.yaml")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_exports_refuse_a_value_just_outside_the_declared_range(
    case: tuple[str, str, float], native: dict[str, Any]
) -> None:
    from lossadvisor.export.native import from_data

    loss, name, value = case
    with pytest.raises(InputError) as err:
        from_data(_edited(native, loss, name, value), "rec.yaml")
    message = str(err.value)
    assert "\n" not in message and name in message and "must be" in message


CLI_SAMPLE = [("huber", "delta", 0.0), ("tweedie", "power", 2.0), ("focal_binary", "alpha",
              math.nextafter(1.0, math.inf)), ("lambdarank", "truncation_level", 0)]  # fmt: skip


@pytest.mark.parametrize("case", CLI_SAMPLE, ids=_id)
def test_lossadvisor_export_exits_2_with_one_line(
    case: tuple[str, str, float], native: dict[str, Any], tmp_path: Path
) -> None:
    assert case in CASES  # the sample is drawn from the generated cases
    loss, name, value = case
    source = tmp_path / "edited.yaml"
    source.write_text(yaml.safe_dump(_edited(native, loss, name, value), sort_keys=False))
    done = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "export", str(source), "--format", "native"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert name in lines[0] and "must be" in lines[0]


# --- tune's declared search spaces -------------------------------------------------------------


def test_every_tuned_proxy_parameter_declares_a_search_space_inside_its_range() -> None:
    for loss, proxy in PROXIES.items():
        for name in proxy.defaults:
            spec = CATALOG[loss].params[name]
            space = spec.search
            assert space is not None, f"{loss}.{name}: tune has no declared search space"
            assert space.low < space.high, f"{loss}.{name}"
            if space.unit != "absolute":
                continue  # relative to the data: checked when tune resolves each value
            for value in space.grid:
                assert value is None or spec.admits(value), f"{loss}.{name} grid {value}"
            ends = [1 - space.low, 1 - space.high] if space.complement else [space.low, space.high]
            assert all(spec.admits(v) for v in ends), f"{loss}.{name} range {ends}"
