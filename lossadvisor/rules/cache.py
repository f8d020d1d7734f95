"""A cache of the validated rule base, as JSON, keyed by the exact bytes it was built from.

Loading the YAML (parse + every check) costs tens of milliseconds, far more on a busy machine;
validating the cached JSON back into a RuleBase costs about one. The key covers the rule files'
names and bytes and the source of the code that checks them, so any change to either misses the
cache. JSON, not pickle: reading the cache can never run code; it is rebuilt into models
without a second validation (lossadvisor.trusted: building the validator cost more than the
rest of the load), its shape still checked. Only valid bases are cached;
problems are always recomputed. `LOSSADVISOR_CACHE_DIR` moves the cache; set it empty to disable.

Each rule-file or code change makes a new key, so every write prunes the directory to the
KEEP most recently used bases (a hit refreshes a file's mtime) and drops temp files a killed
writer left behind. Another process may prune or replace the same files at the same moment:
a file that vanishes is simply skipped, and no failure here ever fails a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import from_json  # the same values as json.loads, in half the time

import lossadvisor
from lossadvisor.rules.schema import RuleBase
from lossadvisor.trusted import NotTrusted, construct

_PACKAGE = Path(lossadvisor.__file__).parent
_CODE = ("facts.py", "params.py", "vocabulary.py")
"""Modules outside rules/ whose behaviour decides what a valid RuleBase is; every module of
the rules/ package counts too (globbed, so a new module cannot be forgotten)."""


def _code_files() -> list[Path]:
    return [*(_PACKAGE / m for m in _CODE), *sorted((_PACKAGE / "rules").glob("*.py"))]


KEEP = 8
"""Cached bases kept (a few rule sets or versions in use at once; each is ~100-300 KB)."""
_STALE_TMP_S = 3600.0
"""A temp file this old belongs to a writer that died (a write takes milliseconds)."""


def cache_dir() -> Path | None:
    """Where cached bases live; None when caching is disabled."""
    configured = os.environ.get("LOSSADVISOR_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "lossadvisor"


def cache_key(files: Sequence[tuple[str, bytes]]) -> str:
    """sha256 over the code version and each file's shown name and bytes."""
    digest = hashlib.sha256(lossadvisor.__version__.encode())
    for module in _code_files():
        try:
            digest.update(module.read_bytes())
        except OSError:
            digest.update(module.name.encode())
    for name, data in files:
        digest.update(b"\0" + name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()


def read_cached(key: str) -> RuleBase | None:
    """The cached base for this key, or None (missing, unreadable or stale format)."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        path = directory / f"rules-{key}.json"
        raw = path.read_bytes()
        if RuleBase.__pydantic_complete__:  # the validator exists: validating is cheaper
            base = RuleBase.model_validate_json(raw)
        else:  # only checked bases are written: no validator built (lossadvisor.trusted)
            try:
                base = construct(RuleBase, from_json(raw))
            except NotTrusted:
                base = RuleBase.model_validate_json(raw)
    except (OSError, ValidationError, ValueError):
        return None
    with contextlib.suppress(OSError):  # most recently used: the last one pruning removes
        os.utime(path)
    return base


def write_cached(key: str, base: RuleBase) -> None:
    """Store the base atomically (temp file + rename); a failure only costs speed next time."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(base.model_dump_json())
            os.replace(tmp, directory / f"rules-{key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
    prune(directory)


def prune(directory: Path, keep: int = KEEP) -> None:
    """Remove all but the `keep` most recently used bases, and temp files older than an hour.
    Safe against concurrent writers and pruners: every step tolerates a file already gone."""
    now = time.time()
    bases: list[tuple[float, Path]] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for path in entries:
        name = path.name
        try:
            if name.startswith("rules-") and name.endswith(".json"):
                bases.append((path.stat().st_mtime, path))
            elif (
                name.startswith(".rules-")
                and name.endswith(".tmp")
                and now - path.stat().st_mtime > _STALE_TMP_S
            ):
                path.unlink(missing_ok=True)
        except OSError:
            continue
    bases.sort(reverse=True)
    for _, path in bases[keep:]:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue
