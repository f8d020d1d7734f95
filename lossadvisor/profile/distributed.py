"""The partials as a dask reduction: the same functions, run per partition and merged.

    series.reduction(chunk=partial_chunk, aggregate=merge_chunks,
                     meta=pandas.Series([], dtype=object)).compute().iloc[0]

`chunk` returns a one-element object Series holding the partition's partial; dask concatenates
those before `aggregate`, so `merge_chunks` flattens whatever container it receives first.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def dask_partials(
    path: str, fmt: str, columns: Sequence[str], encoding: str, sample_size: int
) -> dict[str, Partial]:
    """The partial of each target column, read and reduced by dask (`--engine dask`).

    dask infers column types from a sample; a later value that does not fit is an InputError
    here (the pyarrow engine re-reads such a column as text instead).
    """
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError("--engine dask needs dask: pip install 'lossadvisor[dask]'.") from None
    from lossadvisor.io import detect_compression

    try:
        if fmt == "parquet":
            frame = dd.read_parquet(path, columns=list(columns))
        elif fmt == "jsonl":
            frame = dd.read_json(path, lines=True, encoding=encoding)[list(columns)]
        else:
            codec = detect_compression(path)
            frame = dd.read_csv(
                path,
                usecols=list(columns),
                sep="\t" if fmt == "tsv" else ",",
                encoding=encoding,
                assume_missing=True,
                compression=codec,
                blocksize=None if codec else "64MB",
            )
        return {name: dask_partial(frame[name], sample_size) for name in columns}
    except (ValueError, TypeError, OSError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"{path}: dask could not read it: {first}") from None
