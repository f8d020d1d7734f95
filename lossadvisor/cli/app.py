"""The typer application: the root options, then every command of the registry (commands.py)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
import typer.core
import typer.main
import typer.models

from lossadvisor.cli.coercion import defer, defer_param
from lossadvisor.cli.commands import COMMANDS, GROUPS, Command


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name, in registry order; a command's module is imported and its
    click command built on first access, so running one command imports only its module."""

    def __init__(self, group: str | None) -> None:
        self._entries: dict[str, Command | str] = {c.name: c for c in COMMANDS if c.group == group}
        if group is None:
            self._entries.update({name: name for name in GROUPS})
        self._built: dict[str, Any] = {}

    def built(self, name: str) -> Any | None:
        return self._built.get(name)

    def entry(self, name: str) -> Command | str | None:
        return self._entries.get(name)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            entry = self._entries[name]  # KeyError: not a command
            self._built[name] = _group(entry) if isinstance(entry, str) else _command(entry)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:  # a plugin's add_command
        self._entries.setdefault(name, name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class _DeferredHelp:
    """--help is made by click when a command parses; its coercion is deferred too."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            defer_param(option)
        return option


class LazyGroup(_DeferredHelp, typer.core.TyperGroup):
    """A typer group over the registry (cli/commands.py) that builds a command when it runs;
    the command list in --help reads the registry's summaries instead of importing modules."""

    registry_group: str | None = None

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.registry_group)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # typer's reads .items(), which would build every command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        commands = self.commands
        assert isinstance(commands, _Commands)
        rows = []
        for name in commands:
            command = commands.built(name)
            if command is None:  # not built: a stand-in with the same short help
                entry = commands.entry(name)
                summary = entry.summary if isinstance(entry, Command) else GROUPS[name]
                command = typer.core.TyperCommand(name=name, help=summary)
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows])


class _Command(_DeferredHelp, typer.core.TyperCommand):
    pass


def _command(entry: Command) -> Any:
    info = typer.models.CommandInfo(name=entry.name, callback=entry.function, cls=_Command)
    command = typer.main.get_command_from_info(
        info, pretty_exceptions_short=True, rich_markup_mode=None
    )
    _name_metavars(command)
    defer(command)
    return command


def _group(name: str) -> Any:
    group_class = type(f"{name.title()}Group", (LazyGroup,), {"registry_group": name})
    return group_class(name=name, help=GROUPS[name], no_args_is_help=True, rich_markup_mode=None)


app = typer.Typer(
    cls=LazyGroup,
    name="lossadvisor",
    help="Which loss to train with, why, and with which optimizer — from your data.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"max_content_width": 80},
)


def _version(value: bool) -> None:
    if value:
        from lossadvisor import __version__

        print(f"lossadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Which loss to train with, why, and with which optimizer — from your data."""


# Options whose value is better named by what it is than by the option's name.
_WORDS = {
    "target": "COL",
    "output": "FILE",
    "export": "FILE",
    "rules": "FILE",
    "profile": "FILE",
    "pick": "LOSS",
    "loss": "LOSS",
}

# typer vendors click (typer._click), so parameters are recognised by their attributes.


def _metavar(param: Any) -> str:
    """A metavar in words: N for integers, FILE for paths, else the option's last word
    (--model-output OUTPUT, --family FAMILY); typer would print Python types (<str>)."""
    desc = getattr(param, "type_descriptor", None)
    element = param.bare_type() if hasattr(param, "bare_type") else ""
    if element in ("int", "list[int]"):
        return "N"
    if desc is not None and (desc.is_path or desc.is_file):
        return "FILE"
    word = max(param.opts, key=len).lstrip("-")
    return _WORDS.get(word, word.split("-")[-1].upper())


def _plain_argument(param: Any) -> None:
    """An argument shown as its metavar alone: DATA, not `DATA <str>` or `{DATA}`."""
    name = param.metavar or (param.name or "ARG").upper()
    param.metavar = name
    suffix = "..." if param.nargs != 1 else ""
    optional = not param.required
    setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010 (instance override)
    setattr(  # noqa: B010
        param, "_usage_display_name", lambda: f"[{name}]{suffix}" if optional else name + suffix
    )


def _name_metavars(command: Any) -> None:
    for param in command.params:
        if param.param_type_name == "argument":
            _plain_argument(param)
        elif param.param_type_name == "option" and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
    for sub in getattr(command, "commands", {}).values():
        _name_metavars(sub)


def build_command() -> Any:
    """The click command behind `app`; each command gets metavars in words when it is built."""
    command = typer.main.get_command(app)
    defer(command)  # --version and typer's completion options
    return command
