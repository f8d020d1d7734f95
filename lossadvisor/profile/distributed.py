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
most MAX_PARTITIONS, `split_row_groups`), so one big file spreads over the workers too. A
plain (uncompressed) CSV, TSV or JSONL file of at least two SPLIT_BLOCKs is split into byte
ranges that start and end at line boundaries (at most MAX_PARTITIONS, `split_byte_ranges`);
each task copies its range, after the CSV header, to a temporary file and reads that with the
same streaming pass. A newline inside a quoted CSV field would cut a row in two: each task
checks the quote parity of every line it copies (a `"` odd in number before a newline), and
when one finds such a line the file is read again as one partition, with a note on stderr
(a stray `"` inside an unquoted field costs the same fall-back, never a wrong profile). A
compressed file, or one in an encoding where a newline is not the byte 0x0A, stays one
partition, with a note when it is big enough to split.

The older dask.dataframe reduction (`dask_partial`) is kept for Series users and tests.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import shutil
import sys
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


SPLIT_BLOCK = 64 << 20
"""The smallest byte range of one CSV / TSV / JSONL partition (64 MiB): a file under two of
them is one partition; a bigger one gets min(MAX_PARTITIONS, size // SPLIT_BLOCK) ranges."""

ByteRange = tuple[int, int, int]
"""(start, end, header_end): the bytes [start, end) of a file, read after its first
header_end bytes (the CSV header line; 0 for JSONL and for the range that starts the file)."""


class QuotedNewline(InputError):
    """A task met a newline inside a quoted CSV field: the file cannot be cut at newlines."""


def split_byte_ranges(
    path: str, fmt: str, encoding: str, limit: int = MAX_PARTITIONS, block: int = SPLIT_BLOCK
) -> tuple[list[ByteRange] | None, str | None]:
    """Byte ranges of a local CSV / TSV / JSONL file that start at line starts and cover it
    exactly, one per partition, or None with the reason it stays one partition (None as the
    reason when the file is simply too small to split)."""
    from lossadvisor.io import detect_compression

    try:
        size = os.path.getsize(path)
        if fmt not in ("csv", "tsv", "jsonl") or size < 2 * block or limit < 2:
            return None, None
        if detect_compression(path) is not None:
            return None, "a compressed file cannot be cut into byte ranges"
        if not _newline_is_a_byte(encoding):
            return None, f"in {encoding} a newline is not one byte"
        with open(path, "rb") as stream:
            header_end = 0
            if fmt != "jsonl":
                header_end = _line_start(stream, 1, size)
                stream.seek(0)
                if stream.read(header_end).count(b'"') % 2:
                    return None, "its header has a quoted name that spans lines"
            count = min(limit, size // block)
            cuts = sorted(
                {_line_start(stream, i * size // count, size) for i in range(1, count)} - {0, size}
            )
    except OSError:
        return None, None  # the task reading it says what is wrong
    starts = [0, *(c for c in cuts if c > header_end)]
    ends = [*starts[1:], size]
    if len(starts) < 2:
        return None, None
    return [
        (start, end, 0 if start == 0 else header_end)
        for start, end in zip(starts, ends, strict=True)
    ], None


def _newline_is_a_byte(encoding: str) -> bool:
    """Whether "\n" (and the CSV quote) are the single ASCII bytes in this encoding, and
    never part of another character (UTF-8, Latin-1, cp1252, Shift_JIS, ...; not UTF-16)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False  # the task reports the unknown encoding
    if name == "utf-8-sig":
        return True
    try:
        return '\n",'.encode(name) == b'\n",' and not name.startswith(("utf-16", "utf-32"))
    except (UnicodeError, LookupError):
        return False


def _line_start(stream: Any, offset: int, size: int) -> int:
    """The first line start at or after `offset` (a byte just after a newline), or `size`."""
    if offset <= 0:
        return 0
    stream.seek(offset - 1)
    position = offset - 1
    while position < size:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        found = chunk.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(chunk)
    return size


@contextlib.contextmanager
def _range_file(path: str, fmt: str, byte_range: ByteRange) -> Iterator[str]:
    """A temporary file holding the header and the byte range, removed afterwards; raises
    QuotedNewline when a CSV line of it has an odd number of quotes before its newline."""
    import numpy as np

    start, end, header_end = byte_range
    check = fmt in ("csv", "tsv")
    suffix = "".join(Path(path).suffixes[-1:])
    fd, tmp = tempfile.mkstemp(prefix="lossadvisor-range-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
            parity = 0
            for begin, stop in ((0, header_end), (start, end)):
                source.seek(begin)
                left = stop - begin
                while left > 0:
                    chunk = source.read(min(1 << 20, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    out.write(chunk)
                    if check:
                        parity = _quote_parity(np, chunk, parity, path)
        yield tmp
    finally:
        Path(tmp).unlink(missing_ok=True)


def _quote_parity(np: Any, chunk: bytes, parity: int, path: str) -> int:
    """The quote parity after `chunk` (0: outside quotes); QuotedNewline when a newline of it
    comes after an odd number of quotes since the range began (the quotes of one line are
    even in a CSV whose fields hold no newline; a doubled "" counts two)."""
    quotes = chunk.count(b'"')
    if quotes:
        data = np.frombuffer(chunk, dtype=np.uint8)
        inside = np.cumsum(data == 34, dtype=np.uint8) + np.uint8(parity)  # parity survives wrap
        odd = bool((inside[data == 10] & 1).any())
    else:
        odd = bool(parity) and b"\n" in chunk
    if odd:
        raise QuotedNewline(f"{path}: a quoted field spans lines")
    return (parity + quotes) % 2


def file_partials(
    url: str,
    fmt: str,
    columns: list[str],
    encoding: str,
    sample_size: int,
    text_columns: frozenset[str] = frozenset(),
    row_groups: tuple[int, ...] | None = None,
    byte_range: ByteRange | None = None,
) -> FilePartials:
    """The partials of one file, of some of its row groups or of one byte range (a dask task:
    runs on a worker)."""
    from lossadvisor.io import read_columns_header
    from lossadvisor.profile.stream import stream_partials

    try:
        with _local(url) if byte_range is None else _range_file(url, fmt, byte_range) as path:
            try:
                header = read_columns_header(path, fmt, encoding)
                from lossadvisor.io import check_columns

                check_columns(url, columns, header)
                partials, storage = stream_partials(
                    path, url, fmt, columns, header, encoding, sample_size, None, text_columns,
                    row_groups,
                )  # fmt: skip
            except InputError as err:
                raise InputError(_as_in_file(str(err), path, url, byte_range)) from None
    except (OSError, ValueError) as err:
        raise InputError(f"{url}: cannot read it: {err}") from None
    return FilePartials(partials=partials, storage=storage)


def _as_in_file(message: str, path: str, url: str, byte_range: ByteRange | None) -> str:
    """A reader's message about the local copy `path` as one about `url`; for a byte range,
    its first line number counted in the whole file (the copy starts with the header line)."""
    if path != url:
        message = message.replace(path, url)
    match = re.search(r"\bline (\d+)\b", message)
    if byte_range is None or byte_range[0] == 0 or match is None:
        return message
    start, _, header_end = byte_range
    before = 0  # lines that end before the range starts
    with open(url, "rb") as stream:
        left = start
        while left > 0:
            chunk = stream.read(min(1 << 20, left))
            if not chunk:
                break
            left -= len(chunk)
            before += chunk.count(b"\n")
    line = int(match.group(1)) - (1 if header_end else 0) + before
    return message[: match.start(1)] + str(line) + message[match.end(1) :]


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
    ranges: list[ByteRange | None],
    whole: bool = False,
) -> list[Any]:
    import dask

    task = dask.delayed(file_partials, pure=True)
    # A new key for each re-read (as text; as one partition after a refused split): a key
    # the cluster still holds would give back that task's result.
    stage = ("text" if text else "first") + ("-whole" if whole else "")
    return [
        task(
            files[i],
            fmt,
            columns,
            encoding,
            sample_size,
            text,
            groups[i],
            ranges[i],
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
    client = _client(scheduler)
    try:
        try:
            parts = _all_partials(files, fmt, columns, encoding, sample_size, client, True)
        except QuotedNewline as err:
            print(
                f"lossadvisor: note: {files[0]}: read as one partition, not split at line "
                f"boundaries: {str(err).split(': ', 1)[-1]}.",
                file=sys.stderr,
            )
            parts = _all_partials(files, fmt, columns, encoding, sample_size, client, False)
    finally:
        if client is not None:
            client.close()
    merged = {c: merge_all([p.partials[c] for p in parts]) for c in columns}
    storage: dict[str, bool | None] = {}
    # One file cut into byte ranges: the pyarrow engine's evidence is its first block's type,
    # which is the first range's (the same first bytes).
    first_only = len(parts) > 1 and len(set(files)) == 1 and fmt != "parquet"
    for c in columns:
        seen = (
            [p.storage.get(c) for p in parts[:1]]
            if first_only
            else [p.storage.get(c) for p in parts]
        )
        storage[c] = False if False in seen else (True if seen and all(seen) else None)
    return merged, storage


def _shown(file: str, groups: tuple[int, ...] | None, byte_range: ByteRange | None) -> str:
    """A partition as a failure names it."""
    if groups is not None:
        return f"{file} row groups {groups[0]}-{groups[-1]}"
    if byte_range is not None:
        return f"{file} bytes {byte_range[0]}-{byte_range[1]}"
    return file


def _all_partials(
    files: list[str],
    fmt: str,
    columns: list[str],
    encoding: str,
    sample_size: int,
    client: Any,
    split: bool,
) -> list[FilePartials]:
    """Every partition's partials (one file split when `split` and it is big enough), with a
    column that is text in one partition re-read as text in the others."""
    from lossadvisor.profile.stats import LabelPartial

    groups: list[tuple[int, ...] | None] = [None] * len(files)
    ranges: list[ByteRange | None] = [None] * len(files)
    if len(files) == 1 and fmt == "parquet" and not _is_url(files[0]):
        runs = split_row_groups(files[0])
        if runs is not None:  # one big file: a partition per run of row groups
            groups = list(runs)
            files = files * len(runs)
            ranges = [None] * len(files)
    elif split and len(files) == 1 and not _is_url(files[0]):
        cut, why = split_byte_ranges(files[0], fmt, encoding, block=SPLIT_BLOCK)
        if cut is not None:  # one big text file: a partition per byte range
            ranges = list(cut)
            files = files * len(cut)
            groups = [None] * len(files)
        elif why is not None:
            print(f"lossadvisor: note: {files[0]}: read as one partition: {why}.", file=sys.stderr)
    shown = [_shown(f, g, r) for f, g, r in zip(files, groups, ranges, strict=True)]
    everything = list(range(len(files)))
    parts: list[FilePartials] = _compute(
        _tasks(
            files,
            everything,
            fmt,
            columns,
            encoding,
            sample_size,
            frozenset(),
            groups,
            ranges,
            not split,
        ),
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
    if redo:  # numbers in some partitions, text in others: those columns are text throughout
        again = _compute(
            _tasks(
                files, redo, fmt, columns, encoding, sample_size, text, groups, ranges, not split
            ),
            shown,
            client,
        )
        for i, part in zip(redo, again, strict=True):
            parts[i] = part
    return parts


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
            try:
                table, keys, n_read = read_keyed(
                    path, url, fmt, columns, header, encoding, max_rows, (SEED, index)
                )
            except InputError as err:
                raise InputError(_as_in_file(str(err), path, url, None)) from None
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
