"""Leakage-free preprocessing: a fresh ColumnTransformer fitted on each training fold only.

Numbers: median imputation plus a missing-indicator column (the trees keep the information that a
value was absent); ±inf counts as missing, as in the profile's baseline (scikit-learn's imputer
refuses it, and the MLP's standardising could not use it). Categories (text, bool, pandas
category): missing -> its own level; up to `ONE_HOT_MAX` levels are one-hot encoded, more are
target-encoded with scikit-learn's TargetEncoder, whose `fit_transform` cross-fits inside the
training fold. Unknown levels in the held-out fold map to zeros (one-hot) or the training-fold
mean (target encoding).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ONE_HOT_MAX = 16  # more levels than this: target encoding instead of one column per level
ENCODER_FOLDS = 5  # the target encoder's inner cross-fitting folds (scikit-learn's default)


@dataclass(frozen=True)
class InnerFolds:
    """The target encoder's inner folds on a training fold: stratified by class when every
    class has `n_splits` rows there, else plain K-fold (StratifiedKFold refuses a class with
    fewer rows than folds: a rare class of a small table). Shuffled and seeded either way."""

    n_splits: int
    stratify: bool
    seed: int

    def get_n_splits(self, x: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, x: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[Any, Any]]:
        import numpy as np
        from sklearn.model_selection import KFold, StratifiedKFold

        smallest = np.unique(y, return_counts=True)[1].min() if self.stratify else 0
        if smallest >= self.n_splits:
            splitter = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.seed)
            yield from splitter.split(x, y)
            return
        yield from KFold(self.n_splits, shuffle=True, random_state=self.seed).split(x)


def split_columns(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric columns, categorical columns) of a feature frame."""
    import pandas as pd

    numeric: list[str] = []
    categorical: list[str] = []
    for name in features.columns:
        col = features[name]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            categorical.append(str(name))
        else:
            numeric.append(str(name))
    return numeric, categorical


def build_preprocessor(features: pd.DataFrame, target_kind: str, seed: int) -> Any:
    """An unfitted ColumnTransformer for these columns; fit it on the training fold only.

    `target_kind` is "continuous", "binary" or "multiclass" (what TargetEncoder needs).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, TargetEncoder

    numeric, categorical = split_columns(features)
    few = [c for c in categorical if features[c].nunique(dropna=True) <= ONE_HOT_MAX]
    many = [c for c in categorical if c not in few]
    as_text = FunctionTransformer(_as_text, feature_names_out="one-to-one")
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        finite = FunctionTransformer(_infinite_as_missing, feature_names_out="one-to-one")
        parts.append(("numeric", make_pipeline(finite, imputer), numeric))
    if few:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=float)
        parts.append(("one_hot", make_pipeline(as_text, onehot), few))
    if many:
        # cross-fitting inside the training fold: a row's code never sees its own target
        folds = InnerFolds(ENCODER_FOLDS, target_kind != "continuous", seed)
        encoder = TargetEncoder(target_type=target_kind, cv=folds)
        parts.append(("target_encoded", make_pipeline(as_text, encoder), many))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def _as_text(frame: Any) -> Any:
    """Categories as strings, missing as its own level (encoders need one dtype, no NaN)."""
    return frame.astype("object").where(frame.notna(), "__missing__").astype(str)


def _infinite_as_missing(frame: Any) -> Any:
    """Numeric columns with ±inf read as missing (NaN)."""
    import numpy as np

    return frame.replace([np.inf, -np.inf], np.nan)
