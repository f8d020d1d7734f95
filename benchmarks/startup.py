"""Start-up of `lossadvisor recommend --task segmentation` against the floor of a Typer CLI.

The floor is a two-command Typer app that prints one rich table: what any Typer CLI here pays
(typer imports click, and running a command imports its pydantic adapters). Everything is
timed in the same run, interleaved, as wall-clock time of a fresh interpreter (median of ROUNDS
runs each), with `python -c pass` and `import typer, rich` for context.
Target: the command within 1.3x of the floor.

The children run with bytecode writing on (PYTHONDONTWRITEBYTECODE removed from their
environment), so the warm-up run leaves .pyc files as an installed package has them; without
them every run would compile lossadvisor's modules, a cost no installed copy pays.

    python benchmarks/startup.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 1.3


def command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m lossadvisor`."""
    script = Path(sys.executable).parent / "lossadvisor"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "lossadvisor"]
    return [*head, "recommend", "--task", "segmentation"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; a failing command is an error, not
    a fast run. CPU time is reported too: on a busy machine it varies far less than wall."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise subprocess.CalledProcessError(status, argv)
    return elapsed, usage.ru_utime + usage.ru_stime


PHASES = """
import io, json, os, time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")  # as lossadvisor.cli.main does
t0 = time.perf_counter()
import typer, rich
t1 = time.perf_counter()
import lossadvisor.cli, lossadvisor.cli.recommend_cmd
t2 = time.perf_counter()
from lossadvisor.options import RecommendOptions
from lossadvisor.recommend import recommend
t3 = time.perf_counter()
given = RecommendOptions(task="segmentation")
base = given.rulebase()
t4 = time.perf_counter()
rec = recommend(base, given.context(base))
t5 = time.perf_counter()
from rich.console import Console
from lossadvisor.render.recommend import recommendation_view
Console(file=io.StringIO()).print(recommendation_view(rec))
t6 = time.perf_counter()
print(json.dumps({"import typer, rich": t1 - t0, "import lossadvisor.cli + recommend_cmd": t2 - t1,
                  "import options/recommend modules": t3 - t2, "load_rulebase() (cache)": t4 - t3,
                  "context + recommend()": t5 - t4, "render (rich)": t6 - t5}))
"""


def phases(rounds: int) -> dict[str, float]:
    """Median in-process seconds of each phase of the command (where the time goes)."""
    import json

    runs = []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, "-c", PHASES], check=True, capture_output=True, text=True, env=ENV
        ).stdout
        runs.append(json.loads(out))
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


# The floor of any Typer CLI: two commands, one of which prints one rich table. Running a
# command (not just importing typer) imports typer's adapters, which import pydantic.
TYPER_FLOOR = """
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def recommend(task: str = "") -> None:
    table = Table(title="losses")
    for column in ("rank", "loss", "score", "verdict", "why"):
        table.add_column(column)
    table.add_row("1", "dice_ce", "4.0", "recommended", task)
    Console().print(table)


@app.command()
def tasks() -> None:
    print("segmentation")


app(["recommend", "--task", "segmentation"], standalone_mode=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each (>= 10)")
    args = parser.parse_args()
    rounds = max(args.rounds, 10)
    baseline_argv = [sys.executable, "-c", "import typer, rich"]
    bare_argv = [sys.executable, "-c", "pass"]
    recommend_argv = command()
    for argv in (baseline_argv, recommend_argv):  # warm the page cache and .pyc files
        wall(argv)
    noop_argv = [sys.executable, "-c", TYPER_FLOOR]
    argvs = {"bare": bare_argv, "baseline": baseline_argv, "noop": noop_argv}
    argvs["recommend"] = recommend_argv
    times: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    load_before = os.getloadavg()
    for _ in range(rounds):
        for name, argv in argvs.items():
            elapsed, used = wall(argv)
            times[name].append(elapsed)
            cpu[name].append(used)
    load_after = os.getloadavg()
    med = {name: statistics.median(values) for name, values in times.items()}
    ratio = med["recommend"] / med["noop"]
    cpu_ratio = statistics.median(cpu["recommend"]) / statistics.median(cpu["noop"])
    print(f"rounds: {rounds} (median wall time, fresh interpreter each run)")
    print(f"load average before {_load(load_before)}, after {_load(load_after)}")
    print(f"python -c pass                          {med['bare'] * 1000:8.1f} ms")
    print(f"python -c 'import typer, rich'          {med['baseline'] * 1000:8.1f} ms")
    print(f"two-command typer app + rich table (floor) {med['noop'] * 1000:5.1f} ms")
    print(f"lossadvisor recommend --task segmentation {med['recommend'] * 1000:6.1f} ms")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio recommend / typer floor: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    print(f"ratio recommend / typer floor in CPU time (user + system): {cpu_ratio:.2f}x")
    print(f"ratio recommend / import typer, rich: {med['recommend'] / med['baseline']:.2f}x")
    print("where the time goes (in-process, median):")
    for name, seconds in phases(rounds).items():
        print(f"  {name:<40} {seconds * 1000:8.1f} ms")


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in averages)


if __name__ == "__main__":
    main()
