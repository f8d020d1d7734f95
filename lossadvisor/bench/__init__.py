"""`lossadvisor bench`: what each catalog loss costs on this machine (forward + backward).

    run_bench(base, shape=(256, 1000)) -> BenchReport

Each loss with a torch form is built as the hydra export builds it (bench.modules), given
tensors of the output shape the way it reads them (bench.inputs), then timed and its peak
memory taken (bench.measure), next to MSE and CE measured in the same run on the same shape.
Importing this package imports neither torch nor numpy; running it needs torch.
"""

from __future__ import annotations

import platform
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from lossadvisor import __version__
from lossadvisor.bench import measure
from lossadvisor.bench.inputs import NotAtShape, inputs_for
from lossadvisor.bench.modules import NoTorchForm, build_module, has_torch_form
from lossadvisor.bench.report import BenchReport, BenchResult, BenchSkip, read_report
from lossadvisor.errors import InputError, unknown_name
from lossadvisor.rules.schema import RuleBase

__all__ = ["BenchReport", "read_report", "run_bench", "torch_losses"]

DTYPES = ("float32", "float64", "bfloat16", "float16")
DEVICES = ("cpu", "cuda")
DEFAULT_MIN_RUN_TIME = 0.1

TIMING = (
    "forward + backward of the loss from a prediction leaf (grad reset each run); "
    "torch.utils.benchmark.Timer.blocked_autorange: median and IQR of the block means"
)
MEMORY_CPU = (
    "peak bytes of tensor storage one step allocated and held at once (a dispatch mode counts "
    "every tensor created, freed when its storage dies); inputs and kernel scratch excluded"
)
MEMORY_CUDA = "torch.cuda.max_memory_allocated over one step, less the memory allocated before it"


def _device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return str(torch.cuda.get_device_name())
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def check_device(device: str) -> None:
    """InputError (exit 2) for an unknown device, or cuda where torch has none."""
    if device not in DEVICES:
        raise unknown_name("device", device, DEVICES, where="--device")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise InputError(
                f"--device cuda: torch {torch.__version__} sees no CUDA device here; "
                "use --device cpu"
            )


def torch_losses(base: RuleBase) -> list[str]:
    """Catalog losses that have a torch form, in catalog order."""
    return [loss for loss in base.losses if has_torch_form(loss)]


def _one(
    loss: str,
    base: RuleBase,
    shape: tuple[int, ...],
    dtype: Any,
    device: str,
    min_run_time: float,
    threads: int,
) -> tuple[str | None, dict[str, Any]]:
    """(the reason it was skipped, or None; the measured fields)."""
    try:
        given = inputs_for(loss, shape, dtype)
        module, target = build_module(loss, base, given.facts)
    except (NotAtShape, NoTorchForm) as why:
        return str(why), {}
    module = module.to(device=device)
    if any(p.is_floating_point() for p in module.parameters()):
        module = module.to(dtype=dtype)
    pred = given.prediction.to(device).requires_grad_()
    rest = tuple(t.to(device) if hasattr(t, "to") else t for t in given.rest)
    step = measure.make_step(module, pred, rest, given.first)
    try:
        with warnings.catch_warnings():  # MONAI's notes on the input form, once per call
            warnings.simplefilter("ignore")
            timing = measure.time_step(step, min_run_time, threads, device == "cuda")
            peak = measure.peak_bytes(step, device == "cuda")
    except (RuntimeError, ValueError, TypeError, IndexError) as err:  # a dtype a kernel lacks
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"{target} failed at this shape/dtype: {first[:160]}", {}
    fields = {
        "loss": loss,
        "module": target,
        "inputs": given.described,
        "median_s": timing.median_s,
        "iqr_s": timing.iqr_s,
        "runs": timing.runs,
        "peak_bytes": peak,
    }
    return None, fields


def run_bench(
    base: RuleBase,
    shape: tuple[int, ...],
    dtype: str = "float32",
    device: str = "cpu",
    losses: Sequence[str] | None = None,
    min_run_time: float = DEFAULT_MIN_RUN_TIME,
    threads: int = 1,
    progress: Callable[[str], None] | None = None,
) -> BenchReport:
    """Measure `losses` (default: every catalog loss with a torch form) at `shape`, after the
    in-run baselines MSE and CE (BCE when the shape has no class axis of 2 or more)."""
    if dtype not in DTYPES:  # names first: a typo costs no torch import
        raise unknown_name("dtype", dtype, DTYPES, where="--dtype")
    known = torch_losses(base)
    chosen = list(dict.fromkeys(losses)) if losses else known
    for loss in chosen:
        if loss not in known:
            if loss in base.losses:
                raise InputError(f"--loss {loss}: it has no torch form in rules/frameworks.yaml")
            raise unknown_name("loss", loss, known, where="--loss")
    try:
        import torch
    except ImportError:
        raise InputError("lossadvisor bench needs torch: pip install torch") from None
    check_device(device)
    torch_dtype = getattr(torch, dtype)
    logit_baseline = "ce" if len(shape) >= 2 and shape[1] >= 2 else "bce"
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        measured: dict[str, dict[str, Any]] = {}
        skipped: list[BenchSkip] = []
        order = ["mse", logit_baseline, *(x for x in chosen if x not in ("mse", logit_baseline))]
        for loss in order:
            if progress is not None:
                progress(loss)
            reason, fields = _one(loss, base, shape, torch_dtype, device, min_run_time, threads)
            if reason is not None:
                if loss in chosen:
                    skipped.append(BenchSkip(loss=loss, reason=reason))
                continue
            measured[loss] = fields
    finally:
        torch.set_num_threads(previous)
    mse = measured.get("mse")
    if mse is None:
        raise InputError(f"--shape {shape}: the MSE baseline could not run at this shape/dtype")
    logit = measured.get(logit_baseline)
    results = []
    for fields in measured.values():  # the baselines first, then the losses asked for
        results.append(
            BenchResult(
                **fields,
                time_vs_mse=fields["median_s"] / mse["median_s"],
                time_vs_ce=fields["median_s"] / logit["median_s"] if logit else None,
                memory_vs_mse=(
                    fields["peak_bytes"] / mse["peak_bytes"] if mse["peak_bytes"] else None
                ),
            )
        )
    return BenchReport(
        lossadvisor_version=__version__,
        torch_version=torch.__version__.split("+")[0],
        device=device,
        device_name=_device_name(device),
        dtype=dtype,
        shape=list(shape),
        threads=threads,
        min_run_time_s=min_run_time,
        baselines={"mse": "mse", "ce": logit_baseline} if logit else {"mse": "mse"},
        timing=TIMING,
        memory=MEMORY_CUDA if device == "cuda" else MEMORY_CPU,
        results=results,
        skipped=skipped,
    )
