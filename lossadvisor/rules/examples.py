"""Rules carry examples: facts a rule fires on, and facts it stays silent on (`rules test`).

As ruff documents each rule with an example and Semgrep tests a rule against `ruleid:` / `ok:`
lines, every rule may list `examples: {fires: [...], silent: [...]}` — fact mappings, written
as a profile or the command line would give them. `lossadvisor rules test` evaluates each one
with the engine (exactly how a run fires the rule) and reports every example that does not do
what it says, as file:line: rule-id: message. The built-in rules each carry at least one of
each; they were first written by the satisfiability solver (`solver.example` /
`solver.counterexample`) and are kept as regression fixtures: an edit that changes when a rule
fires fails its examples. `python -m lossadvisor.rules.examples FILE...` writes solver examples
into the rules of FILE that have none (a new rule's starting point; review them).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lossadvisor.facts import FACTS
from lossadvisor.resources import rules_dir
from lossadvisor.rules.engine import fires
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import Rule, RuleBase
from lossadvisor.rules.solver import counterexample, example


@dataclass(frozen=True)
class ExampleProblem:
    """One example that does not do what it says (or a rule without examples)."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"


def _facts_text(facts: Mapping[str, Any]) -> str:
    return json.dumps(dict(facts), ensure_ascii=False) if facts else "{} (no facts)"


def check_rule(rule: Rule, require: bool = False) -> list[ExampleProblem]:
    """The problems of one rule's examples; `require`: a rule without both kinds is one too."""
    found: list[ExampleProblem] = []
    examples = rule.examples
    fires_on = examples.fires if examples is not None else []
    silent_on = examples.silent if examples is not None else []
    if require and not (fires_on and silent_on):
        missing = [
            kind for kind, given in (("fires", fires_on), ("silent", silent_on)) if not given
        ]
        found.append(
            ExampleProblem(rule.file, rule.line, rule.id, f"no {'/'.join(missing)} example")
        )
    for kind, cases, expected in (("fires", fires_on, True), ("silent", silent_on, False)):
        for facts in cases:
            unknown = sorted(name for name in facts if name not in FACTS)
            if unknown:
                message = f"{kind} example names unknown fact(s) {', '.join(unknown)}"
                found.append(ExampleProblem(rule.file, rule.line, rule.id, message))
                continue
            if fires(rule, facts) != expected:
                does = "stays silent" if expected else "fires"
                message = f"{kind} example {_facts_text(facts)}: the rule {does}"
                found.append(ExampleProblem(rule.file, rule.line, rule.id, message))
    return found


def check_examples(
    base: RuleBase, files: Sequence[str | Path] | None = None, require: bool = False
) -> tuple[int, list[ExampleProblem]]:
    """(examples run, problems) for the rules of `files` (every rule when None)."""
    chosen = None if files is None else {Path(f).resolve() for f in files}
    problems: list[ExampleProblem] = []
    count = 0
    for rule in base.rules:
        if chosen is not None and Path(rule.file).resolve() not in chosen:
            continue
        if rule.examples is not None:
            count += len(rule.examples.fires) + len(rule.examples.silent)
        problems += check_rule(rule, require)
    return count, problems


# --- writing the solver's examples into a rule file ------------------------------------------


def solver_choices(base: RuleBase) -> dict[str, tuple[str, ...]]:
    """The admissible values of the facts whose choices come from the rule files."""
    choices: dict[str, tuple[str, ...]] = {
        "loss": tuple(base.losses),
        "optimizer": tuple(base.optimizers),
    }
    if base.vocabulary is not None:
        choices["task_family"] = base.vocabulary.family_ids()
        choices["architecture"] = base.vocabulary.architecture_ids()
        choices["head_task"] = base.vocabulary.head_task_ids()
    return choices


def _finite(facts: Mapping[str, Any]) -> bool:
    return all(not (isinstance(v, float) and not math.isfinite(v)) for v in facts.values())


def generated(rule: Rule, choices: Mapping[str, tuple[str, ...]]) -> dict[str, Any] | None:
    """The solver's fires/silent pair for `rule`, checked by the engine (None: no such pair)."""
    on, off = example(rule.condition, choices), counterexample(rule.condition, choices)
    if on is None or off is None or not (_finite(on) and _finite(off)):
        return None
    if not fires(rule, on) or fires(rule, off):
        return None
    return {"fires": [on], "silent": [off]}


def _block_end(lines: list[str], start: int) -> int:
    """Index after the last line of the rule whose `- id:` line is lines[start]."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    last = start
    while end < len(lines):
        text = lines[end]
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            if len(text) - len(text.lstrip()) <= indent:
                break
            last = end
        end += 1
    return last + 1


def write_missing(path: Path, base: RuleBase) -> int:
    """Insert the solver's examples into every rule of `path` that has none; how many."""
    choices = solver_choices(base)
    lines = path.read_text(encoding="utf-8").split("\n")
    inserts: list[tuple[int, str]] = []
    for rule in base.rules:
        if Path(rule.file).resolve() != path.resolve() or rule.examples is not None:
            continue
        pair = generated(rule, choices)
        start = rule.line - 1
        if pair is None or not lines[start].lstrip().startswith("- id:"):
            continue
        key_indent = " " * (len(lines[start]) - len(lines[start].lstrip()) + 2)
        text = json.dumps(pair, ensure_ascii=False)
        inserts.append((_block_end(lines, start), f"{key_indent}examples: {text}"))
    for at, text in sorted(inserts, reverse=True):
        lines.insert(at, text)
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(inserts)


def base_with(files: Sequence[Path]) -> RuleBase:
    """The built-in rule base plus those of `files` that are not built-in files (loaded after
    the built-ins, as --rules is): what `rules test` and the example writer run on."""
    builtin = rules_dir().resolve()
    return load_rulebase([f for f in files if f.resolve().parent != builtin])


def main(argv: Sequence[str]) -> int:
    paths = [Path(p) for p in argv]
    base = base_with(paths)
    for path in paths:
        print(f"{path}: {write_missing(path, base)} rule(s) given examples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
