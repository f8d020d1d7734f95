"""rules/frameworks.yaml agrees with the loss catalog and the method catalog, and checks itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from export_helpers import catalog, facts_for, frameworks_yaml, make_rec, methods

from lossadvisor.errors import InputError
from lossadvisor.export import export_recommendation
from lossadvisor.export.mapping import CONVERSIONS
from lossadvisor.rules.frameworks import CONVERSION_NAMES, load_frameworks

FW = frameworks_yaml()


def test_every_framework_loss_is_in_the_catalog_and_every_catalog_loss_has_a_torch_form() -> None:
    ids = set(catalog())
    assert set(FW["losses"]) - ids == set(), "frameworks.yaml names losses the catalog lacks"
    missing_torch = sorted(i for i in ids if "torch" not in FW["losses"].get(i, {}))
    assert missing_torch == [], f"catalog losses without a torch form: {missing_torch}"


@pytest.mark.parametrize("loss", sorted(FW["losses"]))
def test_every_mapped_parameter_exists_in_the_catalog(loss: str) -> None:
    params = set(catalog()[loss].get("params") or {})
    for framework, entry in FW["losses"][loss].items():
        unknown = set(entry.get("args") or {}) - params
        assert unknown == set(), f"{loss}.{framework} maps parameters the catalog lacks: {unknown}"


@pytest.mark.parametrize("loss", sorted(FW["losses"]))
def test_every_catalog_parameter_reaches_the_torch_form_or_is_noted(loss: str) -> None:
    """A parameter the torch form drops must at least be reported in the export's notes."""
    params = {
        k: (v.get("default") if v.get("default") is not None else 1.0)
        for k, v in (catalog()[loss].get("params") or {}).items()
    }
    if "class_weights" in params:
        params["class_weights"] = [1.0, 2.0]
    data = export_recommendation(make_rec(loss, params, facts=facts_for(loss)), "hydra")
    mapped = set(FW["losses"][loss]["torch"].get("args") or {})
    for name in set(params) - mapped:
        assert any(f"{name}=" in n and "left out" in n for n in data["lossadvisor"]["notes"]), name


def test_optimizer_ids_and_settings_match_the_method_catalog() -> None:
    catalog_optimizers = {o["id"]: o for o in methods()["optimizers"]}
    assert set(FW["optimizers"]) == set(catalog_optimizers)
    for opt_id, entries in FW["optimizers"].items():
        defaults = set(catalog_optimizers[opt_id].get("defaults") or {})
        torch_args = set(entries["torch"].get("args") or {})
        assert defaults <= torch_args, f"{opt_id}: torch form drops {defaults - torch_args}"


def test_every_tensor_argument_has_a_list_wrapper_for_lightning() -> None:
    for loss, entries in FW["losses"].items():
        torch_entry = entries["torch"]
        uses_tensor = any(
            isinstance(a, dict) and a.get("convert") == "tensor"
            for a in (torch_entry.get("args") or {}).values()
        )
        if uses_tensor:
            assert torch_entry.get("list_wrapper"), loss


def test_every_dotted_target_imports() -> None:
    import importlib

    for table in (FW["losses"], FW["optimizers"]):
        for entries in table.values():
            for framework in ("torch", "sklearn"):
                entry = entries.get(framework) or {}
                targets = [
                    entry.get("target"),
                    entry.get("list_wrapper"),
                    (entry.get("multiclass") or {}).get("target"),
                ]
                for target in filter(None, targets):
                    module, _, name = target.rpartition(".")
                    assert hasattr(importlib.import_module(module), name), target


def test_conversions_used_are_the_known_ones() -> None:
    used = {
        a["convert"]
        for t in (FW["losses"], FW["optimizers"])
        for e in t.values()
        for entry in e.values()
        for a in (entry.get("args") or {}).values()
        if isinstance(a, dict) and "convert" in a
    }
    assert used <= set(CONVERSIONS)


def _line_of(text: str, words: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if words in line)


def test_a_broken_framework_map_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    """The exporters' loader reports what `rules check` reports: file:line: message."""
    bad = tmp_path / "frameworks.yaml"
    text = yaml.safe_dump(
        {
            "losses": {
                "mse": {"torch": {"target": "x", "args": {"a": {"to": "b", "convert": "magic"}}}}
            },
            "optimizers": {},
        }
    )
    bad.write_text(text)
    with pytest.raises(InputError) as err:
        load_frameworks(str(bad))
    assert str(err.value).startswith(f"{bad}:{_line_of(text, ' a:')}: mse: unknown conversion")
    text = yaml.safe_dump({"losses": {"mse": {"pytorch": {"target": "x"}}}, "optimizers": {}})
    bad.write_text(text)
    with pytest.raises(InputError) as err:
        load_frameworks(str(bad))
    assert str(err.value).startswith(f"{bad}:{_line_of(text, 'pytorch:')}: "), err.value
    assert "losses.mse.pytorch" in str(err.value)


def test_a_missing_weight_is_reported_not_silently_dropped() -> None:
    rec = make_rec("class_balanced_ce", {"beta": 0.999, "class_weights": None})
    data = export_recommendation(rec, "hydra")
    assert "weight" not in data["loss"]
    notes = data["lossadvisor"]["notes"]
    assert any("class_weights has no value" in n for n in notes)
    assert any("beta=0.999 has no counterpart" in n for n in notes)


def test_each_framework_name_is_read_from_the_typed_map() -> None:
    forms = load_frameworks().losses["huber"]
    assert {fw: e.name() for fw, e in forms.items()} == {
        "torch": "torch.nn.HuberLoss",
        "keras": "Huber",
        "lightgbm": "huber",
        "xgboost": "reg:pseudohubererror",
        "sklearn": "sklearn.linear_model.HuberRegressor",
        "ludwig": "huber",
    }
    assert "no_such_loss" not in load_frameworks().losses


def test_every_conversion_name_the_map_may_use_has_its_function() -> None:
    """The checker knows the names (rules/), the exporter the functions (export/): one set."""
    assert tuple(CONVERSIONS) == CONVERSION_NAMES


def test_an_optimizer_the_catalog_lacks_is_an_input_error_in_every_format() -> None:
    # Every format writes the optimizer's name (at least in its header), and every name that
    # reaches an export must be one the catalog knows (issue 13: value specs at the boundary).
    rec = make_rec("mse", {}, optimizer="adagrad", settings={"lr": 0.01})
    for fmt in ("hydra", "lightgbm", "native"):
        with pytest.raises(InputError, match="unknown optimizer 'adagrad'"):
            export_recommendation(rec, fmt)


def test_unknown_optimizer_settings_are_noted_not_passed() -> None:
    rec = make_rec("mse", {}, optimizer="adam", settings={"lr": 0.01, "nesterov": True})
    data = export_recommendation(rec, "hydra")
    assert "nesterov" not in data["optimizer"]
    assert any(
        "nesterov=True has no counterpart in torch.optim.Adam" in n
        for n in data["lossadvisor"]["notes"]
    )
