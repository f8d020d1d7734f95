"""Labels travel with the config: per-class values carry their classes, in the order they use.

String labels whose natural order is not alphabetical (small < medium < large; No/Yes), run
through the real profiler and recommender. Each export is applied in its tool with the label
encoding its header states, and the weight each class gets is checked, by class name, against
the inverse-frequency weight n / (K · n_c) computed here from the generated labels.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported in this process

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from lossadvisor.classes import natural_order
from lossadvisor.context import make_context
from lossadvisor.errors import InputError
from lossadvisor.export import FORMATS, export_recommendation, write_yaml
from lossadvisor.models import Recommendation
from lossadvisor.profile import profile_dataset
from lossadvisor.recommend import recommend
from lossadvisor.rules.load import load_rulebase

SIZES = {"small": 300, "medium": 120, "large": 30}  # natural order small < medium < large
NATURAL = ["small", "medium", "large"]
ANSWERS = {"No": 500, "Yes": 40}


def labelled_frame(counts: dict[str, int], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.concatenate([[label] * n for label, n in counts.items()])
    rng.shuffle(labels)
    return pd.DataFrame(
        {"x1": rng.normal(size=len(labels)), "x2": rng.normal(size=len(labels)), "label": labels}
    )


def balanced(counts: dict[str, int]) -> dict[str, float]:
    n, k = sum(counts.values()), len(counts)
    return {label: n / (k * c) for label, c in counts.items()}


def rec_from(tmp_path: Path, counts: dict[str, int], seed: int = 0) -> Recommendation:
    path = tmp_path / "data.csv"
    labelled_frame(counts, seed).to_csv(path, index=False)
    (target,) = profile_dataset(str(path), ["label"]).targets
    # a threshold metric: only then are class weights the default (issue 11), and these tests
    # are about how the weights are exported
    return recommend(load_rulebase(), make_context(metric="balanced_accuracy"), target)


@pytest.fixture(scope="module")
def sizes_rec(tmp_path_factory: pytest.TempPathFactory) -> Recommendation:
    rec = rec_from(tmp_path_factory.mktemp("sizes"), SIZES)
    assert rec.ranking[0].loss == "weighted_ce", [r.loss for r in rec.ranking[:3]]
    return rec


@pytest.fixture(scope="module")
def answers_rec(tmp_path_factory: pytest.TempPathFactory) -> Recommendation:
    return rec_from(tmp_path_factory.mktemp("answers"), ANSWERS, seed=1)


def labels_of(data: dict[str, Any]) -> dict[str, Any]:
    """The header's labels block (lightning keeps the header as comment text under '#')."""
    header = yaml.safe_load(data["#"]) if "#" in data else data
    return header["lossadvisor"]["labels"]


# --- multiclass: small < medium < large -------------------------------------------------------


def test_the_recommendation_records_the_classes(sizes_rec: Recommendation) -> None:
    assert sizes_rec.classes == sorted(SIZES)  # numpy.unique order of the strings
    assert sizes_rec.positive_class is None


@pytest.mark.parametrize("order", [None, NATURAL])
def test_torch_weights_by_class_name(sizes_rec: Recommendation, order: list[str] | None) -> None:
    import torch
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    data = export_recommendation(sizes_rec, "hydra", class_order=order)
    labels = labels_of(data)
    assert labels["encoding"] == "index"
    assert labels["classes"] == (order or sorted(SIZES))
    loss = instantiate(OmegaConf.create(data)["loss"])
    loss.reduction = "none"
    expected = balanced(SIZES)
    k = len(SIZES)
    for label, index in labels["index"].items():
        # uniform logits: CE = log K, scaled by the weight of the target's class
        value = loss(torch.zeros(1, k), torch.tensor([index]))
        assert float(value[0]) / math.log(k) == pytest.approx(expected[label], rel=1e-5), label


def test_lightning_weights_by_class_name(sizes_rec: Recommendation, tmp_path: Path) -> None:
    import torch
    from test_export_lightning import parser

    path = tmp_path / "lightning.yaml"
    data = export_recommendation(sizes_rec, "lightning", class_order=NATURAL)
    write_yaml(data, str(path))
    header = yaml.safe_load(
        "\n".join(line[2:] for line in path.read_text().splitlines() if line.startswith("# "))
    )["lossadvisor"]
    assert header["labels"]["index"] == {"small": 0, "medium": 1, "large": 2}
    p = parser()
    loss = p.instantiate(p.parse_path(str(path))).model.loss_fn
    weights = dict(zip(header["labels"]["classes"], loss.weight.tolist(), strict=True))
    assert weights == pytest.approx(balanced(SIZES), rel=1e-5)
    assert list(weights) == NATURAL
    assert float(loss(torch.zeros(1, 3), torch.tensor([2]))) == pytest.approx(math.log(3))


def test_keras_one_hot_rows_get_their_class_weight(sizes_rec: Recommendation) -> None:
    import keras

    data = export_recommendation(sizes_rec, "keras", class_order=NATURAL)
    labels = labels_of(data)
    assert labels["encoding"] == "onehot" and "to_categorical" in labels["means"]
    loss = keras.losses.deserialize(data["loss"])
    expected = balanced(SIZES)
    for label, index in labels["index"].items():
        y_true = keras.utils.to_categorical([index], num_classes=3)
        value = float(keras.ops.convert_to_numpy(loss(y_true, np.zeros((1, 3), "float32"))))
        assert value / math.log(3) == pytest.approx(expected[label], rel=1e-4), label


def test_sklearn_class_weight_keys_are_the_labels(sizes_rec: Recommendation) -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf
    from sklearn.utils.class_weight import compute_sample_weight

    data = export_recommendation(sizes_rec, "sklearn_hydra", class_order=NATURAL, model="linear")
    assert labels_of(data)["encoding"] == "labels"
    pipeline = instantiate(OmegaConf.create(data)["estimator"])
    estimator = pipeline.steps[-1][1]
    assert list(estimator.class_weight) == NATURAL  # strings stay strings, in the given order
    frame = labelled_frame(SIZES, 0)
    expected = balanced(SIZES)
    applied = compute_sample_weight(estimator.class_weight, frame["label"])
    assert applied == pytest.approx([expected[label] for label in frame["label"]], rel=1e-5)
    pipeline.fit(frame[["x1", "x2"]], frame["label"])  # string labels fit as they are
    assert set(estimator.classes_) == set(SIZES)


def test_class_order_must_name_every_class_once(sizes_rec: Recommendation) -> None:
    for bad, word in [
        (["small", "medium"], "lacks 'large'"),
        (["small", "medium", "large", "huge"], "unknown 'huge'"),
        (["small", "small", "medium", "large"], "repeats 'small'"),
    ]:
        with pytest.raises(InputError, match=word):
            export_recommendation(sizes_rec, "hydra", class_order=bad)


# --- binary: No / Yes -------------------------------------------------------------------------


def test_binary_positive_class_is_recorded(answers_rec: Recommendation) -> None:
    assert answers_rec.classes == ["No", "Yes"] and answers_rec.positive_class == "Yes"


def test_sklearn_binary_keys_are_no_and_yes(answers_rec: Recommendation) -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    data = export_recommendation(answers_rec, "sklearn_hydra", pick="weighted_bce", model="linear")
    estimator = instantiate(OmegaConf.create(data)["estimator"])
    weights = estimator.steps[-1][1].class_weight
    assert weights == pytest.approx({"No": 1.0, "Yes": 500 / 40})
    frame = labelled_frame(ANSWERS, 1)
    estimator.fit(frame[["x1", "x2"]], frame["label"])  # was: "classes ... not in class_weight"
    text = yaml.safe_dump(data)
    assert yaml.safe_load(text)["estimator"]["steps"][1][1]["class_weight"] == weights


def test_torch_binary_targets_follow_the_stated_index(answers_rec: Recommendation) -> None:
    import torch
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    data = export_recommendation(answers_rec, "hydra", pick="weighted_bce")
    labels = labels_of(data)
    assert labels["encoding"] == "binary" and labels["positive"] == "Yes"
    assert labels["index"] == {"No": 0, "Yes": 1}
    loss = instantiate(OmegaConf.create(data)["loss"])
    loss.reduction = "none"
    y = torch.tensor([[float(labels["index"]["Yes"])], [float(labels["index"]["No"])]])
    values = loss(torch.zeros(2, 1), y) / math.log(2)
    assert values[:, 0].tolist() == pytest.approx([500 / 40, 1.0], rel=1e-5)


def test_lightgbm_scale_pos_weight_weighs_the_stated_positive(answers_rec: Recommendation) -> None:
    import lightgbm

    data = export_recommendation(answers_rec, "lightgbm", pick="weighted_bce")
    labels = labels_of(data)
    frame = labelled_frame(ANSWERS, 1)
    x = frame[["x1", "x2"]].to_numpy()
    y = frame["label"].map(labels["index"]).to_numpy()
    # boost_from_average: the start score would use the sample weights but not scale_pos_weight
    params = {**data["params"], "verbose": -1, "num_leaves": 4, "boost_from_average": False}
    exported = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=3)
    # the same weight given by hand to every 'Yes' row must grow the same trees
    by_hand = {k: v for k, v in params.items() if k != "scale_pos_weight"}
    weights = np.where(frame["label"] == "Yes", 500 / 40, 1.0)
    manual = lightgbm.train(by_hand, lightgbm.Dataset(x, y, weight=weights), num_boost_round=3)
    assert exported.predict(x) == pytest.approx(manual.predict(x), rel=1e-6)


def test_binary_order_puts_the_positive_class_last(answers_rec: Recommendation) -> None:
    with pytest.raises(InputError, match="the order must be No,Yes"):
        export_recommendation(answers_rec, "hydra", pick="weighted_bce", class_order=["Yes", "No"])


# --- every header, numeric labels, the CLI ---------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "native"])
def test_every_header_states_the_label_encoding(fmt: str) -> None:
    from export_helpers import regression_rec

    labels = labels_of(export_recommendation(regression_rec("mse"), fmt))
    assert labels["encoding"] == "none" and "classes" not in labels


def test_numeric_labels_sort_by_value_and_stay_numbers() -> None:
    from export_helpers import make_rec

    assert natural_order(["10", "2", "1"]) == ["1", "2", "10"]
    assert natural_order(["b", "10", "a"]) == ["10", "a", "b"]
    weights = {"1": 0.5, "10": 3.0, "2": 1.5}  # as the derivation keys them: text order
    rec = make_rec("weighted_ce", {"class_weights": weights}, {"target_type": "multiclass"})
    rec = rec.model_copy(update={"classes": ["1", "2", "10"]})
    hydra = export_recommendation(rec, "hydra")
    assert labels_of(hydra)["classes"] == ["1", "2", "10"]
    assert hydra["loss"]["weight"]["_args_"] == [[0.5, 1.5, 3.0]]
    sk = export_recommendation(rec, "sklearn", model="linear")
    model = sk["estimator"]["params"]["steps"][1][1]  # plain form: {class, params}
    assert model["params"]["class_weight"] == {1: 0.5, 2: 1.5, 10: 3.0}


def test_cli_class_order(sizes_rec: Recommendation, tmp_path: Path) -> None:
    native = tmp_path / "rec.yaml"
    write_yaml(export_recommendation(sizes_rec, "native"), str(native))
    cmd = [sys.executable, "-m", "lossadvisor", "export", str(native), "-f", "hydra"]
    good = subprocess.run(
        [*cmd, "--class-order", "small,medium,large"], capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stderr
    assert yaml.safe_load(good.stdout)["lossadvisor"]["labels"]["classes"] == NATURAL
    bad = subprocess.run(
        [*cmd, "--class-order", "small,large"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "lacks 'medium'" in bad.stderr


def test_every_label_encoding_names_known_losses_and_kinds() -> None:
    from export_helpers import catalog, frameworks_yaml

    table = frameworks_yaml()["label_encodings"]
    known = set(catalog())
    for framework, by_loss in table["by_loss"].items():
        assert set(by_loss) <= known, (framework, set(by_loss) - known)
        assert set(by_loss.values()) <= set(table["kinds"]), framework
    for framework, by_target in table["by_target"].items():
        assert set(by_target.values()) <= set(table["kinds"]), framework
