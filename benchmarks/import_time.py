"""How much `import lossadvisor` adds to a bare interpreter start (target: < 20 ms).

Runs `python -c pass` and `python -c "import lossadvisor"` alternately, N times each, and
prints the medians and their difference; also lists the heavy modules the import pulled in
(expected: none). Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    bare, with_import = [], []
    for _ in range(args.runs):
        bare.append(_time("pass"))
        with_import.append(_time("import lossadvisor"))
    b, w = statistics.median(bare), statistics.median(with_import)
    print(f"python -c pass:                {b * 1000:7.1f} ms (median of {args.runs})")
    print(f"python -c 'import lossadvisor': {w * 1000:7.1f} ms")
    print(f"added by import lossadvisor:   {(w - b) * 1000:7.1f} ms (target < 20 ms)")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, lossadvisor; print(' '.join(sorted(m for m in sys.modules"
            " if m.split('.')[0] in ('numpy', 'pandas', 'pyarrow', 'pydantic', 'rich', 'typer'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"heavy modules imported: {heavy or 'none'}")


if __name__ == "__main__":
    main()
