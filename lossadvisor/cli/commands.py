"""Every command of `lossadvisor`, one line each, in the order `--help` lists them.

An explicit registry, as pip's `commands_dict`: a command module defines plain functions and
knows nothing of the application; adding a command is one function and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lossadvisor.cli import (
    bench_cmd,
    evidence_cmd,
    export_cmd,
    profile_cmd,
    recommend_cmd,
    report_cmd,
    rules_cmd,
    tasks_cmd,
)


@dataclass(frozen=True)
class Command:
    name: str
    function: Callable[..., None]
    group: str | None = None  # a subcommand of this group (`lossadvisor rules check`)


COMMANDS: tuple[Command, ...] = (
    Command("losses", rules_cmd.losses),
    Command("explain", rules_cmd.explain),
    Command("recommend", recommend_cmd.recommend),
    Command("profile", profile_cmd.profile_command),
    Command("export", export_cmd.export_command),
    Command("validate", evidence_cmd.validate),
    Command("tune", evidence_cmd.tune),
    Command("report", report_cmd.report_command),
    Command("tasks", tasks_cmd.tasks),
    Command("bench", bench_cmd.bench),
    Command("check", rules_cmd.check, group="rules"),
    Command("list", rules_cmd.list_rules, group="rules"),
    Command("show", rules_cmd.show_rule, group="rules"),
)

GROUPS: dict[str, str] = {
    "rules": "List, show and check the rules behind every recommendation.",
}
"""Command groups and their help line."""
