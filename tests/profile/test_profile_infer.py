"""Target-type inference on real bundled datasets and on generated counts, proportions, labels."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from profile_helpers import EXAMPLES
from sklearn.utils.multiclass import type_of_target

from lossadvisor.errors import InputError
from lossadvisor.models import TargetProfile
from lossadvisor.profile import profile_dataset


def _profile(path: Path, *targets: str, **kw: object) -> list[TargetProfile]:
    return profile_dataset(str(path), list(targets), **kw).targets  # type: ignore[arg-type]


def _csv(tmp_path: Path, **columns: object) -> Path:
    path = tmp_path / "data.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def test_breast_cancer_is_binary_with_true_counts() -> None:
    from sklearn.datasets import load_breast_cancer

    y = load_breast_cancer().target
    (target,) = _profile(EXAMPLES / "breast_cancer.csv", "target")
    assert target.target_type == "binary" == type_of_target(y)
    assert target.class_counts == {"1": int((y == 1).sum()), "0": int((y == 0).sum())}
    assert target.class_counts == {"1": 357, "0": 212}
    assert target.facts["minority_ratio"] == pytest.approx(212 / 569)


def test_iris_is_balanced_multiclass() -> None:
    (target,) = _profile(EXAMPLES / "iris.csv", "target")
    assert target.target_type == "multiclass"
    assert target.facts["n_classes"] == 3
    assert target.facts["imbalance_ratio"] == 1.0
    assert target.facts["class_entropy"] == pytest.approx(1.0)


def test_diabetes_is_continuous_where_sklearn_says_multiclass() -> None:
    from sklearn.datasets import load_diabetes

    y = load_diabetes().target
    (target,) = _profile(EXAMPLES / "diabetes.csv", "target")
    assert target.target_type == "continuous"
    assert target.facts["is_integer"] is True  # whole numbers, yet not a count: starts at 25
    # the documented difference (infer.py): sklearn calls integer-valued floats multiclass
    assert type_of_target(y) == "multiclass"


def test_wine_codes_are_multiclass() -> None:
    (target,) = _profile(EXAMPLES / "wine.csv", "target")
    assert target.target_type == "multiclass"
    assert target.class_counts == {"1": 71, "0": 59, "2": 48}


def test_examples_readme_matches_inference() -> None:
    """Every row of examples/README.md states the type the profiler infers."""
    rows = re.findall(
        r"^\| `(\w+\.csv)` \| `(\w+)` \| .* \| (\w+)[^|]* \|$",
        (EXAMPLES / "README.md").read_text(),
        flags=re.M,
    )
    assert len(rows) == 16
    for file, column, kind in rows:
        (target,) = _profile(EXAMPLES / file, column)
        assert target.target_type == kind, file


def test_generated_counts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = _csv(
        tmp_path,
        few=rng.poisson(0.4, 4000),
        many=rng.poisson(6, 4000),
        nb=rng.negative_binomial(0.5, 0.05, 4000),
    )
    few, many, nb = _profile(path, "few", "many", "nb")
    assert (few.target_type, many.target_type, nb.target_type) == ("count",) * 3
    assert few.facts["dispersion_index"] == pytest.approx(1.0, abs=0.1)
    assert nb.facts["dispersion_index"] > 5


def test_generated_proportions_and_positive_amounts(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = _csv(
        tmp_path,
        share=rng.beta(2, 5, 3000),
        amount=rng.gamma(1.2, 300, 3000),
        temp=rng.normal(15, 8, 3000),
    )
    share, amount, temp = _profile(path, "share", "amount", "temp")
    assert share.target_type == "proportion" and share.facts["bounded_01"] is True
    assert amount.target_type == "positive_continuous"
    assert temp.target_type == "continuous"


def test_multilabel_label_sets(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    tags = ["red", "green", "blue", "gold"]
    rows = [";".join(rng.choice(tags, size=rng.integers(1, 4), replace=False)) for _ in range(900)]
    (target,) = _profile(_csv(tmp_path, x=np.arange(900), tags=rows), "tags")
    assert target.target_type == "multilabel"
    truth = Counter(t for row in rows for t in row.split(";"))
    assert target.class_counts == dict(truth)
    assert target.facts["n_classes"] == 4
    assert target.facts["minority_ratio"] == pytest.approx(min(truth.values()) / 900)


def test_several_binary_targets_are_multilabel(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = _csv(tmp_path, a=rng.integers(0, 2, 500), b=(rng.uniform(size=500) < 0.1).astype(int))
    a, b = _profile(path, "a", "b")
    assert a.target_type == b.target_type == "multilabel"
    assert b.class_counts is not None and set(b.class_counts) == {"0", "1"}
    (alone,) = _profile(path, "b")
    assert alone.target_type == "binary"


def test_integer_codes_versus_counts(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    # flat codes 1..5 (no mode) stay codes; a unimodal 1..5 rating is now a bounded score
    codes = rng.choice([1, 2, 3, 4, 5], size=2000, p=[0.22, 0.18, 0.2, 0.18, 0.22])
    ratings = rng.choice([1, 2, 3, 4, 5], size=2000, p=[0.05, 0.2, 0.35, 0.25, 0.15])
    signed = rng.choice([-1, 0, 1], size=2000)
    decaying = rng.choice([0, 1, 2], size=2000, p=[0.7, 0.2, 0.1])
    path = _csv(tmp_path, codes=codes, ratings=ratings, signed=signed, decaying=decaying)
    c, r, s, d = _profile(path, "codes", "ratings", "signed", "decaying")
    assert c.target_type == "multiclass" and s.target_type == "multiclass"
    assert r.target_type == "ordinal" and r.levels == ["1", "2", "3", "4", "5"]
    assert d.target_type == "count"  # the documented ambiguity ...
    (forced,) = _profile(path, "decaying", target_type="multiclass")  # ... and its override
    assert forced.target_type == "multiclass" and forced.type_reason == "given with --target-type"
    assert forced.class_counts == {k: int(v) for k, v in Counter(map(str, decaying)).items()}


def test_overrides_that_cannot_hold(tmp_path: Path) -> None:
    path = _csv(tmp_path, y=np.linspace(-1, 3, 100), label=["a", "b", "c", "d"] * 25)
    for target, kind, words in [
        ("y", "proportion", "within [0, 1]"),
        ("y", "binary", "2"),
        ("label", "continuous", "numeric"),
        ("y", "gaussian", "unknown target type"),
    ]:
        with pytest.raises(InputError, match=re.escape(words)):
            _profile(path, target, target_type=kind)
