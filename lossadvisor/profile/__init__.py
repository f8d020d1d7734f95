"""The streaming profiler: facts about target columns that decide the loss.

profile_dataset(source, targets) -> DatasetProfile     one pass, memory bounded by the block
dump_profile(profile) -> str / load_profile(path)       the YAML of `profile -o`
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError
from lossadvisor.models import PROFILE_SCHEMA_VERSION, DatasetProfile, TargetProfile

if TYPE_CHECKING:
    import pyarrow

    from lossadvisor.profile.options import FeatureOptions
    from lossadvisor.profile.stats import Partial

TARGET_NAMES = ("target", "label", "y", "class", "outcome")
DEFAULT_SAMPLE_SIZE = 100_000


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
) -> DatasetProfile:
    """Profile the target column(s) of a data file ("-" = stdin) in one streaming pass.

    `progress` is called with the bytes of the file read so far. `engine="dask"` computes the
    same partials per dask partition (the `dask` extra; slower on one machine, for clusters).
    `order`: the levels of an ordinal target, lowest first (`--order "a,b,c"`).
    `features` controls the conditional pass (a cross-fitted baseline on the other columns and
    the facts of its residuals; `profile/conditional.py`); None leaves it out.
    Raises InputError for any problem with the data or the options.
    """
    from lossadvisor import io

    if sample_size < 100:
        from lossadvisor.errors import out_of_range

        raise out_of_range("sample size", "at least 100", sample_size, where="--sample-size")
    io.check_source(source)
    fmt = io.detect_format(source, fmt)
    with _local_copy(source) as path:
        try:
            header = io.read_columns_header(path, fmt, encoding)
            chosen, choice = choose_targets(header, targets, source)
            storage: dict[str, bool | None] = {}
            if engine == "dask":
                from lossadvisor.profile.distributed import dask_partials

                partials = dask_partials(path, fmt, chosen, encoding, sample_size)
            elif engine == "pyarrow":
                partials, storage = _stream(
                    path, source, fmt, chosen, header, encoding, sample_size, progress
                )
            else:
                from lossadvisor.errors import unknown_name

                raise unknown_name("engine", engine, ("pyarrow", "dask"), where="--engine")
            profile = _assemble(
                source, fmt, chosen, choice, partials, target_type, storage, order
            )
            if features is not None:
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


@contextlib.contextmanager
def _local_copy(source: str) -> Iterator[str]:
    """stdin, a pipe, a FIFO or a /proc file spooled to a temporary file (read once, in 1 MiB
    pieces, then from disk: the reader needs to seek); regular files as they are."""
    from lossadvisor.io import is_stream, os_error

    if not is_stream(source):
        yield source
        return
    shown = "stdin" if source == "-" else source
    fd, path = tempfile.mkstemp(prefix="lossadvisor-stdin-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                if source == "-":
                    if sys.stdin is None or sys.stdin.closed:
                        raise InputError("stdin: closed; pass a file or pipe data in.")
                    shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
                else:
                    with open(source, "rb") as stream:
                        shutil.copyfileobj(stream, out, 1 << 20)
            except (OSError, ValueError) as err:
                if isinstance(err, OSError) and err.errno == errno.ENOSPC:
                    raise InputError(
                        f"{shown}: no space left in the temporary directory to spool the input; "
                        "set TMPDIR to a larger disk"
                    ) from None
                if isinstance(err, OSError):
                    raise os_error(err, shown) from None
                raise InputError(f"{shown}: cannot be read ({err}).") from None
        if os.path.getsize(path) == 0:
            raise InputError(f"{shown}: no data; expected a header and rows.")
        yield path
    finally:
        os.unlink(path)


def choose_targets(
    header: Sequence[str], targets: Sequence[str], source: str
) -> tuple[list[str], str]:
    """The target columns and the rule that picked them."""
    from lossadvisor.io import check_columns

    if targets:
        chosen = list(dict.fromkeys(targets))
        check_columns(source, chosen, header)
        return chosen, "given with --target"
    for name in header:
        if name.strip().lower() in TARGET_NAMES:
            return [name], f"column named '{name}' (target/label/y/class/outcome, any case)"
    if not header:
        raise InputError(f"{source}: no columns found.")
    return [header[-1]], "the last column (no column named target/label/y/class/outcome)"


def _is_numeric(dtype: pyarrow.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_integer(dtype)
        or pa.types.is_floating(dtype)
        or pa.types.is_decimal(dtype)
        or pa.types.is_null(dtype)
    )


def _stream(
    path: str,
    source: str,
    fmt: str,
    columns: list[str],
    header: list[str],
    encoding: str,
    sample_size: int,
    progress: Callable[[int], None] | None,
) -> tuple[dict[str, Partial], dict[str, bool | None]]:
    """One pass over the file; a column whose later values are not numbers is re-read as text.

    Also returns, per numeric column, whether its values were stored as integers (CSV: the type
    pyarrow infers from the first block; Parquet/JSONL: the schema), evidence for infer.py.
    """
    import pyarrow as pa

    from lossadvisor.io import ColumnTypeError, infer_column_types

    inferred = infer_column_types(path, columns, fmt, encoding, header)
    # No first block (a header without rows): try numbers; the row check comes later.
    numeric = {c: _is_numeric(inferred[c]) if c in inferred else True for c in columns}
    storage = {c: _integer_storage(inferred[c]) if c in inferred else None for c in columns}
    while True:
        types = {c: (pa.float64() if numeric[c] else pa.string()) for c in columns}
        try:
            partials = _one_pass(path, fmt, columns, header, types, encoding, sample_size, progress)
            return partials, storage
        except ColumnTypeError as err:
            if not numeric.get(err.column, False):
                raise InputError(str(err).replace(path, source)) from None
            numeric[err.column] = False


def _integer_storage(dtype: pyarrow.DataType) -> bool | None:
    """True for integer columns, False for float/decimal ones, None otherwise."""
    import pyarrow as pa

    if pa.types.is_integer(dtype):
        return True
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return False
    return None


def _one_pass(
    path: str,
    fmt: str,
    columns: list[str],
    header: list[str],
    types: dict[str, pyarrow.DataType],
    encoding: str,
    sample_size: int,
    progress: Callable[[int], None] | None,
) -> dict[str, Partial]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from lossadvisor.io import iter_columns
    from lossadvisor.profile import stats

    partials: dict[str, Any] = {}
    # One seeded generator per pass keeps the reservoir reproducible for a given file.
    rng = np.random.default_rng(0x105AD)
    column_types = types if fmt in ("csv", "tsv") else None
    for batch in iter_columns(
        path, columns, fmt, encoding, column_types=column_types, progress=progress, header=header
    ):
        for name in columns:
            column = batch.column(name)
            running = partials.get(name)
            if pa.types.is_string(types[name]) or not _is_numeric(column.type):
                if not pa.types.is_string(column.type) and not pa.types.is_dictionary(column.type):
                    column = column.cast(pa.string())
                partials[name] = _update_labels(running, column, pc, stats)
                continue
            try:
                values = float_values(column.cast(pa.float64()))
            except pa.ArrowInvalid:  # integers past 2**53 do not fit a float64 exactly
                raise InputError(
                    f"{path}: column '{name}' holds integers beyond ±2**53 "
                    "(9,007,199,254,740,992), which floats cannot hold exactly; if they are "
                    "ids or codes, choose another target, else rescale them."
                ) from None
            partials[name] = (
                stats.numeric_partial(values, sample_size)
                if running is None
                else stats.update_numeric(running, values, rng)
            )
    if not partials:  # a header and no rows
        return {name: stats.label_partial(()) for name in columns}
    return partials


def float_values(column: Any) -> Any:
    """A float64 arrow array as numpy, nulls as NaN.

    Not `Array.to_numpy(zero_copy_only=False)` (it imports pandas: half a second of start-up)
    nor `fill_null` (a compute-kernel dispatch per chunk): the validity bitmap is applied here.
    """
    import numpy as np

    n, offset = len(column), column.offset
    validity, data = column.buffers()[:2]
    values = np.frombuffer(data, dtype=np.float64, count=n, offset=offset * 8)
    if not column.null_count:
        return values
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    return np.where(bits[offset : offset + n].astype(bool), values, np.nan)


def _update_labels(running: Any, column: Any, pc: Any, stats: Any) -> Any:
    import pyarrow as pa

    n_rows, n_missing = len(column), column.null_count
    levels = None
    if pa.types.is_dictionary(column.type):
        if column.type.ordered:  # a pandas ordered categorical: the dictionary is its order
            levels = tuple(str(v) for v in column.dictionary.to_pylist())
        column = column.cast(pa.string())
    counts: dict[str, int] = {}
    if running is None or running.value_counts is not None:
        vc = pc.value_counts(column)
        for value, count in zip(
            vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
        ):
            if value is not None:
                counts[value] = count
    chunk = stats.label_partial_from_counts(n_rows, n_missing, counts, levels)
    return chunk if running is None else stats.merge_labels(running, chunk)


def _assemble(
    source: str,
    fmt: str,
    columns: list[str],
    choice: str,
    partials: dict[str, Partial],
    forced_type: str | None,
    storage: dict[str, bool | None] | None = None,
    order: Sequence[str] | None = None,
) -> DatasetProfile:
    from lossadvisor.profile import infer, summarize
    from lossadvisor.profile.readings import readings
    from lossadvisor.profile.stats import NumericPartial

    n_rows = partials[columns[0]].n_rows
    if n_rows == 0:
        raise InputError(f"{source}: the file has a header but no rows.")
    if order is not None and len(columns) > 1:
        raise InputError("--order gives the levels of one target; profile one --target with it.")
    if order is not None and forced_type not in (None, "ordinal"):
        raise InputError(f"--order makes the target ordinal; drop --target-type {forced_type}.")
    inferred: list[tuple[str, str, int, bool]] = []
    for name in columns:
        p = partials[name]
        infinite = getattr(p, "n_infinite", 0)
        if p.n == 0 and infinite:
            raise InputError(
                f"{source}: target '{name}' has no finite value: {infinite} of {n_rows} rows "
                "are ±inf or beyond float64's ±1.8e308"
                + (", the rest missing" if infinite < n_rows else "")
                + "; rescale it (e.g. log) or choose another target."
            )
        if p.n == 0:
            raise InputError(
                f"{source}: every value of target '{name}' is missing ({n_rows} rows)."
            )
        n_unique, estimated = summarize.n_unique_of(p)
        if n_unique == 1:
            value = next(iter(p.value_counts or {}))
            if isinstance(value, float) and value.is_integer() and abs(value) >= 2.0**63:
                # pyarrow reads whole numbers past the 64-bit integer range as float64, which
                # keeps ~16 digits: distinct integers (ids, codes) collapse into one value.
                raise InputError(
                    f"{source}: target '{name}' is {value!r} in all {p.n} non-missing rows, a "
                    "whole number beyond the 64-bit integer range: integers that large are read "
                    "as floats (about 16 digits), so distinct ones may have collapsed; if they "
                    "are ids or codes, choose another target, else rescale them."
                )
            raise InputError(
                f"{source}: target '{name}' is constant ({value!r} in all {p.n} non-missing rows); "
                "there is nothing to learn."
            )
        skew = summarize.skewness_of(p) if isinstance(p, NumericPartial) else None
        if order is not None:
            kind, reason = "ordinal", f"given with --order ({' < '.join(order)})"
        elif forced_type is not None:
            infer.check_override(forced_type, p, n_unique, name)
            kind, reason = forced_type, "given with --target-type"
        else:
            kind, reason = infer.infer_type(p, n_unique, skew, name, (storage or {}).get(name))
        inferred.append((kind, reason, n_unique, estimated))
    if forced_type is None and infer.multilabel_group([k for k, *_ in inferred]):
        inferred = [
            ("multilabel", f"one of {len(columns)} two-valued targets profiled together", n, e)
            for _, _, n, e in inferred
        ]
    profiles = []
    for name, (kind, reason, n_unique, estimated) in zip(columns, inferred, strict=True):
        levels = infer.ordinal_levels(partials[name], order, name) if kind == "ordinal" else None
        s = summarize.summarize(partials[name], kind, n_unique, estimated, levels)
        profiles.append(
            TargetProfile(
                name=name,
                target_type=kind,
                type_reason=reason,
                facts=s.facts,
                class_counts=s.class_counts,
                quantiles=s.quantiles,
                estimated=s.estimated,
                sample_size=s.sample_size,
                readings=readings(s.facts),
                levels=list(levels) if levels is not None else None,
            )
        )
    return DatasetProfile(
        source=source, format=fmt, n_rows=n_rows, target_choice=choice, targets=profiles
    )


def dump_profile(profile: DatasetProfile) -> str:
    """The profile as YAML text (what `profile -o` writes and `recommend --profile` reads)."""
    import yaml

    return yaml.safe_dump(profile.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def load_profile(path: str) -> DatasetProfile:
    """Read a profile saved by `profile -o`; InputError with one line if it is not one."""
    import pydantic

    from lossadvisor.rules.yaml_lines import YamlProblem, line_of, load_with_lines

    try:
        with open(path, encoding="utf-8") as fh:
            data, _duplicates = load_with_lines(fh.read())
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except YamlProblem as err:
        raise InputError(f"{path}:{err.line}: not a readable YAML profile: {err.message}") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; expected a profile file.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable YAML profile ({type(err).__name__}).") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a profile mapping (from `lossadvisor profile -o`).")
    try:
        profile = DatasetProfile.model_validate(data, strict=True)
    except pydantic.ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        line = line_of(data, first["loc"])
        raise InputError(
            f"{path}:{line}: not a lossadvisor profile: {where}: {first['msg']}."
        ) from None
    if profile.schema_version != PROFILE_SCHEMA_VERSION:
        raise InputError(
            f"{path}: the profile schema_version must be {PROFILE_SCHEMA_VERSION}. "
            f"Got {profile.schema_version!r} instead; re-run `lossadvisor profile -o`."
        )
    from lossadvisor.boundary import profile_problems

    problems = profile_problems(profile)
    if problems:
        loc, message = problems[0]
        where = ".".join(str(x) for x in loc)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{path}:{line_of(data, loc)}: {where}: {message}{more}")
    return profile


__all__ = ["dump_profile", "load_profile", "profile_dataset"]
