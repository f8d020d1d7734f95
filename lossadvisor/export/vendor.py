"""`export --vendor DIR`: copy lossadvisor's torch module next to the config.

Exports that need a loss, wrapper, optimizer or scheduler torch lacks point at
`lossadvisor.torch_losses`. That module imports only torch and the standard library, so it
can travel on its own: vendoring writes it to DIR/lossadvisor_losses.py and points the
config's dotted paths there, and training needs no lossadvisor install (only DIR on the
Python path, e.g. running from DIR or PYTHONPATH=DIR).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.outfile import write_text

PACKAGE_PATH = "lossadvisor.torch_losses."
VENDORED_MODULE = "lossadvisor_losses"
FILE_NAME = f"{VENDORED_MODULE}.py"


def source() -> str:
    """The text of lossadvisor/torch_losses.py (read, not imported: no torch needed here)."""
    return (Path(__file__).resolve().parent.parent / "torch_losses.py").read_text(encoding="utf-8")


def uses_module(value: Any) -> bool:
    """Whether any string in the export names something in lossadvisor.torch_losses."""
    if isinstance(value, Mapping):
        return any(uses_module(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(uses_module(v) for v in value)
    return isinstance(value, str) and value.startswith(PACKAGE_PATH)


def repoint(value: Any) -> Any:
    """The export with every lossadvisor.torch_losses.X path made lossadvisor_losses.X."""
    if isinstance(value, Mapping):
        return {k: repoint(v) for k, v in value.items()}
    if isinstance(value, list):
        return [repoint(v) for v in value]
    if isinstance(value, str) and value.startswith(PACKAGE_PATH):
        return VENDORED_MODULE + "." + value[len(PACKAGE_PATH) :]
    return value


def vendor(data: dict[str, Any], directory: str, force: bool = False) -> tuple[dict[str, Any], str]:
    """Write the module into `directory`; the export re-pointed at it and the file written.

    An existing, identical module file is left alone; a different one is only replaced with
    `force`. Exports that use no lossadvisor module come back unchanged and nothing is written.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"--vendor {directory}: not an existing directory")
    if not uses_module(data):
        return data, ""
    target = folder / FILE_NAME
    text = source()
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if current != text:
        write_text(text, str(target), force=force)
    out = repoint(data)
    block = out.get("lossadvisor")
    if isinstance(block, dict):
        block["vendored"] = f"{FILE_NAME} (put its folder on the Python path)"
    return out, str(target)
