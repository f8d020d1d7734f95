"""The streaming profiler: facts about target columns that decide the loss.

profile_dataset(source, targets) -> DatasetProfile     one pass, memory bounded by the block
dump_profile(profile) -> str / load_profile(path)       the YAML of `profile -o` (store.py)

The work is in the modules: stream.py (the pass over the file, partials per column),
assemble.py (target choice, type, facts), store.py (YAML), distributed.py (the same partials
per dask partition), conditional.py (the facts of a baseline's residuals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from lossadvisor import io
from lossadvisor.errors import InputError, out_of_range, unknown_name
from lossadvisor.models import DatasetProfile
from lossadvisor.profile.assemble import TARGET_NAMES, assemble, choose_targets
from lossadvisor.profile.store import dump_profile, load_profile
from lossadvisor.profile.stream import float_values, stream_partials
from lossadvisor.spool import local_copy

if TYPE_CHECKING:
    from lossadvisor.profile.options import FeatureOptions

DEFAULT_SAMPLE_SIZE = 100_000
ENGINES = ("pyarrow", "dask")


def profile_dataset(
    source: str,
    targets: Sequence[str] = (),
    fmt: str | None = None,
    target_type: str | None = None,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
    engine: str = "pyarrow",
    features: FeatureOptions | None = None,
    order: Sequence[str] | None = None,
    scheduler: str | None = None,
) -> DatasetProfile:
    """Profile the target column(s) of a data file ("-" = stdin) in one streaming pass.

    `progress` is called with the bytes of the file read so far. `engine="dask"` computes the
    same partials per dask partition (the `dask` extra; slower on one machine, for clusters).
    `order`: the levels of an ordinal target, lowest first (`--order "a,b,c"`).
    `features` controls the conditional pass (a cross-fitted baseline on the other columns and
    the facts of its residuals; `profile/conditional.py`); None leaves it out.
    With the dask engine `source` may also be a directory, a glob or an fsspec URL, and
    `scheduler` the address of a dask.distributed scheduler (profile/distributed.py).
    Raises InputError for any problem with the data or the options.
    """
    if sample_size < 100:
        raise out_of_range("sample size", "at least 100", sample_size, where="--sample-size")
    if engine == "dask" and source != "-":
        return _dask_dataset(
            source, targets, fmt, target_type, sample_size, encoding, features, order, scheduler
        )
    if scheduler is not None:
        raise InputError("--scheduler applies with --engine dask.")
    io.check_source(source)
    fmt = io.detect_format(source, fmt)
    with local_copy(source) as path:
        try:
            header = io.read_columns_header(path, fmt, encoding)
            chosen, choice = choose_targets(header, targets, source)
            storage: dict[str, bool | None] = {}
            if engine == "dask":  # stdin, spooled: one partition
                from lossadvisor.profile.distributed import dask_file_partials

                partials, storage = dask_file_partials([path], fmt, chosen, encoding, sample_size)
            elif engine == "pyarrow":
                partials, storage = stream_partials(
                    path, source, fmt, chosen, header, encoding, sample_size, progress
                )
            else:
                raise unknown_name("engine", engine, ENGINES, where="--engine")
            profile = assemble(source, fmt, chosen, choice, partials, target_type, storage, order)
            if features is not None:
                # numpy and scikit-learn-style baselines: only when features are asked for.
                from lossadvisor.profile.conditional import conditional_profiles

                targets_with = conditional_profiles(
                    path, source, fmt, encoding, header, profile.targets, features
                )
                profile = profile.model_copy(update={"targets": targets_with})
        except InputError as err:
            if path == source:
                raise
            shown = "stdin" if source == "-" else source
            raise InputError(str(err).replace(path, shown)) from None
    return profile


def _dask_dataset(
    source: str,
    targets: Sequence[str],
    fmt: str | None,
    target_type: str | None,
    sample_size: int,
    encoding: str,
    features: FeatureOptions | None,
    order: Sequence[str] | None,
    scheduler: str | None,
) -> DatasetProfile:
    """`--engine dask`: one task per file (distributed.py); the conditional pass, which fits a
    baseline on a local sample, runs when DATA is one local file."""
    from lossadvisor.profile.distributed import dask_profile

    profile, single = dask_profile(
        source, targets, fmt, target_type, sample_size, encoding, order, scheduler
    )
    if features is not None and single is not None:
        from lossadvisor.profile.conditional import conditional_profiles

        kind = io.detect_format(single, fmt)
        header = io.read_columns_header(single, kind, encoding)
        targets_with = conditional_profiles(
            single, source, kind, encoding, header, profile.targets, features
        )
        profile = profile.model_copy(update={"targets": targets_with})
    return profile


__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "TARGET_NAMES",
    "choose_targets",
    "dump_profile",
    "float_values",
    "load_profile",
    "profile_dataset",
]
