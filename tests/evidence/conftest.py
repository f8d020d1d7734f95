"""Shared helpers for the evidence tests.

One OpenMP thread per process: the test machine is shared, and oversubscribed OpenMP threads
(HistGradientBoosting, LightGBM) slow every fit down many times over. Set before sklearn loads;
CLI subprocesses inherit it.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def diabetes_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scikit-learn's bundled diabetes data (442 patients) written as a CSV."""
    from sklearn.datasets import load_diabetes

    path = tmp_path_factory.mktemp("data") / "diabetes.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def wine_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scikit-learn's bundled wine data (178 wines, 3 cultivars) with text class labels."""
    from sklearn.datasets import load_wine

    data = load_wine(as_frame=True)
    table = data.frame.copy()
    table["cultivar"] = [f"cultivar_{data.target_names[t]}" for t in table.pop("target")]
    path = tmp_path_factory.mktemp("data") / "wine.csv"
    table.to_csv(path, index=False)
    return path
