"""LARS: the update against You et al. (2017) Algorithm 1 in numpy, the advice, and its export.

Expected values come from the paper's update rule (as google-research/simclr lars_optimizer.py
writes it, classic momentum) and from SimCLR's run.py flags, not from lossadvisor's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

import lossadvisor
from lossadvisor.errors import InputError
from lossadvisor.torch_losses import Lars


def lars_reference(
    w: np.ndarray, grads: list[np.ndarray], lr: float, momentum: float, wd: float, eta: float,
    adapt: bool, nesterov: bool = False,
) -> np.ndarray:
    """Algorithm 1: d = g + wd·w; λ = η‖w‖/‖d‖; v = m·v + lr·λ·d; w -= v (plain SGD momentum
    for an excluded tensor: no decay, λ = 1)."""
    v = np.zeros_like(w)
    for g in grads:
        d = g + wd * w if adapt else g
        trust = eta * np.linalg.norm(w) / np.linalg.norm(d) if adapt else 1.0
        v = momentum * v + lr * trust * d
        w = w - (momentum * v + lr * trust * d if nesterov else v)
    return w


@pytest.mark.parametrize("nesterov", [False, True])
def test_three_steps_match_algorithm_1_and_biases_are_plain_momentum(nesterov: bool) -> None:
    rng = np.random.default_rng(0)
    w0, b0 = rng.normal(size=(3, 4)), rng.normal(size=3)
    grads_w = [rng.normal(size=(3, 4)) for _ in range(3)]
    grads_b = [rng.normal(size=3) for _ in range(3)]
    weight = torch.nn.Parameter(torch.tensor(w0))
    bias = torch.nn.Parameter(torch.tensor(b0))
    opt = Lars([weight, bias], lr=0.5, momentum=0.9, weight_decay=1e-4,
               trust_coefficient=0.001, nesterov=nesterov)
    for gw, gb in zip(grads_w, grads_b, strict=True):
        weight.grad, bias.grad = torch.tensor(gw), torch.tensor(gb)
        opt.step()
    expected_w = lars_reference(w0, grads_w, 0.5, 0.9, 1e-4, 0.001, adapt=True, nesterov=nesterov)
    expected_b = lars_reference(b0, grads_b, 0.5, 0.9, 1e-4, 0.001, adapt=False, nesterov=nesterov)
    np.testing.assert_allclose(weight.detach().numpy(), expected_w, rtol=1e-10)
    np.testing.assert_allclose(bias.detach().numpy(), expected_b, rtol=1e-10)


def test_the_step_length_is_the_trust_share_of_the_weight_norm() -> None:
    """Without momentum, one step moves w by exactly lr·η·‖w‖ whatever the gradient's scale."""
    w0 = np.array([[3.0, -4.0]])  # ‖w‖ = 5
    for scale in (1e-6, 1.0, 1e6):
        weight = torch.nn.Parameter(torch.tensor(w0))
        weight.grad = torch.tensor([[0.6, 0.8]], dtype=torch.float64) * scale
        Lars([weight], lr=2.0, momentum=0.0, trust_coefficient=0.01).step()
        moved = np.linalg.norm(weight.detach().numpy() - w0)
        assert moved == pytest.approx(2.0 * 0.01 * 5.0, rel=1e-9)


def test_a_zero_tensor_takes_a_plain_step_and_bad_settings_are_refused() -> None:
    weight = torch.nn.Parameter(torch.zeros(2, 2, dtype=torch.float64))
    weight.grad = torch.ones(2, 2, dtype=torch.float64)
    Lars([weight], lr=0.1, momentum=0.0).step()  # ‖w‖ = 0: trust ratio 1, as in SimCLR
    np.testing.assert_allclose(weight.detach().numpy(), -0.1)
    for bad in ({"lr": 0.0}, {"momentum": 1.0}, {"trust_coefficient": 0.0}):
        with pytest.raises(ValueError):
            Lars([weight], **bad)


def test_lars_fits_least_squares_to_the_lstsq_optimum() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 5))
    y = x @ np.array([1.5, -2.0, 0.5, 0.0, 1.0]) + 0.1 * rng.normal(size=256)
    best = np.linalg.lstsq(x, y, rcond=None)[0]
    optimum = np.mean((x @ best - y) ** 2)
    xt, yt = torch.tensor(x), torch.tensor(y)
    w = torch.nn.Parameter(torch.full((5,), 0.1, dtype=torch.float64).reshape(1, 5))
    opt = Lars([w], lr=1.0, momentum=0.9, trust_coefficient=0.02)
    # a LARS step is lr·η·‖w‖ long whatever the gradient, so it only settles as the lr decays
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=400)
    for _ in range(400):
        opt.zero_grad()
        loss = ((xt @ w.reshape(5) - yt) ** 2).mean()
        loss.backward()
        opt.step()
        schedule.step()
    final = float(loss.detach())
    assert final < optimum * 1.01, (final, optimum)


def test_contrastive_gets_simclrs_lars_settings() -> None:
    rec = lossadvisor.recommend(task="contrastive")
    # google-research/simclr run.py flags: optimizer lars, learning_rate 0.3 (per 256),
    # momentum 0.9, weight_decay 1e-4, warmup_epochs 10; lars_optimizer.py eeta 0.001
    assert rec.optimizer.name == "lars"
    settings = rec.optimizer.settings
    assert (settings["lr"], settings["momentum"], settings["weight_decay"]) == (0.3, 0.9, 1e-4)
    assert settings["trust_coefficient"] == 0.001
    assert rec.optimizer.schedule["warmup_epochs"] == 10


@pytest.mark.parametrize(
    ("options", "optimizer"),
    [
        ({"task": "image_classification", "batch_size": 8192}, "lars"),  # You et al. 2017
        ({"task": "image_classification", "batch_size": 8192, "architecture": "vit"}, "adamw"),
        ({"task": "image_classification"}, "sgd"),  # timm's batch-256 recipe
        ({"task": "masked_lm", "batch_size": 32768}, "lamb"),  # You et al. 2020 (BERT, 32k)
        ({"task": "masked_lm"}, "adamw"),  # BERT at batch 256
    ],
)
def test_large_batches_pick_the_layer_wise_optimizer_of_the_model_kind(
    options: dict[str, object], optimizer: str
) -> None:
    assert lossadvisor.recommend(**options).optimizer.name == optimizer  # type: ignore[arg-type]


def test_hydra_export_instantiates_lars_and_keras_says_it_has_none(tmp_path: Path) -> None:
    rec = lossadvisor.recommend(task="contrastive")
    path = tmp_path / "conf.yaml"
    lossadvisor.export(rec, "hydra", path=path)
    cfg = OmegaConf.load(path)
    assert cfg.optimizer._target_ == "lossadvisor.torch_losses.Lars"
    model = torch.nn.Linear(3, 2)
    opt = instantiate(cfg.optimizer)(model.parameters())
    assert isinstance(opt, Lars) and opt.param_groups[0]["weight_decay"] == 1e-4
    before = model.weight.detach().clone()
    model(torch.ones(4, 3)).pow(2).sum().backward()
    opt.step()
    assert not torch.equal(before, model.weight)
    large = lossadvisor.recommend(task="image_classification", batch_size=8192)
    assert large.optimizer.name == "lars"
    with pytest.raises(InputError, match="optimizer 'lars': keras has no implementation"):
        lossadvisor.export(large, "keras")
