"""The decision list of infer.py on generated data whose true kind is known (issue 11).

Each column is drawn from the process it stands for; the expected type is that process's kind,
and scikit-learn's `type_of_target` is asked too where the docstring documents a difference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.multiclass import type_of_target

from lossadvisor.errors import InputError
from lossadvisor.models import TargetProfile
from lossadvisor.profile import profile_dataset
from lossadvisor.profile.infer import name_hint, unimodal

N = 3000


def _profile(path: Path, *targets: str, **kw: object) -> list[TargetProfile]:
    return profile_dataset(str(path), list(targets), **kw).targets  # type: ignore[arg-type]


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_with_sparse_noisy_tails_stay_counts(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "nb_small_mean": rng.negative_binomial(1, 0.55, N),  # mean 0.8, long sparse tail
            "poisson_far": rng.poisson(40, N),  # large mean, min far from 0
        }
    )
    few = pd.DataFrame({"y": rng.negative_binomial(0.8, 0.3, 300)})  # few rows: gaps, bumps
    (sparse,) = _profile(_write(tmp_path, few, "few.csv"), "y")
    assert sparse.target_type == "count", sparse.type_reason
    small, far = _profile(_write(tmp_path, frame), "nb_small_mean", "poisson_far")
    assert small.target_type == "count", small.type_reason
    assert far.target_type == "count" and far.type_reason.startswith("N6"), far.type_reason
    assert type_of_target(frame["poisson_far"].to_numpy()) == "multiclass"  # documented


def test_the_issue_tail_9_12_12_at_5_6_7_is_a_count(tmp_path: Path) -> None:
    """The published example: value counts that rise again in the sparse tail."""
    table = {0: 151, 1: 83, 2: 47, 3: 26, 4: 17, 5: 9, 6: 12, 7: 12}
    values = np.repeat(list(table), list(table.values()))
    (target,) = _profile(_write(tmp_path, pd.DataFrame({"x": values, "y": values})), "y")
    assert target.target_type == "count", target.type_reason
    # the same bump in the bulk (a second mode) is not counting noise: integer codes
    codes = {0: 151, 1: 83, 2: 20, 3: 90, 4: 17, 5: 9}
    values = np.repeat(list(codes), list(codes.values()))
    (target,) = _profile(_write(tmp_path, pd.DataFrame({"y": values}), "b.csv"), "y")
    assert target.target_type == "multiclass", target.type_reason


def test_noise_tolerance_is_a_counting_bound() -> None:
    assert unimodal({0: 100, 1: 50, 2: 20, 3: 25})[0]  # +5 on 20: noise
    assert not unimodal({0: 100, 1: 50, 2: 20, 3: 80})[0]  # +60: a second mode
    assert unimodal({0: 100, 1: 40, 2: 10, 5: 3, 9: 1})[0]  # gaps in the sparse tail
    assert not unimodal({0: 300, 2: 300})[0]  # an empty level in the bulk


@pytest.mark.parametrize("seed", [0, 1])
def test_rounded_gaussian_measurements_are_continuous(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "h": rng.normal(170, 9, N).round().astype(int),  # cm, stored as integers
            "w": rng.normal(6.5, 0.5, N).round(),  # a few levels, stored as floats
            "v": rng.normal(69, 3, N).round().astype(int),
        }
    )
    for target in _profile(_write(tmp_path, frame), "h", "w", "v"):
        assert target.target_type == "continuous", (target.name, target.type_reason)
        assert target.type_reason.startswith("N5")
    assert type_of_target(frame["h"].to_numpy()) == "multiclass"  # the documented difference


@pytest.mark.parametrize("p", [0.3, 0.55, 0.8])
def test_binomial_scores_read_as_bounded_ordinal(tmp_path: Path, p: float) -> None:
    rng = np.random.default_rng(7)
    y = rng.binomial(10, p, N)
    (target,) = _profile(_write(tmp_path, pd.DataFrame({"y": y})), "y")
    assert target.target_type == "ordinal", target.type_reason
    assert "binomial" in target.type_reason and "--target-type" in target.type_reason
    observed = sorted(set(y.tolist()))
    assert target.levels == [str(v) for v in observed]
    assert target.class_counts == {str(v): int((y == v).sum()) for v in observed}
    assert target.facts["mean"] == pytest.approx(y.mean())


def test_poisson_with_a_score_like_range_is_not_a_score(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    y = np.minimum(rng.poisson(3, N), 10)  # same 0..10 range, D = 1: a count
    (target,) = _profile(_write(tmp_path, pd.DataFrame({"y": y})), "y")
    assert target.target_type == "count", target.type_reason


def _latent_levels(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    latent = 1.2 * x + rng.normal(size=n)
    cuts = [-1.5, -0.3, 0.6, 1.6]
    return x, np.searchsorted(cuts, latent)


def test_latent_gaussian_ordered_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    x, codes = _latent_levels(rng, N)
    order = ["Fair", "Good", "Very Good", "Premium", "Ideal"]
    labels = np.array(order)[codes]
    cut = pd.Categorical(labels, categories=order, ordered=True)
    parquet = _write(tmp_path, pd.DataFrame({"x": x, "cut": cut}), "d.parquet")
    (target,) = _profile(parquet, "cut")
    assert target.target_type == "ordinal" and target.levels == order
    assert target.type_reason.startswith("L0")
    assert list(target.class_counts or {}) == [c for c in order if c in set(labels)]
    csv = _write(tmp_path, pd.DataFrame({"x": x, "cut": labels}))
    (plain,) = _profile(csv, "cut")
    assert plain.target_type == "multiclass" and "--order" in plain.type_reason
    (given,) = _profile(csv, "cut", order=order)
    assert given.target_type == "ordinal" and given.levels == order
    assert given.class_counts == {c: int((labels == c).sum()) for c in order}
    # numeric levels 0..4 from the same latent model are flat enough to be class codes; the
    # reason names the ordinal reading, and --target-type ordinal takes the value order
    (numeric,) = _profile(_write(tmp_path, pd.DataFrame({"y": codes}), "n.csv"), "y")
    assert numeric.target_type == "multiclass" and "ordinal" in numeric.type_reason
    (forced,) = _profile(tmp_path / "n.csv", "y", target_type="ordinal")
    assert forced.levels == ["0", "1", "2", "3", "4"]


def test_order_errors_are_one_line(tmp_path: Path) -> None:
    csv = _write(tmp_path, pd.DataFrame({"y": ["lo", "hi", "mid"] * 20}))
    with pytest.raises(InputError, match=r"level of target 'y'.*'mid'"):
        _profile(csv, "y", order=["lo", "hi"])
    with pytest.raises(InputError, match="twice"):
        _profile(csv, "y", order=["lo", "mid", "hi", "lo"])
    with pytest.raises(InputError, match="--order"):
        _profile(csv, "y", target_type="ordinal")  # text without an order


def test_positive_reals_are_positive_continuous(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    frame = pd.DataFrame({"dur": rng.gamma(6, 2, N), "temp": rng.normal(15, 8, N)})
    dur, temp = _profile(_write(tmp_path, frame), "dur", "temp")
    assert dur.target_type == "positive_continuous"  # skewness 0.8: below the old cut of 1
    assert temp.target_type == "continuous"
    assert type_of_target(frame["dur"].to_numpy()) == "continuous"


def test_the_name_is_supporting_evidence_never_the_only_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    visits = rng.poisson(1.5, N)
    visits = visits[visits > 0][:2000]  # zero-truncated: from 1
    decaying = rng.choice([0, 1, 2], size=2000, p=[0.7, 0.2, 0.1])
    frame = pd.DataFrame(
        {
            "n_visits": visits,
            "x": visits,
            "region_code": decaying,
            "y": decaying,
            "count": rng.normal(50, 10, 2000),  # named like a count, but real-valued
        }
    )
    named, plain, code, counted, real = _profile(
        _write(tmp_path, frame), "n_visits", "x", "region_code", "y", "count"
    )
    assert named.target_type == "count" and "zero-truncated" in named.type_reason
    assert plain.target_type == "multiclass"  # without the name: few non-count-shaped codes
    assert code.target_type == "multiclass" and "ambiguous" in code.type_reason
    assert counted.target_type == "count"
    assert real.target_type == "positive_continuous"


def test_name_hints_are_whole_tokens() -> None:
    assert name_hint("n_visits") == "count" and name_hint("claimCount") == "count"
    assert name_hint("heightCm") == "measure" and name_hint("class_id") == "code"
    assert name_hint("valid") is None and name_hint("bin") is None  # no 'id' / 'n' inside
    assert name_hint("income") == "measure"
    assert name_hint("age_group") is None  # conflicting hints say nothing


def test_every_outcome_names_its_rule(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 2, 500),
            "b": rng.beta(2, 3, 500),
            "c": rng.poisson(2, 500),
            "d": rng.normal(size=500),
            "e": rng.choice(["x", "y", "z"], 500),
            "f": rng.choice([-1, 0, 1], 500),
        }
    )
    for target in _profile(_write(tmp_path, frame), *frame.columns):
        assert target.type_reason[:2] in {"N1", "N2", "N4", "N8", "L2", "L3"} or (
            target.type_reason.startswith("N10")
        ), target.type_reason
