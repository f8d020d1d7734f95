"""Training needs only torch: the torch module imports nothing else, and --vendor copies it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from export_helpers import make_rec

from lossadvisor.export import export_recommendation, write_yaml
from lossadvisor.models import OptimizerAdvice

# What a training environment may lack: lossadvisor's own dependencies beyond torch.
NOT_NEEDED = ("pandas", "pyarrow", "typer", "rich", "pydantic", "yaml", "zstandard")
# Make those imports fail as in an environment with only torch installed: a None entry in
# sys.modules makes `import x` raise ImportError and importlib.util.find_spec(x) return None.
BLOCKER = f"""
import sys
for name in {NOT_NEEDED!r}:
    sys.modules[name] = None
"""
LOADED = "sorted({m.split('.')[0] for m, v in sys.modules.items() if v is not None}"


def run_python(code: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_torch_losses_imports_with_only_torch(tmp_path: Path) -> None:
    repo = str(Path(__file__).resolve().parents[2])
    code = (
        "import lossadvisor.torch_losses as t, sys\n"
        "t.PinballLoss(tau=0.9)\n"
        f"print({LOADED} & set({NOT_NEEDED!r})))\n"
    )
    result = run_python(code, tmp_path, repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_vendored_config_trains_without_lossadvisor(tmp_path: Path) -> None:
    rec = make_rec("pinball", {"tau": 0.8}, {"task": "regression"}, optimizer="lamb")
    rec = rec.model_copy(
        update={
            "optimizer": OptimizerAdvice(
                name="lamb",
                settings={"lr": 0.01, "weight_decay": 0.01},
                schedule={"name": "polynomial", "power": 1.0, "warmup_ratio": 0.1},
            )
        }
    )
    native = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(rec, "native"), str(native))
    conf = tmp_path / "conf"
    conf.mkdir()
    cmd = [sys.executable, "-m", "lossadvisor", "export", str(native), "-f", "hydra"]
    out = conf / "train.yaml"
    done = subprocess.run(
        [*cmd, "--vendor", str(conf), "-o", str(out), "--steps", "20"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (conf / "lossadvisor_losses.py").is_file()
    cfg = yaml.safe_load(out.read_text())
    assert cfg["loss"]["_target_"] == "lossadvisor_losses.PinballLoss"
    assert cfg["optimizer"]["_target_"] == "lossadvisor_losses.Lamb"
    assert cfg["lr_scheduler"]["_target_"] == "lossadvisor_losses.WarmupLR"
    # train from the config folder, lossadvisor and its dependencies not importable
    train = (
        "import sys, torch\n"
        "from hydra.utils import instantiate\n"
        "from omegaconf import OmegaConf\n"
        "cfg = OmegaConf.load('train.yaml')\n"
        "model = torch.nn.Linear(3, 1)\n"
        "loss_fn = instantiate(cfg.loss)\n"
        "opt = instantiate(cfg.optimizer)(model.parameters())\n"
        "sched = instantiate(cfg.lr_scheduler)(opt)\n"
        "x, y = torch.randn(16, 3), torch.randn(16, 1)\n"
        "for _ in range(cfg.trainer.max_steps):\n"
        "    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step(); sched.step()\n"
        "assert sys.modules.get('lossadvisor') is None\n"
        "print(loss_fn.tau, opt.param_groups[0]['lr'])\n"
    )
    blocked = tuple(m for m in NOT_NEEDED if m != "yaml")  # omegaconf itself needs PyYAML
    code = BLOCKER.replace(repr(NOT_NEEDED), repr((*blocked, "lossadvisor"))) + train
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=conf,
        env={**os.environ, "PYTHONPATH": str(conf)},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    tau, lr = result.stdout.split()
    assert float(tau) == 0.8 and float(lr) == 0.0  # polynomial decay ends at 0


def test_vendor_never_replaces_a_different_file(tmp_path: Path) -> None:
    native = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(make_rec("pinball", {"tau": 0.5}), "native"), str(native))
    mine = tmp_path / "lossadvisor_losses.py"
    mine.write_text("# my own file\n")
    cmd = [sys.executable, "-m", "lossadvisor", "export", str(native), "-f", "hydra"]
    refused = subprocess.run(
        [*cmd, "--vendor", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert mine.read_text() == "# my own file\n"
    no_dir = subprocess.run(
        [*cmd, "--vendor", str(tmp_path / "nope")], capture_output=True, text=True, check=False
    )
    assert no_dir.returncode == 2 and no_dir.stderr.count("\n") == 1
