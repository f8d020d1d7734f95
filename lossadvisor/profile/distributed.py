"""The partials as a dask reduction: the same functions, run per partition and merged.

    series.reduction(chunk=partial_chunk, aggregate=merge_chunks,
                     meta=pandas.Series([], dtype=object)).compute().iloc[0]

`chunk` returns a one-element object Series holding the partition's partial; dask concatenates
those before `aggregate`, so `merge_chunks` flattens whatever container it receives first.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.profile import stats


def partial_chunk(part: Any, sample_size: int = 100_000) -> Any:
    """A pandas Series (one dask partition) -> a one-element object Series with its partial."""
    import pandas as pd

    if part.dtype == object or str(part.dtype) in ("string", "category", "bool"):
        labels = [None if pd.isna(v) else str(v) for v in part.tolist()]
        partial: stats.Partial = stats.label_partial(labels)
    else:
        partial = stats.numeric_partial(
            part.to_numpy(dtype="float64", na_value=float("nan")), sample_size
        )
    return pd.Series([partial], dtype=object)


def merge_chunks(chunks: Any) -> Any:
    """Concatenated chunk outputs (Series or DataFrame of partials) -> one merged partial."""
    import numpy as np
    import pandas as pd

    flat = [p for p in np.asarray(chunks, dtype=object).ravel() if p is not None]
    return pd.Series([stats.merge_all(flat)], dtype=object)


def dask_partial(series: Any, sample_size: int = 100_000) -> stats.Partial:
    """The partial of a dask Series, computed partition by partition."""
    import pandas as pd

    result = series.reduction(
        chunk=lambda part: partial_chunk(part, sample_size),
        aggregate=merge_chunks,
        meta=pd.Series([], dtype=object),
    ).compute()
    merged: stats.Partial = result.iloc[0]
    return merged
