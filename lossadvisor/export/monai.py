"""MONAI bundle: a `train.json` fragment with `loss`, `optimizer` and `lr_scheduler`.

monai.bundle.ConfigParser builds `_target_` nodes with keyword arguments only and references
other entries with `@name`, expressions with `$`: so the hydra nodes are rewritten — a tensor
argument becomes `$torch.tensor([...])`, the optimizer takes `$@network.parameters()` (your
bundle's `network`), the scheduler `@optimizer`, and its step count `@max_steps`.

    parser = ConfigParser(); parser.read_config("train.yaml"); parser["network"] = net
    loss = parser.get_parsed_content("loss"); opt = parser.get_parsed_content("optimizer")
"""

from __future__ import annotations

from typing import Any

from lossadvisor.export.formats import Body, ExportFormat, Job
from lossadvisor.export.hydra import build as build_hydra
from lossadvisor.export.schedule import LIGHTNING_DEFAULT_EPOCHS

# MONAI's ConfigComponent passes every other key to the target as an argument.
HYDRA_ONLY = ("_convert_", "_partial_")
DEFAULT_STEPS = LIGHTNING_DEFAULT_EPOCHS


def to_monai(value: Any) -> Any:
    """A hydra node tree as MONAI config: tensors as expressions, hydra-only flags dropped."""
    if isinstance(value, dict):
        if value.get("_target_") == "torch.tensor":
            (values,) = value["_args_"]
            return f"$torch.tensor({list(values)!r})"
        return {k: to_monai(v) for k, v in value.items() if k not in HYDRA_ONLY}
    if isinstance(value, list):
        return [to_monai(v) for v in value]
    return value


def build(job: Job) -> Body:
    """The bundle fragment and notes (the hydra nodes, rewritten)."""
    steps = job.steps
    body, notes = build_hydra(job)
    out: dict[str, Any] = {"loss": to_monai(body["loss"])}
    out["optimizer"] = {**to_monai(body["optimizer"]), "params": "$@network.parameters()"}
    if "lr_scheduler" in body:
        node = to_monai(body["lr_scheduler"])
        node["optimizer"] = "@optimizer"
        node["total_steps"] = "@max_steps"
        out = {"max_steps": steps if steps is not None else DEFAULT_STEPS, **out}
        out["lr_scheduler"] = node
        notes = [n.replace("trainer.max_steps", "max_steps") for n in notes]
    notes.append("optimizer params: your bundle's `network` entry ($@network.parameters())")
    return out, notes


FORMAT = ExportFormat("monai", "torch", multi_head=True, header="block", build=build)
