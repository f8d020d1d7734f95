"""`rules check --json`: the problems of rule files as a document a script can read.

The same problems, in the same order, as the text output (`file:line: rule-id: message`), with
their parts as fields. Schema: docs/schemas/rules_check.schema.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from lossadvisor.rules.load import check_problems

RULES_CHECK_SCHEMA_VERSION = 1


class RuleProblem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    line: int | None = Field(description="1-based line of the problem, when known")
    entry: str | None = Field(description="the rule, loss or method id the problem is in")
    message: str
    text: str = Field(description="the line the text output prints")


class RuleCheckReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: int = RULES_CHECK_SCHEMA_VERSION
    files: list[str] = Field(description="the files checked, as given")
    valid: bool = Field(description="no problem in any file (the command's exit status is 0)")
    problems: list[RuleProblem]


def check_report(paths: Sequence[str | Path]) -> RuleCheckReport:
    """Check these rule files (as `rules check` does) and describe every problem."""
    problems = [
        RuleProblem(file=p.file, line=p.line, entry=p.entry, message=p.message, text=str(p))
        for p in check_problems(paths)
    ]
    return RuleCheckReport(files=[str(p) for p in paths], valid=not problems, problems=problems)
