"""Leakage-free preprocessing: a fresh ColumnTransformer fitted on each training fold only.

Numbers: median imputation plus a missing-indicator column (the trees keep the information that a
value was absent). Categories (text, bool, pandas category): missing -> its own level; up to
`ONE_HOT_MAX` levels are one-hot encoded, more are target-encoded with scikit-learn's
TargetEncoder, whose `fit_transform` cross-fits inside the training fold. Unknown levels in the
held-out fold map to zeros (one-hot) or the training-fold mean (target encoding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ONE_HOT_MAX = 16  # more levels than this: target encoding instead of one column per level


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
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, TargetEncoder

    numeric, categorical = split_columns(features)
    few = [c for c in categorical if features[c].nunique(dropna=True) <= ONE_HOT_MAX]
    many = [c for c in categorical if c not in few]
    as_text = FunctionTransformer(_as_text, feature_names_out="one-to-one")
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        parts.append(("numeric", imputer, numeric))
    if few:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=float)
        parts.append(("one_hot", make_pipeline(as_text, onehot), few))
    if many:
        # cross-fitting inside the training fold: a row's code never sees its own target
        splitter = KFold if target_kind == "continuous" else StratifiedKFold
        encoder = TargetEncoder(
            target_type=target_kind, cv=splitter(5, shuffle=True, random_state=seed)
        )
        parts.append(("target_encoded", make_pipeline(as_text, encoder), many))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def _as_text(frame: Any) -> Any:
    """Categories as strings, missing as its own level (encoders need one dtype, no NaN)."""
    return frame.astype("object").where(frame.notna(), "__missing__").astype(str)
