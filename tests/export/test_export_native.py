"""Native exports round-trip, and every other format can be made from the native file alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from export_helpers import FAMILIES, make_rec, ranked

from lossadvisor import __version__
from lossadvisor.errors import InputError
from lossadvisor.export import FORMATS, export_recommendation, load_native, write_yaml
from lossadvisor.models import Caution, Contribution, Recommendation


def rich_rec() -> Recommendation:
    """A recommendation with every part filled: facts, context, ledger, reasons, cautions."""
    base = FAMILIES["regression"]()
    contribution = Contribution(
        rule_id="data.outliers.robust",
        table="data",
        delta=3.0,
        because="4.1% of targets are outliers",
        facts={"outlier_ratio": 0.041},
        source="article §2",
    )
    top = base.ranking[0].model_copy(update={"ledger": [contribution], "reasons": ["outliers"]})
    return base.model_copy(
        update={
            "ranking": [
                top,
                ranked("mse", verdict="avoid", score=-3.0),
                ranked(
                    "bce", verdict="excluded", score=0.0, excluded_because="needs targets in [0, 1]"
                ),
            ],
            "cautions": [
                Caution(rule_id="data.heavy_tail", text="heavy tail", source="Hill (1975)")
            ],
            "context": {"task": "regression", "priority": "robustness"},
        }
    )


@pytest.mark.parametrize("family", list(FAMILIES))
def test_native_round_trips_to_an_equal_recommendation(family: str, tmp_path: Path) -> None:
    rec = rich_rec() if family == "regression" else FAMILIES[family]()
    path = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(rec, "native", rules_digest="sha256:abc"), str(path))
    loaded, header = load_native(str(path))
    assert loaded == rec
    assert header == {
        "format": "native",
        "schema_version": 1,
        "version": __version__,
        "rules_digest": "sha256:abc",
        "pick": None,
    }


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "native"])
def test_every_format_converts_from_the_native_file_alone(fmt: str, tmp_path: Path) -> None:
    rec = FAMILIES["regression"]()
    path = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(rec, "native", rules_digest="sha256:abc"), str(path))
    loaded, header = load_native(str(path))
    assert export_recommendation(loaded, fmt, header["pick"], header["rules_digest"]) == (
        export_recommendation(rec, fmt, None, "sha256:abc")
    )


def test_pick_chooses_any_ranked_candidate() -> None:
    rec = rich_rec()
    data = export_recommendation(rec, "hydra", pick="mse")
    assert data["loss"]["_target_"] == "torch.nn.MSELoss" and data["lossadvisor"]["loss"] == "mse"
    assert export_recommendation(rec, "hydra")["lossadvisor"]["loss"] == "huber"


def test_unknown_pick_names_the_closest_ranked_losses() -> None:
    with pytest.raises(
        InputError, match=r"'hubber' is not among the ranked losses\. Did you mean 'huber'"
    ):
        export_recommendation(rich_rec(), "hydra", pick="hubber")
    with pytest.raises(InputError, match="Ranked: huber, mse, bce"):
        export_recommendation(rich_rec(), "native", pick="zzz")


def test_an_excluded_loss_cannot_be_picked() -> None:
    with pytest.raises(InputError, match=r"excluded for this data \(needs targets in \[0, 1\]\)"):
        export_recommendation(rich_rec(), "hydra", pick="bce")


def test_top_choice_skips_excluded_and_prefers_recommended() -> None:
    rec = make_rec("mse", extra=[ranked("huber", {"delta": 2.0})])
    rec = rec.model_copy(
        update={
            "ranking": [
                ranked("bce", verdict="excluded"),
                ranked("mse", verdict="avoid"),
                ranked("huber", {"delta": 2.0}, verdict="alternative"),
            ]
        }
    )
    assert export_recommendation(rec, "hydra")["loss"] == {
        "_target_": "torch.nn.HuberLoss",
        "delta": 2.0,
    }


def test_unknown_format_is_an_input_error_with_a_suggestion() -> None:
    with pytest.raises(InputError, match=r"unknown export format 'hydar'\. Did you mean 'hydra'"):
        export_recommendation(rich_rec(), "hydar")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just: text\n", "no 'lossadvisor:' header"),
        ("lossadvisor: {format: hydra}\n", "expected a native export; got format 'hydra'"),
        (
            "lossadvisor: {format: native, schema_version: 99}\n",
            "schema_version must be an integer from 1",
        ),
        (
            "lossadvisor: {format: native, schema_version: 1}\nrecommendation: {facts: {}}\n",
            "recommendation.context: Field required",
        ),
        ("lossadvisor: [unclosed\n", ":2: not valid YAML"),
    ],
)
def test_bad_native_files_are_input_errors(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_native(str(path))


def test_missing_and_binary_native_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_native(str(tmp_path / "missing.yaml"))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        load_native(str(binary))


def test_native_header_holds_version_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    write_yaml(
        export_recommendation(rich_rec(), "native", pick="mse", rules_digest="sha256:1"), str(path)
    )
    raw = yaml.safe_load(path.read_text())
    assert raw["lossadvisor"]["pick"] == "mse" and raw["lossadvisor"]["version"] == __version__
    assert [r["loss"] for r in raw["recommendation"]["ranking"]] == ["huber", "mse", "bce"]
    assert raw["recommendation"]["ranking"][0]["ledger"][0]["rule_id"] == "data.outliers.robust"


def test_numpy_parameter_values_export_in_every_format(tmp_path: Path) -> None:
    """Engines may hand numpy numbers over; every export must still be plain YAML."""
    import numpy as np

    rec = make_rec("weighted_bce", {"pos_weight": np.float64(1.6839)}, {"n_classes": np.int64(2)})
    for fmt in FORMATS:
        path = tmp_path / f"{fmt}.yaml"
        write_yaml(export_recommendation(rec, fmt), str(path))
        assert yaml.safe_load(path.read_text())
    loaded, _ = load_native(str(tmp_path / "native.yaml"))
    assert loaded.ranking[0].params["pos_weight"].value == pytest.approx(1.6839)
    assert type(loaded.ranking[0].params["pos_weight"].value) is float
