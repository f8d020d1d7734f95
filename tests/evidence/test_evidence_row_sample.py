"""The tree proxies' row sample of large training sets (`proxies.fit_sample`, `ProxySettings`).

Above `sample_rows` fitted rows, every loss of a fold trains on one seeded sample of them:
stratified and equal-probability for classes (the same rate per class; no sample when the
rarest class would keep fewer than `min_class_rows` rows), the held-out early-stopping rows and
the test fold whole. The cap is lowered through the settings here, so that the tables stay small.
Expected sizes and proportions are computed from the rule's arithmetic, not from the code.
"""

from __future__ import annotations

import numpy as np
import pytest
from evidence_helpers import frame

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.proxies import (
    ProxySettings,
    fit_sample,
    inner_split,
    train_dataset,
)


def _regression(n: int, seed: int, df: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = x @ np.array([1.0, -0.5, 0.3, 0.0]) + np.sin(3 * x[:, 0]) + rng.standard_t(df, n)
    return x, y


def _dump(result: object) -> dict[str, object]:
    out = result.model_dump()  # type: ignore[attr-defined]
    out.pop("seconds")
    return out


def test_the_sample_is_seeded_and_leaves_the_held_out_rows_whole() -> None:
    x, y = _regression(3000, 0)
    settings = ProxySettings(sample_rows=1000)
    first = train_dataset(x, settings, y)
    again = train_dataset(x, settings, y)
    assert first.fit_rows is not None and again.fit_rows is not None
    assert np.array_equal(first.fit_rows, again.fit_rows)  # same seed: the same rows
    fit, stop = inner_split(3000, None, settings)  # type: ignore[misc]
    assert len(first.fit_rows) == 1000 and first.sampled_from == len(fit) == 2400
    assert set(first.fit_rows) <= set(fit)  # a sample of the fitted rows ...
    assert first.stop_rows is not None and np.array_equal(
        first.stop_rows, stop
    )  # ... held-out whole
    other = train_dataset(x, ProxySettings(sample_rows=1000, seed=1), y)
    assert not np.array_equal(first.fit_rows, other.fit_rows)  # another seed, another sample


def test_class_proportions_are_kept_exactly_and_the_rarest_class_keeps_its_minimum() -> None:
    rng = np.random.default_rng(0)
    n = 60_000
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, 3000, replace=False)] = 1  # 1:19
    y[np.flatnonzero(y == 0)[:1200]] = 2  # a rare third class: 1200 rows
    settings = ProxySettings(sample_rows=20_000)  # rate 1/3: class 2 would keep 400 rows
    rows = fit_sample(n, y, True, settings)
    assert rows is not None
    counts = np.bincount(y[rows], minlength=3)
    assert counts.tolist() == [round(55_800 / 3), 1000, 400]  # one rate for every class
    # a rarer class (1,197 rows: 399 at the rate): no sample at all, every row kept
    y2 = y.copy()
    y2[np.flatnonzero(y2 == 2)[1197:]] = 0
    assert fit_sample(n, y2, True, settings) is None
    # a numeric target: a plain uniform sample of exactly the cap
    assert len(fit_sample(n, None, False, settings)) == 20_000  # type: ignore[arg-type]
    assert fit_sample(20_000, None, False, settings) is None  # at the cap: every row


def test_multilabel_sample_is_stratified_on_each_rows_rarest_label() -> None:
    rng = np.random.default_rng(1)
    n = 30_000
    y = (rng.random((n, 3)) < np.array([0.5, 0.2, 0.03])).astype(int)  # label 2: ~900 rows
    # at the rate 6,000 / 30,000 the rarest label keeps ~180 positives: below 400, no sample
    assert fit_sample(n, y, True, ProxySettings(sample_rows=6_000)) is None
    rows = fit_sample(n, y, True, ProxySettings(sample_rows=6_000, min_class_rows=100))
    assert rows is not None
    assert len(rows) == pytest.approx(6_000, abs=5)  # one rate for every stratum
    assert int(y[rows, 2].sum()) == round(0.2 * int(y[:, 2].sum()))  # its rows: one stratum
    kept = y[rows].mean(axis=0)
    assert kept == pytest.approx(y.mean(axis=0), abs=0.01)  # every label's share kept


def test_a_table_below_the_cap_is_exactly_the_unsampled_run() -> None:
    x, y = _regression(1200, 2)
    losses = ["mse", "huber"]
    default = cross_validate(frame(x, y), "y", losses, n_folds=3)
    unsampled = cross_validate(
        frame(x, y), "y", losses, n_folds=3, settings=ProxySettings(sample_rows=0)
    )
    assert _dump(default) == _dump(unsampled)
    assert "no subsampling" in default.engine and default.proxy_settings["sample_rows"] == 0
    assert not any(note.startswith("row sample") for note in default.notes)


def test_a_rare_class_below_the_minimum_keeps_every_row_and_says_nothing() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 3))
    y = np.zeros(2000, dtype=int)
    y[np.argsort(x[:, 0])[-60:]] = 1  # 60 positives: fewer than min_class_rows in any sample
    losses = ["bce", "focal_binary"]
    sampled = cross_validate(
        frame(x, y), "y", losses, n_folds=3, settings=ProxySettings(sample_rows=300)
    )
    plain = cross_validate(
        frame(x, y), "y", losses, n_folds=3, settings=ProxySettings(sample_rows=0)
    )
    assert _dump(sampled) == _dump(plain)


@pytest.mark.slow
def test_a_sampled_run_says_so_reproduces_and_parallel_equals_serial() -> None:
    x, y = _regression(2500, 4)
    settings = ProxySettings(sample_rows=800, sample_budget=160_000)  # 200 rounds on the sample
    losses = ["mse", "mae", "huber"]
    # 5 folds on 2 workers: the last fold is split by loss, each part bins its own sample
    serial = cross_validate(frame(x, y), "y", losses, jobs=1, settings=settings)
    parallel = cross_validate(frame(x, y), "y", losses, jobs=2, settings=settings)
    assert parallel.jobs == 2
    assert [e.fold_scores for e in serial.losses] == [e.fold_scores for e in parallel.losses]
    again = cross_validate(frame(x, y), "y", losses, jobs=1, settings=settings)
    assert _dump(again) == _dump(serial)  # seeded: the same run gives the same numbers
    # 2,000 training rows per fold, 1,600 fitted after the 20 % held out, sampled to 800
    note = "row sample: every fold trained every loss on one seeded sample of 800 of its 1,600"
    assert any(n.startswith(note) for n in serial.notes), serial.notes
    assert "seeded sample of 800" in serial.engine and "no subsampling" not in serial.engine
    assert serial.proxy_settings["sample_rows"] == 800
    assert serial.proxy_settings["n_iter"] == 200 and serial.proxy_settings["learning_rate"] == 0.25
    assert all(r <= 200 for e in serial.losses for r in e.rounds)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_known_best_loss_still_wins_on_a_sampled_table(seed: int) -> None:
    # t(2) noise: the absolute / Huber losses estimate the centre, squared error chases outliers
    x, y = _regression(4000, 10 + seed, df=2.0)
    settings = ProxySettings(sample_rows=1000, sample_budget=200_000)
    result = cross_validate(frame(x, y), "y", ["mse", "mae", "huber"], n_folds=4, settings=settings)
    assert any(n.startswith("row sample") for n in result.notes)
    assert result.winner in ("mae", "huber")
    by = {e.loss: e.mean["mae"] for e in result.losses}
    assert by["mse"] > min(by["mae"], by["huber"])


@pytest.mark.slow
def test_imbalanced_classes_keep_their_calibration_on_a_sample() -> None:
    # 1:30 logistic data: plain BCE (a proper scoring rule) beats focal loss on log loss, and the
    # stratified equal-probability sample keeps BCE's log loss close to the unsampled fit's
    rng = np.random.default_rng(7)
    n = 6000
    x = rng.normal(size=(n, 3))
    logit = 1.5 * x[:, 0] - x[:, 1] - 4.2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    losses = ["bce", "focal_binary"]
    sampled = cross_validate(
        frame(x, y),
        "y",
        losses,
        n_folds=3,
        settings=ProxySettings(sample_rows=2000, min_class_rows=50),
    )
    plain = cross_validate(
        frame(x, y), "y", losses, n_folds=3, settings=ProxySettings(sample_rows=0)
    )
    assert any(n.startswith("row sample") and "stratified by class" in n for n in sampled.notes)
    assert sampled.winner == "bce"
    bce = [r.losses[0].mean["log_loss"] for r in (sampled, plain)]
    assert bce[0] == pytest.approx(bce[1], rel=0.1)


def test_ordinal_and_multilabel_runs_train_on_the_sample() -> None:
    rng = np.random.default_rng(5)
    n = 2500
    x = rng.normal(size=(n, 3))
    levels = np.digitize(x[:, 0] + rng.normal(0, 0.5, n), [-0.8, 0.0, 0.8]).astype(str)
    settings = ProxySettings(sample_rows=600, min_class_rows=50)
    ordinal = cross_validate(
        frame(x, levels), "y", ["cumulative_link", "ce"], n_folds=3, settings=settings
    )
    assert any("stratified by class" in n for n in ordinal.notes if n.startswith("row sample"))
    assert all(e.folds_done == 3 for e in ordinal.losses)
    labels = np.where(x[:, 1] > 0, "a", "") + np.where(x[:, 2] > 1.0, "|b", "")
    labels = np.where(labels == "", "none", labels)
    multi = cross_validate(frame(x, labels), "y", ["bce"], n_folds=3, settings=settings)
    assert multi.task == "multilabel"
    assert any("rarest label" in n for n in multi.notes if n.startswith("row sample"))
