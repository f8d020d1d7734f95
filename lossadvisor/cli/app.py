"""The typer application: the root options, then every command of the registry (commands.py)."""

from __future__ import annotations

from typing import Any

import typer

from lossadvisor.cli.commands import COMMANDS, GROUPS

app = typer.Typer(
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


def _register(root: typer.Typer) -> None:
    groups = {
        name: typer.Typer(name=name, help=text, no_args_is_help=True, rich_markup_mode=None)
        for name, text in GROUPS.items()
    }
    for command in COMMANDS:
        target = root if command.group is None else groups[command.group]
        target.command(command.name)(command.function)
    for name, group in groups.items():
        root.add_typer(group, name=name)


_register(app)


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
    """The click command behind `app`, with metavars in words on every option and argument."""
    command = typer.main.get_command(app)
    _name_metavars(command)
    return command
