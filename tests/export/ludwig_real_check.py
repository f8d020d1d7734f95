"""Run lossadvisor's Ludwig exports through a real Ludwig (run by test_export_ludwig_real.py).

Executed by the interpreter named in LOSSADVISOR_LUDWIG_PYTHON, which has Ludwig installed and
need not have lossadvisor: it reads a JSON list of jobs from argv[1] and prints one JSON list.
Each job: {config, csv (or null), steps}. For each one Ludwig validates the config
(check_schema), builds its ModelConfig, steps its own LR scheduler `steps` times, and, when a
CSV is given, trains the model for those steps and reports the loss module it built: the class
weights by label (Ludwig's vocabulary order) or the positive-class weight and which label
Ludwig reads as 1.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import tempfile

import pandas as pd
import torch
import yaml
from ludwig.api import LudwigModel
from ludwig.config_validation.validation import check_schema
from ludwig.modules.lr_scheduler import LRScheduler
from ludwig.schema.model_types.base import ModelConfig


def lr_curve(model_config: ModelConfig, steps: int) -> list[float]:
    trainer = model_config.trainer
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=float(trainer.learning_rate))
    scheduler = LRScheduler(trainer.learning_rate_scheduler, optimizer, 1, steps)
    curve = []
    for _ in range(steps):
        curve.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return curve


def trained_loss(config: dict, csv: str, steps: int) -> dict:
    config = copy.deepcopy(config)
    config["trainer"] = {**config["trainer"], "train_steps": steps, "batch_size": 32}
    model = LudwigModel(config, logging_level=logging.ERROR)
    with tempfile.TemporaryDirectory() as out:
        model.train(
            dataset=pd.read_csv(csv),
            output_directory=out,
            skip_save_training_description=True,
            skip_save_training_statistics=True,
            skip_save_model=True,
            skip_save_progress=True,
            skip_save_log=True,
            skip_save_processed_input=True,
        )
    name = config["output_features"][0]["name"]
    meta = model.training_set_metadata[name]
    module = model.model.output_features.get(name).train_loss_function
    loss_fn = getattr(module, "loss_fn", module)  # Ludwig's wrapper, or the loss itself
    found: dict = {"loss_class": type(loss_fn).__name__}
    if hasattr(loss_fn, "delta"):
        found["delta"] = float(loss_fn.delta)
    weight = getattr(loss_fn, "weight", None)
    if weight is not None:
        found["class_weights"] = dict(zip(meta["idx2str"], weight.tolist(), strict=True))
    pos_weight = getattr(loss_fn, "pos_weight", None)
    if pos_weight is not None:
        found["positive_class_weight"] = float(pos_weight.reshape(-1)[0])
        found["true_labels"] = sorted(k for k, v in meta["str2bool"].items() if v)
    return found


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        jobs = json.load(handle)
    results = []
    for job in jobs:
        with open(job["config"], encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
        check_schema(copy.deepcopy(config))
        model_config = ModelConfig.from_dict(copy.deepcopy(config))
        result: dict = {"lr": lr_curve(model_config, job["steps"])}
        feature = model_config.output_features[0]
        result["loss"] = {k: v for k, v in feature.loss.to_dict().items() if v is not None}
        result["optimizer"] = model_config.trainer.optimizer.to_dict()
        if job.get("csv"):
            result["trained"] = trained_loss(config, job["csv"], job["steps"])
        results.append(result)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
