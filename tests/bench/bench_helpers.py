"""What the bench tests share: running the real `lossadvisor` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_lossadvisor(*args: str, cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    """`python -m lossadvisor ARGS` in `cwd`, on this checkout, with a fixed-width plain console."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
