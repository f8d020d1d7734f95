"""JSON Schemas of the --json documents, generated from the pydantic models.

`python -m lossadvisor.schemas docs/schemas` rewrites docs/schemas/*.schema.json; a test
checks that the files are current and that real outputs validate against them. Policy: a
document's `schema_version` (profile, recommendation) is bumped on a breaking change (a field
removed, renamed or retyped); adding an optional field is not breaking.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def schemas() -> dict[str, dict[str, Any]]:
    """command -> JSON Schema of what `lossadvisor COMMAND --json` prints."""
    from pydantic import BaseModel

    from lossadvisor.bench.report import BenchReport
    from lossadvisor.evidence.results import TuneResult, ValidationResult
    from lossadvisor.models import DatasetProfile, Recommendation
    from lossadvisor.rules.check_report import RuleCheckReport

    models: dict[str, type[BaseModel]] = {
        "profile": DatasetProfile,
        "recommend": Recommendation,
        "validate": ValidationResult,
        "tune": TuneResult,
        "rules_check": RuleCheckReport,
        "bench": BenchReport,
    }
    out = {}
    for command, model in models.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"lossadvisor {command.replace('_', ' ')} --json"
        out[command] = schema
    from lossadvisor.rules.json_schema import rule_file_schema

    rules = rule_file_schema()  # the input a rule file is, for editors (not a --json output)
    rules["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["rules"] = rules
    return out


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for command, schema in schemas().items():
        path = folder / f"{command}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(path)
