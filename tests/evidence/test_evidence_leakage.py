"""No leakage: preprocessing that sees the held-out targets must not be what validate runs.

The trap: a high-cardinality categorical column (an id, two rows per level) carries no signal.
Target encoding it on the whole data — a classic leak — makes each row's code a noisy copy of
its own target, held-out rows included, and inflates the score. validate target-encodes inside
each training fold (cross-fitted), so held-out ids carry nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lossadvisor.evidence.crossval import cross_validate


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 1200
    x = rng.normal(size=(n, 3))
    table = pd.DataFrame(x, columns=["a", "b", "c"])
    table["id"] = [f"customer_{i // 2}" for i in rng.permutation(n)]  # 600 levels, 2 rows each
    table["y"] = x[:, 0] + rng.normal(size=n)  # honest R² about 0.5
    return table


def _r2(table: pd.DataFrame) -> float:
    result = cross_validate(table, "y", ["mse"], metric="r2", seed=0)
    return result.losses[0].mean["r2"]


def test_target_encoding_is_fitted_inside_the_folds() -> None:
    from sklearn.preprocessing import TargetEncoder

    table = _data()
    honest = _r2(table.drop(columns=["id"]))
    ours = _r2(table)
    # The leak this test guards against: encoder fitted on all rows, then cross-validated.
    leaky_table = table.copy()
    encoder = TargetEncoder(target_type="continuous")
    leaky_table["id"] = encoder.fit(table[["id"]], table["y"]).transform(table[["id"]])[:, 0]
    leaky = _r2(leaky_table)

    assert 0.3 < honest < 0.7
    assert leaky > honest + 0.15  # the trap is real: a leaky pipeline is fooled
    assert abs(ours - honest) < 0.05  # ours is not


def test_preprocessing_sees_no_held_out_row() -> None:
    """Imputation medians come from the training fold: a held-out-only extreme value cannot
    move them (checked on the fitted transformer directly)."""
    from lossadvisor.evidence.preprocess import build_preprocessor

    train = pd.DataFrame({"v": [1.0, 2.0, np.nan, 4.0], "k": ["a", "b", "a", None]})
    test = pd.DataFrame({"v": [np.nan, 1000.0], "k": ["zzz", "a"]})
    pre = build_preprocessor(pd.concat([train, test]), "continuous", 0)
    pre.fit(train, np.array([0.0, 1.0, 0.0, 1.0]))
    out = pre.transform(test)
    assert out[0, 0] == 2.0  # median of the training values 1, 2, 4
    assert out[0, 1] == 1.0  # the missing indicator
    names = list(pre.get_feature_names_out())
    one_hot = [i for i, n in enumerate(names) if n.startswith("one_hot__")]
    assert out[0, one_hot].sum() == 0.0  # unseen level 'zzz' -> all zeros
