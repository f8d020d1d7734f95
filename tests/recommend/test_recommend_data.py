"""Recommendations on real and generated data with known properties, through the profiler.

Expected losses come from the issue's acceptance list; derived hyperparameters are checked
against independent numpy/pandas computations on the same data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

from lossadvisor.context import infer_task, make_context
from lossadvisor.models import Recommendation
from lossadvisor.profile import profile_dataset
from lossadvisor.recommend import recommend
from lossadvisor.rules.schema import RuleBase

ROBUST = {"huber", "pseudo_huber", "log_cosh", "smooth_l1", "mae", "barron", "berhu"}
COUNT_FAMILY = {"poisson", "negative_binomial", "tweedie"}
DICE_FAMILY = {"dice", "dice_ce", "dice_focal", "generalized_dice", "tversky", "focal_tversky"}
BOX_FAMILY = {"smooth_l1", "giou", "diou", "ciou"}
BCE_FAMILY = {"bce", "weighted_bce", "focal_binary"}
CE_FAMILY = {"ce", "weighted_ce", "class_balanced_ce", "label_smoothing_ce", "focal_multiclass"}


def _write(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _recommend(
    base: RuleBase, source: str, targets: list[str], **options: str
) -> tuple[Recommendation, pd.DataFrame]:
    dataset = profile_dataset(source, targets)
    first, *others = dataset.targets
    rec = recommend(base, make_context(**options), first, extra_profiles=others)
    return rec, pd.read_csv(source)


def _top(rec: Recommendation) -> str:
    return rec.ranking[0].loss


def test_clean_gaussian_regression_gets_mse(base: RuleBase, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=4000)
    frame = pd.DataFrame({"x": x, "y": 3 * x + rng.normal(0, 1.0, 4000)})
    rec, _ = _recommend(base, _write(tmp_path, "gauss", frame), ["y"])
    assert rec.facts["target_type"] == "continuous"
    assert _top(rec) == "mse", [r.loss for r in rec.ranking[:5]]


def test_gross_outliers_get_a_robust_loss_with_delta_from_mad(
    base: RuleBase, tmp_path: Path
) -> None:
    rng = np.random.default_rng(2)
    n = 5000
    y = rng.normal(10, 2, n)
    hit = rng.random(n) < 0.05
    y[hit] += rng.choice([-1, 1], hit.sum()) * rng.uniform(40, 100, hit.sum())
    rec, frame = _recommend(base, _write(tmp_path, "outliers", pd.DataFrame({"y": y})), ["y"])
    assert _top(rec) in ROBUST, [r.loss for r in rec.ranking[:5]]
    assert next(r for r in rec.ranking if r.loss == "mse").verdict in ("avoid", "excluded")
    col = frame["y"].to_numpy()
    expected = 1.345 * 1.4826 * np.median(np.abs(col - np.median(col)))
    huber = next(r for r in rec.ranking if r.loss == "huber")
    assert huber.params["delta"].value == pytest.approx(expected, rel=0.02)
    assert "mad_sigma" in huber.params["delta"].derivation
    assert expected == pytest.approx(1.345 * 2, rel=0.1)  # the MAD scale ignores the outliers


def test_overdispersed_counts_get_a_count_loss(base: RuleBase, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.negative_binomial(n=1.5, p=1.5 / (1.5 + 3.0), size=6000)  # mean 3, var 9
    rec, frame = _recommend(base, _write(tmp_path, "counts", pd.DataFrame({"claims": y})), [])
    assert rec.facts["target_type"] == "count"
    assert float(frame["claims"].var() / frame["claims"].mean()) > 2
    assert _top(rec) in COUNT_FAMILY, [r.loss for r in rec.ranking[:5]]


def test_imbalanced_binary_keeps_plain_bce_and_offers_the_measured_pos_weight(
    base: RuleBase, tmp_path: Path
) -> None:
    # King & Zeng (2001), LightGBM docs (is_unbalance): without a threshold metric plain BCE stays
    # the default; weighted BCE (pos_weight = n_neg / n_pos, torch's guidance) and focal (α = 0.25,
    # γ = 2: Lin et al. 2017, Table 1b) remain the alternatives.
    rng = np.random.default_rng(4)
    y = (rng.random(10_200) < 1 / 51).astype(int)
    frame = pd.DataFrame({"x": rng.normal(size=y.size), "fraud": y})
    rec, frame = _recommend(base, _write(tmp_path, "fraud", frame), ["fraud"])
    assert _top(rec) == "bce", [r.loss for r in rec.ranking[:5]]
    counts = frame["fraud"].value_counts()
    n_pos, n_neg = int(counts[1]), int(counts[0])
    by_loss = {r.loss: r for r in rec.ranking}
    assert by_loss["weighted_bce"].verdict == "alternative"
    assert by_loss["weighted_bce"].params["pos_weight"].value == pytest.approx(
        n_neg / n_pos, rel=1e-4
    )
    assert by_loss["focal_binary"].params["alpha"].value == pytest.approx(0.25)
    assert any("distort predicted probabilities" in c.text for c in rec.cautions)
    rec, _ = _recommend(
        base, _write(tmp_path, "fraud2", frame), ["fraud"], metric="balanced_accuracy"
    )
    assert _top(rec) == "weighted_bce", [r.loss for r in rec.ranking[:5]]


def test_heteroscedastic_target_with_quantile_metric_gets_pinball(
    base: RuleBase, tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(1, 10, 5000)
    frame = pd.DataFrame({"x": x, "demand": 5 * x + rng.normal(0, 1, 5000) * x})
    rec, _ = _recommend(base, _write(tmp_path, "hetero", frame), ["demand"], metric="quantile:0.9")
    assert _top(rec) == "pinball", [r.loss for r in rec.ranking[:5]]
    assert rec.ranking[0].params["tau"].value == pytest.approx(0.9)


def test_breast_cancer_gets_the_bce_family(base: RuleBase, tmp_path: Path) -> None:
    bunch = datasets.load_breast_cancer(as_frame=True)
    frame = bunch.frame
    rec, _ = _recommend(base, _write(tmp_path, "breast_cancer", frame), ["target"])
    assert rec.facts["target_type"] == "binary"
    assert _top(rec) in BCE_FAMILY, [r.loss for r in rec.ranking[:5]]


def test_iris_gets_cross_entropy(base: RuleBase, tmp_path: Path) -> None:
    bunch = datasets.load_iris(as_frame=True)
    frame = bunch.frame.assign(species=bunch.target_names[bunch.target]).drop(columns="target")
    rec, _ = _recommend(base, _write(tmp_path, "iris", frame), ["species"])
    assert rec.facts["target_type"] == "multiclass"
    assert _top(rec) == "ce", [r.loss for r in rec.ranking[:5]]


def test_wine_class_weights_match_counts_when_asked_for(base: RuleBase, tmp_path: Path) -> None:
    bunch = datasets.load_wine(as_frame=True)
    rec, frame = _recommend(base, _write(tmp_path, "wine", bunch.frame), ["target"])
    assert _top(rec) in CE_FAMILY
    counts = frame["target"].value_counts()
    for item in rec.ranking:
        weights = item.params.get("class_weights")
        if weights is None or not isinstance(weights.value, dict):
            continue
        total, k = counts.sum(), len(counts)
        if "n / (K · n_c)" in weights.derivation:
            for label, n_c in counts.items():
                assert weights.value[str(label)] == pytest.approx(total / (k * n_c), rel=1e-4)


def test_linnerud_targets_become_heads_with_a_balancing_method(
    base: RuleBase, tmp_path: Path
) -> None:
    bunch = datasets.load_linnerud(as_frame=True)
    frame = pd.concat([bunch.data, bunch.target], axis=1)
    targets = ["Weight", "Waist", "Pulse"]
    dataset = profile_dataset(_write(tmp_path, "linnerud", frame), targets)
    rec = recommend(base, make_context(), dataset.targets[0], extra_profiles=dataset.targets[1:])
    assert [h.name for h in rec.heads] == targets
    for head, target in zip(rec.heads, dataset.targets, strict=True):
        assert head.task == infer_task(target.target_type)  # each head from its own profile
        assert head.weight == 1.0 and any("initial weight 1.0" in r for r in head.reasons)
    assert rec.facts["n_heads"] == 3
    assert rec.balancing is not None and rec.balancing.reasons
    families = {base.losses[h.loss].family for h in rec.heads}
    mixed = [c for c in rec.balancing.ledger if c.facts.get("heads_mixed_families") is True]
    assert bool(mixed) == (len(families) > 1)


@pytest.mark.parametrize(
    ("task", "family"), [("segmentation", DICE_FAMILY), ("detection", BOX_FAMILY)]
)
def test_task_alone(base: RuleBase, task: str, family: set[str]) -> None:
    rec = recommend(base, make_context(task=task))
    assert _top(rec) in family, [r.loss for r in rec.ranking[:5]]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# file -> (target, expected first losses, extra options); from examples/README.md's descriptions
EXAMPLE_EXPECTATIONS: dict[str, tuple[str, set[str], dict[str, str]]] = {
    "insurance_claims.csv": ("claims", COUNT_FAMILY, {}),
    "regression_clean.csv": ("y", {"mse"}, {}),
    "regression_outliers.csv": ("y", ROBUST, {}),
    "regression_heavy_tail.csv": ("y", ROBUST, {}),
    "regression_heteroscedastic.csv": ("y", {"pinball"}, {"metric": "quantile:0.9"}),
    "counts_poisson.csv": ("y", {"poisson"}, {}),
    "counts_overdispersed.csv": ("y", {"negative_binomial", "tweedie"}, {}),
    "proportions.csv": ("y", {"soft_bce"}, {}),
    "positive_skewed.csv": ("y", {"gamma", "tweedie"}, {}),
    "binary_imbalanced.csv": ("y", {"bce"}, {}),
    "multiclass.csv": ("y", CE_FAMILY, {}),
    "multilabel.csv": ("y", BCE_FAMILY, {}),
    "breast_cancer.csv": ("target", BCE_FAMILY, {}),
    "iris.csv": ("target", {"ce"}, {}),
    "diabetes.csv": ("target", {"mse"} | ROBUST, {}),
    "wine.csv": ("target", CE_FAMILY, {}),
}


def test_every_listed_example_has_an_expectation() -> None:
    listed = {
        line.split("`")[1]
        for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    assert listed == set(EXAMPLE_EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXAMPLE_EXPECTATIONS))
def test_examples(base: RuleBase, name: str) -> None:
    target, expected, options = EXAMPLE_EXPECTATIONS[name]
    rec, _ = _recommend(base, str(EXAMPLES / name), [target], **options)
    assert _top(rec) in expected, [(r.loss, r.score) for r in rec.ranking[:5]]


def test_overdispersed_claims_get_negative_binomial_alpha_by_moments(base: RuleBase) -> None:
    """The bundled insurance example: NB first, α = (Var/mean − 1)/mean from the whole column."""
    rec, frame = _recommend(base, "examples/insurance_claims.csv", ["claims"])
    assert _top(rec) == "negative_binomial", [r.loss for r in rec.ranking[:5]]
    claims = frame["claims"].to_numpy(dtype=float)
    mean, var = claims.mean(), claims.var()
    alpha = rec.ranking[0].params["alpha"]
    assert alpha.rule_id == "data.counts.overdispersed"
    assert alpha.value == pytest.approx((var / mean - 1) / mean, rel=1e-3)
    assert "method of moments" in alpha.derivation


def test_huber_delta_follows_the_target_scale_without_outliers(base: RuleBase) -> None:
    """Diabetes (robust scale ≈ 88): δ = 1.345 × 1.4826 × MAD, not torch's 1.0 in target units."""
    rec, frame = _recommend(base, "examples/diabetes.csv", ["target"])
    huber = next(r for r in rec.ranking if r.loss == "huber")
    y = frame["target"].to_numpy(dtype=float)
    mad_sigma = 1.4826 * np.median(np.abs(y - np.median(y)))
    assert huber.params["delta"].rule_id == "robustness.huber.delta_scale"
    assert huber.params["delta"].value == pytest.approx(1.345 * mad_sigma, rel=1e-3)
