"""An exposure column travels into every export as log(exposure) offset, in each tool's own form.

Data: a Poisson GLM with a known rate and exposures independent of the features,
    y ~ Poisson(e · exp(0.3 + 0.5·x1 − 0.4·x2)),  e ~ Uniform(0.2, 3).
The reference is statsmodels' Poisson GLM with offset log(e) (McCullagh & Nelder 1989, 6.2.3),
fitted independently of lossadvisor. Each export is trained as its header's `exposure.use` says,
and must recover that rate; trained without the offset, the same config does measurably worse.
"""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import torch
import xgboost
import yaml
from export_helpers import build_plain, make_rec
from hydra.utils import instantiate
from omegaconf import OmegaConf
from sklearn.metrics import mean_poisson_deviance

import lossadvisor
from lossadvisor.export import export_recommendation, load_native
from lossadvisor.export.write import COMMENT_KEY
from lossadvisor.models import Recommendation

BETA = np.array([0.3, 0.5, -0.4])  # intercept, x1, x2


def glm_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    exposure = rng.uniform(0.2, 3.0, size=n)
    rate = np.exp(BETA[0] + x @ BETA[1:])
    return x, exposure, rng.poisson(exposure * rate).astype(float)


def true_rate(x: np.ndarray) -> np.ndarray:
    return np.exp(BETA[0] + x @ BETA[1:])


@pytest.fixture(scope="module")
def recommendation() -> Recommendation:
    """The recommendation lossadvisor makes from the data itself (features, exposure column)."""
    x, exposure, y = glm_data(3000, seed=1)
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "exposure": exposure, "claims": y})
    return lossadvisor.recommend(frame, target="claims")


def statsmodels_fit(x: np.ndarray, exposure: np.ndarray, y: np.ndarray) -> Any:
    return sm.GLM(
        y, sm.add_constant(x), family=sm.families.Poisson(), offset=np.log(exposure)
    ).fit()


def test_recommendation_reads_the_exposure_column_and_picks_poisson(
    recommendation: Recommendation,
) -> None:
    assert recommendation.exposure == "exposure"
    assert recommendation.facts["has_exposure"] is True
    # y | x, e is Poisson by construction: the generating family comes first.
    assert recommendation.ranking[0].loss == "poisson"


@pytest.mark.parametrize(
    ("fmt", "form"),
    [
        ("lightgbm", "init_score"),
        ("xgboost", "base_margin"),
        ("hydra", "offset"),
        ("lightning", "offset"),
        ("monai", "offset"),
        ("sklearn", "rate_weight"),
        ("keras", "rate_weight"),
    ],
)
def test_every_format_names_the_column_and_its_form(
    recommendation: Recommendation, fmt: str, form: str
) -> None:
    data = export_recommendation(recommendation, fmt, pick="poisson")
    if fmt == "lightning":  # LightningCLI's header is a comment block: read it back
        data = yaml.safe_load(data[COMMENT_KEY])
    block = data["lossadvisor"]["exposure"]
    assert block["column"] == "exposure" and block["form"] == form
    assert "exposure" in block["use"] and "COL" not in block["use"]


def test_lightgbm_init_score_recovers_the_rate() -> None:
    x, exposure, y = glm_data(4000, seed=2)
    x_new, e_new, y_new = glm_data(4000, seed=3)
    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    exported = export_recommendation(rec, "lightgbm")["params"]
    params = {**exported, "verbose": -1, "num_threads": 1, "num_leaves": 7, "min_data_in_leaf": 50}
    with_offset = lightgbm.train(
        params, lightgbm.Dataset(x, y, init_score=np.log(exposure)), num_boost_round=150
    )
    rate = np.exp(with_offset.predict(x_new, raw_score=True))
    assert np.median(np.abs(rate / true_rate(x_new) - 1)) < 0.1
    without = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=150)
    offset_dev = mean_poisson_deviance(y_new, rate * e_new)
    plain_dev = mean_poisson_deviance(y_new, without.predict(x_new))
    assert offset_dev < 0.8 * plain_dev


def test_xgboost_base_margin_recovers_the_rate() -> None:
    x, exposure, y = glm_data(4000, seed=2)
    x_new, e_new, y_new = glm_data(4000, seed=3)
    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    params = {**export_recommendation(rec, "xgboost")["params"], "nthread": 1, "max_depth": 3}
    train = xgboost.DMatrix(x, y, base_margin=np.log(exposure))
    booster = xgboost.train(params, train, num_boost_round=150)
    counts = booster.predict(xgboost.DMatrix(x_new, base_margin=np.log(e_new)))
    assert np.median(np.abs(counts / e_new / true_rate(x_new) - 1)) < 0.1
    plain = xgboost.train(params, xgboost.DMatrix(x, y), num_boost_round=150)
    plain_counts = plain.predict(xgboost.DMatrix(x_new))
    assert mean_poisson_deviance(y_new, counts) < 0.8 * mean_poisson_deviance(y_new, plain_counts)


def test_hydra_offset_loss_gives_the_glm_estimate() -> None:
    """A linear log-rate model trained with the exported loss reaches statsmodels' MLE."""
    x, exposure, y = glm_data(3000, seed=4)
    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    cfg = OmegaConf.create(export_recommendation(rec, "hydra"))
    assert cfg.loss._target_ == "lossadvisor.torch_losses.ExposureOffsetLoss"
    loss_fn = instantiate(cfg.loss)
    model = torch.nn.Linear(2, 1, dtype=torch.float64)
    inputs, target = torch.tensor(x), torch.tensor(y)
    weights = torch.tensor(exposure)
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = loss_fn(model(inputs).squeeze(1), target, weights)
        value.backward()
        return value

    optimizer.step(closure)
    fitted = np.r_[model.bias.detach().numpy(), model.weight.detach().numpy().ravel()]
    reference = statsmodels_fit(x, exposure, y).params
    np.testing.assert_allclose(fitted, reference, atol=1e-4)
    assert np.all(np.abs(reference - BETA) < 0.1)  # and the MLE is near the truth


def test_offset_loss_refuses_a_non_positive_exposure() -> None:
    from lossadvisor.torch_losses import ExposureOffsetLoss

    loss_fn = ExposureOffsetLoss(torch.nn.PoissonNLLLoss(log_input=True))
    with pytest.raises(ValueError, match="exposure must be > 0"):
        loss_fn(torch.zeros(2), torch.ones(2), torch.tensor([1.0, 0.0]))


def test_lightning_wraps_the_loss_for_jsonargparse(tmp_path: Any) -> None:
    from test_export_lightning import TinyModule, parser

    from lossadvisor.export import write_yaml

    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    path = tmp_path / "lightning.yaml"
    write_yaml(export_recommendation(rec, "lightning"), str(path))
    p = parser()
    init = p.instantiate(p.parse_path(str(path)))
    loss_fn = init.model if isinstance(init.model, TinyModule) else TinyModule(**init.model)
    from lossadvisor.torch_losses import ExposureOffsetLoss

    assert isinstance(loss_fn.loss_fn, ExposureOffsetLoss)
    assert isinstance(loss_fn.loss_fn.loss, torch.nn.PoissonNLLLoss)
    # log rate 0 with exposure 2 is a mean of 2: PoissonNLL(log 2, y) with its own formula
    value = loss_fn.loss_fn(torch.zeros(3), torch.tensor([0.0, 1.0, 3.0]), torch.full((3,), 2.0))
    expected = np.mean(2.0 - np.array([0.0, 1.0, 3.0]) * np.log(2.0))
    assert float(value) == pytest.approx(expected)


def test_sklearn_rate_weight_gives_the_glm_estimate() -> None:
    """PoissonRegressor on y / e with sample_weight e maximises the offset GLM's likelihood."""
    x, exposure, y = glm_data(3000, seed=5)
    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    data = export_recommendation(rec, "sklearn", model="linear")
    assert data["lossadvisor"]["exposure"]["form"] == "rate_weight"

    estimator = build_plain(data["estimator"])
    estimator.fit(x, y / exposure, model__sample_weight=exposure)
    reference = statsmodels_fit(x, exposure, y)
    np.testing.assert_allclose(
        estimator.predict(x), reference.predict(sm.add_constant(x), offset=np.zeros(len(x))),
        rtol=1e-3,
    )


def test_a_loss_without_an_offset_form_says_so() -> None:
    rec = make_rec("mse", facts={"target_type": "continuous"})
    rec = rec.model_copy(update={"exposure": "hours"})
    data = export_recommendation(rec, "hydra")
    assert "exposure" not in data["lossadvisor"]
    assert any("exposure column 'hours' is not carried" in n for n in data["lossadvisor"]["notes"])
    assert data["loss"]["_target_"] == "torch.nn.MSELoss"


def test_no_exposure_column_leaves_the_export_as_it_was() -> None:
    rec = make_rec("poisson", facts={"target_type": "count"})
    data = export_recommendation(rec, "hydra")
    assert "exposure" not in data["lossadvisor"]
    assert data["loss"]["_target_"] == "torch.nn.PoissonNLLLoss"


def test_native_export_keeps_the_exposure_column(tmp_path: Any) -> None:
    from lossadvisor.export import write_yaml

    rec = make_rec("poisson", facts={"target_type": "count"})
    rec = rec.model_copy(update={"exposure": "exposure"})
    path = tmp_path / "native.yaml"
    write_yaml(export_recommendation(rec, "native", rules_digest="sha256:x"), str(path))
    loaded, _ = load_native(str(path))
    assert loaded.exposure == "exposure"
