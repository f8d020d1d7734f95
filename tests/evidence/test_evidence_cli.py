"""validate and tune end to end: real bundled datasets through the real CLI, exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame, run_cli

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.tune import tune_loss


@pytest.mark.slow
def test_validate_diabetes_json_matches_an_independent_cross_validation(
    diabetes_csv: Path,
) -> None:
    import lightgbm
    from sklearn.model_selection import KFold

    done = run_cli(
        "validate", str(diabetes_csv), "--target", "target",
        "--losses", "mse,mae,huber", "--metric", "mae", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout carries the JSON only
    assert [e["loss"] for e in result["losses"]] == ["mse", "mae", "huber"]
    assert result["panel"] == ["mae", "rmse", "gamma_deviance"]  # a positive target
    means = {e["loss"]: float(np.mean(e["fold_scores"]["mae"])) for e in result["losses"]}
    assert result["winner"] == min(means, key=lambda k: means[k])
    for e in result["losses"]:
        assert e["folds_done"] == 5
        assert e["mean"]["mae"] == pytest.approx(means[e["loss"]])
    # The mse proxy, rebuilt by hand with LightGBM's own l2 objective on the same folds (no
    # missing values: features as-is, plus the imputer's all-zero indicator columns: none),
    # with the rounds as documented (proxies.ProxySettings / inner_split): 20 % of each
    # training fold held out (the smallest of seeded uniform keys), LightGBM's own early
    # stopping on its l1 metric (= MAE, the deciding metric), patience 30, at most 1000 rounds.
    data = pd.read_csv(diabetes_csv)
    x, y = data.drop(columns="target").to_numpy(), data["target"].to_numpy()
    params = {
        "objective": "regression", "learning_rate": 0.05, "num_leaves": 8,
        "min_data_in_leaf": 20, "min_sum_hessian_in_leaf": 1e-3, "min_data_in_bin": 1,
        "lambda_l2": 0.0, "max_bin": 255, "seed": 0, "deterministic": True,
        "force_col_wise": True, "feature_pre_filter": False, "verbose": -1, "num_threads": 1,
        "metric": "l1",
    }  # fmt: skip
    by_hand = []
    for train, test in KFold(5, shuffle=True, random_state=0).split(x):
        key = np.random.default_rng(0).random(len(train))
        held = np.zeros(len(train), dtype=bool)
        held[np.argsort(key, kind="stable")[: round(0.2 * len(train))]] = True
        fit, stop = train[~held], train[held]
        fitted = lightgbm.Dataset(x[fit], label=y[fit])
        valid = lightgbm.Dataset(x[stop], label=y[stop], reference=fitted)
        booster = lightgbm.train(
            params, fitted, 1000, valid_sets=[valid],
            callbacks=[lightgbm.early_stopping(30, verbose=False)],
        )  # fmt: skip
        pred = booster.predict(x[test], num_iteration=booster.best_iteration)
        by_hand.append(np.abs(pred - y[test]).mean())
    mse = next(e for e in result["losses"] if e["loss"] == "mse")
    np.testing.assert_allclose(mse["fold_scores"]["mae"], by_hand, rtol=1e-6)
    # the rules were consulted: the verdict compares the data with their ranking
    assert result["rule_ranking"] and "rules ranked" in result["verdict"]


@pytest.mark.slow
def test_validate_top_k_from_the_rules_on_wine(wine_csv: Path) -> None:
    done = run_cli("validate", str(wine_csv), "-t", "cultivar", "--top", "2", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["task"] == "multiclass"
    ranked = [r for r in result["rule_ranking"]]
    from lossadvisor.evidence.proxies import PROXIES

    expected = [loss for loss in ranked if loss in PROXIES][:2]
    assert [e["loss"] for e in result["losses"]] == expected
    assert result["panel"] == ["log_loss", "brier", "pr_auc", "balanced_accuracy"]
    for e in result["losses"]:
        assert 0.8 < e["mean"]["balanced_accuracy"] <= 1.0  # wine is an easy problem


def test_validate_human_output_names_winner_and_sources(wine_csv: Path) -> None:
    done = run_cli(
        "validate", str(wine_csv), "-t", "cultivar",
        "--losses", "ce,label_smoothing_ce", "--folds", "3", "--metric", "balanced_accuracy",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "did best on balanced_accuracy" in done.stdout
    assert "epsilon: catalog default" in done.stdout or "epsilon: rules" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--losses", "mse,hubr"], "Did you mean 'huber'"),
        (["--losses", "dice"], "segmentation/detection loss"),
        (["--losses", "mse,bce"], "mixes regression and classification"),
        (["--losses", "mse", "--folds", "1"], "--folds must be an integer in [2, 50]"),
        (["--losses", "mse", "--metric", "balanced_accuracy"], "not a regression metric"),
        (["--losses", "mse", "--metric", "iou"], "cannot be measured on a table"),
        (["--losses", "mse", "--jobs", "-1"], "--jobs"),
        (["--losses", "mse", "--time-budget", "0"], "--time-budget"),
    ],
)
def test_validate_bad_input_exits_2_with_one_line(
    diabetes_csv: Path, args: list[str], message: str
) -> None:
    done = run_cli("validate", str(diabetes_csv), "--target", "target", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_unknown_target_and_binary_loss_on_three_classes_exit_2(wine_csv: Path) -> None:
    done = run_cli("validate", str(wine_csv), "-t", "cultivr", "--losses", "ce")
    assert done.returncode == 2 and "cultivar" in done.stderr  # suggests the closest name
    done = run_cli("validate", str(wine_csv), "-t", "cultivar", "--losses", "bce")
    assert done.returncode == 2 and "need a binary target" in done.stderr


def test_help_has_an_example_and_command_module_stays_light() -> None:
    for command in ("validate", "tune"):
        done = run_cli(command, "--help")
        assert done.returncode == 0 and "Examples" in done.stdout
    import subprocess
    import sys

    code = (
        "import sys, lossadvisor.cli.evidence_cmd; "
        "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'lightgbm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_same_input_same_numbers() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 4))
    y = (x[:, 0] + rng.normal(size=600) > 1).astype(int)
    table = frame(x, y)
    a = cross_validate(table, "y", ["bce", "focal_binary"], seed=7)
    b = cross_validate(table, "y", ["bce", "focal_binary"], seed=7)
    c = cross_validate(table, "y", ["bce", "focal_binary"], seed=8)
    assert [e.fold_scores for e in a.losses] == [e.fold_scores for e in b.losses]
    assert a.verdict == b.verdict
    assert [e.fold_scores for e in a.losses] != [e.fold_scores for e in c.losses]


def test_time_budget_stops_between_fits_and_reports_what_was_skipped() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 6))
    table = frame(x, x[:, 0] + rng.normal(size=3000))
    nothing = cross_validate(table, "y", ["mse", "huber"], time_budget=1e-9)
    assert nothing.stopped_by_budget and nothing.winner is None
    assert nothing.skipped == ["mse: folds 1–5 not measured", "huber: folds 1–5 not measured"]
    assert "Nothing was measured" in nothing.verdict
    calls: list[int] = []
    full = cross_validate(table, "y", ["mse", "huber"], progress=lambda d, t, s: calls.append(d))
    assert not full.stopped_by_budget and calls[-1] == 10
    # The budget runs out while the 4th of 10 fits reports (it sleeps past it), whatever the
    # machine's speed: half of a timed run's seconds did not stop a run that went faster.
    budget = 1.0

    def slow_fourth(done: int, total: int, running: str) -> None:
        if done == 4:
            time.sleep(budget)

    partial = cross_validate(
        table, "y", ["mse", "huber"], time_budget=budget, progress=slow_fourth, jobs=1
    )
    assert partial.stopped_by_budget
    done = {e.folds_done for e in partial.losses}
    assert len(done) == 1 and done.pop() < 5  # every loss on the same folds, some skipped
    n = partial.losses[0].folds_done
    import re

    for loss in ("mse", "huber"):  # each names only folds after the compared ones
        lines = [line for line in partial.skipped if line.startswith(f"{loss}:")]
        assert lines
        assert all(int(k) > n for line in lines for k in re.findall(r"folds? (\d+)", line))


def test_tune_grid_and_bayes(tmp_path: Path, diabetes_csv: Path) -> None:
    table = pd.read_csv(diabetes_csv)
    grid = tune_loss(table, "target", "huber", n_folds=3)
    # δ grid: default/4, default, 4·default and 1.345·MAD σ, times three learning rates
    # (0.025, 0.05 = the proxy's default, 0.1)
    assert len(grid.trials) == 12
    assert grid.best.mean <= grid.default.mean
    assert any(t.params["delta"] > 50 for t in grid.trials)  # the robust-scale value is tried
    first = tune_loss(table, "target", "pseudo_huber", search="bayes", trials=4, n_folds=3)
    again = tune_loss(table, "target", "pseudo_huber", search="bayes", trials=4, n_folds=3)
    assert len(first.trials) == 4
    assert first.trials == again.trials  # seeded TPE: same input, same trials


@pytest.mark.slow
def test_tune_cli_exports_the_tuned_parameter(tmp_path: Path, diabetes_csv: Path) -> None:
    import yaml

    out = tmp_path / "huber.yaml"
    args = ["tune", str(diabetes_csv), "-t", "target", "--loss", "huber", "--folds", "3"]
    done = run_cli(*args, "--export", str(out), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    # The tuned loss is the export's pick even where the rules rank another loss first.
    assert exported["lossadvisor"]["pick"] == "huber"
    first = next(r for r in exported["recommendation"]["ranking"] if r["loss"] == "huber")
    # Honest tuning: the tuned δ is written only when it won beyond fold noise.
    if result["exported"].startswith("wrote the tuned"):
        expected = result["best"]["params"]["delta"]
    else:
        expected = result["default"]["params"]["delta"]
    assert first["params"]["delta"]["value"] == pytest.approx(expected)
    again = run_cli(*args, "--export", str(out))
    assert again.returncode == 2 and "--force" in again.stderr  # no silent overwrite


def test_validate_reads_stdin(diabetes_csv: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "validate", "-", "-t", "target",
         "--losses", "mse,mae", "--folds", "3", "--threads", "1", "--json"],
        input=diabetes_csv.read_text(encoding="utf-8"),
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n_rows"] == 442 and result["rule_ranking"]  # profiled and read: one stdin


def test_tune_caps_the_grid_and_stops_on_budget(diabetes_csv: Path) -> None:
    table = pd.read_csv(diabetes_csv)
    capped = tune_loss(table, "target", "tweedie", trials=3, n_folds=3)
    assert len(capped.trials) == 3 and capped.default == capped.trials[0]
    spent = tune_loss(table, "target", "tweedie", n_folds=3, time_budget=1e-9)
    assert spent.stopped_by_budget and "time budget" in spent.verdict
    with pytest.raises(Exception, match="--search must be one of grid, bayes"):
        tune_loss(table, "target", "mse", search="random")


def test_rule_parameters_keep_only_what_the_proxy_trains_with() -> None:
    from lossadvisor.evidence.advice import rule_params, top_losses, with_tuned
    from lossadvisor.evidence.results import TrialResult, TuneResult
    from lossadvisor.models import OptimizerAdvice, ParamAdvice, RankedLoss, Recommendation

    def ranked(loss: str, verdict: str = "alternative", **params: ParamAdvice) -> RankedLoss:
        return RankedLoss(loss=loss, name=loss, score=1.0, verdict=verdict, params=params)

    rec = Recommendation(
        facts={},
        context={},
        ranking=[
            ranked("dice", "excluded"),
            ranked("gaussian_nll", "recommended"),
            ranked("huber", delta=ParamAdvice(value=2.5, derivation="δ = 1.345 × 1.86", rule_id="r")),  # noqa: E501
            ranked("weighted_bce", pos_weight=ParamAdvice(value=1.0, derivation="default")),
            ranked("weighted_ce", class_weights=ParamAdvice(value=[1, 2], derivation="x", rule_id="r")),  # noqa: E501
        ],
        optimizer=OptimizerAdvice(name="adam", settings={"lr": 0.001}),
    )  # fmt: skip
    params = rule_params(rec)
    assert params["huber"]["delta"].value == 2.5
    assert params["huber"]["delta"].source == "rules: δ = 1.345 × 1.86"
    assert params["weighted_bce"] == {}  # catalog pos_weight 1 would make it plain BCE
    assert params["weighted_ce"] == {}  # class weights come from each training fold
    assert top_losses(rec, 2) == (["huber", "weighted_bce"], ["gaussian_nll"])
    trial = TrialResult(params={"delta": 7.0}, learning_rate=0.1, mean=1.0, std=0.1)
    tuned = TuneResult(
        target="y", task="regression", loss="huber", search="grid", metric="mae",
        higher_is_better=False, n_folds=5, seed=0, default=trial, default_sources={},
        best=trial, improvement=None, trials=[trial], verdict="",
    )  # fmt: skip
    first = with_tuned(rec, tuned).ranking[0]
    assert first.loss == "huber" and first.params["delta"].value == 7.0
    assert first.verdict == "recommended"


def test_validate_mixed_column_types_end_to_end(tmp_path: Path) -> None:
    """Text categories with gaps, a 200-level id-like column, bool, numbers with NaN."""
    rng = np.random.default_rng(0)
    n = 1500
    region = rng.choice(["north", "south", "east", "west"], n).astype(object)
    region[rng.random(n) < 0.1] = None
    age = rng.uniform(18, 80, n)
    age[rng.random(n) < 0.15] = np.nan
    mu = np.exp(0.2 + 0.02 * np.nan_to_num(age, nan=40) - 0.5 * (region == "north"))
    table = pd.DataFrame(
        {
            "region": region,
            "shop": [f"shop_{i}" for i in rng.integers(0, 200, n)],
            "age": age,
            "flag": rng.random(n) < 0.3,
            "claims": rng.poisson(mu),
        }
    )
    path = tmp_path / "claims.csv"
    table.to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "claims", "--losses", "mse,poisson", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n_features"] == 4 and "poisson_deviance" in result["panel"]
    assert all(e["folds_done"] == 5 for e in result["losses"])


def test_tune_refuses_an_existing_export_before_reading(tmp_path: Path, diabetes_csv: Path) -> None:
    """The refusal comes first: with an unknown target it is still the file that is named."""
    out = tmp_path / "huber.yaml"
    out.write_text("mine\n", encoding="utf-8")
    args = ["tune", str(diabetes_csv), "-t", "no_such_column", "--loss", "huber"]
    done = run_cli(*args, "--export", str(out))
    assert done.returncode == 2 and "--force" in done.stderr, done.stderr
    assert "no_such_column" not in done.stderr  # the data was never read
    assert out.read_text(encoding="utf-8") == "mine\n"
