"""`recommend --export` and `export` share --class-order, --steps, --model and --vendor.

The same recommendation exported both ways, with the same options, gives the same config
(byte for byte, the vendored module included); the options are defined once (the typer
parameters of both commands are the same objects' help texts).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = str(REPO / "examples" / "multiclass.csv")
OPTIONS = ["--class-order", "fish,dog,cat,bird", "--steps", "120", "--pick", "weighted_ce"]


def lossadvisor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def test_recommend_export_equals_export_with_the_same_options(tmp_path: Path) -> None:
    direct, via = tmp_path / "direct", tmp_path / "via"
    direct.mkdir()
    via.mkdir()
    common = [DATA, "-t", "y", "--no-features"]
    one = lossadvisor(
        "recommend", *common, "--export", "h.yaml", "--format", "hydra", *OPTIONS,
        "--vendor", ".", cwd=direct,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    native = lossadvisor("recommend", *common, "--export", "rec.yaml", cwd=via)
    assert native.returncode == 0, native.stderr
    two = lossadvisor(
        "export", "rec.yaml", "--format", "hydra", "-o", "h.yaml", *OPTIONS, "--vendor", ".",
        cwd=via,
    )  # fmt: skip
    assert two.returncode == 0, two.stderr
    assert (direct / "h.yaml").read_text() == (via / "h.yaml").read_text()
    module = "lossadvisor_losses.py"
    assert (direct / module).read_text() == (via / module).read_text()
    text = (direct / "h.yaml").read_text()
    # the options took effect: the user's class order, the step count, the vendored path
    assert text.index("- fish") < text.index("- dog") < text.index("- cat") < text.index("- bird")
    assert "max_steps: 120" in text and "_target_: lossadvisor_losses.WarmupLR" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "5"], "--steps applies only with --export FILE."),
        (["--class-order", "a,b", "--model", "linear"], "--class-order, --model apply only"),
        (["--export", "-", "--vendor", "no/such/dir"], "--vendor no/such/dir: not an existing"),
        (["--export", "-", "--steps", "0"], "--steps"),
    ],
)
def test_options_without_export_or_bad_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = lossadvisor("recommend", DATA, "-t", "y", "--no-features", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_both_commands_document_the_same_options() -> None:
    import typer.main

    from lossadvisor.cli.app import app

    group = typer.main.get_command(app)

    def option_help(name: str) -> dict[str, str | None]:
        command = group.commands[name]  # type: ignore[attr-defined]
        return {p.opts[0]: getattr(p, "help", None) for p in command.params if p.opts}

    export, recommend = option_help("export"), option_help("recommend")
    for flag in ("--class-order", "--steps", "--model", "--vendor"):
        assert export[flag] and export[flag] == recommend[flag]
