"""What the user tells `recommend` besides the data, gathered once for the API and the CLI.

    options = RecommendOptions(task="regression", metric="mae", rules=("my.yaml",))
    base, context = options.resolve()      # the rule base (built-ins + rules) and the Context

`lossadvisor.recommend(...)` and `lossadvisor recommend ...` both build one of these from their
arguments and nothing else, so the two faces cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from lossadvisor.context import Context, make_context
from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.schema import RuleBase


class RecommendOptions(NamedTuple):  # a NamedTuple: a tenth of a dataclass's import cost
    """The options as typed (raw words; synonyms are resolved by `resolve`)."""

    task: str | None = None
    architecture: str | None = None
    model_output: str | None = None
    metric: str | None = None
    priority: str | None = None
    optimizer: str | None = None
    batch_size: int | None = None
    foreground_ratio: float | None = None
    multitask_kind: str | None = None
    heads: Sequence[str] = ()
    rules: Sequence[str | Path] = ()

    def resolve(self) -> tuple[RuleBase, Context]:
        """The rule base and the validated Context; InputError naming a bad option."""
        base = self.rulebase()
        return base, self.context(base)

    def rulebase(self) -> RuleBase:
        """The built-in rule base plus the --rules files."""
        return load_rulebase(self.rules)

    def context(self, base: RuleBase) -> Context:
        """The options as a Context, in the words of `base`'s vocabulary (synonyms allowed) and
        with its optimizers (a user's methods file may add one)."""
        return make_context(
            vocabulary=base.vocabulary,
            optimizers=tuple(base.optimizers),
            architecture=self.architecture,
            task=self.task,
            model_output=self.model_output,
            metric=self.metric,
            priority=self.priority,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            foreground_ratio=self.foreground_ratio,
            multitask_kind=self.multitask_kind,
            heads=list(self.heads),
        )
