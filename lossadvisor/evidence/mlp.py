"""The neural proxy (`validate --proxy mlp`): one fixed MLP trained with each loss's torch module.

Like for like, as the tree proxy: every loss of a fold trains the same network (same seed, so
the same initial weights and batch order), on the same standardised features, with the same
optimizer and the same rule for its number of epochs (`neural.MLPSettings`). Only the loss and
the head it needs differ. The loss is the module `export` writes and `bench` measures: the class
and arguments of rules/frameworks.yaml built by the export's own mapping (`export.mapping`),
with the run's parameter values (rule-derived or catalog defaults, class weights from the
training fold as the tree proxy computes them).

Heads (`neural.head_form`: each loss's `evidence.mlp_head` in rules/losses.yaml): real-valued
losses read `median + scale·h` (the scale a robust spread of the
training targets, so one learning rate suits any target unit; the loss still sees the target in
its own units, so δ, c, τ keep their meaning); log-link losses read a log mean; Gaussian NLL a
mean and a positive variance; logistic losses one logit per label; softmax losses (hinge
included) one score per class; the cumulative-link loss one score and its own cut points (the
module's parameters, trained with the network); CORAL one score plus K − 1 biases (CoralLayer).
The output layer starts at zero, so every fit starts from the loss's constant fit, as the
boosters start from their init score.

Imports torch at module level: crossval imports this module only for `--proxy mlp`.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from lossadvisor.evidence import metrics as mx
from lossadvisor.evidence.neural import MLPSettings, head_form
from lossadvisor.evidence.proxies import ProxySettings, class_weights, inner_split, proxy_for

if TYPE_CHECKING:
    from numpy.typing import NDArray

ROUNDS = "_rounds"  # crossval.ROUNDS (not imported: crossval imports this module; a test checks)
INDEX_CHANNEL = ("focal_multiclass",)  # MONAI's to_onehot_y reads class indices as (N, 1)
SCORES_NOT_PROBABILITIES = ("hinge",)  # margins: the panel reads their softmax


def _form(loss: str) -> str:
    form = head_form(loss)
    if form is None:  # the CLI and crossval refuse such a loss first (neural.check_engine)
        raise AssertionError(f"{loss} has no MLP head in the catalog")
    return form


def torch_module(loss: str, params: Mapping[str, Any], facts: Mapping[str, Any]) -> nn.Module:
    """The loss's torch module as the hydra export builds it (frameworks.yaml + mapping)."""
    from lossadvisor.export.mapping import TensorValue, build_args, resolve
    from lossadvisor.rules.frameworks import load_frameworks

    entry = load_frameworks().losses[loss]["torch"]
    entry = resolve(entry, dict(facts), loss, "hydra")
    built = build_args(entry, dict(params), dict(facts), loss, "hydra")
    assert entry.target is not None
    module_name, _, class_name = entry.target.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    kwargs = {
        name: torch.tensor(v.values) if isinstance(v, TensorValue) else v
        for name, v in built.args.items()
    }
    module: nn.Module = cls(**kwargs)
    return module


def _robust_scale(y: NDArray[Any]) -> float:
    from lossadvisor.profile.summarize import mad_sigma

    spread = mad_sigma(y)
    if not spread > 0:
        spread = float(np.std(y))
    return spread if spread > 0 else 1.0


def _logit(p: NDArray[Any]) -> NDArray[np.float64]:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)), dtype=float)


@dataclass
class Head:
    """What the network's raw output means for one loss: the loss's inputs and predictions."""

    loss: str
    form: str
    width: int
    module: nn.Module
    offset: Tensor  # the constant fit the output starts from
    scale: float = 1.0
    biases: nn.Parameter | None = None  # CORAL's K − 1 biases
    n_classes: int = 0
    labels: int = 0  # logistic heads: 0 for a binary / proportion target, L for multilabel

    def parameters(self) -> list[nn.Parameter]:
        extra = [self.biases] if self.biases is not None else []
        return [*self.module.parameters(), *extra]

    def objective(self, raw: Tensor, y: Tensor) -> Tensor:
        """The loss module on this batch's outputs."""
        if self.form == "real":
            return self.module(self.offset + self.scale * raw[:, 0], y)
        if self.form == "log":
            return self.module(self.offset + raw[:, 0], y)
        if self.form == "gaussian":
            mean, var = self._gaussian(raw)
            return self.module(mean, y, var)
        if self.form == "logit":
            return self.module(self.offset + raw, y)
        if self.form == "softmax":
            target = y.reshape(-1, 1) if self.loss in INDEX_CHANNEL else y
            return self.module(self.offset + raw, target)
        if self.form == "cumulative":
            return self.module(raw[:, 0], y)
        assert self.biases is not None  # coral
        return self.module(raw[:, :1] + self.biases, y)

    def _gaussian(self, raw: Tensor) -> tuple[Tensor, Tensor]:
        mean = self.offset + self.scale * raw[:, 0]
        # softplus(0) / log 2 = 1: the variance starts at the targets' robust spread squared
        var = self.scale**2 * nn.functional.softplus(raw[:, 1]) / math.log(2.0)
        return mean, var

    def spread(self, raw: Tensor) -> NDArray[np.float64] | None:
        """The predictive σ per row of a variance head (None: a point prediction)."""
        if self.form != "gaussian":
            return None
        with torch.no_grad():
            var = self._gaussian(raw.double())[1]
        return np.asarray(torch.sqrt(var).numpy(), dtype=float)

    def predict(self, raw: Tensor) -> NDArray[np.float64]:
        """What the metric panel scores: values, P(1) of a proportion, (n, K) class
        probabilities, or (n, L) label probabilities."""
        with torch.no_grad():
            return self._predict(raw.double())

    def _predict(self, raw: Tensor) -> NDArray[np.float64]:
        offset = self.offset.double()  # float64: probabilities that sum to 1 for the scorers
        if self.form == "real":
            out = offset + self.scale * raw[:, 0]
        elif self.form == "log":
            out = torch.exp(offset + raw[:, 0])
        elif self.form == "gaussian":
            out = self._gaussian(raw)[0]
        elif self.form == "logit":
            p = torch.sigmoid(offset + raw)
            if self.labels:
                out = p
            elif self.n_classes == 2:
                out = torch.cat([1 - p, p], dim=1)
            else:  # a proportion: P(1) per row
                out = p[:, 0]
        elif self.form == "softmax":
            out = torch.softmax(offset + raw, dim=1)
        elif self.form == "cumulative":
            out = self.module.level_probabilities(raw[:, 0])  # type: ignore[operator]
        else:
            assert self.biases is not None
            out = _coral_probabilities(torch.sigmoid(raw[:, :1] + self.biases))
        return np.asarray(out.numpy(), dtype=float)


def _coral_probabilities(above: Tensor) -> Tensor:
    """(N, K) level probabilities from P(y > k), k = 0..K−2 (clipped monotone first)."""
    above = torch.cummin(above, dim=1).values  # rank consistency, exact when biases are ordered
    ones, zeros = torch.ones_like(above[:, :1]), torch.zeros_like(above[:, :1])
    upper = torch.cat([ones, above], dim=1)
    lower = torch.cat([above, zeros], dim=1)
    return (upper - lower).clamp_min(0.0)


def make_head(
    loss: str,
    params: Mapping[str, float | None],
    y: NDArray[Any],
    n_classes: int,
) -> Head:
    """The head of `loss` for training targets `y` (its constant start from `y`)."""
    form = _form(loss)
    given: dict[str, Any] = dict(params)
    facts: dict[str, Any] = {"n_classes": n_classes} if n_classes else {}
    if form in ("real", "gaussian"):
        if loss == "pinball":
            centre = float(np.quantile(y, float(params.get("tau") or 0.5)))
        elif loss in ("mse", "gaussian_nll"):
            centre = float(np.mean(y))
        else:
            centre = float(np.median(y))
        width = 2 if form == "gaussian" else 1
        module = torch_module(loss, given, facts)
        return Head(loss, form, width, module, torch.tensor(centre), _robust_scale(y))
    if form == "log":
        start = math.log(max(float(np.mean(y)), 1e-12))
        return Head(loss, form, 1, torch_module(loss, given, facts), torch.tensor(start))
    if form == "logit":
        labels = y.shape[1] if y.ndim == 2 else 0
        targets = y if y.ndim == 2 else y.reshape(-1, 1)
        positives = targets.sum(axis=0)
        prior = targets.mean(axis=0)
        if loss == "weighted_bce":
            if given.get("pos_weight") is None:  # torch's guidance, per label: n_neg / n_pos
                given["pos_weight"] = [
                    float((len(targets) - pos) / max(pos, 1.0)) for pos in positives
                ]
            w = np.broadcast_to(np.asarray(given["pos_weight"], dtype=float), prior.shape)
            prior = w * positives / (w * positives + len(targets) - positives)  # weighted fit
        offset = torch.tensor(_logit(prior), dtype=torch.float32)
        module = torch_module(loss, given, facts)
        k = n_classes if not labels else 0
        return Head(loss, form, targets.shape[1], module, offset, n_classes=k, labels=labels)
    if form == "softmax":
        weights = class_weights(loss, params, y, n_classes)
        if weights is not None:
            given["class_weights"] = [weights[c] for c in range(n_classes)]
        per_row = None if weights is None else np.array([weights[int(c)] for c in y])
        prior = np.bincount(y.astype(int), weights=per_row, minlength=n_classes)
        prior = prior / prior.sum()  # the class-weighted constant fit where there are weights
        logits = np.zeros(n_classes) if loss == "hinge" else np.log(np.clip(prior, 1e-6, 1.0))
        module = torch_module(loss, given, facts)
        offset = torch.tensor(logits, dtype=torch.float32)
        return Head(loss, form, n_classes, module, offset, n_classes=n_classes)
    module = torch_module(loss, given, facts)
    if form == "cumulative":
        _start_cutpoints(module, y, n_classes)
        return Head(loss, form, 1, module, torch.tensor(0.0), n_classes=n_classes)
    above = [(y > k).mean() for k in range(n_classes - 1)]  # CORAL: P(y > k) starts the biases
    biases = nn.Parameter(torch.tensor(_logit(np.array(above)), dtype=torch.float32))
    return Head(loss, form, 1, module, torch.tensor(0.0), biases=biases, n_classes=n_classes)


def _start_cutpoints(module: nn.Module, y: NDArray[Any], n_classes: int) -> None:
    """Cut points at the training levels' cumulative logits, θ_k = logit P(y ≤ k): with the
    score at 0 the model starts at the marginal level frequencies (the constant fit)."""
    counts = np.bincount(y.astype(int), minlength=n_classes)
    theta = _logit(np.cumsum(counts)[:-1] / len(y))
    steps = np.maximum(np.diff(theta), 1e-3)
    with torch.no_grad():  # CumulativeLinkLoss: θ_0 = first, θ_k = θ_{k−1} + softplus(gap_k)
        module.first.fill_(float(theta[0]))  # type: ignore[operator]
        gaps = torch.tensor(np.log(np.expm1(steps)), dtype=torch.float32)
        module.gaps.copy_(gaps)  # type: ignore[operator]


def network(n_features: int, width: int, settings: MLPSettings) -> nn.Sequential:
    """The fixed architecture, seeded; the output layer starts at zero (the constant fit).
    The caller's global torch random state is left as it was (fork_rng)."""
    layers: list[nn.Module] = []
    size = n_features
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        for hidden in settings.hidden:
            layers += [nn.Linear(size, hidden), nn.ReLU()]
            size = hidden
        last = nn.Linear(size, width)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


@dataclass(frozen=True)
class FoldTensors:
    """One training fold, standardised once and shared by its losses."""

    x_fit: Tensor
    x_stop: Tensor | None
    x_test: Tensor
    fit_rows: NDArray[np.intp] | None
    stop_rows: NDArray[np.intp] | None


def fold_tensors(
    x_train: NDArray[Any],
    y_train: NDArray[Any],
    x_test: NDArray[Any],
    settings: MLPSettings,
    classes: bool,
) -> FoldTensors:
    """z-scores from the training fold; the held-out rows of the trees' inner split.

    Test rows are clipped to the training fold's range first: the network is not asked to
    extrapolate linearly beyond it (a tree's last split holds there too), and a value far
    outside (1e300 against training values near 0) would overflow float32 and make the
    prediction NaN. Columns are divided by their largest magnitude before the moments, so that
    values near 1e308 do not overflow the variance (it would zero the column)."""
    x_train = np.asarray(x_train, dtype=float)
    x_test = np.clip(np.asarray(x_test, dtype=float), x_train.min(axis=0), x_train.max(axis=0))
    scale = np.max(np.abs(x_train), axis=0)
    scale[~(scale > 0)] = 1.0
    x_train, x_test = x_train / scale, x_test / scale
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[~(std > 0)] = 1.0  # a constant column stays 0
    z_train = (x_train - mean) / std
    z_test = (x_test - mean) / std
    same = ProxySettings(
        early_stopping=settings.early_stopping,
        validation_fraction=settings.validation_fraction,
        seed=settings.seed,
    )
    stratify = y_train if classes and y_train.ndim == 1 else None
    split = inner_split(len(z_train), stratify, same)

    def t(a: NDArray[Any]) -> Tensor:
        return torch.tensor(a, dtype=torch.float32)

    if split is None:
        return FoldTensors(t(z_train), None, t(z_test), None, None)
    fit, stop = split
    return FoldTensors(t(z_train[fit]), t(z_train[stop]), t(z_test), fit, stop)


@dataclass(frozen=True)
class FittedMLP:
    head: Head
    net: nn.Sequential
    epochs: int  # the epoch kept (early stopping's best, or every epoch trained)

    def predict(self, x: Tensor) -> NDArray[np.float64]:
        self.net.eval()
        with torch.no_grad():
            return self.head.predict(self.net(x))

    def spread(
        self, x: Tensor, data: FoldTensors, y_train: NDArray[Any]
    ) -> float | NDArray[np.float64]:
        """The σ of the predictive Gaussian at rows `x`: the variance head's, or for a point
        fit one σ from its residuals on the inner held-out rows (`metrics.held_out_spread`)."""
        self.net.eval()
        with torch.no_grad():
            own = self.head.spread(self.net(x))
        if own is not None:
            return own
        if data.x_stop is None or data.stop_rows is None:  # nothing held out: training rows
            return mx.residual_spread(self.predict(data.x_fit), y_train)
        return mx.residual_spread(self.predict(data.x_stop), y_train[data.stop_rows])


def _target_tensor(loss: str, y: NDArray[Any]) -> Tensor:
    form = _form(loss)
    if form in ("softmax", "cumulative", "coral"):
        return torch.tensor(y.astype(np.int64))
    if form == "logit":
        return torch.tensor((y if y.ndim == 2 else y.reshape(-1, 1)).astype(np.float32))
    return torch.tensor(y.astype(np.float32))


def stop_metric(loss: str, settings: MLPSettings, y: NDArray[Any]) -> str:
    """The metric early stopping scores: the run's, or the target's default."""
    if settings.stop_metric is not None:
        return settings.stop_metric
    if proxy_for(loss).kind != "regression":
        return "log_loss"
    return mx.default_metric("proportion" if loss == "soft_bce" else "regression", y)[0]


class FusedAdamW:
    """`torch.optim.AdamW(fused=True)`'s step, called directly: the same fused CPU kernel with
    the same state (a test checks the weights agree bit for bit), without the optimizer's
    per-step wrapper and the torch._dynamo import its class pulls in — together about a third
    of a small fit's time."""

    def __init__(
        self,
        params: Sequence[nn.Parameter],
        lr: float,
        weight_decay: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.zeros((), dtype=torch.float32) for _ in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        params: list[Tensor] = [self.params[i] for i in live]
        steps = [self.steps[i] for i in live]
        with torch.no_grad():
            torch._foreach_add_(steps, 1)
            torch._fused_adamw_(
                params,
                [p.grad for p in params if p.grad is not None],
                [self.exp_avgs[i] for i in live],
                [self.exp_avg_sqs[i] for i in live],
                [],
                steps,
                amsgrad=False,
                lr=self.lr,
                beta1=self.betas[0],
                beta2=self.betas[1],
                weight_decay=self.weight_decay,
                eps=self.eps,
                maximize=False,
                grad_scale=None,
                found_inf=None,
            )


def fit_mlp(
    loss: str,
    params: Mapping[str, float | None],
    data: FoldTensors,
    y_train: NDArray[Any],
    settings: MLPSettings,
    n_classes: int = 0,
) -> FittedMLP:
    """Train the MLP with `loss` on one fold (`data`: its standardised features and split)."""
    y_fit = y_train if data.fit_rows is None else y_train[data.fit_rows]
    head = make_head(loss, params, y_fit, n_classes)
    net = network(data.x_fit.shape[1], head.width, settings)
    learned = [*net.parameters(), *head.parameters()]
    optimizer = FusedAdamW(learned, settings.learning_rate, settings.weight_decay)
    target = _target_tensor(loss, y_fit)
    order = torch.Generator().manual_seed(settings.seed)
    metric = stop_metric(loss, settings, y_train)
    better = mx.higher_is_better(metric)
    y_stop = None if data.stop_rows is None else y_train[data.stop_rows]
    epochs = settings.max_epochs if data.x_stop is not None else settings.fixed_epochs
    best, best_epoch, waited = math.nan, 0, 0
    # small folds: smaller batches, so that an epoch is still `min_batches` optimizer steps
    batch = min(settings.batch_size, max(1, math.ceil(len(target) / settings.min_batches)))
    best_state = _state(net, head)
    for epoch in range(1, epochs + 1):
        net.train()
        for rows in torch.randperm(len(target), generator=order).split(batch):
            optimizer.zero_grad()
            value = head.objective(net(data.x_fit[rows]), target[rows])
            if not torch.isfinite(value):  # diverged: keep the best epoch so far
                _restore(net, head, best_state)
                return FittedMLP(head, net, best_epoch)
            value.backward()
            optimizer.step()
        if data.x_stop is None or y_stop is None:
            best_epoch = epoch
            continue
        net.eval()
        with torch.no_grad():
            raw = net(data.x_stop)
        pred = head.predict(raw)
        spread = head.spread(raw) if metric in mx.DISTRIBUTIONAL else None
        score = (
            mx.stop_score(metric, y_stop, pred, n_classes, spread)
            if np.all(np.isfinite(pred))
            else math.nan
        )
        improved = math.isfinite(score) and (
            math.isnan(best) or (score > best if better else score < best)
        )
        if improved:
            best, best_epoch, waited = score, epoch, 0
            best_state = _state(net, head)
        else:
            waited += 1
            if waited >= settings.patience:
                break
    if data.x_stop is not None:
        _restore(net, head, best_state)
    return FittedMLP(head, net, best_epoch)


def _state(net: nn.Module, head: Head) -> list[Tensor]:
    return [p.detach().clone() for p in (*net.parameters(), *head.parameters())]


def _restore(net: nn.Module, head: Head, state: Sequence[Tensor]) -> None:
    with torch.no_grad():
        for p, saved in zip((*net.parameters(), *head.parameters()), state, strict=True):
            p.copy_(saved)


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """`threads` torch threads while the block runs (0: torch's default), restored after."""
    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def fit_and_predict(
    loss: str,
    params: Mapping[str, float | None],
    data: FoldTensors,
    y_train: NDArray[Any],
    settings: MLPSettings,
    n_classes: int,
    with_spread: bool,
) -> tuple[NDArray[np.float64], float | NDArray[np.float64] | None, int]:
    """(predictions for the held-out rows, their predictive σ when `with_spread`, epochs kept)."""
    fitted = fit_mlp(loss, params, data, y_train, settings, n_classes)
    pred = fitted.predict(data.x_test)
    spread = fitted.spread(data.x_test, data, y_train) if with_spread else None
    return pred, spread, fitted.epochs


def fold_job(
    x_train: NDArray[np.float64],
    y_train: NDArray[Any],
    x_test: NDArray[np.float64],
    y_test: NDArray[Any],
    losses: Sequence[str],
    values: Mapping[str, Mapping[str, float | None]],
    panel: Sequence[str],
    settings: MLPSettings,
    n_classes: int,
    deadline: float | None,
) -> dict[str, dict[str, float]]:
    """One fold with the MLP: the panel per loss (the arguments of `crossval.fold_job`).

    One torch thread (`settings.threads`) while it runs, restored after: in a worker process and
    in this one the same arithmetic runs, so serial and parallel runs agree exactly.
    """
    with torch_threads(settings.threads):
        data = fold_tensors(x_train, y_train, x_test, settings, n_classes > 0)
        out: dict[str, dict[str, float]] = {}
        for loss in losses:
            if deadline is not None and time.time() >= deadline:
                break
            pred, spread, epochs = fit_and_predict(
                loss,
                values[loss],
                data,
                np.asarray(y_train),
                settings,
                n_classes,
                mx.needs_spread(panel),
            )
            out[loss] = {m: mx.score(m, y_test, pred, n_classes, spread) for m in panel}
            out[loss][ROUNDS] = float(epochs)
        return out
