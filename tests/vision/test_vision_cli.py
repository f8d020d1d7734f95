"""`profile` / `recommend` on masks and annotations end to end, bad input, and Hydra exports
that MONAI / torch build and run forward and backward."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from vision_helpers import draw, one_line_error, run_cli

SHAPE = (40, 48)


@pytest.fixture
def masks(tmp_path: Path) -> Path:
    """12 masks of 3 classes, tiny foreground (a 3×3 and a 1×3 object), 4 of them empty."""
    folder = tmp_path / "masks"
    folder.mkdir()
    for i in range(12):
        rects = [] if i % 3 == 0 else [(1, 5, 5, 3, 3), (2, 20, 30, 1, 3)]
        Image.fromarray(draw(SHAPE, rects)).save(folder / f"{i:02d}.png")
    return folder


@pytest.fixture
def coco(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    anns = []
    for k in range(1, 121):
        w, h = (float(v) for v in rng.integers(3, 40, size=2))
        category = 1 if k % 20 else 2  # 114:6, and class 3 never occurs
        anns.append(
            {
                "id": k,
                "image_id": k % 30 + 1,
                "category_id": category,
                "bbox": [1.0, 1.0, w, h],
                "area": w * h,
                "iscrowd": 0,
            }
        )
    data = {
        "images": [
            {"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 100} for i in range(1, 41)
        ],
        "annotations": anns,
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_profile_masks_json_and_saved_profile_round_trip(masks: Path, tmp_path: Path) -> None:
    run = run_cli("profile", str(masks), "--task", "segmentation", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    facts = doc["targets"][0]["facts"]
    assert facts["n_images"] == 12
    assert abs(facts["foreground_ratio"] - 8 * 12 / (12 * 40 * 48)) < 1e-6
    assert facts["empty_mask_ratio"] == pytest.approx(4 / 12)
    saved = tmp_path / "p.yaml"
    assert run_cli("profile", str(masks), "-o", str(saved)).code == 0
    rec = run_cli("recommend", "--profile", str(saved), "--task", "segmentation", "--json")
    assert rec.code == 0, rec.stderr
    assert json.loads(rec.stdout)["facts"]["foreground_ratio"] == facts["foreground_ratio"]


def test_recommend_masks_reads_the_measured_facts(masks: Path) -> None:
    run = run_cli("recommend", str(masks), "--priority", "recall", "--json")
    assert run.code == 0, run.stderr
    rec = json.loads(run.stdout)
    assert rec["facts"]["task"] == "segmentation"
    fired = {c["rule_id"] for r in rec["ranking"] for c in r["ledger"]}
    assert {
        "data.segmentation.tiny_foreground",
        "data.segmentation.empty_masks",
        "data.segmentation.priority",
        "data.segmentation.class_imbalance",
    } <= fired
    by_loss = {r["loss"]: r for r in rec["ranking"]}
    tversky = by_loss["tversky"]["params"]
    assert tversky["beta"]["value"] > tversky["alpha"]["value"]
    assert tversky["alpha"]["value"] + tversky["beta"]["value"] == pytest.approx(1)
    weights = by_loss["weighted_ce"]["params"]["class_weights"]["value"]
    assert list(weights) == ["0", "1", "2"]
    assert weights["0"] < weights["1"] < weights["2"]  # the rarest class weighs most
    precision = json.loads(
        run_cli("recommend", str(masks), "--priority", "precision", "--json").stdout
    )
    p = {r["loss"]: r for r in precision["ranking"]}["tversky"]["params"]
    assert p["alpha"]["value"] > p["beta"]["value"]


def test_recommend_detection_small_boxes_and_imbalance(coco: Path) -> None:
    run = run_cli("recommend", str(coco), "--task", "detection", "--json")
    assert run.code == 0, run.stderr
    rec = json.loads(run.stdout)
    assert rec["ranking"][0]["loss"] in ("giou", "ciou", "diou")
    fired = {c["rule_id"] for r in rec["ranking"] for c in r["ledger"]}
    assert {"data.detection.small_objects", "data.detection.class_imbalance"} <= fired
    focal = {r["loss"]: r for r in rec["ranking"]}["focal_multiclass"]["params"]["alpha"]["value"]
    assert list(focal) == ["a", "b", "c"]  # COCO's category order, c without instances
    assert focal["b"] > focal["a"] and focal["c"] == 1.0  # the rarer b weighs more
    assert any("rare_classes" in c["facts"] for r in rec["ranking"] for c in r["ledger"])


def _forward_backward(loss: torch.nn.Module, logits: torch.Tensor, target: torch.Tensor) -> None:
    logits.requires_grad_(True)
    value = loss(logits, target)
    value.backward()
    assert torch.isfinite(value) and logits.grad is not None and logits.grad.abs().sum() > 0


torch = pytest.importorskip("torch")


def test_hydra_exports_load_in_monai_and_torch(masks: Path, coco: Path, tmp_path: Path) -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    seg = tmp_path / "seg.yaml"
    run = run_cli("recommend", str(masks), "--export", str(seg), "--format", "hydra")
    assert run.code == 0, run.stderr
    cfg = OmegaConf.load(seg)
    assert cfg.loss._target_.startswith("monai.losses.")
    logits = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    target = torch.randint(0, 3, (2, 1, 16, 16), generator=torch.Generator().manual_seed(1))
    _forward_backward(instantiate(cfg.loss), logits, target)

    # The other shapes in-process (the same recommend + export functions the CLI calls).
    from lossadvisor.context import make_context
    from lossadvisor.export import export_recommendation
    from lossadvisor.recommend import recommend
    from lossadvisor.rules.load import load_rulebase
    from lossadvisor.vision.profile import profile_vision

    base = load_rulebase()

    def built(source: Path, pick: str | None = None) -> torch.nn.Module:
        result = profile_vision(str(source))
        rec = recommend(base, make_context(task=result.task), result.profile.targets[0])
        cfg = OmegaConf.create(export_recommendation(rec, "hydra", pick, rules_digest="x"))
        return instantiate(cfg.loss)

    loss = built(masks, "weighted_ce")
    assert loss.weight.shape == (3,)
    _forward_backward(loss, logits.detach().clone(), target[:, 0])

    pred = torch.tensor([[1.0, 1.0, 20.0, 30.0], [5.0, 5.0, 9.0, 12.0]])
    truth = torch.tensor([[2.0, 2.0, 22.0, 28.0], [4.0, 6.0, 10.0, 11.0]])
    _forward_backward(built(coco), pred, truth)
    labels = torch.tensor([[0], [1], [2], [0], [0], [1]])
    _forward_backward(built(coco, "focal_multiclass"), torch.randn(6, 3), labels)


# --- bad input: one line, exit 2 (or a counted skip) ------------------------------------------


def test_corrupt_files_are_skipped_and_reported_one_line_each(masks: Path) -> None:
    (masks / "zz_bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (masks / "zz_bad.npy").write_bytes(b"not numpy")
    run = run_cli("profile", str(masks), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["targets"][0]["facts"]["n_images"] == 12
    warnings = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(warnings) == 2 and all("skipped" in w for w in warnings)
    assert "zz_bad.png" in warnings[1] or "zz_bad.png" in warnings[0]
    assert "Traceback" not in run.stderr


def test_bad_inputs_are_one_line_errors(tmp_path: Path, masks: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no mask" in one_line_error(
        run_cli("profile", str(empty), "--task", "segmentation")
    )
    other = tmp_path / "config.json"
    other.write_text(json.dumps({"lr": 0.1, "layers": [1, 2]}, indent=2), encoding="utf-8")
    assert "not a COCO annotation file" in one_line_error(run_cli("recommend", str(other)))


def _error(source: Path, task: str | None = None, **kw: int) -> str:
    from lossadvisor.errors import InputError
    from lossadvisor.vision.profile import profile_vision

    with pytest.raises(InputError) as err:
        profile_vision(str(source), task, **kw)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_bad_input_messages(tmp_path: Path, masks: Path) -> None:
    other = tmp_path / "config.json"
    other.write_text(json.dumps({"lr": 0.1, "layers": [1, 2]}, indent=2), encoding="utf-8")
    assert "not a COCO annotation file" in _error(other, "detection")
    assert "holds no annotation files" in _error(masks, "detection")
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "a.png").write_bytes(b"garbage")
    assert "no readable mask" in _error(only_bad)
    assert "--sample-files" in _error(masks, sample_files=0)
    rgb = tmp_path / "rgb"
    rgb.mkdir()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(rgb / "c.png")
    assert "colour (RGB) mask" in _error(rgb)
    assert "--task segmentation or --task detection" in _error(masks, "regression")
    no_boxes = tmp_path / "nobox.json"
    no_boxes.write_text(
        json.dumps(
            {"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1, "name": "a"}]}
        ),
        encoding="utf-8",
    )
    assert "not one box" in _error(no_boxes)


def test_coco_category_order_is_the_exported_class_index(tmp_path: Path) -> None:
    """Detection code indexes classes by COCO category id (torchvision, detectron2, mmdet map
    the sorted ids to 0..K-1): names that sort otherwise must keep the file's id order."""
    from lossadvisor.context import make_context
    from lossadvisor.export import export_recommendation
    from lossadvisor.recommend import recommend
    from lossadvisor.rules.load import load_rulebase
    from lossadvisor.vision.profile import profile_vision

    categories = [
        {"id": 3, "name": "mango"},
        {"id": 1, "name": "zebra"},
        {"id": 2, "name": "apple"},
    ]
    by_id = [c["name"] for c in sorted(categories, key=lambda c: c["id"])]  # zebra, apple, mango
    anns = [
        {"id": k, "image_id": k % 10 + 1, "category_id": 1 + (k % 7 == 0) + (k % 11 == 0),
         "bbox": [1.0, 1.0, 8.0, 6.0], "area": 48.0, "iscrowd": 0}
        for k in range(1, 81)
    ]
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 64, "height": 64} for i in range(1, 11)]
    path = tmp_path / "instances.json"
    path.write_text(
        json.dumps({"images": images, "annotations": anns, "categories": categories}),
        encoding="utf-8",
    )
    result = profile_vision(str(path))
    rec = recommend(load_rulebase(), make_context(task=result.task), result.profile.targets[0])
    assert rec.classes == by_id
    data = export_recommendation(rec, "native", pick="focal_multiclass", rules_digest="x")
    exported = export_recommendation(rec, "hydra", pick="focal_multiclass", rules_digest="x")
    assert exported["lossadvisor"]["labels"]["classes"] == by_id
    alpha = {r["loss"]: r for r in data["recommendation"]["ranking"]}["focal_multiclass"]
    assert list(alpha["params"]["alpha"]["value"]) == by_id


def test_masks_whose_size_differs_from_their_image_are_skipped(masks: Path, tmp_path: Path) -> None:
    """--images pairs masks with images by file name; a mismatch is a counted, one-line skip."""
    images = tmp_path / "images"
    images.mkdir()
    height, width = SHAPE
    for i in range(12):
        size = (width, height) if i != 5 else (width * 2, height)  # 05's image is twice as wide
        if i != 7:  # 07 has no image
            Image.new("RGB", size).save(images / f"{i:02d}.jpg")
    run = run_cli("profile", str(masks), "--images", str(images), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["targets"][0]["facts"]["n_images"] == 10
    warnings = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(warnings) == 2 and "Traceback" not in run.stderr
    wide = next(w for w in warnings if "05.png" in w)
    assert f"mask is {width}×{height}" in wide and f"is {2 * width}×{height}" in wide
    assert any("07.png" in w and "no image" in w for w in warnings)
    # every mask mismatched: nothing usable is a one-line error, exit 2
    for path in images.iterdir():
        Image.new("RGB", (3, 3)).save(path)
    assert "no readable mask" in one_line_error(
        run_cli("recommend", str(masks), "--images", str(images))
    )
    table = tmp_path / "t.csv"
    table.write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    assert "--images applies to mask folders" in one_line_error(
        run_cli("recommend", str(table), "-t", "y", "--images", str(images))
    )
