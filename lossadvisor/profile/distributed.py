"""`--engine dask`: the same mergeable partials, one task per file, on dask or a cluster.

    dask_profile(source, targets, ..., scheduler=None) -> DatasetProfile

DATA may be one file, a directory or a glob of CSV/TSV/Parquet/JSONL files, or an fsspec URL
of any of these (file://, memory://, s3:// with its fsspec backend installed). Each file is one
partition: a task reads it with the pyarrow engine's own streaming pass (stream.py, memory
bounded by the block, a column whose later values are not numbers re-read as text) and returns
the partial of every target column, so all targets come from one `compute` over all files.
The partials merge on the client. A column that is numeric in some files and text in others
is re-read as text in the files that held numbers (a second compute over those files only),
as the pyarrow engine re-reads such a column within one file.

`scheduler` (or DASK_SCHEDULER_ADDRESS) is the address of a running dask.distributed
scheduler; without one, dask's local threaded scheduler runs the tasks. A task that fails,
or a worker that dies under it, is one InputError naming the partition; nothing is returned.

With feature columns, the conditional (residual) pass fits its baseline on a seeded uniform
sample drawn on the cluster: each partition keeps its rows with the smallest seeded random keys
(a task per file, the same bottom-k pass as the one-file sample), and the client keeps the
smallest keys of the union, which is a uniform sample of all rows (`dask_sample`). DATA that is
one local file keeps the pyarrow engine's own sample, so both engines give the same facts.

A Parquet file that is the whole of DATA is split into partitions of its row groups (at
most MAX_PARTITIONS, `split_row_groups`), so one big file spreads over the workers too; a CSV
or JSONL file is one partition: to spread it, split it into files.

The older dask.dataframe reduction (`dask_partial`) is kept for Series users and tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.profile.stats import Partial, label_partial, merge_all, numeric_partial


def partial_chunk(part: Any, sample_size: int = 100_000) -> Any:
    """A pandas Series (one dask partition) -> a one-element object Series with its partial."""
    import pandas as pd
    from pandas.api import types

    if not types.is_numeric_dtype(part.dtype) or types.is_bool_dtype(part.dtype):
        labels = [None if pd.isna(v) else str(v) for v in part.tolist()]
        partial: Partial = label_partial(labels)
    else:
        partial = numeric_partial(
            part.to_numpy(dtype="float64", na_value=float("nan")), sample_size
        )
    return pd.Series([partial], dtype=object)


def merge_chunks(chunks: Any) -> Any:
    """Concatenated chunk outputs (Series or DataFrame of partials) -> one merged partial."""
    import numpy as np
    import pandas as pd

    flat = [p for p in np.asarray(chunks, dtype=object).ravel() if p is not None]
    return pd.Series([merge_all(flat)], dtype=object)


def dask_partial(series: Any, sample_size: int = 100_000) -> Partial:
    """The partial of a dask Series, computed partition by partition."""
    import pandas as pd

    result = series.reduction(
        chunk=lambda part: partial_chunk(part, sample_size),
        aggregate=merge_chunks,
        meta=pd.Series([], dtype=object),
    ).compute()
    merged: Partial = result.iloc[0]
    return merged


# --- files as partitions ------------------------------------------------------------------------

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
_GLOB = set("*?[")


@dataclass(frozen=True)
class FilePartials:
    """What one partition (file) gives back: its partials and the integer-storage evidence."""

    partials: dict[str, Partial]
    storage: dict[str, bool | None]


def _is_url(source: str) -> bool:
    return "://" in source


def expand_source(source: str) -> list[str]:
    """The data files of DATA: itself, a directory's data files, or a glob's matches (sorted).

    URLs keep their protocol (memory://a/b.csv) so a worker can open them with fsspec."""
    import fsspec

    from lossadvisor.io import detect_format

    try:
        fs, _, _ = fsspec.get_fs_token_paths(source)
    except (ValueError, ImportError) as err:
        raise InputError(f"{source}: cannot open it with fsspec: {err}") from None
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple | list) else fs.protocol
    prefix = f"{protocol}://" if _is_url(source) else ""
    bare = source.split("://", 1)[1] if _is_url(source) else source
    try:
        if _GLOB & set(bare):
            found = sorted(fs.glob(bare))
        elif fs.isdir(bare):
            found = sorted(p for p in fs.find(bare) if not _hidden(p))
        elif fs.exists(bare):
            found = [bare]
        else:
            raise InputError(f"{source}: no such file or directory")
    except OSError as err:
        raise InputError(f"{source}: cannot list it: {err}") from None
    files = []
    for path in found:
        try:
            detect_format(path, None)
        except InputError:
            continue  # _SUCCESS markers, README files, ...
        files.append(prefix + path if prefix and not path.startswith(prefix) else path)
    if not files:
        raise InputError(
            f"{source}: no .csv, .tsv, .parquet or .jsonl files (optionally compressed) there"
        )
    return files


def _hidden(path: str) -> bool:
    return any(part.startswith((".", "_")) for part in path.split("/")[-1:])


@contextlib.contextmanager
def _local(url: str) -> Iterator[str]:
    """A local path for `url`: a plain path or file:// as it is; anything else copied to a
    temporary file first (the readers seek), removed afterwards."""
    if not _is_url(url):
        yield url
        return
    protocol, rest = url.split("://", 1)
    if protocol in ("file", "local"):
        yield rest
        return
    import fsspec

    suffix = "".join(Path(rest).suffixes)
    fd, tmp = tempfile.mkstemp(prefix="lossadvisor-part-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out, fsspec.open(url, "rb") as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        yield tmp
    finally:
        Path(tmp).unlink(missing_ok=True)


MAX_PARTITIONS = 16
"""Row-group partitions of one Parquet file, at most: each returns a partial (a reservoir of
up to 100,000 values) that the client merges, so more partitions cost more than they spread."""


def split_row_groups(path: str, limit: int = MAX_PARTITIONS) -> list[tuple[int, ...]] | None:
    """The row groups of a local Parquet file in consecutive runs, one per partition (at most
    `limit`), or None when it has only one row group (or cannot be read here: the task says)."""
    import pyarrow.parquet as pq

    try:
        count = pq.ParquetFile(path).num_row_groups
    except Exception:  # an unreadable file fails in its task, with the partition's message
        return None
    if count < 2:
        return None
    per = -(-count // limit)
    return [tuple(range(start, min(start + per, count))) for start in range(0, count, per)]


def file_partials(
    url: str,
    fmt: str,
    columns: list[str],
    encoding: str,
    sample_size: int,
    text_columns: frozenset[str] = frozenset(),
    row_groups: tuple[int, ...] | None = None,
) -> FilePartials:
    """The partials of one file, or of some of its row groups (a dask task: runs on a worker)."""
    from lossadvisor.io import read_columns_header
    from lossadvisor.profile.stream import stream_partials

    try:
        with _local(url) as path:
            header = read_columns_header(path, fmt, encoding)
            from lossadvisor.io import check_columns

            check_columns(url, columns, header)
            partials, storage = stream_partials(
                path, url, fmt, columns, header, encoding, sample_size, None, text_columns,
                row_groups,
            )  # fmt: skip
    except InputError as err:
        raise InputError(str(err).replace(str(Path(tempfile.gettempdir())), "")) from None
    except (OSError, ValueError) as err:
        raise InputError(f"{url}: cannot read it: {err}") from None
    return FilePartials(partials=partials, storage=storage)


def _client(scheduler: str | None) -> Any:
    """A distributed.Client for the address (or $DASK_SCHEDULER_ADDRESS), else None."""
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            f"--scheduler {address}: needs dask.distributed: pip install 'lossadvisor[dask]'"
        ) from None
    try:
        return Client(address, timeout=10, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"--scheduler {address}: cannot reach the dask scheduler: {err}") from None


def _compute(tasks: list[Any], files: list[str], client: Any) -> list[Any]:
    """Run the tasks in one compute; a failed or lost partition is one InputError."""
    import dask

    try:
        if client is None:
            return list(dask.compute(*tasks, scheduler="threads"))
        return list(client.gather(client.compute(tasks)))
    except InputError:
        raise
    except Exception as err:  # a worker's failure reaches the client as any exception
        raise _partition_error(err, files) from None


def _partition_error(err: Exception, files: list[str]) -> InputError:
    key = str(getattr(err, "task", "") or getattr(err, "key", "") or "")
    index = next((i for i in range(len(files)) if f"partition-{i:05d}" in key + str(err)), None)
    what = f"partition {index} ({files[index]})" if index is not None else "a partition"
    name = type(err).__name__
    if name == "KilledWorker":
        detail = "the worker running it died (KilledWorker)"
    else:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        detail = f"{name}: {first}" if first else name
    return InputError(f"dask: {what} failed: {detail}; no profile was written")


def _tasks(
    files: list[str],
    indices: list[int],
    fmt: str,
    columns: list[str],
    encoding: str,
    sample_size: int,
    text: frozenset[str],
    groups: list[tuple[int, ...] | None],
) -> list[Any]:
    import dask

    task = dask.delayed(file_partials, pure=True)
    stage = "text" if text else "first"  # a new key for the re-read: not the cached result
    return [
        task(
            files[i],
            fmt,
            columns,
            encoding,
            sample_size,
            text,
            groups[i],
            dask_key_name=f"lossadvisor-partition-{i:05d}-{stage}",
        )
        for i in indices
    ]


def dask_file_partials(
    files: list[str],
    fmt: str,
    columns: list[str],
    encoding: str,
    sample_size: int,
    scheduler: str | None = None,
) -> tuple[dict[str, Partial], dict[str, bool | None]]:
    """Every target's merged partial over all files, and the merged storage evidence."""
    try:
        import dask  # noqa: F401
    except ImportError:
        raise InputError("--engine dask needs dask: pip install 'lossadvisor[dask]'.") from None
    from lossadvisor.profile.stats import LabelPartial

    groups: list[tuple[int, ...] | None] = [None] * len(files)
    if len(files) == 1 and fmt == "parquet" and not _is_url(files[0]):
        runs = split_row_groups(files[0])
        if runs is not None:  # one big file: a partition per run of row groups
            groups = list(runs)
            files = files * len(runs)
    shown = [
        f if g is None else f"{f} row groups {g[0]}-{g[-1]}"
        for f, g in zip(files, groups, strict=True)
    ]
    client = _client(scheduler)
    try:
        everything = list(range(len(files)))
        parts = _compute(
            _tasks(files, everything, fmt, columns, encoding, sample_size, frozenset(), groups),
            shown,
            client,
        )
        text = frozenset(
            c for c in columns if any(isinstance(p.partials[c], LabelPartial) for p in parts)
        )
        redo = [
            i
            for i, p in enumerate(parts)
            if any(not isinstance(p.partials[c], LabelPartial) for c in text)
        ]
        if redo:  # numbers in some files, text in others: those columns are text throughout
            again = _compute(
                _tasks(files, redo, fmt, columns, encoding, sample_size, text, groups),
                shown,
                client,
            )
            for i, part in zip(redo, again, strict=True):
                parts[i] = part
    finally:
        if client is not None:
            client.close()
    merged = {c: merge_all([p.partials[c] for p in parts]) for c in columns}
    storage: dict[str, bool | None] = {}
    for c in columns:
        seen = [p.storage.get(c) for p in parts]
        storage[c] = False if False in seen else (True if seen and all(seen) else None)
    return merged, storage


@dataclass(frozen=True)
class DaskSource:
    """What DATA expanded to: its files, their format and the first file's header."""

    files: list[str]
    kind: str
    header: list[str]

    @property
    def single(self) -> str | None:
        """The one local file when DATA is one, else None."""
        return self.files[0] if len(self.files) == 1 and not _is_url(self.files[0]) else None


def dask_profile(
    source: str,
    targets: Sequence[str],
    fmt: str | None,
    target_type: str | None,
    sample_size: int,
    encoding: str,
    order: Sequence[str] | None,
    scheduler: str | None = None,
) -> tuple[Any, DaskSource]:
    """(DatasetProfile, what DATA expanded to) for `--engine dask`."""
    from lossadvisor.io import detect_format, read_columns_header
    from lossadvisor.profile.assemble import assemble, choose_targets

    files = expand_source(source)
    formats = {detect_format(f, fmt) for f in files}
    if len(formats) > 1:
        raise InputError(f"{source}: mixes formats ({', '.join(sorted(formats))}); give one kind")
    kind = formats.pop()
    with _local(files[0]) as first:
        header = read_columns_header(first, kind, encoding)
    chosen, choice = choose_targets(header, targets, files[0])
    partials, storage = dask_file_partials(files, kind, chosen, encoding, sample_size, scheduler)
    profile = assemble(source, kind, chosen, choice, partials, target_type, storage, order)
    return profile, DaskSource(files=files, kind=kind, header=list(header))


@dataclass(frozen=True)
class SamplePart:
    """One partition's share of the sample: its kept rows (or None), their keys, rows read."""

    table: Any
    keys: Any
    n_read: int


def file_sample(
    url: str,
    fmt: str,
    columns: list[str],
    header: list[str],
    encoding: str,
    max_rows: int,
    index: int,
) -> SamplePart:
    """The rows of one file with the `max_rows` smallest keys, seeded by the file's index (a
    dask task: runs on a worker)."""
    from lossadvisor.profile.features import SEED, read_keyed

    try:
        with _local(url) as path:
            table, keys, n_read = read_keyed(
                path, url, fmt, columns, header, encoding, max_rows, (SEED, index)
            )
    except InputError as err:
        raise InputError(str(err).replace(str(Path(tempfile.gettempdir())), "")) from None
    except (OSError, ValueError) as err:
        raise InputError(f"{url}: cannot read it: {err}") from None
    return SamplePart(table=table, keys=keys, n_read=n_read)


def dask_sample(
    source: DaskSource,
    columns: list[str],
    encoding: str,
    max_rows: int,
    scheduler: str | None = None,
) -> Any:
    """A seeded uniform sample of at most `max_rows` rows of `columns` over every file, drawn
    on the cluster (one task per file; see the module docstring), in file order."""
    import dask
    import numpy as np
    import pyarrow as pa

    from lossadvisor.profile.features import to_sample

    task = dask.delayed(file_sample, pure=True)
    tasks = [
        task(f, source.kind, columns, source.header, encoding, max_rows, i,
             dask_key_name=f"lossadvisor-partition-{i:05d}-sample")
        for i, f in enumerate(source.files)
    ]  # fmt: skip
    client = _client(scheduler)
    try:
        parts = _compute(tasks, source.files, client)
    finally:
        if client is not None:
            client.close()
    kept = [(i, p) for i, p in enumerate(parts) if p.table is not None]
    if not kept:
        raise InputError("the files have a header but no rows.")
    n_read = sum(p.n_read for p in parts)
    tables = _same_types(
        [p.table.append_column("__part__", pa.array(np.full(p.table.num_rows, i))) for i, p in kept]
    )
    table = pa.concat_tables(tables, promote_options="permissive")
    keys = np.concatenate([p.keys for _, p in kept])
    if keys.size > max_rows:
        table = table.take(pa.array(np.sort(np.argpartition(keys, max_rows)[:max_rows])))
    # file order: by partition, then row; to_sample sorts by __row__, so number rows globally
    order = np.lexsort((table.column("__row__").to_numpy(), table.column("__part__").to_numpy()))
    table = table.take(pa.array(order)).drop_columns(["__part__", "__row__"])
    table = table.append_column("__row__", pa.array(np.arange(table.num_rows)))
    return to_sample(table, n_read, max_rows)


def _same_types(tables: list[Any]) -> list[Any]:
    """A column read as numbers in some files and as text in others is text in all of them
    (as a column whose later values are not numbers is text in the one-file pass)."""
    import pyarrow as pa

    names = tables[0].column_names
    kinds = {n: {_kind(t.schema.field(n).type) for t in tables} for n in names}
    mixed = {n for n, seen in kinds.items() if {"text", "other"} <= seen}
    out = []
    for table in tables:
        for name in mixed:
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.string()))
        out.append(table)
    return out


def _kind(dtype: Any) -> str:
    import pyarrow as pa

    if pa.types.is_null(dtype):
        return "null"  # an all-missing column in one file: concat promotes it
    return "text" if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) else "other"
