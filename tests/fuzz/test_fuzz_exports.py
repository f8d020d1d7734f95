"""Fuzzing native exports and saved profiles: real files with one value mutated.

For a native file the invariant is the issue's: whatever is accepted was admitted by the
catalog's value specs, and the config written from it names only the framework map's targets
and holds no interpolation, so nothing the fuzzer put in reaches Hydra or LightningCLI.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_helpers import run_cli, time_limit
from fuzz_surfaces import CASE_LIMIT, counted, fuzz_settings, mutated, to_yaml, write
from hypothesis import given
from hypothesis import strategies as st

from lossadvisor.boundary import recommendation_problems
from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation
from lossadvisor.export.guard import OWN_INTERPOLATIONS, allowed_targets
from lossadvisor.export.native import from_data
from lossadvisor.profile import load_profile
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.yaml_lines import YamlProblem, load_with_lines

BASE = load_rulebase()
# 120 rows with a numeric and a text feature: the saved profile carries the conditional pass's
# facts and provenance (the small-table OLS baseline, fast enough for a fixture).
DATA = "y,x,g\n" + "".join(
    f"{2 * (i % 13) / 13 + math.sin(i * 7.3) * 0.3 + (5 if i % 17 == 0 else 0):.4f},"
    f"{(i % 13) / 13:.4f},{'ab'[i % 2]}\n"
    for i in range(120)
)


def _natives() -> list[dict[str, Any]]:
    runs = [
        ["--task", "regression", "--priority", "robustness"],
        ["--task", "binary"],
        ["--task", "multiclass", "--optimizer", "sgd"],
    ]
    found = []
    for args in runs:
        outcome = run_cli(["recommend", *args, "--export", "-"])
        assert outcome.code == 0, outcome.stderr
        found.append(yaml.safe_load(outcome.stdout))
    return found


NATIVES = _natives()


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [*data.keys(), *(x for v in data.values() for x in _leaves(v))]
    if isinstance(data, list):
        return [x for v in data for x in _leaves(v)]
    return [data]


def _targets(data: Any) -> list[Any]:
    if isinstance(data, dict):
        here = [v for k, v in data.items() if k in ("_target_", "class_path")]
        return here + [t for v in data.values() for t in _targets(v)]
    if isinstance(data, list):
        return [t for v in data for t in _targets(v)]
    return []


def export_case(text: str, fmt: str) -> None:
    try:
        tree, _ = load_with_lines(text)
        rec, header = from_data(tree, "fuzz.yaml", BASE)
    except (YamlProblem, InputError):
        return
    assert recommendation_problems(rec, BASE) == []
    try:
        out = export_recommendation(rec, fmt, header.get("pick"), base=BASE)
    except InputError:
        return
    assert set(_targets(out)) <= allowed_targets()
    for leaf in _leaves(out):
        # The one interpolation allowed is the exporter's own (the schedule's step count).
        assert not (isinstance(leaf, str) and "${" in leaf and leaf not in OWN_INTERPOLATIONS)
        assert leaf not in ("builtins.open", "os.system")


@pytest.mark.parametrize("fmt", ["hydra", "lightning", "native"])
def test_mutated_native_exports(fmt: str) -> None:
    @fuzz_settings(500)
    @given(st.sampled_from(NATIVES).flatmap(mutated))
    def case(doc: Any) -> None:
        with counted("native.mutated"), time_limit(CASE_LIMIT):
            export_case(to_yaml(doc), fmt)

    case()


@fuzz_settings(30)
@given(st.sampled_from(NATIVES).flatmap(mutated), st.sampled_from(["hydra", "lightning", "keras"]))
def test_mutated_native_exports_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, doc: Any, fmt: str
) -> None:
    path = write(tmp_path_factory.mktemp("native") / "rec.yaml", to_yaml(doc))
    with counted("native.cli"):
        run_cli(["export", str(path), "--format", fmt], limit=CASE_LIMIT).check_contract()


def _profile_seed(tmp: Path) -> dict[str, Any]:
    data = write(tmp / "data.csv", DATA)
    # A seed, not a case: its limit covers the first import of the baseline's libraries.
    outcome = run_cli(["profile", str(data), "--target", "y", "--json"], limit=300)
    assert outcome.code == 0, outcome.stderr
    return yaml.safe_load(outcome.stdout)


@pytest.fixture(scope="module")
def profile_seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _profile_seed(tmp_path_factory.mktemp("profile"))


def test_mutated_saved_profiles(profile_seed: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"

    @fuzz_settings(1000)
    @given(mutated(profile_seed))
    def case(doc: Any) -> None:
        write(path, to_yaml(doc))
        with counted("profile.mutated"), time_limit(CASE_LIMIT), contextlib.suppress(InputError):
            load_profile(str(path))

    case()
    cli = 0
    for doc in _few(profile_seed):
        write(path, to_yaml(doc))
        with counted("profile.cli"):
            run_cli(
                ["recommend", "--profile", str(path), "--json"], limit=CASE_LIMIT
            ).check_contract()
        cli += 1
    assert cli > 0


def _few(seed: dict[str, Any]) -> list[Any]:
    found: list[Any] = []

    @fuzz_settings(20)
    @given(mutated(seed))
    def collect(doc: Any) -> None:
        found.append(doc)

    collect()
    return found
