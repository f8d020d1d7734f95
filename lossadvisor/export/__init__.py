"""Export a Recommendation as a config real tools load as they are.

    data = export_recommendation(rec, "hydra", pick="huber", rules_digest=base.digest)
    write_yaml(data, "conf/loss.yaml", force=False)

Formats: native (the whole recommendation, round-trips through `load_native`), hydra,
lightning, lightgbm, xgboost, sklearn, keras. Framework names come from rules/frameworks.yaml.
Nothing here imports torch, keras or the GBDT libraries.
"""

from __future__ import annotations

from typing import Any

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.export import gbdt, hydra, keras, lightning, native, sklearn
from lossadvisor.export.choice import LossChoice, choose
from lossadvisor.export.common import header
from lossadvisor.export.guard import check_output
from lossadvisor.export.mapping import Frameworks, load_frameworks
from lossadvisor.export.native import load_native
from lossadvisor.export.write import COMMENT_KEY, dump_yaml, plain, write_yaml
from lossadvisor.models import Recommendation
from lossadvisor.rules.schema import RuleBase

__all__ = ["FORMATS", "dump_yaml", "export_recommendation", "load_native", "write_yaml"]

FORMATS = ("native", "hydra", "lightning", "lightgbm", "xgboost", "sklearn", "keras")


def _body(
    rec: Recommendation, fmt: str, choices: list[LossChoice], frameworks: Frameworks
) -> tuple[dict[str, Any], list[str]]:
    if fmt == "hydra":
        return hydra.build(rec, choices, frameworks)
    if fmt == "lightning":
        return lightning.build(rec, choices, frameworks)
    if fmt == "keras":
        return keras.build(rec, choices, frameworks)
    if fmt == "sklearn":
        return sklearn.build(rec, choices, frameworks)
    return gbdt.build(rec, choices, frameworks, fmt)


def export_recommendation(
    rec: Recommendation,
    fmt: str,
    pick: str | None = None,
    rules_digest: str | None = None,
    base: RuleBase | None = None,
) -> dict[str, Any]:
    """The export of `rec` in `fmt` as plain data; InputError if the loss has no form in fmt.

    Every value is checked against the catalog of `base` (the built-in rule base when None).
    """
    if fmt not in FORMATS:
        raise unknown_name("export format", fmt, FORMATS, "--format")
    check_values(rec, base)
    if fmt == "native":
        return native.build(rec, pick, rules_digest)
    choices = choose(rec, pick)
    body, notes = _body(rec, fmt, choices, load_frameworks())
    block = header(rec, fmt, choices, rules_digest, notes)
    if fmt == "lightning":
        # LightningCLI rejects unknown top-level keys: the provenance goes in as comments.
        data = plain({COMMENT_KEY: dump_yaml({"lossadvisor": block}), **body})
    else:
        data = plain({"lossadvisor": block, **body})
    check_output(data, fmt)
    return data


def check_values(rec: Recommendation, base: RuleBase | None = None) -> None:
    """InputError naming the first value of `rec` its catalog spec does not admit.

    Recommendations from `recommend` pass by construction (rule files are checked at load);
    this is the guard for ones built or edited any other way.
    """
    from lossadvisor.boundary import recommendation_problems
    from lossadvisor.rules.load import load_rulebase

    as_data = Recommendation.model_validate(plain(rec.model_dump()))
    problems = recommendation_problems(as_data, base or load_rulebase())
    if problems:
        loc, message = problems[0]
        where = ".".join(str(p) for p in loc)
        raise InputError(f"recommendation.{where}: {message}")
