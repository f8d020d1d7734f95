# ruff: noqa: E501  (the case tables keep one reference per line)
"""Each task family's recommendation against the reference implementation it cites.

The expected values are copied from the cited source files (repository, file, lines in
rules/practice.yaml and rules/tasks.yaml), not from lossadvisor's output: e.g. nnU-Net's
nnUNetTrainer.py sets SGD(lr=1e-2, momentum=0.99, nesterov=True, weight_decay=3e-5).
"""

from __future__ import annotations

from typing import Any

import pytest

from lossadvisor.context import make_context
from lossadvisor.recommend import recommend
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase
from lossadvisor.vocabulary import HEX40


@pytest.fixture(scope="module")
def base() -> RuleBase:
    return load_rulebase()


# (task word, options, top loss, its params, optimizer, optimizer settings)
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], str, dict[str, Any]]] = [
    # Ultralytics default.yaml: lr0 0.01, momentum 0.937, weight_decay 0.0005
    ("object_detection", {}, "ciou", {}, "sgd", {"lr": 0.01, "momentum": 0.937, "weight_decay": 0.0005}),
    # detectron2 Base-RetinaNet.yaml: SMOOTH_L1_LOSS_BETA 0.0, BASE_LR 0.01; defaults.py wd 1e-4
    ("detection", {"architecture": "retinanet"}, "smooth_l1", {"beta": 0.0}, "sgd", {"lr": 0.01, "weight_decay": 0.0001}),
    # detectron2 Base-RCNN-FPN.yaml: BASE_LR 0.02
    ("detection", {"architecture": "faster_rcnn"}, "smooth_l1", {"beta": 0.0}, "sgd", {"lr": 0.02}),
    # DETR main.py: AdamW lr 1e-4, weight_decay 1e-4
    ("detection", {"architecture": "detr"}, "giou", {}, "adamw", {"lr": 0.0001, "weight_decay": 0.0001}),
    # nnUNetTrainer: DC_and_CE weight 1/1; SGD 1e-2, momentum 0.99, nesterov, wd 3e-5
    ("segmentation", {}, "dice_ce", {"lambda_dice": 1.0, "lambda_ce": 1.0}, "sgd", {"lr": 0.01, "momentum": 0.99, "nesterov": True, "weight_decay": 3e-5}),
    # the issue: with --metric dice the reference still trains Dice + CE, not plain Dice
    ("segmentation", {"metric": "dice"}, "dice_ce", {}, "sgd", {"momentum": 0.99}),
    ("brats", {}, "dice_ce", {}, "sgd", {"momentum": 0.99}),
    # mmsegmentation schedule_80k.py: SGD lr 0.01, momentum 0.9, weight_decay 0.0005
    ("semantic_segmentation", {}, "ce", {}, "sgd", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.0005}),
    ("instance_segmentation", {}, "bce", {}, "sgd", {"lr": 0.02}),
    # timm train.py: smoothing 0.1, sgd, lr-base 0.1, weight-decay 2e-5
    ("image_classification", {}, "label_smoothing_ce", {"epsilon": 0.1}, "sgd", {"lr": 0.1, "weight_decay": 2e-5}),
    # DeiT main.py: adamw, lr 5e-4, weight-decay 0.05
    ("image_classification", {"architecture": "vit"}, "label_smoothing_ce", {"epsilon": 0.1}, "adamw", {"lr": 0.0005, "weight_decay": 0.05}),
    # ASL train.py: AsymmetricLoss(gamma_neg=4, gamma_pos=0, clip=0.05), Adam, lr 1e-4
    ("multi-label image classification", {}, "asymmetric", {"gamma_neg": 4.0, "gamma_pos": 0.0, "clip": 0.05}, "adam", {"lr": 0.0001}),
    # mmpose HRNet config: KeypointMSELoss(use_target_weight=True), Adam lr 5e-4
    ("pose_estimation", {}, "heatmap_mse", {"use_target_weight": True}, "adam", {"lr": 0.0005}),
    # mmpose AdaptiveWingLoss(alpha=2.1, omega=14, epsilon=1, theta=0.5)
    ("face_alignment", {}, "adaptive_wing", {"alpha": 2.1, "omega": 14.0, "epsilon": 1.0, "theta": 0.5}, "adamw", {}),
    # BTS: variance_focus 0.85, ×10; AdamW lr 1e-4, weight_decay 1e-2
    ("depth_estimation", {}, "silog", {"lambd": 0.85, "scale": 10.0}, "adamw", {"lr": 0.0001, "weight_decay": 0.01}),
    # BasicSR EDSR: L1Loss, Adam lr 1e-4
    ("super_resolution", {}, "mae", {}, "adam", {"lr": 0.0001}),
    # google-research/bert run_classifier.py + optimization.py: lr 5e-5, wd 0.01, eps 1e-6
    ("sentiment analysis", {}, "ce", {}, "adamw", {"lr": 5e-5, "weight_decay": 0.01, "eps": 1e-6}),
    ("ner", {}, "seq_ce", {"ignore_index": -100}, "adamw", {"lr": 5e-5}),
    ("squad", {}, "ce", {}, "adamw", {"lr": 5e-5}),
    # nanoGPT train.py: lr 6e-4, beta2 0.95, weight_decay 0.1
    ("next_token_prediction", {}, "seq_ce", {}, "adamw", {"lr": 0.0006, "betas": [0.9, 0.95], "weight_decay": 0.1}),
    ("bert_pretraining", {}, "seq_ce", {}, "adamw", {"weight_decay": 0.01, "eps": 1e-6}),
    # fairseq translation README: label smoothing 0.1, adam (0.9, 0.98), lr 5e-4, wd 1e-4
    ("machine translation", {}, "label_smoothing_ce", {"epsilon": 0.1}, "adam", {"lr": 0.0005, "betas": [0.9, 0.98], "weight_decay": 0.0001}),
    # fairseq wav2vec base_100h.yaml: ctc zero_infinity true, lr 3e-5, adam (0.9, 0.98)
    ("asr", {}, "ctc", {"zero_infinity": True}, "adam", {"lr": 3e-5, "betas": [0.9, 0.98]}),
    ("asr", {"architecture": "whisper"}, "label_smoothing_ce", {"epsilon": 0.1}, "adam", {"lr": 0.002}),
    # simclr run.py: temperature 0.1, optimizer lars, learning_rate 0.3, momentum 0.9, wd 1e-4
    ("simclr", {}, "info_nce", {"temperature": 0.1}, "lars", {"lr": 0.3, "momentum": 0.9, "weight_decay": 1e-4}),
    # open_clip: init logit scale log(1/0.07); lr 5e-4, beta2 0.98, eps 1e-6, wd 0.2
    ("clip", {}, "info_nce", {"temperature": 0.07}, "adamw", {"lr": 0.0005, "betas": [0.9, 0.98], "eps": 1e-6, "weight_decay": 0.2}),
    # pytorch-metric-learning TripletMarginLoss(margin=0.05)
    ("metric_learning", {}, "triplet", {"margin": 0.05}, "adamw", {}),
    # insightface configs/base.py + losses.py: ArcFace s 64, m 0.5; sgd lr 0.1, momentum 0.9, wd 5e-4
    ("face_recognition", {}, "arcface", {"scale": 64.0, "margin": 0.5}, "sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.0005}),
    # diffusers train_unconditional.py: mse on noise; lr 1e-4, betas (0.95, 0.999), wd 1e-6
    ("ddpm", {}, "mse", {}, "adamw", {"lr": 0.0001, "betas": [0.95, 0.999], "weight_decay": 1e-6}),
    # pytorch/examples vae/main.py: BCE + KLD, Adam lr 1e-3
    ("variational autoencoder", {}, "elbo", {"beta": 1.0, "reconstruction": "bce"}, "adam", {"lr": 0.001}),
    # stylegan2-ada train.py: lrate 0.002, betas [0, 0.99]
    ("stylegan", {}, "gan_ns", {}, "adam", {"lr": 0.002, "betas": [0.0, 0.99]}),
    # LightGBM docs: lambdarank, lambdarank_truncation_level 30
    ("learning to rank", {"metric": "ndcg@10"}, "lambdarank", {"truncation_level": 30}, "adamw", {}),
    ("time to event", {}, "cox", {}, "adamw", {}),
    ("survival", {"metric": "mae"}, "aft", {}, "adamw", {}),
    ("forecasting", {}, "pinball", {"tau": 0.5}, "adamw", {}),
    ("ctr", {}, "bce", {}, "adamw", {}),
    ("counts", {}, "poisson", {}, "adamw", {}),
    ("claim severity", {}, "gamma", {}, "adamw", {}),
    ("proportion", {}, "soft_bce", {}, "adamw", {}),
]  # fmt: skip


@pytest.mark.parametrize(("word", "options", "loss", "params", "optimizer", "settings"), CASES)
def test_family_follows_its_reference(
    base: RuleBase,
    word: str,
    options: dict[str, Any],
    loss: str,
    params: dict[str, Any],
    optimizer: str,
    settings: dict[str, Any],
) -> None:
    rec = recommend(base, make_context(task=word, vocabulary=base.vocabulary, **options))
    top = rec.ranking[0]
    assert top.loss == loss, [(r.loss, r.score) for r in rec.ranking[:4]]
    for name, value in params.items():
        assert top.params[name].value == pytest.approx(value), name
    assert rec.optimizer.name == optimizer
    for name, value in settings.items():
        assert rec.optimizer.settings[name] == pytest.approx(value), name


# (task word, architecture, [(head, loss, weight, params)]) from rules/tasks.yaml's cited files
PRESETS = [
    # Ultralytics default.yaml: box 7.5, cls 0.5, dfl 1.5
    ("detection", None, [("box", "ciou", 7.5, {}), ("cls", "bce", 0.5, {}), ("dfl", "dfl", 1.5, {"reg_max": 16})]),
    # detectron2 RetinaNet: focal alpha 0.25 gamma 2; Base-RetinaNet.yaml beta 0.0
    ("detection", "anchor_based", [("cls", "focal_binary", 1.0, {"alpha": 0.25, "gamma": 2.0}), ("box", "smooth_l1", 1.0, {"beta": 0.0})]),
    # DETR detr.py weight_dict: loss_ce 1, loss_bbox 5, loss_giou 2
    ("detection", "set_prediction", [("class", "ce", 1.0, {}), ("box_l1", "mae", 5.0, {}), ("box_giou", "giou", 2.0, {})]),
    # bert run_pretraining.py: total_loss = masked_lm_loss + next_sentence_loss
    ("masked_lm", None, [("mlm", "seq_ce", 1.0, {}), ("nsp", "ce", 1.0, {})]),
    # bert run_squad.py: (start_loss + end_loss) / 2
    ("extractive_qa", None, [("start", "ce", 0.5, {}), ("end", "ce", 0.5, {})]),
    # stylegan2-ada loss.py: softplus(-gen) for G; softplus(gen) + softplus(-real) for D
    ("gan", None, [("generator", "gan_ns", 1.0, {"mode": "generator"}), ("discriminator", "gan_ns", 1.0, {"mode": "discriminator"})]),
]  # fmt: skip


@pytest.mark.parametrize(("word", "architecture", "heads"), PRESETS)
def test_multi_head_presets_carry_the_reference_weights(
    base: RuleBase, word: str, architecture: str | None, heads: list[Any]
) -> None:
    rec = recommend(
        base, make_context(task=word, architecture=architecture, vocabulary=base.vocabulary)
    )
    got = [(h.name, h.loss, h.weight) for h in rec.heads]
    assert got == [(name, loss, weight) for name, loss, weight, _ in heads]
    for head, (_, _, _, params) in zip(rec.heads, heads, strict=True):
        for name, value in params.items():
            assert head.params[name].value == value
    assert rec.balancing is not None and rec.balancing.method == "fixed"
    assert rec.balancing.settings["weights"] == {h[0]: h[2] for h in heads}


def test_an_architecture_without_a_preset_invents_no_heads(base: RuleBase) -> None:
    rec = recommend(base, make_context(task="detection", architecture="vit", vocabulary=base.vocabulary))
    assert rec.heads == []


def test_every_practice_rule_and_preset_cites_source_files(base: RuleBase) -> None:
    practice = [r for r in base.rules if r.table == "practice"]
    assert len(practice) >= 40
    for rule in practice:
        assert rule.references, rule.id
        for ref in rule.references:
            assert HEX40.match(ref.commit) and "/" in ref.repo and ref.path, rule.id
    for family in base.vocabulary.families:
        for preset in family.presets:
            assert preset.references and all(HEX40.match(r.commit) for r in preset.references)


def test_schedule_advice_replaces_the_catalog_schedule(base: RuleBase) -> None:
    rec = recommend(base, make_context(task="segmentation", vocabulary=base.vocabulary))
    # nnU-Net polylr.py: exponent 0.9; nnUNetTrainer: num_epochs 1000
    assert rec.optimizer.schedule == {"name": "polynomial", "power": 0.9, "epochs": 1000}
