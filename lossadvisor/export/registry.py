"""The export formats, one record each (export/formats.py), in the order messages list them."""

from __future__ import annotations

from lossadvisor.export.formats import ExportFormat
from lossadvisor.export.gbdt import LIGHTGBM, XGBOOST
from lossadvisor.export.hydra import FORMAT as HYDRA
from lossadvisor.export.keras import FORMAT as KERAS
from lossadvisor.export.lightning import FORMAT as LIGHTNING
from lossadvisor.export.ludwig import FORMAT as LUDWIG
from lossadvisor.export.monai import FORMAT as MONAI
from lossadvisor.export.native import FORMAT as NATIVE
from lossadvisor.export.sklearn import SKLEARN, SKLEARN_HYDRA

REGISTRY: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        NATIVE,
        HYDRA,
        LIGHTNING,
        KERAS,
        LIGHTGBM,
        XGBOOST,
        SKLEARN,
        SKLEARN_HYDRA,
        MONAI,
        LUDWIG,
    )
}
FORMATS = tuple(REGISTRY)
