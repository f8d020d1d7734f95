"""The published JSON Schemas (docs/schemas/) are current and real --json outputs fit them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from lossadvisor.schemas import schemas

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "schemas"
OUTLIERS = str(ROOT / "examples" / "regression_outliers.csv")
CLAIMS = str(ROOT / "examples" / "insurance_claims.csv")

RUNS = {
    "profile": ["profile", CLAIMS, "-t", "claims", "--json"],
    "recommend": ["recommend", CLAIMS, "-t", "claims", "--json"],
    "recommend-task": ["recommend", "--head", "a:binary", "--head", "b:regression", "--json"],
    "validate": ["validate", OUTLIERS, "-t", "y", "--losses", "mse,huber", "--folds", "2",
                 "--threads", "1", "--json"],
    "tune": ["tune", OUTLIERS, "-t", "y", "--loss", "huber", "--trials", "2", "--folds", "2",
             "--threads", "1", "--json"],
}


def _schema(command: str) -> dict:  # type: ignore[type-arg]
    return json.loads((FOLDER / f"{command}.schema.json").read_text(encoding="utf-8"))


def test_published_schemas_are_current() -> None:
    for command, schema in schemas().items():
        assert _schema(command) == schema, f"regenerate: python -m lossadvisor.schemas ({command})"


@pytest.mark.parametrize("name", list(RUNS))
def test_real_output_validates(name: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "lossadvisor", *RUNS[name]],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    schema = _schema(name.split("-")[0])
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema)
    # the schema can fail: an unknown key and a wrong type are rejected
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**document, "surprise": 1}, schema)
