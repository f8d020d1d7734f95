"""Ranking and survival exports train in LightGBM / XGBoost and learn the generated structure.

Each recommendation comes from the real engine (`recommend(task=...)`); its exported `params`
are passed to the library unchanged, on data generated with a known ranking or hazard. The
quality is measured independently of lossadvisor and of the library's own metrics: NDCG with
exponential gains (numpy, cross-checked with scikit-learn's `ndcg_score`) against random and
oracle orderings, and Harrell's concordance (numpy, pair by pair) against the true risk.
"""

from __future__ import annotations

import json

import lightgbm
import numpy as np
import pytest
import xgboost
from sklearn.metrics import ndcg_score

import lossadvisor

DOCS, FEATURES, K = 20, 6, 10


# --- ranking ---------------------------------------------------------------------------------


def ranking_data(queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries of DOCS documents; grade 0-3 from a linear utility's within-query quantiles."""
    rng = np.random.default_rng(seed)
    w = np.array([1.0, -0.7, 0.5, 0.3, 0.0, 0.0])
    x = rng.normal(size=(queries * DOCS, FEATURES))
    utility = (x @ w + 0.3 * rng.normal(size=len(x))).reshape(queries, DOCS)
    cuts = np.quantile(utility, [0.5, 0.75, 0.9], axis=1).T  # per query
    grades = np.stack([np.searchsorted(c, u) for c, u in zip(cuts, utility, strict=True)])
    return x, grades.reshape(-1).astype(float), utility


def ndcg_at_k(grades: np.ndarray, scores: np.ndarray, k: int = K) -> float:
    """Mean NDCG@k over queries (rows), gain 2^g − 1, discount 1/log2(rank + 1)."""
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    values = []
    for g, s in zip(grades, scores, strict=True):
        gain = 2.0**g - 1.0
        dcg = gain[np.argsort(-s, kind="stable")][:k] @ discount
        ideal = np.sort(gain)[::-1][:k] @ discount
        values.append(dcg / ideal)
    return float(np.mean(values))


def random_ndcg(grades: np.ndarray, seed: int = 7, draws: int = 200) -> float:
    rng = np.random.default_rng(seed)
    return float(np.mean([ndcg_at_k(grades, rng.random(grades.shape)) for _ in range(draws)]))


@pytest.fixture(scope="module")
def ranking() -> dict[str, np.ndarray]:
    x_train, y_train, _ = ranking_data(80, seed=1)
    x_test, y_test, utility = ranking_data(40, seed=2)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test,
            "grades": y_test.reshape(-1, DOCS), "utility": utility}


def check_ranking_quality(ranking: dict[str, np.ndarray], scores: np.ndarray) -> float:
    grades, scores = ranking["grades"], scores.reshape(-1, DOCS)
    model = ndcg_at_k(grades, scores)
    # scikit-learn's NDCG takes the gain as given: pass 2^g − 1 for the same definition
    assert model == pytest.approx(ndcg_score(2.0**grades - 1.0, scores, k=K), abs=1e-9)
    chance, oracle = random_ndcg(grades), ndcg_at_k(grades, ranking["utility"])
    assert chance < 0.5 < oracle
    assert model > chance + 0.3, (model, chance)
    assert model > oracle - 0.15, (model, oracle)
    return model


def test_lightgbm_lambdarank_export_learns_the_ranking(ranking: dict[str, np.ndarray]) -> None:
    rec = lossadvisor.recommend(task="ranking")
    assert rec.ranking[0].loss == "lambdarank"
    params = lossadvisor.export(rec, "lightgbm")["params"]
    # LightGBM's own defaults for lambdarank (Parameters docs): truncation 30, sigmoid 1.0
    assert params == {"objective": "lambdarank", "sigmoid": 1.0,
                      "lambdarank_truncation_level": 30}
    data = lightgbm.Dataset(ranking["x_train"], ranking["y_train"], group=[DOCS] * 80)
    booster = lightgbm.train({**params, "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5},
                             data, num_boost_round=60)
    assert booster.params["objective"] == "lambdarank"
    assert booster.params["lambdarank_truncation_level"] == 30
    check_ranking_quality(ranking, booster.predict(ranking["x_test"]))


@pytest.mark.parametrize(("pick", "objective"), [(None, "rank:ndcg"), ("ranknet", "rank:pairwise")])
def test_xgboost_ranking_exports_learn_the_ranking(
    ranking: dict[str, np.ndarray], pick: str | None, objective: str
) -> None:
    rec = lossadvisor.recommend(task="learning_to_rank")
    params = lossadvisor.export(rec, "xgboost", pick=pick)["params"]
    assert params["objective"] == objective
    train = xgboost.DMatrix(ranking["x_train"], ranking["y_train"],
                            qid=np.repeat(np.arange(80), DOCS))
    booster = xgboost.train({**params, "nthread": 1}, train, num_boost_round=60)
    learner = json.loads(booster.save_config())["learner"]["objective"]
    assert learner["name"] == objective
    if objective == "rank:ndcg":  # pair method topk: the truncation level is pairs per sample
        assert learner["lambdarank_param"]["lambdarank_pair_method"] == "topk"
        assert learner["lambdarank_param"]["lambdarank_num_pair_per_sample"] == "30"
    check_ranking_quality(ranking, booster.predict(xgboost.DMatrix(ranking["x_test"])))


# --- survival --------------------------------------------------------------------------------

BETA = np.array([1.0, -0.8, 0.5, 0.0, 0.0])


def concordance(durations: np.ndarray, events: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C: over pairs where the shorter time is an event, the share ranked riskier."""
    earlier = (durations[:, None] < durations[None, :]) & (events[:, None] == 1)
    riskier = (risk[:, None] > risk[None, :]) + 0.5 * (risk[:, None] == risk[None, :])
    return float((riskier * earlier).sum() / earlier.sum())


def survival_data(n: int, seed: int, aft: bool) -> dict[str, np.ndarray]:
    """Proportional hazards (exponential times, rate 0.1·exp(xβ)) or a log-normal AFT model
    (log T = 2 − xβ + ε, ε ~ N(0, 1)); independent exponential censoring (a third to a half)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(BETA)))
    risk = x @ BETA
    if aft:
        times = np.exp(2.0 - risk + rng.normal(size=n))
    else:
        times = rng.exponential(1.0 / (0.1 * np.exp(risk)))
    censor = rng.exponential(2.0 * np.median(times), size=n)
    observed = np.minimum(times, censor)
    return {"x": x, "risk": risk, "times": times, "observed": observed,
            "events": (times <= censor).astype(int)}


def test_xgboost_cox_export_ranks_by_the_true_hazard() -> None:
    rec = lossadvisor.recommend(task="survival")
    assert rec.ranking[0].loss == "cox"
    params = lossadvisor.export(rec, "xgboost")["params"]
    assert params == {"objective": "survival:cox"}
    train, test = survival_data(800, seed=3, aft=False), survival_data(500, seed=4, aft=False)
    assert 0.2 < 1 - train["events"].mean() < 0.5
    # XGBoost's convention (Parameters docs, survival:cox): negative label = right-censored
    label = np.where(train["events"] == 1, train["observed"], -train["observed"])
    booster = xgboost.train({**params, "nthread": 1, "max_depth": 3, "eta": 0.05},
                            xgboost.DMatrix(train["x"], label), num_boost_round=150)
    hazard = booster.predict(xgboost.DMatrix(test["x"]))  # hazard ratios exp(f(x))
    c_model = concordance(test["observed"], test["events"], hazard)
    c_oracle = concordance(test["observed"], test["events"], test["risk"])
    assert c_oracle > 0.7
    assert c_model > 0.65 and c_model > c_oracle - 0.06, (c_model, c_oracle)
    assert np.corrcoef(np.log(hazard), test["risk"])[0, 1] > 0.8


def test_xgboost_aft_export_predicts_the_median_survival_time() -> None:
    rec = lossadvisor.recommend(task="survival")
    params = lossadvisor.export(rec, "xgboost", pick="aft")["params"]
    assert params == {"objective": "survival:aft", "aft_loss_distribution": "normal",
                      "aft_loss_distribution_scale": 1.0, "eval_metric": "aft-nloglik"}
    train, test = survival_data(800, seed=5, aft=True), survival_data(500, seed=6, aft=True)
    dtrain = xgboost.DMatrix(train["x"])
    # interval labels (XGBoost AFT tutorial): [t, t] for events, [t, +inf) for right-censored
    dtrain.set_float_info("label_lower_bound", train["observed"])
    dtrain.set_float_info("label_upper_bound",
                          np.where(train["events"] == 1, train["observed"], np.inf))
    booster = xgboost.train({**params, "nthread": 1, "max_depth": 3, "eta": 0.05},
                            dtrain, num_boost_round=300)
    learner = json.loads(booster.save_config())["learner"]
    assert learner["objective"]["aft_loss_param"]["aft_loss_distribution"] == "normal"
    predicted = booster.predict(xgboost.DMatrix(test["x"]))  # exp(f(x)): the median time
    c_model = concordance(test["observed"], test["events"], -predicted)
    c_oracle = concordance(test["observed"], test["events"], test["risk"])
    assert c_model > 0.65 and c_model > c_oracle - 0.06, (c_model, c_oracle)
    # the generating log T is symmetric around 2 − xβ, so about half the true (uncensored)
    # times fall below the predicted median — censoring handled, not ignored
    below = np.mean(test["times"] <= predicted)
    assert 0.4 < below < 0.6, below
