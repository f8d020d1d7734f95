"""docs/api.md's example runs as written (in a scratch folder holding examples/)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_doc_example_runs(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    run = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("count 0.79")  # 79.88 % zeros (README's profile shows the same)
    assert "NegativeBinomialNLLLoss" in run.stdout and "Did you mean 'claims'" in run.stdout
    assert "ExposureOffsetLoss lossadvisor.torch_losses.NegativeBinomialNLLLoss" in run.stdout
    assert (tmp_path / "claims.svg").read_text().lstrip().startswith("<?xml")
