"""A profile saved as YAML (`profile -o`) and read back (`recommend --profile`)."""

from __future__ import annotations

import pydantic
import yaml

from lossadvisor.boundary import profile_problems
from lossadvisor.errors import InputError
from lossadvisor.models import PROFILE_SCHEMA_VERSION, DatasetProfile
from lossadvisor.rules.yaml_lines import YamlProblem, line_of, load_with_lines


def dump_profile(profile: DatasetProfile) -> str:
    """The profile as YAML text (what `profile -o` writes and `recommend --profile` reads)."""
    return yaml.safe_dump(profile.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def load_profile(path: str) -> DatasetProfile:
    """Read a profile saved by `profile -o`; InputError with one line if it is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            data, _duplicates = load_with_lines(fh.read())
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except YamlProblem as err:
        raise InputError(f"{path}:{err.line}: not a readable YAML profile: {err.message}") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; expected a profile file.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable YAML profile ({type(err).__name__}).") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a profile mapping (from `lossadvisor profile -o`).")
    try:
        profile = DatasetProfile.model_validate(data, strict=True)
    except pydantic.ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        line = line_of(data, first["loc"])
        raise InputError(
            f"{path}:{line}: not a lossadvisor profile: {where}: {first['msg']}."
        ) from None
    if profile.schema_version != PROFILE_SCHEMA_VERSION:
        raise InputError(
            f"{path}: the profile schema_version must be {PROFILE_SCHEMA_VERSION}. "
            f"Got {profile.schema_version!r} instead; re-run `lossadvisor profile -o`."
        )
    problems = profile_problems(profile)
    if problems:
        loc, message = problems[0]
        where = ".".join(str(x) for x in loc)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{path}:{line_of(data, loc)}: {where}: {message}{more}")
    return profile
