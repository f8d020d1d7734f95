"""Forward + backward time and peak memory of one loss on prepared inputs.

Time: torch.utils.benchmark.Timer.blocked_autorange, which runs the step in blocks until
`min_run_time` has passed and reports the per-run mean of each block; we keep its median and
interquartile range (the spread of those block means) and the number of runs.

Memory: on CUDA, torch.cuda.max_memory_allocated over one step, less what was allocated
before it (the inputs). On CPU torch keeps no allocator statistics and tracemalloc does not see
its allocations, so a dispatch mode counts the storage of every tensor created during one
step and frees it when the storage dies: the peak of live bytes the step itself allocated
(activations saved for backward, the gradient, temporaries); kernel-internal scratch buffers
are not tensors and are not counted.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    median_s: float
    iqr_s: float
    runs: int


def make_step(
    module: Any, prediction: Any, rest: tuple[Any, ...], first: Callable[[Any], Any] | None
) -> Callable[[], None]:
    """One forward + backward from the prediction leaf; the gradient is reset each time."""

    def step() -> None:
        prediction.grad = None
        value = module(first(prediction) if first else prediction, *rest)
        value.backward()

    return step


def time_step(step: Callable[[], None], min_run_time: float, threads: int, cuda: bool) -> Timing:
    from torch.utils import benchmark

    step()  # warm-up: lazy initialisation, kernel selection
    if cuda:
        import torch

        torch.cuda.synchronize()
    timer = benchmark.Timer(stmt="step()", globals={"step": step}, num_threads=threads)
    m = timer.blocked_autorange(min_run_time=min_run_time)
    return Timing(
        median_s=float(m.median), iqr_s=float(m.iqr), runs=int(m.number_per_run * len(m.times))
    )


def _live_tensor_peak(step: Callable[[], None]) -> int:
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    class PeakBytes(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.live: dict[int, int] = {}
            self.current = 0
            self.peak = 0

        def _free(self, key: int) -> None:
            self.current -= self.live.pop(key, 0)

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            out = func(*args, **(kwargs or {}))
            for tensor in tree_flatten(out)[0]:
                if not isinstance(tensor, torch.Tensor):
                    continue
                storage = tensor.untyped_storage()
                key = storage.data_ptr()
                if key and key not in self.live:  # views share their base's storage
                    self.live[key] = storage.nbytes()
                    self.current += storage.nbytes()
                    self.peak = max(self.peak, self.current)
                    weakref.finalize(storage, self._free, key)
            return out

    counter = PeakBytes()
    with counter:
        step()
    return counter.peak


def peak_bytes(step: Callable[[], None], cuda: bool) -> int:
    """Peak bytes allocated by one step beyond what existed before it."""
    if cuda:
        import torch

        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        return int(torch.cuda.max_memory_allocated() - before)
    return _live_tensor_peak(step)
