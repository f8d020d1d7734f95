"""Helpers for the profiler tests (not a conftest: several test folders have one)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLI = Path(sys.executable).with_name("lossadvisor")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> Run:
    """Run the installed `lossadvisor` console script with ARGS."""
    done = subprocess.run(
        [str(CLI), *args], input=stdin, capture_output=True, cwd=cwd, timeout=120, check=False
    )
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
