"""The neural proxy (`validate --proxy mlp`): known winners on generated data, every head on its
target kind, the export's torch modules, serial == parallel, and the CLI's errors and skips.

Expected outcomes come from the data's construction: t(2) noise has infinite variance, so a
bounded-influence loss (Huber, Barron α = 1) estimates the centre better than squared error and
wins on MAE; on 1:30 data plain BCE is a proper scoring rule (best log loss) while the class
weight n_neg/n_pos moves the 0.5 threshold to the prior (best balanced accuracy, King & Zeng
2001); a Gaussian NLL's variance head must follow the variance the data were drawn with.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame, run_cli

pytest.importorskip("torch")

from lossadvisor.evidence.crossval import cross_validate
from lossadvisor.evidence.neural import NEURAL_ONLY, MLPSettings, mlp_losses

FAST = MLPSettings(max_epochs=60)


def _regression(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = 2.0 * x[:, 0] + np.sin(x[:, 1]) + rng.standard_t(2, size=n)
    return frame(x, y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_robust_losses_beat_mse_on_t2_noise(seed: int) -> None:
    result = cross_validate(
        _regression(seed, n=1000),
        "y",
        ["mse", "huber", "barron"],
        metric="mae",
        n_folds=3,
        seed=seed,
        settings=FAST,
    )
    mae = {e.loss: e.mean["mae"] for e in result.losses}
    assert mae["huber"] < mae["mse"], mae
    assert mae["barron"] < mae["mse"], mae
    assert result.engine.startswith("MLP (torch, CPU)")
    assert result.winner in ("huber", "barron")


def _imbalanced(seed: int, n: int = 2400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    logit = -4.8 + 1.5 * x[:, 0] + 1.0 * x[:, 1]  # about one positive in 30
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame(x, y)


@pytest.mark.parametrize("seed", [0, 1])
def test_imbalance_bce_wins_log_loss_weighted_wins_balanced_accuracy(seed: int) -> None:
    data = _imbalanced(seed)
    assert 20 < (data.y == 0).sum() / (data.y == 1).sum() < 45  # the 1:30 the test is about
    result = cross_validate(data, "y", ["bce", "weighted_bce"], n_folds=3, seed=seed, settings=FAST)
    by = {e.loss: e.mean for e in result.losses}
    assert by["bce"]["log_loss"] < by["weighted_bce"]["log_loss"], by
    assert by["weighted_bce"]["balanced_accuracy"] > by["bce"]["balanced_accuracy"] + 0.05, by
    assert result.winner == "bce"  # the deciding metric is log loss


def test_gaussian_nll_variance_head_follows_the_true_variance() -> None:
    from scipy.stats import spearmanr

    from lossadvisor.evidence.mlp import fit_mlp, fold_tensors

    rng = np.random.default_rng(3)
    n = 1500
    x = rng.normal(size=(n, 2))
    sigma = np.exp(0.8 * x[:, 1])
    y = x[:, 0] + sigma * rng.normal(size=n)
    settings = MLPSettings(max_epochs=80)
    data = fold_tensors(x[:1000], y[:1000], x[1000:], settings, classes=False)
    fitted = fit_mlp("gaussian_nll", {"eps": 1e-6}, data, y[:1000], settings)
    import torch

    with torch.no_grad():
        _, var = fitted.head._gaussian(fitted.net(data.x_test))
    rho = spearmanr(var.numpy(), sigma[1000:] ** 2).statistic
    assert rho > 0.8, rho


def test_every_head_runs_on_its_target_kind() -> None:
    rng = np.random.default_rng(5)
    n = 160
    x = rng.normal(size=(n, 2))
    z = x[:, 0] - 0.5 * x[:, 1]
    tables = {
        "real": (z + rng.normal(size=n) + 3, ["mse", "mae", "pinball", "smooth_l1"]),
        "robust": (
            z + rng.normal(size=n) + 3,
            ["pseudo_huber", "log_cosh", "berhu", "mape", "gaussian_nll"],
        ),
        "counts": (rng.poisson(np.exp(0.5 * z)), ["poisson", "negative_binomial", "tweedie"]),
        "positive": (rng.gamma(2.0, np.exp(0.3 * z) / 2), ["gamma"]),
        "proportion": (1 / (1 + np.exp(-z + rng.normal(size=n))), ["soft_bce"]),
        "binary": (
            (z + rng.normal(size=n) > 0.8).astype(int),
            ["focal_binary", "asymmetric", "hinge"],
        ),
        "multiclass": (
            np.digitize(z + rng.normal(size=n) * 0.5, [-0.5, 0.5]),
            ["weighted_ce", "class_balanced_ce", "label_smoothing_ce", "focal_multiclass", "hinge"],
        ),
    }
    for name, (y, losses) in tables.items():
        result = cross_validate(
            frame(x, y), "y", losses, n_folds=2, settings=MLPSettings(max_epochs=5, fixed_epochs=3)
        )
        for e in result.losses:
            assert e.folds_done == 2 * result.repeats, (name, e.loss)
            assert all(np.isfinite(v) for v in e.mean.values()), (name, e.loss, e.mean)
    ordinal = cross_validate(
        frame(x, np.digitize(z, [-1, 0, 1])),
        "y",
        ["cumulative_link", "coral", "ce"],
        n_folds=2,
        settings=MLPSettings(max_epochs=5, fixed_epochs=3),
        order=["0", "1", "2", "3"],
    )
    assert "ranked_probability_score" in ordinal.panel
    assert all(np.isfinite(e.mean["ranked_probability_score"]) for e in ordinal.losses)
    labels = [
        "|".join(s) or "a"
        for s in (
            [t for t, keep in (("a", p > 0), ("b", q > 0.5)) if keep]
            for p, q in zip(z, rng.random(n), strict=True)
        )
    ]
    multilabel = pd.DataFrame(x, columns=["x0", "x1"]).assign(y=labels)
    result = cross_validate(
        multilabel,
        "y",
        ["bce", "weighted_bce", "focal_binary", "asymmetric"],
        n_folds=2,
        settings=MLPSettings(max_epochs=5, fixed_epochs=3),
        target_type="multilabel",
    )
    assert result.task == "multilabel"
    assert all(np.isfinite(e.mean["log_loss"]) for e in result.losses)


def test_the_mlp_trains_the_module_export_and_bench_build() -> None:
    """Same class as bench's module (built from frameworks.yaml by the export's mapping), with
    the run's parameter values as its arguments."""
    from lossadvisor.bench.modules import build_module
    from lossadvisor.evidence.mlp import torch_module
    from lossadvisor.evidence.neural import head_form
    from lossadvisor.rules.load import load_rulebase

    base = load_rulebase([])
    assert {loss for loss in base.losses if head_form(loss)} == set(mlp_losses())
    for loss in mlp_losses():
        classes = head_form(loss) in ("softmax", "cumulative", "coral")
        facts = {"n_classes": 4} if classes else {}
        bench_module, _ = build_module(loss, base, facts)
        params = {"class_weights": [1.0, 2.0, 3.0, 4.0]} if "weighted" in loss else {}
        if loss == "weighted_bce":
            params = {"pos_weight": [3.0]}
        if loss == "class_balanced_ce":
            params = {"class_weights": [1.0, 2.0, 3.0, 4.0]}
        assert type(torch_module(loss, params, facts)) is type(bench_module), loss
    huber = torch_module("huber", {"delta": 2.5}, {})
    assert huber.delta == 2.5
    pinball = torch_module("pinball", {"tau": 0.9}, {})
    assert pinball.tau == 0.9


def test_neural_only_defaults_are_the_catalog_defaults() -> None:
    from pathlib import Path

    import yaml

    catalog_file = Path(__file__).resolve().parents[2] / "rules" / "losses.yaml"
    catalog = {e["id"]: e for e in yaml.safe_load(catalog_file.read_text())["losses"]}
    for loss, proxy in NEURAL_ONLY.items():
        params = catalog[loss].get("params") or {}
        assert set(proxy.defaults) == set(params), loss
        for name, default in proxy.defaults.items():
            assert params[name]["default"] == default, f"{loss}.{name}"


def test_serial_and_parallel_mlp_runs_agree_exactly() -> None:
    data = _regression(7, n=300)
    args = dict(
        metric="mae", n_folds=3, seed=7, settings=MLPSettings(max_epochs=10, fixed_epochs=5)
    )
    serial = cross_validate(data, "y", ["mse", "huber"], jobs=1, **args)
    parallel = cross_validate(data, "y", ["mse", "huber"], jobs=2, **args)
    assert [e.fold_scores for e in serial.losses] == [e.fold_scores for e in parallel.losses]
    assert [e.rounds for e in serial.losses] == [e.rounds for e in parallel.losses]


# --- the CLI -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("mlp") / "small.csv"
    _regression(11, n=120).to_csv(path, index=False)
    return str(path)


def _one_line_error(run) -> str:  # type: ignore[no-untyped-def]
    assert run.returncode == 2, (run.returncode, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    return lines[0]


def test_cli_bad_proxy_value_is_one_line_exit_2(small_csv: str) -> None:
    line = _one_line_error(run_cli("validate", small_csv, "-t", "y", "--proxy", "gpu"))
    assert "--proxy" in line and "mlp" in line and "'gpu'" in line


def test_cli_tune_with_mlp_refuses_a_loss_without_parameters(small_csv: str) -> None:
    line = _one_line_error(run_cli("tune", small_csv, "-t", "y", "--loss", "mse", "--proxy", "mlp"))
    assert "tune --proxy mlp" in line and "fixed" in line


def test_cli_tree_proxy_refuses_an_mlp_only_loss(small_csv: str) -> None:
    line = _one_line_error(run_cli("validate", small_csv, "-t", "y", "--losses", "mse,berhu"))
    assert "berhu" in line and "--proxy mlp" in line


def test_cli_mlp_skips_a_loss_without_a_table_form_with_its_reason(small_csv: str) -> None:
    run = run_cli(
        "validate",
        small_csv,
        "-t",
        "y",
        "--losses",
        "huber,dice,ranknet",
        "--proxy",
        "mlp",
        "--folds",
        "2",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    result = json.loads(run.stdout)
    assert [e["loss"] for e in result["losses"]] == ["huber"]
    assert any(
        s.startswith("dice: not measured by the MLP") and "mask" in s for s in result["skipped"]
    ), result["skipped"]
    assert any(s.startswith("ranknet:") and "query" in s for s in result["skipped"])
    warned = [line for line in run.stderr.splitlines() if "skipped" in line]
    assert len(warned) == 2, run.stderr
    assert "huber.torch.nn.HuberLoss" not in result["losses"][0]["model"]
    assert result["losses"][0]["model"].endswith("torch.nn.HuberLoss")
    only = run_cli("validate", small_csv, "-t", "y", "--losses", "dice", "--proxy", "mlp")
    assert "none of dice" in _one_line_error(only)


def test_the_direct_fused_step_is_torch_adamw_bit_for_bit() -> None:
    import torch
    from torch import nn

    from lossadvisor.evidence.mlp import FusedAdamW

    def train(make):  # type: ignore[no-untyped-def]
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
        optimizer = make(list(net.parameters()))
        g = torch.Generator().manual_seed(1)
        x, y = torch.randn(64, 3, generator=g), torch.randn(64, generator=g)
        for _ in range(200):
            optimizer.zero_grad()
            nn.functional.huber_loss(net(x)[:, 0], y).backward()
            optimizer.step()
        return [p.detach() for p in net.parameters()]

    ours = train(lambda p: FusedAdamW(p, 3e-3, 1e-2))
    torchs = train(lambda p: torch.optim.AdamW(p, lr=3e-3, weight_decay=1e-2, fused=True))
    assert all(torch.equal(a, b) for a, b in zip(ours, torchs, strict=True))


def test_cli_mlp_validates_the_rules_top_losses_that_it_can_train(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Without --losses: the first --top losses of the rule ranking that the MLP trains (an
    MLP-only loss the tree would skip included), on heteroscedastic data."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(400, 2))
    y = x[:, 0] + np.exp(0.9 * x[:, 1]) * rng.normal(size=400)
    path = tmp_path / "hetero.csv"
    frame(x, y).to_csv(path, index=False)
    run = run_cli("validate", str(path), "-t", "y", "--proxy", "mlp", "--top", "2",
                  "--folds", "2", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    trainable = [loss for loss in result["rule_ranking"] if loss in mlp_losses()]
    assert [e["loss"] for e in result["losses"]] == trainable[:2]
    if result["rule_ranking"][0] in mlp_losses():
        assert "not measured" not in result["verdict"]


def test_the_network_is_seeded_without_touching_the_callers_torch_random_state() -> None:
    import torch

    from lossadvisor.evidence.mlp import network

    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    first = network(3, 2, MLPSettings(seed=1))
    assert torch.equal(torch.rand(3), expected)
    again = network(3, 2, MLPSettings(seed=1))
    pairs = zip(first.parameters(), again.parameters(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)


def test_the_mlp_reports_epochs_under_crossvals_rounds_key() -> None:
    from lossadvisor.evidence import crossval, mlp

    assert mlp.ROUNDS == crossval.ROUNDS


def test_cli_a_skip_is_warned_once_whatever_the_number_of_targets(small_csv: str) -> None:
    run = run_cli("validate", small_csv, "-t", "y", "-t", "x2", "--losses", "huber,dice",
                  "--proxy", "mlp", "--folds", "2", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert [r["target"] for r in results] == ["y", "x2"]
    assert all(any(s.startswith("dice:") for s in r["skipped"]) for r in results)
    warned = [line for line in run.stderr.splitlines() if "skipped" in line]
    assert len(warned) == 1 and "dice" in warned[0], run.stderr


def test_the_multilabel_refusal_names_every_per_label_loss_asymmetric_included() -> None:
    from lossadvisor.errors import InputError

    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b", "a|b", "c|a"], size=40)
    table = pd.DataFrame(rng.normal(size=(40, 2)), columns=["x0", "x1"]).assign(y=labels)
    with pytest.raises(InputError) as err:
        cross_validate(table, "y", ["ce"], target_type="multilabel", settings=FAST)
    message = str(err.value)
    for loss in ("bce", "weighted_bce", "focal_binary", "asymmetric"):
        assert loss in message, message
    assert "asymmetric with --proxy mlp" in message and "\n" not in message


def test_hinge_margins_are_taken_on_raw_scores_not_on_softmax_probabilities() -> None:
    """torch's MultiMarginLoss (Weston & Watkins 1999; Crammer & Singer 2001 use the max):
    L = Σ_{j ≠ y} max(0, margin − s_y + s_j) / K on the network's raw class scores s. Through a
    softmax every margin would be below 1 in probability units and the loss never reach 0."""
    import torch

    from lossadvisor.evidence.mlp import make_head

    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, size=50)
    head = make_head("hinge", {"margin": 1.0}, y, 3)
    raw = torch.tensor(rng.normal(scale=3.0, size=(50, 3)), dtype=torch.float32)
    s = raw.numpy().astype(float)
    picked = s[np.arange(50), y][:, None]
    terms = np.maximum(0.0, 1.0 - picked + s)
    terms[np.arange(50), y] = 0.0
    expected = float(np.mean(terms.sum(axis=1) / 3))
    got = float(head.objective(raw, torch.tensor(y)))
    assert got == pytest.approx(expected, rel=1e-5)
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    through_softmax = np.maximum(0.0, 1.0 - p[np.arange(50), y][:, None] + p)
    through_softmax[np.arange(50), y] = 0.0
    assert abs(got - float(np.mean(through_softmax.sum(axis=1) / 3))) > 0.05
    # a separable row with a margin of 1 or more scores 0, as a hinge must
    wide = torch.tensor([[5.0, 0.0, 3.9]])
    assert float(head.objective(wide, torch.tensor([0]))) == 0.0
