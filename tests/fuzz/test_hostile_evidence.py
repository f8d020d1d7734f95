"""Regressions the evidence fuzz suite (test_fuzz_evidence.py) and a hostile-table sweep of
`validate` / `tune` found, one test each. Before the fixes each one ended in a traceback (exit 1)
or, worse, in a verdict computed from overflowed or flushed numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzz_helpers import run_cli

from lossadvisor.evidence.crossval import cross_validate


def _validate_json(path: Path, *args: str) -> str:
    outcome = run_cli(["validate", str(path), "-t", "y", *args, "--json"], limit=120)
    outcome.check_contract()
    assert outcome.code == 0, outcome.stderr
    return outcome.stdout


def _scaled_table(path: Path, scale: float) -> None:
    rows = [f"{(i % 7 - 3) * scale * (1.5 if i % 2 else 1.0)},{i % 7},{i % 5}" for i in range(60)]
    path.write_text("y,x1,x2\n" + "\n".join(rows) + "\n")


def test_targets_outside_the_proxies_float32_range_are_refused(tmp_path: Path) -> None:
    # 1e300 overflowed LightGBM's float32 labels to inf (a traceback in the paired comparison,
    # or a meaningless tuning); 1e-300 was flushed to 0 (every loss "predicted" the zeros).
    for scale, words in [(1e300, "divide it by 1e+300"), (1e-300, "multiply it by 1e+300")]:
        data = tmp_path / f"scaled{scale:g}.csv"
        _scaled_table(data, scale)
        for args in (
            ["validate", str(data), "-t", "y", "--losses", "mse,mae"],
            ["validate", str(data), "-t", "y", "--losses", "mse", "--proxy", "mlp"],
            ["tune", str(data), "-t", "y", "--loss", "huber", "--trials", "2"],
        ):
            outcome = run_cli(args, limit=120)
            outcome.check_contract()
            assert outcome.code == 2, (args, outcome.stderr)
            assert "32-bit" in outcome.stderr and words in outcome.stderr, outcome.stderr
    inside = tmp_path / "inside.csv"  # 1e37: inside float32's range with room for its errors
    _scaled_table(inside, 1e37)
    _validate_json(inside, "--losses", "mse,mae")


def test_a_table_whose_features_are_all_constant_compares_constant_fits(tmp_path: Path) -> None:
    # LightGBM aborts a custom objective when no feature has two bins ("num_features() > 0").
    # With nothing to split on, each loss's proxy is its best constant: mse and gamma (log link)
    # both predict the fitted rows' mean, so their scores agree in every fold, with no trees.
    y = np.arange(30) % 5 + 1.0
    frame = pd.DataFrame({"x0": 0.0, "y": y})
    result = cross_validate(frame, "y", ["mse", "gamma", "mae"], n_folds=5)
    by_loss = {e.loss: e for e in result.losses}
    assert by_loss["mse"].rounds == by_loss["gamma"].rounds
    assert set(by_loss["mse"].rounds) == {0}
    np.testing.assert_allclose(
        by_loss["gamma"].fold_scores["mae"], by_loss["mse"].fold_scores["mae"], rtol=1e-12
    )
    assert any("no feature varies" in note for note in result.notes)
    data = tmp_path / "constant.csv"
    frame.to_csv(data, index=False)
    assert run_cli(["tune", str(data), "-t", "y", "--loss", "huber", "--trials", "2"]).code == 0
    _validate_json(data)  # the rules' own losses (here: classes) too


def test_infinite_feature_values_read_as_missing(tmp_path: Path) -> None:
    # scikit-learn's imputer refused ±inf ("Input X contains infinity") in validate, tune, the
    # MLP and the exported estimator; the profile's baseline already read it as missing.
    from lossadvisor.evidence.preprocess import build_preprocessor

    rows = ["x0,x1,y", "inf,1,yes", "-inf,2,no"] + [
        f"{i % 3},{i % 4},{'no' if i % 4 == 0 else 'yes'}" for i in range(30)
    ]
    data = tmp_path / "inf.csv"
    data.write_text("\n".join(rows) + "\n")
    assert "2 feature values were ±inf: read as missing" in _validate_json(data)
    _validate_json(data, "--proxy", "mlp", "--losses", "bce")
    assert run_cli(["tune", str(data), "-t", "y", "--loss", "bce", "--trials", "2"]).code == 0
    frame = pd.read_csv(data).drop(columns="y")
    encoded = build_preprocessor(frame, "binary", 0).fit_transform(frame)
    median = float(np.median(frame["x0"].to_numpy()[2:]))  # of the finite values
    assert encoded[0, 0] == encoded[1, 0] == median
    assert encoded[:2, -1].tolist() == [1.0, 1.0] and encoded[2:, -1].sum() == 0  # indicator


def test_a_class_rarer_than_the_encoders_folds_does_not_crash_target_encoding(
    tmp_path: Path,
) -> None:
    # A text feature with > 16 levels is target-encoded with 5 inner folds, stratified by
    # class: StratifiedKFold refused a training fold where a class had fewer than 5 rows.
    from sklearn.model_selection import StratifiedKFold

    from lossadvisor.evidence.preprocess import InnerFolds

    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 20 + ["b"] * 12 + ["c"] * 3)
    codes = [f"k{i}" for i in rng.integers(0, 25, len(labels))]
    data = tmp_path / "rare.csv"
    pd.DataFrame({"code": codes, "x": rng.normal(size=len(labels)), "y": labels}).to_csv(
        data, index=False
    )
    _validate_json(data, "--losses", "ce,weighted_ce")
    # where stratifying is possible the folds are StratifiedKFold's own (results unchanged)
    y = np.repeat([0, 1], [10, 7])
    x = np.zeros((len(y), 1))
    ours = [test.tolist() for _, test in InnerFolds(5, True, 3).split(x, y)]
    theirs = [t.tolist() for _, t in StratifiedKFold(5, shuffle=True, random_state=3).split(x, y)]
    assert ours == theirs
    rare = np.repeat([0, 1], [15, 2])
    tests = [test for _, test in InnerFolds(5, True, 3).split(x, rare)]
    assert sorted(np.concatenate(tests).tolist()) == list(range(len(rare)))  # K-fold instead


@pytest.mark.parametrize("far", [1e300, -1e300])
def test_the_mlp_is_not_asked_beyond_its_training_range(tmp_path: Path, far: float) -> None:
    # A test row at 1e300 against training values near 0: its z-score overflowed float32 and
    # the prediction was NaN ("Input contains NaN" in the scorer). Test rows are now clipped to
    # the training fold's range; a training column near 1e308 keeps its variance.
    from lossadvisor.evidence.mlp import fold_tensors
    from lossadvisor.evidence.neural import MLPSettings

    x_train = np.column_stack([np.linspace(-1, 1, 40), np.r_[1e308, np.zeros(39)]])
    x_test = np.array([[far, 0.0], [0.5, 1e308]])
    data = fold_tensors(x_train, np.linspace(0, 1, 40), x_test, MLPSettings(), classes=False)
    z_test = data.x_test.numpy()
    assert np.isfinite(z_test).all()
    z_edge = (np.sign(far) - 0.0) / np.std(np.linspace(-1, 1, 40))  # the training edge's z
    assert z_test[0, 0] == pytest.approx(z_edge, rel=1e-6)
    assert z_test[1, 1] == pytest.approx(np.sqrt(39), rel=1e-6)  # the 1e308 row's z, not 0


def test_a_deviance_metric_outside_its_targets_support_is_refused(tmp_path: Path) -> None:
    # scikit-learn raised "Mean Tweedie deviance error with power=1 can only be used on
    # non-negative y" from the scorer, after the fits, when --metric named a deviance.
    data = tmp_path / "signed.csv"
    data.write_text("x,y\n" + "".join(f"{i % 7},{i % 6 - 1}\n" for i in range(40)))
    for metric, bound in [("poisson_deviance", ">= 0"), ("gamma_deviance", "> 0")]:
        tune = ["tune", "--loss", "mse", "--trials", "2"]
        for command in (["validate", "--losses", "mse"], tune):
            args = [command[0], str(data), "-t", "y", *command[1:], "--metric", metric]
            outcome = run_cli(args, limit=120)
            outcome.check_contract()
            assert outcome.code == 2 and f"defined for targets {bound}" in outcome.stderr
    counts = tmp_path / "counts.csv"  # zeros are inside the Poisson deviance's support
    counts.write_text("x,y\n" + "".join(f"{i % 7},{i % 6}\n" for i in range(40)))
    _validate_json(counts, "--losses", "mse,poisson", "--metric", "poisson_deviance")
