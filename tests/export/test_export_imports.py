"""The export code path imports none of the libraries it writes configs for."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "torch",
    "keras",
    "lightgbm",
    "xgboost",
    "sklearn",
    "monai",
    "hydra",
    "jsonargparse",
    "numpy",
    "pandas",
    "pyarrow",
)


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(out.stdout.split()) & set(HEAVY)


def test_importing_lossadvisor_export_loads_no_ml_library() -> None:
    assert loaded_after("import lossadvisor, lossadvisor.export") == set()


def test_an_export_runs_without_loading_the_target_libraries() -> None:
    code = (
        "from lossadvisor.export import export_recommendation\n"
        "from lossadvisor.models import Recommendation, RankedLoss, OptimizerAdvice\n"
        "rec = Recommendation(facts={}, context={}, ranking=[RankedLoss(loss='dice', name='Dice', "
        "score=1, verdict='recommended')], "
        "optimizer=OptimizerAdvice(name='adam', settings={'lr': 0.001}))\n"
        "for fmt in ('hydra', 'lightning', 'keras', 'native'):\n"
        "    export_recommendation(rec, fmt)\n"
    )
    assert loaded_after(code) == set()


def test_the_export_command_module_loads_no_ml_library() -> None:
    assert (
        loaded_after("import lossadvisor.cli.export_cmd") - {"numpy", "pandas", "pyarrow"} == set()
    )
