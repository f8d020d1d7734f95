"""The rule cache is rebuilt without a validator (lossadvisor.trusted): the same base, or none.

The reference is pydantic's own validation of the same JSON; a shape the rebuild cannot vouch
for falls back to that validation, which rejects what is not a RuleBase.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossadvisor.rules import cache
from lossadvisor.rules.schema import RuleBase
from lossadvisor.trusted import NotTrusted, construct


def test_the_rebuilt_builtin_base_equals_the_validated_one(builtin_base: RuleBase) -> None:
    text = builtin_base.model_dump_json()
    rebuilt = construct(RuleBase, json.loads(text))
    validated = RuleBase.model_validate_json(text)
    assert rebuilt == validated
    assert rebuilt.model_dump_json() == text  # the --json output is byte-identical
    rule = rebuilt.rules[0]  # a private attribute (the parsed `when`) works after the rebuild
    assert rule.condition == validated.rules[0].condition


@pytest.mark.parametrize("change", ["extra", "missing", "not_a_list"])
def test_a_wrong_shape_is_not_trusted(builtin_base: RuleBase, change: str) -> None:
    data = json.loads(builtin_base.model_dump_json())
    if change == "extra":
        data["rules"][0]["surprise"] = 1
    elif change == "missing":
        del data["losses"][next(iter(data["losses"]))]["formula"]
    else:
        data["rules"] = {"not": "a list"}
    with pytest.raises(NotTrusted):
        construct(RuleBase, data)


def test_a_cache_file_of_the_wrong_shape_is_a_miss(
    builtin_base: RuleBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", str(tmp_path))
    data = json.loads(builtin_base.model_dump_json())
    data["rules"][0]["surprise"] = 1  # validation (extra="forbid") refuses it too
    (tmp_path / "rules-k.json").write_text(json.dumps(data), encoding="utf-8")
    assert cache.read_cached("k") is None
    cache.write_cached("k", builtin_base)
    assert cache.read_cached("k") == builtin_base
