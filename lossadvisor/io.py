"""Open a data file (or stdin) as a stream of column chunks, with one-line errors.

Formats: CSV, TSV, Parquet, JSON Lines; text formats may be gzip/bz2/zstd-compressed (detected
from the file's magic bytes, so `data.csv.gz` and a compressed stdin both work). Only the
requested columns are converted, chunk by chunk, so memory follows the block size, not the file
size. Every problem a user can cause surfaces as `InputError`; pyarrow's messages are translated
here and nowhere else.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError, unknown_name

if TYPE_CHECKING:
    import pandas
    import pyarrow

FORMATS = ("csv", "tsv", "parquet", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_COMPRESSED = (".gz", ".gzip", ".bz2", ".zst", ".zstd")
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\x28\xb5\x2f\xfd", "zstd"))
_COLUMN_ERROR = re.compile(
    r"In CSV column #(\d+): .*CSV conversion error to (\w+): invalid value '(.*)'"
)


_HEADER_BLOCK = 1 << 18
"""Bytes parsed to read a header or guess column types: enough rows, a fraction of a block."""


class ColumnTypeError(InputError):
    """A value in `column` does not fit the type inferred (or forced) for that column."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


def detect_format(source: str, fmt: str | None) -> str:
    """ "csv" | "tsv" | "parquet" | "jsonl", from `fmt` or the file extension (stdin: csv)."""
    if fmt is not None:
        if fmt.lower() not in FORMATS:
            raise unknown_name("format", fmt, FORMATS, where="--input-format")
        return fmt.lower()
    if source == "-":
        return "csv"
    name = os.path.basename(source).lower()
    for ext in _COMPRESSED:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    _, ext = os.path.splitext(name)
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if not ext and is_stream(source):  # a pipe, FIFO or <(process substitution): like stdin
        return "csv"
    got = ext or "no extension"
    raise InputError(
        f"{source}: unsupported format ({got}); expected one of .csv, .tsv, .parquet, .jsonl "
        "(optionally .gz/.bz2/.zst), or pass --input-format csv|tsv|parquet|jsonl."
    )


def check_source(source: str) -> None:
    """InputError unless `source` is stdin, a readable non-empty regular file, or a stream.

    Pipes, FIFOs, character devices and /proc files report size 0, so only regular files are
    checked for emptiness; streams are read as they come (see `is_stream`).
    """
    if source == "-":
        return
    try:
        info = os.stat(source)
    except PermissionError:
        raise InputError(
            f"{source}: permission denied (a directory on the path cannot be entered)."
        ) from None
    except FileNotFoundError:
        raise InputError(f"{source}: no such file.") from None
    except OSError as err:
        raise os_error(err, source) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{source}: is a directory; expected a data file.")
    if not os.access(source, os.R_OK, effective_ids=os.access in os.supports_effective_ids):
        raise InputError(f"{source}: permission denied (the file cannot be read).")
    if stat.S_ISREG(info.st_mode) and info.st_size == 0 and not source.startswith("/proc/"):
        raise InputError(f"{source}: the file is empty; expected a header and rows.")


def is_stream(source: str) -> bool:
    """Whether `source` can be read only once, front to back: stdin, a pipe, a FIFO, a device,
    a /proc file. Such inputs are spooled to a temporary file before anything reads them."""
    if source == "-":
        return True
    try:
        mode = os.stat(source).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) or source.startswith("/proc/")


_CODEC_WORDS = (("zlib", "gzip"), ("bz2", "bz2"), ("ZSTD", "zstd"), ("zstd", "zstd"))


def os_error(err: OSError, source: str) -> InputError:
    """One line for an OSError while reading `source`: decoder failures and file-system causes.

    pyarrow reports a bad compressed stream as OSError ("Truncated compressed stream",
    "zlib inflate failed: ...", "bz2 decompress failed: ...", "ZSTD decompress failed: ...").
    """
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    codec = next((name for word, name in _CODEC_WORDS if word in text), None)
    if codec is None and source != "-" and os.path.isfile(source):
        try:
            codec = detect_compression(source)
        except OSError:
            codec = None
    if "Truncated" in text or "truncated" in text or "unexpected end" in text.lower():
        what = f"the {codec} data" if codec else "the compressed data"
        return InputError(f"{source}: {what} is truncated (an interrupted download?).")
    if "decompress failed" in text or "inflate failed" in text or "Corrupt" in text:
        what = f"the {codec} data" if codec else "the compressed data"
        detail = text.split(":", 1)[-1].strip()
        return InputError(f"{source}: {what} is corrupt ({detail}).")
    if isinstance(err, PermissionError):
        return InputError(f"{source}: permission denied.")
    if isinstance(err, IsADirectoryError):
        return InputError(f"{source}: is a directory; expected a data file.")
    if isinstance(err, FileNotFoundError):
        return InputError(f"{source}: no such file.")
    reason = err.strerror or text
    return InputError(f"{source}: cannot read: {reason}.")


def detect_compression(path: str) -> str | None:
    """'gzip' | 'bz2' | 'zstd' from the file's first bytes, or None for plain files."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    for magic, codec in _MAGIC:
        if head.startswith(magic):
            return codec
    return None


_BINARY_MAGIC = (
    (b"PAR1", "a Parquet file", "pass --input-format parquet"),
    (b"PK\x03\x04", "a zip archive (or .xlsx workbook)", "unzip it or export it as CSV first"),
    (b"ARROW1", "an Arrow IPC file", "convert it to Parquet or CSV first"),
    (b"ORC", "an ORC file", "convert it to Parquet or CSV first"),
    (b"SQLite format 3\x00", "an SQLite database", "export a table as CSV first"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file", "convert it to Parquet or CSV first"),
)
_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff(source: str, fmt: str, encoding: str) -> None:
    """InputError when the first bytes say the file is not what `fmt` reads.

    Binary formats are recognised by their magic bytes whatever the file is called, and a
    UTF-16/32 byte-order mark under the default encoding gets the `--encoding` to pass. The
    bytes looked at are the decompressed ones for .gz/.bz2/.zst.
    """
    import pyarrow as pa

    with pa.input_stream(source, compression=detect_compression(source)) as raw:
        head = bytes(raw.read(16))
    if fmt == "parquet":
        if not head.startswith(b"PAR1"):
            raise InputError(
                f"{source}: not a Parquet file (no PAR1 magic bytes); pass --input-format."
            )
        return
    for magic, what, advice in _BINARY_MAGIC:
        if head.startswith(magic):
            raise InputError(f"{source}: this is {what}, not {fmt} text; {advice}.")
    name = _arrow_encoding(encoding)
    if name in ("utf8", "utf-8-sig"):
        for bom, wide in _BOMS:
            if head.startswith(bom):
                raise InputError(
                    f"{source}: the text is {wide.upper()} (it starts with a byte-order mark); "
                    f"pass --encoding {wide}."
                )
    if b"\x00" in head and not name.startswith(("utf-16", "utf-32")):
        raise InputError(
            f"{source}: binary data (NUL bytes) where {fmt} text was expected; "
            "pass --input-format or --encoding if the file is text."
        )


class _Source:
    """An opened input: the (decompressed) stream and the raw file, for progress in bytes."""

    def __init__(self, source: str) -> None:
        import pyarrow as pa

        self.raw: Any
        if source == "-":
            self.raw = None
            self.stream: Any = pa.PythonFile(sys.stdin.buffer, mode="r")
            return
        codec = detect_compression(source)
        self.raw = pa.OSFile(source, mode="r")
        self.stream = pa.CompressedInputStream(self.raw, codec) if codec else self.raw

    def position(self) -> int:
        return int(self.raw.tell()) if self.raw is not None else 0

    def close(self) -> None:
        self.stream.close()
        if self.raw is not None and self.raw is not self.stream:
            self.raw.close()


def _csv_reader(
    src: _Source,
    fmt: str,
    columns: Sequence[str] | None,
    encoding: str,
    block_size: int,
    column_types: Mapping[str, pyarrow.DataType] | None,
) -> Any:
    import pyarrow.csv as pcsv

    return pcsv.open_csv(
        src.stream,
        read_options=pcsv.ReadOptions(block_size=block_size, encoding=_arrow_encoding(encoding)),
        parse_options=pcsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ","),
        convert_options=pcsv.ConvertOptions(
            include_columns=list(columns) if columns else None,
            column_types=dict(column_types or {}),
            strings_can_be_null=True,
        ),
    )


def _arrow_encoding(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError as err:
        raise InputError(
            f"--encoding: unknown encoding '{encoding}' (e.g. utf-8, latin-1, cp1252)."
        ) from err
    # rot13, base64, zlib... are codecs too, but not text encodings: pyarrow cannot use them.
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(
            f"--encoding: '{encoding}' is not a text encoding (e.g. utf-8, latin-1, cp1252)."
        )
    name = info.name
    return "utf8" if name == "utf-8" else name


def iter_columns(
    source: str,
    columns: Sequence[str] | None,
    fmt: str | None = None,
    encoding: str = "utf-8",
    block_size: int = 1 << 20,
    *,
    column_types: Mapping[str, pyarrow.DataType] | None = None,
    progress: Callable[[int], None] | None = None,
    header: Sequence[str] | None = None,
    row_groups: Sequence[int] | None = None,
) -> Iterator[pyarrow.RecordBatch]:
    """Yield record batches holding only `columns` (all when None), about `block_size` bytes each.

    `column_types` forces a type per column (CSV/TSV); `progress` is called after each batch with
    the bytes of the (possibly compressed) file consumed so far. Raises InputError (and its
    subclass ColumnTypeError when a value does not fit its column's type). Pass `header` when
    already known to skip reading it again. `row_groups`: only these row groups of a Parquet
    file (one partition of it, for the dask engine).
    """
    check_source(source)
    fmt = detect_format(source, fmt)
    try:
        if header is None and source != "-":
            header = read_columns_header(source, fmt, encoding)
        if columns is not None and header is not None:
            check_columns(source, columns, header)
        batches: Iterator[pyarrow.RecordBatch]
        if fmt in ("csv", "tsv"):
            batches = _iter_csv(
                source, fmt, columns, encoding, block_size, column_types, progress, header
            )
        elif fmt == "parquet":
            batches = _iter_parquet(source, columns, progress, row_groups)
        else:
            batches = _iter_jsonl(source, columns, block_size, progress)
        for batch in batches:
            check_flat(source, batch.schema)
            yield batch
    except OSError as err:
        raise os_error(err, source) from None


def check_flat(source: str, schema: pyarrow.Schema) -> None:
    """InputError naming the first column of nested values (JSON objects or arrays, Parquet
    struct / list / map / union): a column is one value per row for every statistic here."""
    import pyarrow as pa

    for field in schema:
        kind = field.type
        if pa.types.is_nested(kind) or pa.types.is_union(kind):
            raise InputError(
                f"{source}: column {field.name!r} holds nested values ({kind}); flatten it "
                "(one value per column) or choose another column."
            )


def check_columns(source: str, wanted: Sequence[str], header: Sequence[str]) -> None:
    """InputError naming the first wanted column absent from `header`, with the closest names."""
    for name in wanted:
        if name not in header:
            raise unknown_name("column", name, header, where=source)


MAX_BLOCK_SIZE = 64 << 20
"""The largest read block (64 MiB): a row (or header) longer than the block being read makes
pyarrow fail ("straddling object"), so the block grows 4x up to this cap and the read resumes."""


class _Straddle(Exception):
    """pyarrow met a row (or header) longer than the read block; `error` is what to raise when
    no larger block helps (a header that fills the block reads as "Empty CSV ... block")."""

    def __init__(self, error: InputError | None = None) -> None:
        super().__init__()
        self.error = error


def _straddles(err: Exception) -> bool:
    text = str(err)
    return "straddl" in text or "Empty CSV file or block" in text


def _growing(
    source: str,
    block_size: int,
    read: Callable[[int], Iterator[pyarrow.RecordBatch]],
) -> Iterator[pyarrow.RecordBatch]:
    """`read(block_size)`'s batches; when a row does not fit the block, read again with a 4x
    larger block (up to MAX_BLOCK_SIZE), skipping the rows already yielded. Stdin cannot be
    read again: there the first straddle is the error."""
    done = 0
    while True:
        try:
            skip = done
            for batch in read(block_size):
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                if skip:
                    batch, skip = batch.slice(skip), 0
                done += batch.num_rows
                yield batch
            return
        except _Straddle as straddle:
            if straddle.error is not None and (source == "-" or block_size >= MAX_BLOCK_SIZE):
                raise straddle.error from None
            if source == "-" or block_size >= MAX_BLOCK_SIZE:
                limit = _mib(block_size if source == "-" else MAX_BLOCK_SIZE)
                hint = (
                    "save the data to a file (stdin is read once, in blocks of that size)"
                    if source == "-"
                    else "split the long field or choose another format (e.g. Parquet)"
                )
                raise InputError(
                    f"{source}: a row (or the header) is longer than {limit}, the largest block "
                    f"read; {hint}."
                ) from None
            block_size = min(block_size * 4, MAX_BLOCK_SIZE)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def _iter_csv(
    source: str,
    fmt: str,
    columns: Sequence[str] | None,
    encoding: str,
    block_size: int,
    column_types: Mapping[str, pyarrow.DataType] | None,
    progress: Callable[[int], None] | None,
    header: Sequence[str] | None,
) -> Iterator[pyarrow.RecordBatch]:
    def read(size: int) -> Iterator[pyarrow.RecordBatch]:
        return _iter_csv_blocks(
            source, fmt, columns, encoding, size, column_types, progress, header
        )

    return _growing(source, block_size, read)


def _iter_csv_blocks(
    source: str,
    fmt: str,
    columns: Sequence[str] | None,
    encoding: str,
    block_size: int,
    column_types: Mapping[str, pyarrow.DataType] | None,
    progress: Callable[[int], None] | None,
    header: Sequence[str] | None,
) -> Iterator[pyarrow.RecordBatch]:
    import pyarrow as pa

    src = _Source(source)
    # pyarrow numbers columns by their position in the file, so errors need the full header.
    header = list(header or [])
    try:
        reader = _csv_reader(src, fmt, columns, encoding, block_size, column_types)
        header = header or list(reader.schema.names)
        check_unique(source, header)
        _check_decodable(source, reader.schema, encoding)
        for batch in reader:
            yield batch
            if progress is not None:
                progress(src.position())
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        if _straddles(err):
            empty = "Empty CSV" in str(err)
            raise _Straddle(
                _translate(err, source, fmt, encoding, header) if empty else None
            ) from None
        raise _translate(err, source, fmt, encoding, header) from None
    finally:
        src.close()


def _check_decodable(source: str, schema: pyarrow.Schema, encoding: str) -> None:
    import pyarrow as pa

    for field in schema:
        if pa.types.is_binary(field.type):
            raise InputError(
                f"{source}: column '{field.name}' is not valid {encoding} text; "
                "pass the file's encoding, e.g. --encoding latin-1."
            )


def _translate(
    err: Exception, source: str, fmt: str, encoding: str, header: Sequence[str]
) -> InputError:
    """Turn a pyarrow/codec error into one line the user can act on."""
    text = str(err)
    if isinstance(err, UnicodeDecodeError) or "invalid UTF8" in text or "UTF-8" in text:
        return InputError(
            f"{source}: bytes that are not valid {encoding}; pass the file's encoding, "
            "e.g. --encoding latin-1."
        )
    if text.startswith("Empty CSV file"):
        return InputError(f"{source}: the file is empty; expected a header and rows.")
    match = _COLUMN_ERROR.search(text)
    if match:
        index, arrow_type, value = int(match.group(1)), match.group(2), match.group(3)
        name = header[index] if index < len(header) else f"#{index}"
        return ColumnTypeError(
            f"{source}: column '{name}' has the value '{value}' where earlier rows were "
            f"{_type_words(arrow_type)}.",
            name,
        )
    if "Expected" in text and "columns, got" in text:
        line = _ragged_line(source, fmt, encoding)
        where = f"line {line}" if line else "a row"
        return InputError(f"{source}: {where} has a different number of fields than the header.")
    return InputError(f"{source}: cannot read as {fmt}: {text.splitlines()[0]}")


def _type_words(arrow_type: str) -> str:
    return {"double": "numbers", "int64": "integers", "bool": "true/false"}.get(
        arrow_type, arrow_type
    )


def _ragged_line(source: str, fmt: str, encoding: str) -> int | None:
    """The 1-based line number of the first row whose field count differs from the header's."""
    if source == "-":
        return None
    import pyarrow as pa

    codec = detect_compression(source)
    with pa.input_stream(source, compression=codec) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter="\t" if fmt == "tsv" else ",")
        width: int | None = None
        for row in reader:
            if width is None:
                width = len(row)
            elif len(row) != width and row:
                return reader.line_num
    return None


def _iter_parquet(
    source: str,
    columns: Sequence[str] | None,
    progress: Callable[[int], None] | None,
    row_groups: Sequence[int] | None = None,
) -> Iterator[pyarrow.RecordBatch]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle: Any = pa.BufferReader(sys.stdin.buffer.read()) if source == "-" else source
        pf = pq.ParquetFile(handle)
        check_unique(source, pf.schema_arrow.names)
        done = 0
        wanted = list(columns) if columns else None
        groups = list(row_groups) if row_groups is not None else None
        for batch in pf.iter_batches(batch_size=65_536, columns=wanted, row_groups=groups):
            yield batch
            done += batch.nbytes
            if progress is not None:
                progress(done)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{source}: cannot read as parquet: {str(err).splitlines()[0]}") from None


def _iter_jsonl(
    source: str,
    columns: Sequence[str] | None,
    block_size: int,
    progress: Callable[[int], None] | None,
) -> Iterator[pyarrow.RecordBatch]:
    return _growing(
        source, block_size, lambda size: _iter_jsonl_blocks(source, columns, size, progress)
    )


def _iter_jsonl_blocks(
    source: str,
    columns: Sequence[str] | None,
    block_size: int,
    progress: Callable[[int], None] | None,
) -> Iterator[pyarrow.RecordBatch]:
    import pyarrow as pa
    import pyarrow.json as pjson

    src = _Source(source)
    try:
        reader = pjson.open_json(src.stream, read_options=pjson.ReadOptions(block_size=block_size))
        for batch in reader:
            yield batch.select(list(columns)) if columns else batch
            if progress is not None:
                progress(src.position())
    except (pa.ArrowInvalid, KeyError) as err:
        if _straddles(err):
            raise _Straddle from None
        raise InputError(
            f"{source}: cannot read as JSON Lines: {str(err).splitlines()[0]}"
        ) from None
    finally:
        src.close()


def read_columns_header(source: str, fmt: str | None = None, encoding: str = "utf-8") -> list[str]:
    """The column names of a file (reads only the first block); InputError when one repeats."""
    check_source(source)
    try:
        names = _read_header(source, fmt, encoding)
    except OSError as err:
        raise os_error(err, source) from None
    check_unique(source, names)
    return names


def check_unique(source: str, names: Sequence[str]) -> None:
    """InputError naming the first repeated column name and its (1-based) positions: every
    reader here would silently take the first such column, so which one is meant is unknown."""
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, 1):
        seen.setdefault(name, []).append(position)
    for name, positions in seen.items():
        if len(positions) > 1:
            where = ", ".join(str(p) for p in positions)
            raise InputError(
                f"{source}: the column name {name!r} appears {len(positions)} times "
                f"(columns {where}); rename the copies so each name is unique."
            )


def _read_header(source: str, fmt: str | None, encoding: str) -> list[str]:
    import pyarrow as pa

    fmt = detect_format(source, fmt)
    if source != "-":
        sniff(source, fmt, encoding)
    if source == "-":
        raise InputError("stdin: cannot read the header twice; save the data to a file first.")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(source).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(
                f"{source}: cannot read as parquet: {str(err).splitlines()[0]}"
            ) from None
    if fmt == "jsonl":
        for batch in _iter_jsonl(source, None, 1 << 20, None):
            return list(batch.schema.names)
        raise InputError(f"{source}: the file is empty; expected a header and rows.")
    for batch in _iter_csv(source, fmt, None, encoding, _HEADER_BLOCK, None, None, None):
        return list(batch.schema.names)
    # A header and no rows: no batch, but the reader still knows the names.
    src = _Source(source)
    try:
        return list(_csv_reader(src, fmt, None, encoding, _HEADER_BLOCK, None).schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _translate(err, source, fmt, encoding, []) from None
    finally:
        src.close()


def infer_column_types(
    source: str,
    columns: Sequence[str],
    fmt: str | None = None,
    encoding: str = "utf-8",
    header: Sequence[str] | None = None,
) -> dict[str, pyarrow.DataType]:
    """The types pyarrow infers for `columns` from the first rows (CSV/TSV) or the schema."""
    fmt = detect_format(source, fmt)
    block = _HEADER_BLOCK if fmt in ("csv", "tsv") else 1 << 20
    for batch in iter_columns(source, columns, fmt, encoding, block, header=header):
        return {name: batch.schema.field(name).type for name in columns}
    return {}


def read_dataframe(
    source: str, fmt: str | None = None, encoding: str = "utf-8"
) -> pandas.DataFrame:
    """The whole file, all columns, as a pandas DataFrame (same error contract)."""
    import pyarrow as pa

    batches = list(iter_columns(source, None, fmt, encoding))
    if not batches:
        raise InputError(f"{source}: the file has a header but no rows.")
    table = pa.Table.from_batches(batches)
    if table.num_rows == 0:
        raise InputError(f"{source}: the file has a header but no rows.")
    return table.to_pandas()
