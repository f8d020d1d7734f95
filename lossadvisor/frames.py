"""In-memory tables for the Python API: pandas, polars, pyarrow, NumPy, mappings of columns.

The profiler streams files (its partials, reservoir and Hill extremes are built block by block).
Rather than keep a second code path for objects in memory, an in-memory table is written once
to a temporary Parquet file and profiled like any other file, so a DataFrame and the CSV it came
from give the same facts. Parquet keeps the column types (integers, strings, categories as
strings), so nothing is re-guessed. Libraries are recognised by module name, never imported to
check: `lossadvisor.profile(path)` must not import pandas or polars.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lossadvisor.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

#: What `data` may be, in the words of the error message.
ACCEPTED = (
    "a file path, a pandas/polars DataFrame or Series, a pyarrow Table, "
    "a NumPy array or a mapping of column name -> values"
)


def _module(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def is_path(data: object) -> bool:
    return isinstance(data, str | os.PathLike)


def describe(data: object) -> str:
    """How a source is named in a profile: 'pandas.DataFrame', 'numpy.ndarray', ..."""
    return f"{_module(data)}.{type(data).__name__}"


def to_arrow(data: Any, target: str | int | None = None) -> pa.Table:
    """An in-memory table or column as a pyarrow Table; InputError for anything else."""
    import pyarrow as pa

    kind = (_module(data), type(data).__name__)
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if kind[0] == "pandas" and kind[1] == "DataFrame":
        frame = data.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        return pa.Table.from_pandas(frame, preserve_index=False)
    if kind[0] == "pandas" and kind[1] == "Series":
        name = str(data.name) if data.name is not None else _column_name(target)
        return pa.Table.from_pandas(data.to_frame(name), preserve_index=False)
    if kind[0] == "polars" and kind[1] == "DataFrame":
        return data.to_arrow()
    if kind[0] == "polars" and kind[1] == "Series":
        name = data.name or _column_name(target)
        return data.to_frame(name).to_arrow()
    if kind == ("numpy", "ndarray"):
        return _numpy_table(data, target)
    if isinstance(data, Mapping):
        try:
            return pa.table({str(k): v for k, v in data.items()})
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
            raise InputError(f"data: the mapping is not a table of columns ({err}).") from None
    raise InputError(f"data: expected {ACCEPTED}. Got {describe(data)} instead.")


def _column_name(target: str | int | None) -> str:
    return str(target) if isinstance(target, str) else "y"


def _numpy_table(array: Any, target: str | int | None) -> pa.Table:
    """1-D: one column (named `target`, else 'y'); 2-D: columns '0', '1', ... (target by index)."""
    import pyarrow as pa

    if array.ndim == 1:
        return pa.table({_column_name(target): array})
    if array.ndim == 2:
        return pa.table({str(i): array[:, i] for i in range(array.shape[1])})
    raise InputError(f"data: a NumPy array must be 1-D or 2-D. Got {array.ndim} dimensions.")


@contextlib.contextmanager
def as_file(data: Any, target: str | int | None = None) -> Iterator[tuple[str, str | None]]:
    """(path, format) for `data`: a path as given (format from its extension), or an in-memory
    table spilled to a temporary Parquet file that is removed afterwards."""
    if is_path(data):
        yield os.fspath(data), None
        return
    import pyarrow.parquet as pq

    table = to_arrow(data, target)
    if table.num_columns == 0:
        raise InputError(f"data: the {describe(data)} has no columns.")
    with tempfile.TemporaryDirectory(prefix="lossadvisor-") as folder:
        path = str(Path(folder) / "data.parquet")
        pq.write_table(table, path)
        yield path, "parquet"


def read_frame(data: Any) -> Any:
    """The whole table as a pandas DataFrame (for validate/tune), from a path or memory."""
    if is_path(data):
        from lossadvisor.io import read_dataframe

        return read_dataframe(os.fspath(data))
    return to_arrow(data).to_pandas()
