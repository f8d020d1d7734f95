"""recommend() builds its output models without validation (model_construct, issue 18's
start-up); validating the same data must change nothing, down to each value's type.

The expected value is pydantic's own validation of the recommendation's data (a float field
given an int, a missing field or a misspelt verdict would come back different or fail), on
every article scenario and on --task words with and without reference presets and heads.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from pydantic import BaseModel
from test_recommend_scenarios import SCENARIOS, _profile

from lossadvisor.context import make_context
from lossadvisor.models import Recommendation
from lossadvisor.recommend import dump_json, recommend
from lossadvisor.rules.schema import RuleBase

TASKS = [
    {"task": "segmentation"},
    {"task": "detection"},  # a family with a reference preset: heads and balancing
    {"task": "masked_lm"},
    {"task": "count_regression"},
    {"task": "binary", "optimizer": "sgd"},
    {"heads": ["det:detection:1.0", "lane:segmentation:0.5", "sign:multiclass"]},
]
CASES = [pytest.param(None, context, id=f"task-{i}") for i, context in enumerate(TASKS)] + [
    pytest.param(scenario, scenario.get("context") or {}, id=f"{row}-{i + 1}")
    for row, scenarios in SCENARIOS.items()
    for i, scenario in enumerate(scenarios)
    if "xfail" not in scenario
]


def exact(value: Any) -> Any:
    """The value as nested plain data that tells 1 from 1.0 and True from 1."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        assert value.__dict__.keys() == fields.keys(), type(value).__name__
        return (type(value).__name__, {k: exact(v) for k, v in value.__dict__.items()})
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return (type(value).__name__, [exact(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.parametrize(("scenario", "context"), CASES)
def test_the_constructed_recommendation_equals_its_validation(
    base: RuleBase, scenario: dict[str, Any] | None, context: dict[str, Any]
) -> None:
    profile = _profile(scenario) if scenario is not None else None
    words = {"vocabulary": base.vocabulary} if scenario is None else {}  # family words
    rec = recommend(base, make_context(**context, **words), profile)
    with warnings.catch_warnings():
        # a serializer meeting an unexpected type warns (only that: not a stray ResourceWarning)
        warnings.filterwarnings("error", message=".*[Ss]eriali[sz]")
        validated = Recommendation.model_validate(rec.model_dump())
        assert dump_json(rec) == dump_json(validated)
    assert exact(rec) == exact(validated)
    assert rec.ranking and rec.ranking[0].verdict == "recommended"
