"""Helpers shared by the evidence tests (a unique module name: tests/ folders are not packages)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd

CLI = [sys.executable, "-m", "lossadvisor"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point; returns the finished process."""
    env = {**os.environ, "COLUMNS": "200"}  # rich wraps at the terminal width
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=env)


def frame(x: np.ndarray, y: np.ndarray, target: str = "y") -> pd.DataFrame:
    out = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    out[target] = y
    return out
