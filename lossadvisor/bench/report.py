"""bench.json: what `lossadvisor bench` measured, and reading it back for `recommend --bench`.

Schema (docs/schemas/bench.schema.json; docs/bench.md explains each field): one run = one
device, dtype and output shape; `results` holds each loss measured with its median and IQR
forward+backward seconds, its peak bytes, and its ratios to the in-run MSE and CE baselines
(`time_vs_ce` is against BCE-with-logits when the shape has one class, null for a 1-D shape);
`skipped` lists the losses that do not read this shape, each with the shape it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lossadvisor.errors import InputError

SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BenchResult(_Frozen):
    loss: str
    module: str = Field(description="the torch class measured (as the hydra export names it)")
    inputs: str = Field(description="the tensors the loss was given")
    median_s: float = Field(gt=0, description="median seconds of one forward + backward")
    iqr_s: float = Field(ge=0, description="interquartile range of the block means, seconds")
    runs: int = Field(ge=1)
    peak_bytes: int = Field(ge=0, description="peak bytes one step allocated (see memory)")
    time_vs_mse: float = Field(gt=0)
    time_vs_ce: float | None = Field(default=None, gt=0)
    memory_vs_mse: float | None = Field(default=None, ge=0)


class BenchSkip(_Frozen):
    loss: str
    reason: str


class BenchReport(_Frozen):
    """`lossadvisor bench` output (bench.json)."""

    schema_version: int = SCHEMA_VERSION
    lossadvisor_version: str
    torch_version: str
    device: str = Field(description="cpu or cuda")
    device_name: str = Field(description="the CPU model or the GPU name")
    dtype: str
    shape: list[int] = Field(min_length=1)
    threads: int = Field(ge=1)
    min_run_time_s: float = Field(gt=0)
    baselines: dict[str, str] = Field(
        description="mse: the elementwise baseline; ce: the logit baseline (ce or bce)"
    )
    timing: str
    memory: str
    results: list[BenchResult]
    skipped: list[BenchSkip] = Field(default_factory=list)

    def result(self, loss: str) -> BenchResult | None:
        return next((r for r in self.results if r.loss == loss), None)

    def setting(self) -> str:
        """'cpu (Intel Xeon), torch 2.13.0, float32, shape 256x1000, 1 thread'."""
        shape = "x".join(str(d) for d in self.shape)
        threads = f"{self.threads} thread{'s' if self.threads != 1 else ''}"
        return (
            f"{self.device} ({self.device_name}), torch {self.torch_version}, {self.dtype}, "
            f"shape {shape}, {threads}"
        )


def read_report(path: str) -> BenchReport:
    """bench.json -> BenchReport; InputError (one line) when it is missing or not one."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"--bench {path}: no such file (write one with lossadvisor bench)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"--bench {path}: not a bench.json: {err}") from None
    if isinstance(data, dict) and data.get("schema_version") not in (None, SCHEMA_VERSION):
        raise InputError(
            f"--bench {path}: schema_version {data.get('schema_version')!r} is not "
            f"{SCHEMA_VERSION}; re-run lossadvisor bench"
        )
    try:
        return BenchReport.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"--bench {path}: {where}: {first['msg']}") from None
