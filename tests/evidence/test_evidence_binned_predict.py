"""A fold's test rows are scored on the training bins (`FittedProxy.predict_binned`).

The reference is LightGBM's own `Booster.predict` on the raw rows (through `FittedProxy.predict`,
what the exported estimator uses): for every tree proxy, with early stopping (the booster is
rolled back to the kept round) and without, the two must agree to the bit, missing values
included.
"""

from __future__ import annotations

import numpy as np
import pytest

from lossadvisor.evidence.proxies import (
    PROXIES,
    ProxySettings,
    bin_rows,
    fit_proxy,
    resolve_params,
    train_dataset,
)

N_TRAIN, N_TEST = 1500, 400


def _target(kind: str, needs: str, signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind == "regression":
        if needs == "unit":
            return 1 / (1 + np.exp(-(signal + rng.normal(size=signal.size))))
        if needs in ("nonnegative", "positive"):
            mean = np.exp(0.5 * signal)
            return rng.gamma(2.0, mean / 2.0) if needs == "positive" else rng.poisson(mean) * 1.0
        return signal + rng.standard_t(3, signal.size)
    levels = 2 if kind == "binary" else 4
    score = signal + rng.logistic(size=signal.size)
    return np.digitize(score, np.quantile(score, np.linspace(0, 1, levels + 1)[1:-1])).astype(float)


@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("loss", sorted(PROXIES))
def test_binned_scores_equal_lightgbms_predict(loss: str, early_stopping: bool) -> None:
    proxy = PROXIES[loss]
    rng = np.random.default_rng(sorted(PROXIES).index(loss))
    x = rng.normal(size=(N_TRAIN + N_TEST, 4))
    x[rng.random(x.shape) < 0.03] = np.nan  # missing values go down the learned side
    signal = x[:, 0] - 0.5 * np.nan_to_num(x[:, 1]) + np.sin(2 * np.nan_to_num(x[:, 2]))
    y = _target(proxy.kind, proxy.needs, np.nan_to_num(signal), rng)
    k = {"binary": 2, "classification": 4, "ordinal": 4}.get(proxy.kind, 0)
    settings = ProxySettings(n_iter=60, patience=5, early_stopping=early_stopping)
    y_train = y[:N_TRAIN]
    data = train_dataset(x[:N_TRAIN], settings, y_train, k > 0)
    params = resolve_params(loss, {"pos_weight": 3.0} if loss == "weighted_bce" else {})
    fitted = fit_proxy(loss, params, data, y_train, settings, k)
    reference = fitted.predict(x[N_TRAIN:])
    np.testing.assert_array_equal(fitted.predict_binned(bin_rows(data, x[N_TRAIN:])), reference)
    # the booster now holds the kept rounds: predict() is unchanged by the rollback
    np.testing.assert_array_equal(fitted.predict(x[N_TRAIN:]), reference)
    if early_stopping:
        assert fitted.booster.current_iteration() == fitted.rounds
