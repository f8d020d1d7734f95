"""One streaming pass over a data file: the mergeable partial of each target column.

stream_partials(path, ...) -> (partials, storage)    memory bounded by the reader's block
float_values(column) -> numpy array                  an arrow float64 array, nulls as NaN
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError
from lossadvisor.io import ColumnTypeError, infer_column_types, iter_columns

if TYPE_CHECKING:
    import pyarrow

    from lossadvisor.profile.stats import Partial


def _is_numeric(dtype: pyarrow.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_integer(dtype)
        or pa.types.is_floating(dtype)
        or pa.types.is_decimal(dtype)
        or pa.types.is_null(dtype)
    )


def stream_partials(
    path: str,
    source: str,
    fmt: str,
    columns: list[str],
    header: list[str],
    encoding: str,
    sample_size: int,
    progress: Callable[[int], None] | None,
    text_columns: frozenset[str] = frozenset(),
    row_groups: Sequence[int] | None = None,
) -> tuple[dict[str, Partial], dict[str, bool | None]]:
    """One pass over the file; a column whose later values are not numbers is re-read as text.

    Also returns, per numeric column, whether its values were stored as integers (CSV: the type
    pyarrow infers from the first block; Parquet/JSONL: the schema), evidence for infer.py.
    `text_columns` are read as text from the start (another file of the same data set held
    text in them: profile/distributed.py); `row_groups` reads only those of a Parquet file.
    """
    import pyarrow as pa

    inferred = infer_column_types(path, columns, fmt, encoding, header)
    # No first block (a header without rows): try numbers; the row check comes later.
    numeric = {
        c: (_is_numeric(inferred[c]) if c in inferred else True) and c not in text_columns
        for c in columns
    }
    storage = {c: _integer_storage(inferred[c]) if c in inferred else None for c in columns}
    while True:
        types = {c: (pa.float64() if numeric[c] else pa.string()) for c in columns}
        try:
            partials = _one_pass(
                path, fmt, columns, header, types, encoding, sample_size, progress, row_groups
            )
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
    row_groups: Sequence[int] | None = None,
) -> dict[str, Partial]:
    import numpy as np
    import pyarrow as pa

    # stats imports numpy at its top: loaded here, with numpy, not when the package is.
    from lossadvisor.profile.stats import label_partial, numeric_partial, update_numeric

    partials: dict[str, Any] = {}
    # One seeded generator per pass keeps the reservoir reproducible for a given file.
    rng = np.random.default_rng(0x105AD)
    column_types = types if fmt in ("csv", "tsv") else None
    for batch in iter_columns(
        path,
        columns,
        fmt,
        encoding,
        column_types=column_types,
        progress=progress,
        header=header,
        row_groups=row_groups,
    ):
        for name in columns:
            column = batch.column(name)
            running = partials.get(name)
            if pa.types.is_string(types[name]) or not _is_numeric(column.type):
                if not pa.types.is_string(column.type) and not pa.types.is_dictionary(column.type):
                    column = column.cast(pa.string())
                partials[name] = _update_labels(running, column)
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
                numeric_partial(values, sample_size)
                if running is None
                else update_numeric(running, values, rng)
            )
    if not partials:  # a header and no rows
        return {name: label_partial(()) for name in columns}
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


def _update_labels(running: Any, column: Any) -> Any:
    """The running label partial updated with one batch of a text (or categorical) column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from lossadvisor.profile.stats import label_partial_from_counts, merge_labels

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
    chunk = label_partial_from_counts(n_rows, n_missing, counts, levels)
    return chunk if running is None else merge_labels(running, chunk)
