"""The JSON Schema of a rule table file (docs/schemas/rules.schema.json), for editors.

Generated from the pydantic models of the file (TableHeader, RuleEntry) with `when` spelled
out: a condition is a mapping of facts (the closed vocabulary of facts.py) and the combinators
all / any / not; a fact's test is a literal, a list, or a mapping of comparisons. The schema
says what a file may hold; `rules check` also checks what needs the catalog (loss ids, ranges,
stages), which no schema can.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.facts import FACTS, FactSpec
from lossadvisor.rules.schema import RuleEntry, TableHeader
from lossadvisor.rules.stages import STAGES

_LITERAL = {"type": ["string", "number", "boolean"]}


def _value_schema(spec: FactSpec) -> dict[str, Any]:
    if spec.kind == "boolean":
        return {"type": "boolean"}
    if spec.kind == "choice":
        return {"enum": list(spec.choices)} if spec.choices else {"type": "string"}
    schema: dict[str, Any] = {"type": "integer" if spec.kind == "integer" else "number"}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    return schema


def _fact_test(spec: FactSpec) -> dict[str, Any]:
    value = _value_schema(spec)
    values = {"type": "array", "items": value, "minItems": 1}
    comparisons: dict[str, Any] = {
        "in": values,
        "not": {"anyOf": [value, values], "description": "none of (same as not_in)"},
        "not_in": {"anyOf": [value, values], "description": "none of"},
        "present": {"type": "boolean"},
    }
    if spec.kind in ("number", "integer"):
        number = {"type": "number"}
        comparisons.update(gt=number, ge=number, lt=number, le=number)
    return {
        "description": spec.description,
        "anyOf": [
            value,
            values,
            {
                "type": "object",
                "properties": comparisons,
                "additionalProperties": False,
                "minProperties": 1,
            },
        ],
    }


def _condition() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "all": {"type": "array", "items": {"$ref": "#/$defs/Condition"}, "minItems": 1},
        "any": {"type": "array", "items": {"$ref": "#/$defs/Condition"}, "minItems": 1},
        "not": {"$ref": "#/$defs/Condition"},
    }
    properties.update({name: _fact_test(spec) for name, spec in sorted(FACTS.items())})
    return {
        "type": "object",
        "description": "every entry holds; keys are facts or all / any / not",
        "properties": properties,
        "additionalProperties": False,
    }


def _facts() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "fact -> value (a fact left out is missing)",
        "properties": {name: _value_schema(spec) for name, spec in sorted(FACTS.items())},
        "additionalProperties": False,
    }


def rule_file_schema() -> dict[str, Any]:
    """The schema of a table file (built-in or `--rules`)."""
    rule = RuleEntry.model_json_schema()
    defs: dict[str, Any] = rule.pop("$defs", {})
    rule["properties"]["when"] = {"$ref": "#/$defs/Condition"}
    defs["Condition"] = _condition()
    defs["Facts"] = _facts()
    examples = defs.get("RuleExamples", {}).get("properties", {})
    for key in ("fires", "silent"):
        if key in examples:
            examples[key]["items"] = {"$ref": "#/$defs/Facts"}
    defs["Rule"] = rule
    header = TableHeader.model_json_schema()
    header["properties"]["rules"] = {"type": "array", "items": {"$ref": "#/$defs/Rule"}}
    header["properties"]["stage"] = {
        "enum": list(STAGES),
        "description": "the pass its rules run in; built-in table names imply it",
    }
    header["additionalProperties"] = False
    header["$defs"] = dict(sorted(defs.items()))
    header["title"] = "lossadvisor rule table file"
    return header
