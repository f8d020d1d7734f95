"""The evidence's speed paths compute what the plain path computes: a table of plain finite
numbers skips the per-fold scikit-learn preprocessing, which would return it unchanged; the
folds of an unfilled last round of workers are split by loss; and the numbers stay the serial
run's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame

from lossadvisor.evidence.crossval import (
    auto_jobs,
    cross_validate,
    plan_folds,
    prepare_table,
    work_units,
)
from lossadvisor.evidence.preprocess import build_preprocessor


def _numbers(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    out = pd.DataFrame(
        {
            "a": rng.normal(size=rows),
            "b": rng.integers(-5, 5, size=rows),  # whole numbers: converted to float as well
            "c": rng.normal(size=rows).astype(np.float32),
        }
    )
    out["y"] = out.a + 0.1 * out.b + rng.normal(size=rows)
    return out


def test_plain_numbers_are_what_the_fold_preprocessing_returns() -> None:
    table = prepare_table(_numbers(), "y", ["mse"])
    plain = table.plain_numbers
    assert plain is not None
    for train, test in plan_folds(table.y, table.task, 5, 0).folds:
        pre = build_preprocessor(table.features, "continuous", 0)  # the sklearn pipeline
        fitted = np.asarray(pre.fit_transform(table.features.iloc[train], table.y[train]))
        held = np.asarray(pre.transform(table.features.iloc[test]))
        assert fitted.dtype == plain.dtype
        np.testing.assert_array_equal(plain[train], fitted)
        np.testing.assert_array_equal(plain[test], held)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(a=f.a.where(f.index != 7)),  # a missing value: imputed + indicator
        lambda f: f.assign(a=f.a.where(f.index != 7, np.inf)),  # an infinite value
        lambda f: f.assign(b=f.b > 0),  # a bool column: a category
        lambda f: f.assign(b=f.b.astype(str)),  # text
        lambda f: f.assign(b=f.b.astype("Int64")),  # a nullable integer
    ],
)
def test_anything_else_keeps_the_fold_preprocessing(change: object) -> None:
    table = prepare_table(change(_numbers()), "y", ["mse"])  # type: ignore[operator]
    assert table.plain_numbers is None


def test_the_last_round_is_split_by_loss_and_every_fit_is_planned_once() -> None:
    losses = ["mse", "mae", "huber"]
    assert work_units(4, losses, 2) == [(k, losses) for k in range(4)]  # rounds filled
    assert work_units(5, losses, 1) == [(k, losses) for k in range(5)]  # serial: whole folds
    five = work_units(5, losses, 2)
    assert five[:4] == [(k, losses) for k in range(4)]
    assert five[4:] == [(4, ["mse", "mae"]), (4, ["huber"])]
    for n_folds, jobs in [(5, 2), (3, 2), (7, 4), (2, 8), (10, 3)]:
        units = work_units(n_folds, losses, jobs)
        fits = [(k, loss) for k, part in units for loss in part]
        assert sorted(fits) == sorted((k, loss) for k in range(n_folds) for loss in losses)
        assert [k for k, _ in units] == sorted(k for k, _ in units)  # fold order kept


def test_tree_proxies_take_threads_on_small_tables_and_the_mlp_does_not() -> None:
    assert auto_jobs(2_000, 15, 5, threads=True) == min(2, auto_jobs(10**6, 15, 5))
    assert auto_jobs(2_000, 15, 5, threads=False) == 1


@pytest.mark.slow
def test_split_folds_give_the_serial_numbers() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1_200, 3))
    y = x[:, 0] - np.sin(2 * x[:, 1]) + rng.standard_t(3, 1_200)
    losses = ["mse", "mae", "huber"]
    serial = cross_validate(frame(x, y), "y", losses, n_folds=5, jobs=1)
    split = cross_validate(frame(x, y), "y", losses, n_folds=5, jobs=2)  # fold 5 split
    assert split.jobs == 2
    assert [e.fold_scores for e in serial.losses] == [e.fold_scores for e in split.losses]
    assert [e.rounds for e in serial.losses] == [e.rounds for e in split.losses]
    assert serial.verdict == split.verdict


def test_progress_says_done_only_after_the_last_fit() -> None:
    """5 folds on 2 workers: the fifth fold is split by loss, so after its first part the bar
    still names fold 5 (it said "done" with a fit left to run)."""
    calls: list[tuple[int, int, str]] = []
    cross_validate(
        _numbers(), "y", ["mse", "mae", "huber"], jobs=2,
        progress=lambda done, total, label: calls.append((done, total, label)),
    )  # fmt: skip
    total = 15
    assert calls[0] == (0, total, "fold 1")
    assert calls[-1] == (total, total, "done")
    assert all(label != "done" for done, _, label in calls[:-1])
    assert [label for done, _, label in calls if done == 12] == ["fold 5"]
