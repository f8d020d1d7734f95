"""profile_dataset: one streaming pass over a table's target columns, then their facts.

The orchestration only: the pass (stream.py, or distributed.py for --engine dask), the assembly
(assemble.py) and, with features, the conditional facts (conditional.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor import io
from lossadvisor.errors import InputError, out_of_range, unknown_name
from lossadvisor.models import DatasetProfile
from lossadvisor.profile.assemble import assemble, choose_targets
from lossadvisor.profile.stream import stream_partials
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
    """`--engine dask`: one task per file (distributed.py); the conditional pass fits its
    baseline on the pyarrow engine's sample when DATA is one local file, else on a seeded
    sample drawn on the cluster over all files (distributed.dask_sample)."""
    from lossadvisor.profile.distributed import dask_profile, dask_sample

    profile, found = dask_profile(
        source, targets, fmt, target_type, sample_size, encoding, order, scheduler
    )
    if features is None:
        return profile
    from lossadvisor.profile.conditional import conditional_profiles

    single = found.single
    if single is not None:
        kind = io.detect_format(single, fmt)
        header = io.read_columns_header(single, kind, encoding)
        targets_with = conditional_profiles(
            single, source, kind, encoding, header, profile.targets, features
        )
    else:
        max_rows = features.max_rows

        def on_the_cluster(columns: list[str]) -> Any:
            return dask_sample(found, columns, encoding, max_rows, scheduler)

        targets_with = conditional_profiles(
            found.files[0], source, found.kind, encoding, found.header, profile.targets,
            features, sampler=on_the_cluster,
        )  # fmt: skip
    return profile.model_copy(update={"targets": targets_with})
