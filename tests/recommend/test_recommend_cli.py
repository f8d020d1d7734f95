"""The `recommend` command end to end: errors exit 2 with one line, deterministic JSON with the
documented keys, export wiring, and a start-up that leaves numpy/pandas/pyarrow unimported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m lossadvisor ARGS` from the repository root."""
    proc = subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recommend_cli")
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=800), "price": rng.normal(100, 15, 800)}).to_csv(
        path / "continuous.csv", index=False
    )
    species = rng.choice(["setosa", "versicolor", "virginica"], size=600)
    pd.DataFrame({"x": rng.normal(size=600), "species": species}).to_csv(
        path / "labels.csv", index=False
    )
    return path


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    return lines[0]


def test_binary_task_on_continuous_target_is_an_error(data_dir: Path) -> None:
    line = _one_line_error(
        run("recommend", str(data_dir / "continuous.csv"), "--target", "price", "--task", "binary")
    )
    assert "--task binary" in line and "continuous" in line and "'price'" in line


def test_regression_on_text_classes_is_an_error(data_dir: Path) -> None:
    line = _one_line_error(
        run("recommend", str(data_dir / "labels.csv"), "-t", "species", "--task", "regression")
    )
    assert "--task regression" in line and "multiclass" in line


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((), "give DATA"),
        (("--task", "segmentaton"), "Did you mean 'segmentation'"),
        (("--task", "regression", "--metric", "quantile:2"), "quantile level"),
        (("--task", "regression", "--optimizer", "adamm"), "'adam'"),
        (("--task", "regression", "--top", "0"), "--top"),
        (("--head", "a:binary", "--head", "b"), "NAME:TASK"),
        (("--task", "regression", "--pick", "mse"), "--export"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: tuple[str, ...], fragment: str) -> None:
    assert fragment in _one_line_error(run("recommend", *args))


def test_json_is_deterministic_and_has_the_documented_keys(data_dir: Path) -> None:
    args = ("recommend", str(data_dir / "continuous.csv"), "--target", "price", "--json")
    first, second = run(*args, check=True), run(*args, check=True)
    assert first.stdout == second.stdout  # byte-identical
    doc = json.loads(first.stdout)
    assert {
        "schema_version",
        "facts",
        "context",
        "ranking",
        "optimizer",
        "heads",
        "cautions",
    } <= set(doc)
    assert doc["schema_version"] == 1
    # no --task: the rules read the measured target type; the task is not invented as a fact
    # prices ~ N(100, 15) are strictly positive reals: positive_continuous (issue 11; mse leads)
    assert "task" not in doc["facts"] and doc["facts"]["target_type"] == "positive_continuous"
    assert doc["ranking"], "empty ranking"
    for item in doc["ranking"]:
        assert {"loss", "score", "verdict", "params", "reasons"} <= set(item)
    verdicts = [item["verdict"] for item in doc["ranking"]]
    assert verdicts[0] == "recommended"
    # rank order: candidates by descending score, excluded last
    scores = [item["score"] for item in doc["ranking"] if item["verdict"] != "excluded"]
    assert scores == sorted(scores, reverse=True)
    assert "excluded" not in verdicts[: len(scores)]
    assert {"name", "settings", "schedule", "reasons"} <= set(doc["optimizer"])
    # keys sorted wherever order carries no meaning
    assert list(doc) == sorted(doc)
    assert list(doc["facts"]) == sorted(doc["facts"])


def test_without_data_only_json_on_stdout() -> None:
    proc = run("recommend", "--task", "segmentation", "--json", check=True)
    doc = json.loads(proc.stdout)
    # the task word also names its family (rules/tasks.yaml), which the practice rules read
    assert doc["facts"] == {"task": "segmentation", "task_family": "segmentation"}
    assert doc["context"] == {"task": "segmentation", "task_family": "segmentation"}


def test_text_report_shows_ranking_rationale_and_optimizer() -> None:
    proc = run("recommend", "--task", "regression", "--metric", "mae", check=True)
    out = proc.stdout
    assert "Ranking" in out and "Why " in out and "Optimizer:" in out
    assert proc.stderr == ""


def test_multitask_heads_on_the_command_line() -> None:
    proc = run(
        "recommend",
        "--head",
        "boxes:detection",
        "--head",
        "cls:multiclass:0.5",
        "--json",
        check=True,
    )
    doc = json.loads(proc.stdout)
    heads = {h["name"]: h for h in doc["heads"]}
    assert set(heads) == {"boxes", "cls"}
    assert heads["cls"]["weight"] == 0.5 and heads["boxes"]["weight"] == 1.0
    assert doc["balancing"]["method"]


def test_several_targets_with_a_task_are_profiled_for_it(tmp_path: Path) -> None:
    from sklearn import datasets

    bunch = datasets.load_linnerud(as_frame=True)
    source = tmp_path / "linnerud.csv"
    pd.concat([bunch.data, bunch.target], axis=1).to_csv(source, index=False)
    args = ["recommend", str(source), "-t", "Weight", "-t", "Waist", "-t", "Pulse"]
    doc = json.loads(run(*args, "--task", "regression", "--json", check=True).stdout)
    assert [h["name"] for h in doc["heads"]] == ["Weight", "Waist", "Pulse"]
    assert {h["task"] for h in doc["heads"]} == {"regression"}
    assert doc["balancing"]["method"]


def test_integer_codes_measured_as_counts_are_reprofiled_for_a_classification_task(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(8)
    codes = rng.choice([0, 1, 2, 3], size=2000, p=[0.5, 0.3, 0.15, 0.05])  # count-shaped
    source = tmp_path / "codes.csv"
    pd.DataFrame({"x": rng.normal(size=2000), "grade": codes}).to_csv(source, index=False)
    plain = json.loads(run("recommend", str(source), "-t", "grade", "--json", check=True).stdout)
    assert plain["facts"]["target_type"] == "count"
    asked = run("recommend", str(source), "-t", "grade", "--task", "multiclass", "--json")
    doc = json.loads(asked.stdout)
    assert doc["facts"]["target_type"] == "multiclass" and doc["facts"]["task"] == "multiclass"
    assert doc["ranking"][0]["loss"] in {"ce", "weighted_ce", "class_balanced_ce"}
    assert doc["facts"]["n_classes"] == 4


def test_saved_profile_gives_the_same_recommendation_as_the_data(
    data_dir: Path, tmp_path: Path
) -> None:
    source = str(data_dir / "continuous.csv")
    saved = tmp_path / "profile.yaml"
    run("profile", source, "--target", "price", "-o", str(saved), check=True)
    from_data = run("recommend", source, "--target", "price", "--json", check=True).stdout
    from_profile = run("recommend", "--profile", str(saved), "--json", check=True).stdout
    assert json.loads(from_profile)["ranking"] == json.loads(from_data)["ranking"]
    wrong = _one_line_error(run("recommend", "--profile", str(saved), "--target", "prize"))
    assert "'price'" in wrong  # suggests the profiled target


def test_export_writes_a_yaml_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "loss.yaml"
    run("recommend", "--task", "regression", "--export", str(out), check=True)
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    again = run("recommend", "--task", "regression", "--export", str(out))
    assert again.returncode == 2 and "force" in again.stderr.lower()
    run("recommend", "--task", "regression", "--export", str(out), "--force", check=True)


STARTUP_PROBE = """
import sys
sys.argv = ["lossadvisor", "recommend", "--task", "segmentation"]
from lossadvisor.cli import main
code = 0
try:
    main()
except SystemExit as exit_:
    code = exit_.code or 0
heavy = sorted(m for m in ("numpy", "pandas", "pyarrow", "sklearn", "scipy", "torch")
               if m in sys.modules)
sys.stderr.write(f"PROBE exit={code} heavy={','.join(heavy)}\\n")
"""


def test_recommend_without_data_does_not_import_numpy_pandas_pyarrow() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    probe = [line for line in proc.stderr.splitlines() if line.startswith("PROBE")]
    assert probe, proc.stderr
    assert probe[0] == "PROBE exit=0 heavy=", probe[0]
    assert "Ranking" in proc.stdout  # the command really ran
