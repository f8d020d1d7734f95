"""validate tests what recommend recommends: regressions for each reported failure.

- `--metric pinball:0.9` reaches the rules as recommend's `quantile:0.9` (same ranking, same τ);
- the verdict is computed from the ranking (each sentence is checked against the numbers);
- the rules' first choice, when it is not measured, is never called first among the measured;
- `-t A -t B`: one result per target, neither a feature of the other;
- tables down to 10 rows: fewer folds / repeated CV with the reason, never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame, run_cli

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.proxies import PROXIES


def _heteroscedastic(path: Path, n: int = 600) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    y = x[:, 0] + rng.normal(size=n) * np.exp(0.5 * x[:, 1])
    frame(x, y).to_csv(path, index=False)
    return path


def _recommend_top(path: Path, *args: str) -> list[str]:
    done = run_cli("recommend", str(path), "-t", "y", *args, "--json")
    assert done.returncode == 0, done.stderr
    ranking = json.loads(done.stdout)["ranking"]
    return [r["loss"] for r in ranking if r["verdict"] != "excluded"]


def test_validate_metric_reaches_the_rules_as_recommend_reads_it(tmp_path: Path) -> None:
    path = _heteroscedastic(tmp_path / "h.csv")
    ranked = _recommend_top(path, "--metric", "quantile:0.9")
    assert ranked[0] == "pinball"  # what recommend ranks first for this metric
    for spelling in ("pinball:0.9", "quantile:0.9"):
        done = run_cli("validate", str(path), "-t", "y", "--metric", spelling, "--folds", "3",
                       "--top", "2", "--json")  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["metric"] == "quantile:0.9"
        assert result["rule_ranking"] == ranked
        measured = [e["loss"] for e in result["losses"]]
        assert measured == [loss for loss in ranked if loss in PROXIES][:2]
        pinball = next(e for e in result["losses"] if e["loss"] == "pinball")
        assert pinball["params"]["tau"]["value"] == 0.9
        assert pinball["params"]["tau"]["source"].startswith("rules:")


def _check_verdict(result) -> None:
    """Every sentence of the verdict is true of the numbers the result reports."""
    metric, better = result.metric, result.higher_is_better
    means = {e.loss: e.mean[metric] for e in result.losses if e.folds_done}
    order = sorted(means, key=lambda k: means[k], reverse=better)
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+(?=[A-Z])", result.verdict) if s.strip()]
    first = sentences[0]
    winner = first.split(" did best on ")[0]
    assert winner == order[0] == result.winner
    assert f"({means[winner]:.4g})" in first
    ahead = re.search(r"ahead of (\S+) by", first)
    if ahead:
        assert ahead.group(1) == order[1]
    rules = [r for r in result.rule_ranking or []]
    for sentence in sentences[1:]:
        named = re.match(r"The rules ranked (\S+) first", sentence)
        if named:
            assert named.group(1) == rules[0]
            if "it was not measured" in sentence:
                assert rules[0] not in means
            else:
                assert rules[0] in means
        highest = re.match(r"Of the measured losses the rules ranked (\S+) highest", sentence)
        if highest:
            assert highest.group(1) == next(r for r in rules if r in means)
        if "the data agree" in sentence:
            measured_first = next(r for r in rules if r in means)
            assert measured_first == winner
        if "did better on" in sentence:
            measured_first = next(r for r in rules if r in means)
            assert measured_first != winner
        for claim in re.finditer(r"by (\S+) ± (\S+) \((\d+) folds\) — (beyond|within)", sentence):
            difference = float(claim.group(1))
            assert difference > 0  # the named winner is better
            assert int(claim.group(3)) == len(next(iter(result.losses)).fold_scores[metric])


@pytest.mark.parametrize("seed", [0, 1])
def test_verdict_sentences_are_true_of_the_ranking(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 3))
    y = x[:, 0] + rng.standard_t(2, 400)
    table = frame(x, y)
    for rules in (["huber", "mse", "mae"], ["berhu", "mae", "mse", "huber"], ["mse"]):
        result = cross_validate(
            table, "y", ["mse", "mae", "huber"], n_folds=3, seed=seed, rule_ranking=rules,
            unmeasured={"berhu": "no table proxy"},
        )  # fmt: skip
        _check_verdict(result)


def test_an_unmeasured_first_choice_is_not_called_first(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    result = cross_validate(
        frame(x, x[:, 0] + rng.normal(size=300)), "y", ["mse", "mae"], n_folds=3,
        rule_ranking=["berhu", "mae", "mse"], unmeasured={"berhu": "no table proxy"},
    )  # fmt: skip
    assert "The rules ranked berhu first; it was not measured (no table proxy)." in result.verdict
    assert "The rules ranked mae first" not in result.verdict
    assert "Of the measured losses the rules ranked mae highest" in result.verdict
    _check_verdict(result)


def test_proportion_target_validates_the_rules_first_choice_soft_bce(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    share = 1 / (1 + np.exp(-(x[:, 0] + 0.5 * rng.normal(size=500))))
    path = tmp_path / "p.csv"
    frame(x, share).to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "y", "--folds", "3", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["task"] == "proportion" and result["metric"] == "log_loss"
    assert result["rule_ranking"][0] == "soft_bce"
    assert result["losses"][0]["loss"] == "soft_bce"
    assert "no table proxy" not in done.stderr


def test_several_targets_one_block_each_none_a_feature(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    a = x[:, 0] + rng.normal(size=400)
    table = frame(x, a, "a")
    table["b"] = a * 2.0 + 0.01 * rng.normal(size=400)  # b leaks a: it must not be a feature
    path = tmp_path / "two.csv"
    table.to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "a", "-t", "b", "--losses", "mse,mae",
                   "--folds", "3", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["target"] for r in results] == ["a", "b"]
    for r in results:
        assert r["n_features"] == 2  # x0, x1 only
    # had b been a feature of a, the MAE of a would be near 0; with x0 alone it is about 0.8
    assert min(e["mean"]["mae"] for e in results[0]["losses"]) > 0.5
    human = run_cli("validate", str(path), "-t", "a", "-t", "b", "--losses", "mse,mae",
                    "--folds", "3")  # fmt: skip
    assert human.returncode == 0 and "'a' (" in human.stdout and "'b' (" in human.stdout


@pytest.mark.parametrize("kind", ["regression", "binary", "multiclass", "count"])
def test_ten_row_tables_validate_without_a_traceback(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 2))
    y = {
        "regression": x[:, 0] + rng.normal(size=10),
        "binary": np.array(["no", "yes"] * 5),
        "multiclass": np.array(["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]),
        "count": rng.poisson(2.0, 10),
    }[kind]
    path = tmp_path / "tiny.csv"
    frame(x, y).to_csv(path, index=False)
    # ten small counts profile as class codes; the count losses are asked for by name
    chosen = ["--losses", "poisson,mse"] if kind == "count" else []
    done = run_cli("validate", str(path), "-t", "y", *chosen, "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["repeats"] == 3 and result["fold_plan"]
    assert any("repeated" in note for note in result["notes"])
    assert all(e["folds_done"] == result["n_folds"] * 3 for e in result["losses"])


def test_too_small_or_single_row_class_is_one_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "nine.csv"
    frame(rng.normal(size=(9, 2)), rng.normal(size=9)).to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "y", "--losses", "mse")
    assert done.returncode == 2 and "at least 10" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    path = tmp_path / "single.csv"
    labels = ["a"] * 6 + ["b"] * 5 + ["c"]
    frame(rng.normal(size=(12, 2)), np.array(labels)).to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "y", "--losses", "ce")
    assert done.returncode == 2 and "'c'" in done.stderr and "single row" in done.stderr
    assert "Traceback" not in done.stderr


def test_multilabel_label_sets_get_per_label_proxies(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 500
    x = rng.normal(size=(n, 3))
    has = np.column_stack([x[:, 0] > 0, x[:, 1] > 0.5, rng.random(n) < 0.2])
    names = np.array(["cat", "dog", "owl"])
    tags = ["|".join(names[row]) or "none" for row in has]
    path = tmp_path / "tags.csv"
    frame(x, np.array(tags), "tags").to_csv(path, index=False)
    done = run_cli("validate", str(path), "-t", "tags", "--folds", "3", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["task"] == "multilabel"
    assert {"pr_auc", "micro_pr_auc", "f1", "micro_f1"} <= set(result["panel"])
    for e in result["losses"]:
        # cat and dog are learnable from x0, x1: macro PR-AUC well above the label rates
        assert e["mean"]["pr_auc"] > 0.6


def test_zero_heavy_target_is_judged_on_a_deviance(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 3))
    amount = np.where(rng.random(800) < 0.75, 0.0, rng.gamma(2.0, np.exp(x[:, 0])))
    result = cross_validate(frame(x, amount), "y", ["tweedie", "mae"], n_folds=3)
    assert result.metric == "tweedie_deviance"
    assert result.winner == "tweedie"  # MAE's "predict 0" does not win a deviance


def test_tune_says_how_many_settings_are_hidden_and_exports_honestly(
    tmp_path: Path, diabetes_csv: Path
) -> None:
    import yaml

    args = ["tune", str(diabetes_csv), "-t", "target", "--loss", "huber", "--folds", "3"]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert "12 settings" in done.stdout  # 4 δ × 3 learning rates, all shown (≤ 15)
    header = next(line for line in done.stdout.splitlines() if "┃ setting" in line)
    assert "learning rate" in header  # searched: a column
    out = tmp_path / "h.yaml"
    exported = run_cli(*args, "--export", str(out), "--json")
    assert exported.returncode == 0, exported.stderr
    result = json.loads(exported.stdout)
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["lossadvisor"]["pick"] == "huber"  # the tuned loss, whatever ranks first
    written = next(r for r in document["recommendation"]["ranking"] if r["loss"] == "huber")
    improvement = result["improvement"]
    if improvement and improvement["beyond_noise"]:
        assert "wrote the tuned setting" in result["exported"]
        assert written["params"]["delta"]["value"] == pytest.approx(
            result["best"]["params"]["delta"]
        )
    else:
        assert "kept the rule-derived/default setting" in result["exported"]
        assert written["params"]["delta"]["value"] == pytest.approx(
            result["default"]["params"]["delta"]
        )
    assert result["exported"] in exported.stderr


def test_tune_table_counts_hidden_trials() -> None:
    from rich.console import Console

    from lossadvisor.evidence.tune import tune_loss
    from lossadvisor.render.evidence import tune_view

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    table = pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "y": x[:, 0] + rng.normal(size=300)})
    result = tune_loss(table, "y", "pseudo_huber", search="bayes", trials=18, n_folds=2)
    console = Console(width=120, record=True)
    console.print(tune_view(result))
    assert "15 best of 18 settings shown, 3 hidden" in console.export_text()
