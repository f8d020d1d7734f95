"""The streaming profiler: facts about target columns that decide the loss.

profile_dataset(source, targets) -> DatasetProfile     one pass, memory bounded by the block
dump_profile(profile) -> str / load_profile(path)       the YAML of `profile -o` (store.py)

The work is in the modules: dataset.py (profile_dataset), stream.py (the pass over the file,
partials per column), assemble.py (target choice, type, facts), store.py (YAML),
distributed.py (the same partials per dask partition), conditional.py (the facts of a
baseline's residuals). This facade imports them on first use (PEP 562): the CLI imports
`lossadvisor.profile.options` at start-up, which must not load the readers or YAML.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossadvisor.profile.assemble import TARGET_NAMES, choose_targets
    from lossadvisor.profile.dataset import DEFAULT_SAMPLE_SIZE, ENGINES, profile_dataset
    from lossadvisor.profile.store import dump_profile, load_profile
    from lossadvisor.profile.stream import float_values

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "ENGINES",
    "TARGET_NAMES",
    "choose_targets",
    "dump_profile",
    "float_values",
    "load_profile",
    "profile_dataset",
]


def __getattr__(name: str) -> Any:
    """The public names, from their modules when first used."""
    module: ModuleType
    if name in ("profile_dataset", "DEFAULT_SAMPLE_SIZE", "ENGINES"):
        from lossadvisor.profile import dataset as module
    elif name in ("dump_profile", "load_profile"):
        from lossadvisor.profile import store as module
    elif name in ("choose_targets", "TARGET_NAMES"):
        from lossadvisor.profile import assemble as module
    elif name == "float_values":
        from lossadvisor.profile import stream as module
    else:
        raise AttributeError(f"module 'lossadvisor.profile' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
