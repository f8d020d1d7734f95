"""The conditional pass without statsmodels: Koenker's Breusch–Pagan test is computed with numpy
in statsmodels' own arithmetic (the same bits), and a table whose baseline needs no GLM profiles
without importing statsmodels at all (half a second of every `validate`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.diagnostic import het_breuschpagan

from lossadvisor.profile.residuals import koenker_breusch_pagan


@pytest.mark.parametrize(
    ("n", "k", "collinear"), [(40, 3, False), (2_000, 9, False), (600, 7, True)]
)
def test_breusch_pagan_is_statsmodels_to_the_last_bit(n: int, k: int, collinear: bool) -> None:
    rng = np.random.default_rng(n)
    exog = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    if collinear:  # a 0/1 feature and its square: the same column twice (rank deficient)
        exog[:, 2] = exog[:, 1]
    resid = rng.standard_t(3, n) * (1 + 0.5 * np.abs(exog[:, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on the rank-deficient design
        lm, p, _, _ = het_breuschpagan(resid, exog, robust=True)
    assert koenker_breusch_pagan(resid, exog) == (float(lm), float(p))


def test_a_strong_spread_is_found_and_none_is_not() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=5_000)
    exog = np.column_stack([np.ones_like(x), x, x**2])
    _, p_flat = koenker_breusch_pagan(rng.normal(size=x.size), exog)
    _, p_fan = koenker_breusch_pagan(rng.normal(size=x.size) * np.exp(x), exog)
    assert p_fan < 1e-10 < 0.01 < p_flat


PROFILE = """
import sys
import numpy as np, pandas as pd
from lossadvisor.profile.dataset import profile_dataset
from lossadvisor.profile.options import FeatureOptions
rng = np.random.default_rng(0)
x = rng.normal(size=(800, 3))
table = pd.DataFrame(x, columns=["a", "b", "c"])
table["y"] = x @ [1.0, -2.0, 0.5] + rng.standard_t(3, 800)
table.to_csv(sys.argv[1], index=False)
profile = profile_dataset(sys.argv[1], targets=["y"], features=FeatureOptions())
facts = profile.targets[0].facts
assert facts["baseline_fitted"] is True and "heteroscedasticity_p" in facts, facts
print(sorted(m for m in sys.modules if m.split(".")[0] == "statsmodels"))
"""


def test_profiling_a_continuous_table_does_not_import_statsmodels(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROFILE), str(tmp_path / "t.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
