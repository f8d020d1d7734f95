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
    "rules_check": ["rules", "check", str(ROOT / "examples" / "my_rules.yaml"), "--json"],
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


def test_rules_check_json_lists_the_problems_the_text_prints(tmp_path: Path) -> None:
    """A broken rule file: exit 2, and the JSON's problems are the text output's lines."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "table: data\nrules:\n  - id: my.rule\n    covers: []\n"
        "    when: {zero_ratio: {gt: 0.5}}\n    score: {no_such_loss: 1}\n"
        "    because: x\n    source: y\n  - id: my.other\n    covers: []\n"
        "    when: {no_such_fact: 1}\n    score: {mse: 1}\n    because: x\n    source: y\n",
        encoding="utf-8",
    )

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lossadvisor", "rules", "check", str(bad), *extra],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=300,
        )

    text, as_json = run(), run("--json")
    assert text.returncode == 2 and as_json.returncode == 2
    document = json.loads(as_json.stdout)
    jsonschema.validate(document, _schema("rules_check"))
    assert document["valid"] is False and document["files"] == [str(bad)]
    printed = [line for line in text.stderr.splitlines() if not line.endswith("file(s).")]
    assert [p["text"] for p in document["problems"]] == printed
    assert any("no_such_loss" in p["message"] for p in document["problems"])
    assert {p["entry"] for p in document["problems"]} == {"my.rule", "my.other"}
    assert all(p["file"] == str(bad) for p in document["problems"])
