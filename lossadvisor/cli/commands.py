"""Every command of `lossadvisor`, one line each, in the order `--help` lists them.

An explicit registry, as pip's `commands_dict`: a command module defines plain functions and
knows nothing of the application; adding a command is one function and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lossadvisor.cli.bench_cmd import bench
from lossadvisor.cli.evidence_cmd import tune, validate
from lossadvisor.cli.export_cmd import export_command
from lossadvisor.cli.profile_cmd import profile_command
from lossadvisor.cli.recommend_cmd import recommend
from lossadvisor.cli.report_cmd import report_command
from lossadvisor.cli.rules_cmd import check, explain, list_rules, losses, show_rule, test_rules
from lossadvisor.cli.tasks_cmd import tasks


@dataclass(frozen=True)
class Command:
    name: str
    function: Callable[..., None]
    group: str | None = None  # a subcommand of this group (`lossadvisor rules check`)


COMMANDS: tuple[Command, ...] = (
    Command("losses", losses),
    Command("explain", explain),
    Command("recommend", recommend),
    Command("profile", profile_command),
    Command("export", export_command),
    Command("validate", validate),
    Command("tune", tune),
    Command("report", report_command),
    Command("tasks", tasks),
    Command("bench", bench),
    Command("check", check, group="rules"),
    Command("list", list_rules, group="rules"),
    Command("show", show_rule, group="rules"),
    Command("test", test_rules, group="rules"),
)

GROUPS: dict[str, str] = {
    "rules": "List, show, check and test the rules behind every recommendation.",
}
"""Command groups and their help line."""
