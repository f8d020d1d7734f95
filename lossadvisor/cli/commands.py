"""Every command of `lossadvisor`, one line each, in the order `--help` lists them.

An explicit registry, as pip's `commands_dict`: a command module defines plain functions and
knows nothing of the application; adding a command is one record here. A record names its
function as "module:function" and carries the first paragraph of its docstring, so `--help`
lists every command without importing any, and running one imports only its own module
(cli/app.py loads it on first use; a test keeps each summary equal to its docstring).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple


class Command(NamedTuple):
    name: str
    target: str  # "module:function", imported when the command is first used
    summary: str  # the first paragraph of the function's docstring, for the command list
    group: str | None = None  # a subcommand of this group (`lossadvisor rules check`)

    @property
    def function(self) -> Callable[..., None]:
        """The command's function (imports its module)."""
        module, name = self.target.split(":")
        function: Callable[..., None] = getattr(importlib.import_module(module), name)
        return function


_CLI = "lossadvisor.cli."

COMMANDS: tuple[Command, ...] = (
    Command(
        "losses",
        _CLI + "rules_cmd:losses",
        "The loss catalog as a table: family, expected output, outlier sensitivity, gradient,"
        " cost.",
    ),
    Command(
        "explain",
        _CLI + "rules_cmd:explain",
        "Explain a loss: formula, gradient, properties, hyperparameters, the rules for and"
        " against it, and its names in real frameworks.",
    ),
    Command(
        "recommend",
        _CLI + "recommend_cmd:recommend",
        "Recommend a loss, its hyperparameters and an optimizer, with the reasons.",
    ),
    Command(
        "profile",
        _CLI + "profile_cmd:profile_command",
        "Profile the target column(s) of DATA: type, balance, spread, outliers, tails, zeros.",
    ),
    Command(
        "export",
        _CLI + "export_cmd:export_command",
        "Convert the native export SOURCE into another config format.",
    ),
    Command(
        "validate",
        _CLI + "evidence_cmd:validate",
        "Cross-validate losses on DATA with a proxy model that trains with each loss.",
    ),
    Command(
        "tune",
        _CLI + "evidence_cmd:tune",
        "Search a loss's hyperparameters and the proxy's learning rate on DATA.",
    ),
    Command(
        "report",
        _CLI + "report_cmd:report_command",
        "Write a report on DATA's target: its distribution with the fitted candidate families,"
        " tail and Q-Q plots or class balance, the ranking with every rule's signed"
        " contribution, hyperparameters with derivations, the optimizer, and with --validate"
        " the fold scores.",
    ),
    Command(
        "tasks",
        _CLI + "tasks_cmd:tasks",
        "List the task families with their synonyms (what --task accepts), or the head tasks,"
        " architectures, metrics and model outputs with theirs.",
    ),
    Command(
        "bench",
        _CLI + "bench_cmd:bench",
        "Measure what each catalog loss with a torch form costs here, against MSE and CE.",
    ),
    Command(
        "check",
        _CLI + "rules_cmd:check",
        "Check rule files; list every problem as file:line: rule-id: message.",
        group="rules",
    ),
    Command(
        "list",
        _CLI + "rules_cmd:list_rules",
        "List the rules: id, table, article rows covered, effects.",
        group="rules",
    ),
    Command(
        "show",
        _CLI + "rules_cmd:show_rule",
        "Show one rule: what it does, when it fires, its effects, why, and its source.",
        group="rules",
    ),
    Command(
        "test",
        _CLI + "rules_cmd:test_rules",
        "Run every rule's examples: each `fires` example must fire it, each `silent` one not.",
        group="rules",
    ),
)

GROUPS: dict[str, str] = {
    "rules": "List, show, check and test the rules behind every recommendation.",
}
"""Command groups and their help line."""
