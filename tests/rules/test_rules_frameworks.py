"""rules/frameworks.yaml is part of the checked rule base: `rules check` reads every key with
its line, and the rules digest changes with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rules_helpers import line_containing

from lossadvisor.resources import rules_dir
from lossadvisor.rules.load import check_files, load_rulebase

MSE_TORCH = "    torch: {target: torch.nn.MSELoss"


def _copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    return rules


def _edit(rules: Path, old: str, new: str) -> str:
    path = rules / "frameworks.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            MSE_TORCH,
            "    torch: {tagret: torch.nn.MSELoss",
            "unknown key 'losses.mse.torch.tagret'",
        ),
        (MSE_TORCH, "    pytorch: {target: torch.nn.MSELoss", "losses.mse.pytorch"),
        ("convert: huber_epsilon", "convert: magic_epsilon", "unknown conversion 'magic_"),
    ],
)
def test_a_broken_framework_entry_fails_the_check_with_its_line(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    rules = _copy(tmp_path)
    text = _edit(rules, old, new)
    path = rules / "frameworks.yaml"
    problems = check_files([path])
    assert problems, "a broken frameworks.yaml passed the check"
    line = line_containing(text, new.strip().split(":")[0] + ":" if "convert" not in new else new)
    assert problems[0].startswith(f"{path}:{line}: "), problems
    assert words in problems[0], problems


def test_the_shipped_framework_map_is_valid() -> None:
    assert check_files([rules_dir() / "frameworks.yaml"]) == []


def test_the_digest_changes_with_a_framework_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    rules = _copy(tmp_path)
    before = load_rulebase(builtin_dir=rules).digest
    _edit(rules, MSE_TORCH, "    torch: {target: torch.nn.HuberLoss")
    after = load_rulebase(builtin_dir=rules).digest  # through the cache: its key moved too
    assert before != after
    assert load_rulebase(builtin_dir=rules).digest == after
