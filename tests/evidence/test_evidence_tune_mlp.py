"""`tune --proxy mlp`: the loss's parameters only, on the MLP `validate --proxy mlp` trains.

Known structure: on y = x₀ + N(0, 1) the 0.9-quantile is x₀ + 1.2816, and the pinball loss at τ
is minimised by the τ-quantile (Koenker & Bassett 1978), so judged on pinball at 0.9 the grid's
τ = 0.9 must beat the catalog default τ = 0.5 (whose fit sits 1.28 σ too low) beyond fold
noise, and honest export then writes it; where the rules already derive τ = 0.9 from
`--metric quantile:0.9`, nothing on the grid can beat it beyond noise and the export keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence_helpers import frame, run_cli

pytest.importorskip("torch")

from rich.console import Console

from lossadvisor.evidence.neural import MLPSettings
from lossadvisor.evidence.tune import export_choice, tune_loss
from lossadvisor.render.evidence import tune_view

FAST = MLPSettings(max_epochs=60)


def _shifted(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return frame(x, x[:, 0] + rng.normal(size=n))


def test_mlp_tuning_finds_the_quantile_the_metric_asks_for_and_keeps_the_mlp_fixed() -> None:
    result = tune_loss(_shifted(), "y", "pinball", n_folds=5, metric="quantile:0.9", mlp=FAST)
    assert result.default.params == {"tau": 0.5}  # the catalog default
    taus = sorted(t.params["tau"] for t in result.trials)
    assert taus == [0.1, 0.25, 0.5, 0.75, 0.9]  # the declared grid, no learning-rate axis
    assert {t.learning_rate for t in result.trials} == {FAST.learning_rate}
    assert result.best.params == {"tau": 0.9}
    assert result.improvement is not None and result.improvement.beyond_noise
    assert export_choice(result)[0]  # a measured gain: the tuned τ is the one exported
    assert result.engine.startswith("MLP (torch, CPU)")
    assert "learning rate" not in result.verdict.split(":")[0]  # the rate is not a finding
    # ... nor a column of the table: it is said once, with the engine
    console = Console(width=200, record=True)
    console.print(tune_view(result))
    shown = console.export_text()
    header = next(line for line in shown.splitlines() if "┃ setting" in line)
    assert "learning rate" not in header
    assert f"every setting trained at learning rate {FAST.learning_rate:.3g}" in shown
    assert "engine: MLP (torch, CPU)" in shown


def test_cli_mlp_tune_keeps_a_rule_derived_value_nothing_beats(tmp_path: Path) -> None:
    import yaml

    data = tmp_path / "shifted.csv"
    _shifted(1).to_csv(data, index=False)
    out = tmp_path / "pinball.yaml"
    args = ["--loss", "pinball", "--proxy", "mlp", "--metric", "quantile:0.9", "--folds", "3"]
    run = run_cli("tune", str(data), "-t", "y", *args, "--export", str(out), "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["default"]["params"]["tau"] == pytest.approx(0.9)  # the rules' value
    assert result["exported"].startswith("kept the rule-derived"), result["exported"]
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    pinball = next(r for r in exported["recommendation"]["ranking"] if r["loss"] == "pinball")
    assert pinball["params"]["tau"]["value"] == pytest.approx(0.9)


def test_a_parameter_without_a_declared_space_is_refused_before_any_fit() -> None:
    from lossadvisor.errors import InputError

    with pytest.raises(InputError, match=r"no search space for gaussian_nll\.eps"):
        tune_loss(_shifted(n=60), "y", "gaussian_nll", mlp=FAST, time_budget=0.0)


@pytest.mark.parametrize(("loss", "needle"), [("mse", "nothing to tune"), ("dice", "masks")])
def test_cli_mlp_tune_refusals_are_one_line_exit_2(tmp_path: Path, loss: str, needle: str) -> None:
    data = tmp_path / "small.csv"
    _shifted(2, n=60).to_csv(data, index=False)
    run = run_cli("tune", str(data), "-t", "y", "--loss", loss, "--proxy", "mlp")
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in run.stderr, run.stderr


NUMERICAL_CLAMPS = {("gaussian_nll", "eps"), ("mape", "epsilon")}  # stability floors, not knobs


def test_every_mlp_only_parameter_but_a_clamp_declares_a_space_inside_its_range() -> None:
    from lossadvisor.evidence.proxies import NEURAL_ONLY, catalog_params

    for loss, proxy in NEURAL_ONLY.items():
        specs = catalog_params(loss)
        for name in proxy.defaults:
            spec, where = specs[name], f"{loss}.{name}"
            if (loss, name) in NUMERICAL_CLAMPS:
                assert spec.search is None, where
                continue
            space = spec.search
            assert space is not None and space.low < space.high, where
            if space.unit == "absolute":
                assert all(spec.admits(v) for v in space.grid if v is not None), where
                assert spec.admits(space.low) and spec.admits(space.high), where
