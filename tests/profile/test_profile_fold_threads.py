"""The cross-fitting folds run in threads; scikit-learn's warning filters are not thread-safe,
and a race between two folds used to print a stray UserWarning on the user's stderr."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

from lossadvisor.profile import baseline

RACE_WARNING = (
    "`sklearn.utils.parallel.delayed` should be used with `sklearn.utils.parallel.Parallel`"
    " to make it possible to propagate the scikit-learn configuration"
)


def test_the_fold_threads_drop_only_sklearns_thread_race_warning() -> None:
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with baseline._without_sklearns_thread_race_warning():
            warnings.warn(RACE_WARNING, UserWarning, stacklevel=1)
            warnings.warn("a warning of our own", UserWarning, stacklevel=1)
        warnings.warn(RACE_WARNING, UserWarning, stacklevel=1)  # outside: shown again
    assert [str(w.message) for w in shown] == ["a warning of our own", RACE_WARNING]


# Five fold threads fitting boosted trees with a very short thread switch interval: without
# the guard, this printed the race warning in two runs of three (scikit-learn 1.9.1).
RACE = """
import sys
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold
from lossadvisor.profile import baseline

sys.setswitchinterval(1e-6)
baseline.FOLD_WORKERS = 5
rng = np.random.default_rng(0)
x = rng.normal(size=(400, 3))
y = x[:, 0] + rng.normal(size=400)
for _ in range(60):
    baseline.out_of_fold(HistGradientBoostingRegressor(max_iter=5), x, y, KFold(5).split(x))
"""


def test_racing_fold_threads_print_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RACE)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
