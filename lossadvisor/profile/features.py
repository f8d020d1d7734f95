"""The rows the conditional baseline learns from: a seeded uniform sample, and screened features.

A second streaming pass reads the target(s), the feature columns and the exposure column, and
keeps a uniform sample of at most `max_rows` rows (each row gets a seeded random key; the rows
with the smallest keys survive, so memory stays bounded by the sample, not the file).

Screening excludes, with a reason the user sees:
- constant or all-missing columns (nothing to learn from);
- ID-like columns: text or whole-number columns whose every value is distinct (a row key);
- text columns with more than MAX_CATEGORIES distinct values (free text);
- leaking columns: a feature equal to the target, one whose correlation with a numeric target
  is |r| >= LEAK_CORRELATION, or, for class targets, a column each of whose values maps to a
  single class (it determines the label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.io import ColumnTypeError, infer_column_types, iter_columns

if TYPE_CHECKING:
    import pandas

MAX_CATEGORIES = 255  # HistGradientBoosting's limit for native categorical features
LEAK_CORRELATION = 0.9999
EXPOSURE_NAMES = ("exposure",)
SEED = 0xC0FFEE  # the sample's seed (a partition's: SEED and its index)


@dataclass
class Sample:
    """The sampled rows (a DataFrame) and how they were drawn."""

    frame: pandas.DataFrame
    n_rows_read: int
    sampled: bool


@dataclass
class Screened:
    """Usable feature columns and the excluded ones with their reasons."""

    features: list[str]
    excluded: dict[str, str] = field(default_factory=dict)


def choose_exposure(header: Sequence[str], given: str | None, source: str) -> str | None:
    """--exposure COL when given (checked), else a column named 'exposure' (any case), else None."""
    if given is not None:
        if given not in header:
            raise unknown_name("exposure column", given, header, where=source)
        return given
    return next((name for name in header if name.strip().lower() in EXPOSURE_NAMES), None)


def read_sample(
    path: str,
    source: str,
    fmt: str,
    columns: Sequence[str],
    header: Sequence[str],
    encoding: str,
    max_rows: int,
) -> Sample:
    """A seeded uniform sample of at most `max_rows` rows of `columns` (one streaming pass)."""
    table, _, n_read = read_keyed(path, source, fmt, columns, header, encoding, max_rows, SEED)
    if table is None:
        raise InputError("the file has a header but no rows.")
    return to_sample(table, n_read, max_rows)


def read_keyed(
    path: str,
    source: str,
    fmt: str,
    columns: Sequence[str],
    header: Sequence[str],
    encoding: str,
    max_rows: int,
    seed: int | Sequence[int],
) -> tuple[Any, np.ndarray, int]:
    """The rows with the `max_rows` smallest seeded keys (a pyarrow Table with their `__row__`
    number, or None for no rows), those keys, and the rows read. Samples of several files
    merge exactly: the smallest keys of the union are a uniform sample of all their rows."""
    import pyarrow as pa

    inferred = infer_column_types(path, list(columns), fmt, encoding, header)
    text: set[str] = set()
    while True:
        types = {c: pa.string() for c in text}
        for c, t in inferred.items():
            if c not in text and not pa.types.is_null(t):
                types[c] = t
        try:
            return _keyed_pass(path, fmt, columns, header, types, encoding, max_rows, seed)
        except ColumnTypeError as err:
            if err.column in text:
                raise InputError(str(err).replace(path, source)) from None
            text.add(err.column)  # a later value is not a number: read the column as text


def to_sample(table: Any, n_read: int, max_rows: int) -> Sample:
    """The kept rows in file order (`__row__`) as the Sample the baseline learns from."""
    frame = table.to_pandas().sort_values("__row__").drop(columns="__row__")
    return Sample(frame=frame.reset_index(drop=True), n_rows_read=n_read, sampled=n_read > max_rows)


def _keyed_pass(
    path: str,
    fmt: str,
    columns: Sequence[str],
    header: Sequence[str],
    types: dict[str, Any],
    encoding: str,
    max_rows: int,
    seed: int | Sequence[int],
) -> tuple[Any, np.ndarray, int]:
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    kept: list[pa.Table] = []
    keys: list[np.ndarray] = []
    n_read = 0
    column_types = types if fmt in ("csv", "tsv") else None
    for batch in iter_columns(
        path, list(columns), fmt, encoding, column_types=column_types, header=header
    ):
        table = pa.Table.from_batches([batch]).append_column(
            "__row__", pa.array(np.arange(n_read, n_read + batch.num_rows))
        )
        n_read += batch.num_rows
        kept.append(table)
        keys.append(rng.random(batch.num_rows))
        if sum(t.num_rows for t in kept) > 2 * max_rows:
            kept, keys = _prune(kept, keys, max_rows)
    if not kept:
        return None, np.empty(0), 0
    if n_read > max_rows:
        kept, keys = _prune(kept, keys, max_rows)
    return pa.concat_tables(kept, promote_options="permissive"), np.concatenate(keys), n_read


def _prune(kept: list[Any], keys: list[np.ndarray], max_rows: int) -> tuple[list[Any], list[Any]]:
    import pyarrow as pa

    table = pa.concat_tables(kept, promote_options="permissive")
    key = np.concatenate(keys)
    keep = np.sort(np.argpartition(key, max_rows)[:max_rows]) if key.size > max_rows else None
    if keep is None:
        return [table], [key]
    return [table.take(pa.array(keep))], [key[keep]]


def screen(
    frame: pandas.DataFrame, candidates: Sequence[str], target: pandas.Series, categorical: bool
) -> Screened:
    """The candidate columns that are usable features, and why the others are not."""
    import pandas as pd

    out = Screened(features=[])
    y_numeric = pd.to_numeric(target, errors="coerce") if not categorical else None
    for name in candidates:
        column = frame[name]
        reason = _unusable(column)
        if reason is None:
            reason = _leak(column, target, y_numeric, categorical)
        if reason is None:
            out.features.append(name)
        else:
            out.excluded[name] = reason
    return out


def _unusable(column: pandas.Series) -> str | None:
    import pandas as pd

    present = column.dropna()
    if present.empty:
        return "every value is missing"
    n_unique = int(present.nunique())
    if n_unique == 1:
        return "constant"
    is_text = not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    whole = pd.api.types.is_integer_dtype(column) or (
        pd.api.types.is_float_dtype(column) and bool(np.all(np.mod(present.to_numpy(), 1) == 0))
    )
    if (is_text or whole) and n_unique == len(present) and len(present) >= 20:
        return "ID-like (every value is distinct)"
    if is_text and not pd.api.types.is_bool_dtype(column) and n_unique > MAX_CATEGORIES:
        return f"text with {n_unique} distinct values (more than {MAX_CATEGORIES} categories)"
    return None


def _leak(
    column: pandas.Series,
    target: pandas.Series,
    y_numeric: pandas.Series | None,
    categorical: bool,
) -> str | None:
    import pandas as pd

    both = pd.DataFrame({"x": column, "y": target}).dropna()
    if both.empty:
        return None
    if _equal(both["x"], both["y"]):
        return "leaks the target (equal to it)"
    if categorical:
        n_values = both["x"].nunique()
        if n_values < len(both) / 2 and both.groupby("x", observed=True)["y"].nunique().max() == 1:
            return "leaks the target (each of its values determines the class)"
        return None
    if y_numeric is None or not pd.api.types.is_numeric_dtype(column):
        return None
    pair = pd.DataFrame({"x": column, "y": y_numeric}).dropna()
    if len(pair) < 3 or pair["x"].std() == 0 or pair["y"].std() == 0:
        return None
    r = float(np.corrcoef(pair["x"], pair["y"])[0, 1])
    if abs(r) >= LEAK_CORRELATION:
        return f"leaks the target (correlation {r:.5f})"
    return None


def _equal(x: pandas.Series, y: pandas.Series) -> bool:
    """Equal value by value: numerically when both are numbers (text conversion of a float column
    cost seconds per column), else as text (a code column spelled like the labels)."""
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype
    if numeric(x) and numeric(y):
        return bool(np.array_equal(x.to_numpy(dtype=np.float64), y.to_numpy(dtype=np.float64)))
    return bool(x.astype(str).equals(y.astype(str)))


def design(frame: pandas.DataFrame, features: Sequence[str]) -> pandas.DataFrame:
    """The feature columns for the baseline: numbers as float, text as pandas categories."""
    import pandas as pd

    out = {}
    for name in features:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            # ±inf is no position on the axis (and the boosted baseline refuses it): missing.
            numbers = column.astype("float64")
            out[name] = numbers.where(np.isfinite(numbers), np.nan)
        else:
            # Object categories with NaN for missing (pandas' NA-typed strings break sklearn).
            text = column.astype(object).where(column.notna(), np.nan)
            out[name] = pd.Series(
                pd.Categorical(text.astype(str).where(column.notna(), np.nan)), index=frame.index
            )
    return pd.DataFrame(out, index=frame.index)
