"""write_yaml: temp file + rename, no clobbering without force, nothing partial left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml

from lossadvisor.errors import InputError
from lossadvisor.export import write_yaml

DATA = {"loss": {"_target_": "torch.nn.HuberLoss", "delta": 1.5}, "betas": (0.9, 0.999)}


def test_writes_yaml_that_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    write_yaml(DATA, str(path))
    assert yaml.safe_load(path.read_text()) == {"loss": DATA["loss"], "betas": [0.9, 0.999]}
    assert sorted(os.listdir(tmp_path)) == ["out.yaml"]


def test_new_file_gets_the_umask_mode_not_the_temp_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    old = os.umask(0o022)
    try:
        write_yaml(DATA, str(path))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_refuses_an_existing_file_and_leaves_it_untouched(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    path.write_text("precious: true\n")
    with pytest.raises(InputError, match="already exists; pass --force"):
        write_yaml(DATA, str(path))
    assert path.read_text() == "precious: true\n"
    assert sorted(os.listdir(tmp_path)) == ["out.yaml"]


def test_force_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    path.write_text("old: 1\n")
    path.chmod(0o600)
    write_yaml(DATA, str(path), force=True)
    assert yaml.safe_load(path.read_text())["loss"]["delta"] == 1.5
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["out.yaml"]


def test_unwritable_data_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    with pytest.raises(yaml.representer.RepresenterError):
        write_yaml({"loss": object()}, str(path))
    assert os.listdir(tmp_path) == []


def test_interrupt_while_writing_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during the flush to disk: the target keeps its old content, no temp file remains."""
    path = tmp_path / "out.yaml"
    path.write_text("old: 1\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_yaml(DATA, str(path), force=True)
    assert path.read_text() == "old: 1\n"
    assert sorted(os.listdir(tmp_path)) == ["out.yaml"]


def test_dash_writes_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_yaml(DATA, "-")
    assert yaml.safe_load(capsys.readouterr().out)["loss"]["delta"] == 1.5


@pytest.mark.parametrize(
    ("name", "message"), [("missing/out.yaml", "does not exist"), (".", "is a directory")]
)
def test_bad_destinations_are_input_errors(name: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=message):
        write_yaml(DATA, str(tmp_path / name))


def test_comment_key_is_written_as_comments(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    write_yaml({"#": "made by lossadvisor\nsecond line", "a": 1}, str(path))
    text = path.read_text()
    assert text.startswith("# made by lossadvisor\n# second line\n")
    assert yaml.safe_load(text) == {"a": 1}


def test_numpy_values_are_written_as_plain_numbers(tmp_path: Path) -> None:
    import numpy as np

    path = tmp_path / "out.yaml"
    write_yaml(
        {"w": np.float64(2.5), "n": np.int64(3), "v": np.array([1.0, 2.0]), "ok": np.bool_(True)},
        str(path),
    )
    assert yaml.safe_load(path.read_text()) == {"w": 2.5, "n": 3, "v": [1.0, 2.0], "ok": True}


CHILD = """
import sys
from lossadvisor.export import write_yaml
data = {"rows": [{"i": i, "name": "x" * 40} for i in range(int(sys.argv[2]))]}
print("ready", flush=True)
while True:  # keep replacing the file until interrupted
    write_yaml(data, sys.argv[1], force=True)
"""


def test_real_ctrl_c_never_leaves_a_partial_or_temporary_file(tmp_path: Path) -> None:
    """SIGINT at arbitrary moments of repeated forced writes: the file is always whole."""
    import random
    import signal
    import subprocess
    import sys
    import time

    rows = 20_000
    target = tmp_path / "out.yaml"
    rng = random.Random(5)
    for _ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(target), str(rows)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=60)
        assert sorted(os.listdir(tmp_path)) in ([], ["out.yaml"])
        if target.exists():
            assert len(yaml.safe_load(target.read_text())["rows"]) == rows
