"""The `lossadvisor` command line: the only place that parses argv and prints.

Each command lives in its own module and registers itself on `app`. Command modules import
heavy libraries (numpy, pandas, pyarrow) inside the command function, never at module level,
so that `recommend --task ...` starts at bare-Python speed.
"""

from __future__ import annotations

import sys

from lossadvisor.cli.app import app, build_command  # noqa: F401 (app: for tests and plugins)
from lossadvisor.errors import InputError

# Importing a command module registers its commands on `app` (one line per module).
# isort: off
from lossadvisor.cli import rules_cmd  # noqa: F401
from lossadvisor.cli import recommend_cmd  # noqa: F401
from lossadvisor.cli import profile_cmd  # noqa: F401
from lossadvisor.cli import export_cmd  # noqa: F401
from lossadvisor.cli import evidence_cmd  # noqa: F401
from lossadvisor.cli import report_cmd  # noqa: F401
from lossadvisor.cli import tasks_cmd  # noqa: F401
# isort: on


def main() -> None:
    """Console-script entry point: InputError -> one line on stderr, exit 2."""
    try:
        build_command()(standalone_mode=True)
    except InputError as err:
        print(f"lossadvisor: error: {err}", file=sys.stderr)
        sys.exit(2)
