"""--target-type and --order on recommend and validate, --profile on validate (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def codes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Decaying 0/1/2 labels that depend on x: the documented count/codes ambiguity."""
    rng = np.random.default_rng(5)
    n = 600
    x = rng.normal(size=(n, 2))
    logits = np.stack([np.zeros(n), x[:, 0] - 1.2, x[:, 1] - 2.0], 1)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    path = tmp_path_factory.mktemp("tt") / "codes.csv"
    pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": y}).to_csv(path, index=False)
    return path


def _top(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["ranking"][0]["loss"])


def test_recommend_target_type_overrides_the_inference(codes: Path) -> None:
    measured = run("recommend", str(codes), "-t", "y", "--json")
    assert json.loads(measured.stdout)["facts"]["target_type"] == "count"
    assert _top(measured) == "poisson"
    forced = run("recommend", str(codes), "-t", "y", "--target-type", "multiclass", "--json")
    assert json.loads(forced.stdout)["facts"]["target_type"] == "multiclass"
    assert _top(forced) == "ce"
    ordered = run("recommend", str(codes), "-t", "y", "--order", "0,1,2", "--json")
    assert _top(ordered) == "cumulative_link"
    assert json.loads(ordered.stdout)["facts"]["n_classes"] == 3


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--target-type", "gaussian"], "unknown target type"),
        (["--target-type", "proportion"], "within [0, 1]"),
        (["--order", "0,1"], "'2'"),
        (["--order", "0,1,2", "--target-type", "count"], "drop --target-type"),
        (["--target-type", "count", "--task", "multiclass"], "drop one of them"),
    ],
)
def test_recommend_bad_overrides_are_one_line(codes: Path, extra: list[str], words: str) -> None:
    proc = run("recommend", str(codes), "-t", "y", *extra)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr, proc.stderr


def test_recommend_refuses_target_type_with_a_saved_profile(codes: Path, tmp_path: Path) -> None:
    saved = tmp_path / "p.yaml"
    assert run("profile", str(codes), "-t", "y", "-o", str(saved)).returncode == 0
    proc = run("recommend", "--profile", str(saved), "--target-type", "multiclass")
    assert proc.returncode == 2 and "re-run lossadvisor profile" in proc.stderr


def _validated(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    return [e["loss"] for e in doc["losses"]]


def test_validate_takes_target_type_and_profile(codes: Path, tmp_path: Path) -> None:
    common = ("--top", "1", "--folds", "3", "--threads", "1", "--json")
    assert _validated(run("validate", str(codes), "-t", "y", *common)) == ["poisson"]
    forced = run("validate", str(codes), "-t", "y", "--target-type", "multiclass", *common)
    assert _validated(forced) == ["ce"]
    saved = tmp_path / "p.yaml"
    made = run("profile", str(codes), "-t", "y", "--target-type", "multiclass", "-o", str(saved))
    assert made.returncode == 0, made.stderr
    from_profile = run("validate", str(codes), "-t", "y", "--profile", str(saved), *common)
    assert _validated(from_profile) == ["ce"]
    both = run("validate", str(codes), "-t", "y", "--profile", str(saved), "--order", "0,1,2")
    assert both.returncode == 2 and "--profile" in both.stderr
