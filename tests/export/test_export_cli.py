"""`lossadvisor export` end to end, run as a user runs it: real exit codes and streams."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from export_helpers import FAMILIES

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.rules.load import load_rulebase

# A native file records the digest of the rule base it was made with; `export` refuses another.
DIGEST = load_rulebase().digest


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", "export", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def native(tmp_path: Path) -> Path:
    path = tmp_path / "rec.yaml"
    rec = FAMILIES["regression"]()
    write_yaml(export_recommendation(rec, "native", rules_digest=DIGEST), str(path))
    return path


def test_converts_to_stdout_by_default_and_with_dash(native: Path) -> None:
    for extra in ([], ["-o", "-"]):
        result = run(str(native), "--format", "hydra", *extra)
        assert result.returncode == 0, result.stderr
        data = yaml.safe_load(result.stdout)
        assert data["loss"]["_target_"] == "torch.nn.HuberLoss"
        assert data["lossadvisor"]["rules_digest"] == DIGEST
        assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["native", "lightning", "lightgbm", "xgboost", "sklearn", "keras"])
def test_writes_each_format_to_a_file(fmt: str, native: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{fmt}.yaml"
    result = run(str(native), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert yaml.safe_load(out.read_text())


def test_pick_and_stdin(native: Path) -> None:
    result = run("-", "--format", "xgboost", "--pick", "huber", stdin=native.read_text())
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["params"]["objective"] == "reg:pseudohubererror"


def test_refuses_to_overwrite_without_force(native: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    out.write_text("keep: me\n")
    result = run(str(native), "--format", "hydra", "-o", str(out))
    assert result.returncode == 2
    assert "already exists; pass --force" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text() == "keep: me\n"
    forced = run(str(native), "--format", "hydra", "-o", str(out), "--force")
    assert forced.returncode == 0 and "HuberLoss" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "lightgbmm"], "unknown export format 'lightgbmm'"),
        (["--format", "hydra", "--pick", "hubr"], "Did you mean 'huber'"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], message: str, native: Path) -> None:
    result = run(str(native), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_loss_without_the_format_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(FAMILIES["segmentation"](), "native"), str(src))
    out = tmp_path / "params.yaml"
    result = run(str(src), "--format", "lightgbm", "-o", str(out))
    assert result.returncode == 2
    expected = "lightgbm has no implementation of 'dice_ce'; formats that have it: native, hydra"
    assert expected in result.stderr
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["rec.yaml"]


def test_bad_input_files_exit_2(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nope.yaml"), "--format", "hydra")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    not_native = tmp_path / "hydra.yaml"
    not_native.write_text("loss: {_target_: torch.nn.MSELoss}\n")
    result = run(str(not_native), "--format", "keras")
    assert result.returncode == 2 and "not a lossadvisor native export" in result.stderr


def test_help_has_an_example() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "lossadvisor export rec.yaml --format hydra" in result.stdout


@pytest.mark.parametrize("dataset", ["diabetes", "breast_cancer", "wine"])
def test_recommend_then_export_then_train(dataset: str, tmp_path: Path) -> None:
    """The whole path on real data: recommend --export native, export --format hydra, one step."""
    import sklearn.datasets
    import torch
    from export_helpers import run_once
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    frame = getattr(sklearn.datasets, f"load_{dataset}")(as_frame=True).frame
    csv = tmp_path / f"{dataset}.csv"
    frame.to_csv(csv, index=False)
    native = tmp_path / "rec.yaml"
    recommend = subprocess.run(
        [
            sys.executable,
            "-m",
            "lossadvisor",
            "recommend",
            str(csv),
            "--target",
            "target",
            "--export",
            str(native),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert recommend.returncode == 0, recommend.stderr
    conf = tmp_path / "hydra.yaml"
    assert run(str(native), "--format", "hydra", "-o", str(conf)).returncode == 0
    cfg = OmegaConf.load(conf)
    loss_id = cfg.lossadvisor.loss
    n_classes = int(frame["target"].nunique()) if dataset != "diabetes" else 0
    value, grad = run_once(instantiate(cfg.loss), loss_id, multiclass=n_classes > 2)
    assert torch.isfinite(value) and grad.abs().sum() > 0
    model = torch.nn.Linear(2, 1)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    model(torch.ones(4, 2)).sum().backward()
    before = model.weight.detach().clone()
    optimizer.step()
    assert not torch.equal(before, model.weight)
