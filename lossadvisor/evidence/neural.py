"""The neural proxy's registry and settings (`validate --proxy mlp`); torch-free, so the CLI can
check a loss list without importing torch. The training itself is `mlp.py`.

Which losses the MLP trains: every loss with a table proxy (the tree's records of `proxies.py`:
the MLP trains them with their torch module instead of a LightGBM objective) and the losses a
tree booster cannot express (records: `proxies.NEURAL_ONLY`). Every other catalog loss
reads something a table of one target does not have (masks, boxes, query lists, survival times,
embedding pairs, sequences); `not_on_a_table` says which, in one line. Both the head a loss
trains with and what a table lacks for the others are data: the `evidence:` record of each loss
in rules/losses.yaml (`mlp_head` or `needs`; docs/rule-language.md), checked by `rules check`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lossadvisor.errors import InputError
from lossadvisor.evidence.proxies import NEURAL_ONLY, PROXIES, builtin_losses
from lossadvisor.evidence.results import LossEvidence

if TYPE_CHECKING:
    from lossadvisor.rules.schema import TableEvidence

ENGINE = "MLP (torch, CPU)"
PROXY_NAMES = ("tree", "lightgbm", "mlp")  # --proxy values; tree and lightgbm are one engine


@functools.cache
def _table_evidence() -> dict[str, TableEvidence]:
    """Each catalog loss's `evidence:` record (rules/losses.yaml)."""
    return {
        loss: spec.evidence for loss, spec in builtin_losses().items() if spec.evidence is not None
    }


def head_form(loss: str) -> str | None:
    """The head the MLP trains `loss` with (`evidence.mlp_head` of the catalog), or None."""
    record = _table_evidence().get(loss)
    return None if record is None else record.mlp_head


@dataclass(frozen=True)
class MLPSettings:
    """The MLP shared by every loss: only the loss (its torch module) differs between two fits.

    Fixed architecture: `hidden` ReLU layers on standardised features (the tree proxy's
    preprocessing, then z-scores from the training fold), the output layer starting at zero so
    every loss starts from its constant fit (as the boosters do); AdamW, mini-batches, one seed
    (weights and batch order are the same for every loss of a fold). Epochs by early stopping on
    the same inner split as the trees (`proxies.inner_split`): the run's deciding metric on the
    held-out rows after each epoch, the best epoch's weights kept.
    """

    hidden: tuple[int, ...] = (64, 64)
    learning_rate: float = 3e-3
    weight_decay: float = 1e-2  # AdamW's default
    batch_size: int = 256
    min_batches: int = 8  # per epoch: a small fold gets smaller batches, not fewer steps
    max_epochs: int = 200
    patience: int = 10
    fixed_epochs: int = 50  # a training set too small to hold rows out
    validation_fraction: float = 0.2
    early_stopping: bool = True
    seed: int = 0
    threads: int = 1  # torch threads per fit (0: torch's default); 1 never oversubscribes
    stop_metric: str | None = None  # the run's deciding metric

    def describe(self) -> str:
        """The settings in one line (printed once per result)."""
        from lossadvisor.evidence.proxies import MIN_STOP_ROWS

        layers = " × ".join(str(h) for h in self.hidden)
        metric = self.stop_metric or "the target's default metric"
        return (
            f"{ENGINE}: {len(self.hidden)} hidden ReLU layers of {layers} on standardised "
            f"features, each loss's torch module as export builds it, AdamW (learning rate "
            f"{self.learning_rate:g}, weight decay {self.weight_decay:g}), batches of "
            f"{self.batch_size} rows (at least {self.min_batches} batches an epoch), epochs "
            f"chosen per fit by early stopping on {metric} over {self.validation_fraction:.0%} "
            f"of its training rows held out (at most "
            f"{self.max_epochs} epochs, patience {self.patience}; {self.fixed_epochs} epochs "
            f"when fewer than {MIN_STOP_ROWS} rows could be held out), seed {self.seed}"
        )


def with_torch_modules(evidence: list[LossEvidence]) -> list[LossEvidence]:
    """Each loss's `model` as the MLP trained it: the loss and its torch class."""
    from lossadvisor.rules.frameworks import load_frameworks

    forms = load_frameworks().losses
    out = []
    for e in evidence:
        entry = forms[e.loss]["torch"]
        model = e.model.split(" (native")[0]  # the tree's native objective is not used here
        out.append(e.model_copy(update={"model": f"{model}, {entry.target}"}))
    return out


def variance_heads(losses: Sequence[str]) -> list[str]:
    """The losses among `losses` that predict a variance as well as a mean (their own
    predictive distribution: the distributional metrics score it)."""
    return [loss for loss in losses if head_form(loss) == "gaussian"]


def mlp_losses() -> list[str]:
    """Every loss the MLP trains, tree-proxied ones first."""
    return [*PROXIES, *NEURAL_ONLY]


def not_on_a_table(loss: str) -> str | None:
    """Why the MLP cannot train `loss` on a table (one line), or None when it can."""
    if loss in PROXIES or loss in NEURAL_ONLY:
        return None
    record = _table_evidence().get(loss)
    if record is not None and record.needs is not None:
        return f"{loss} needs {record.needs}"
    return f"{loss} is not a loss the MLP proxy knows"


def split_for_mlp(losses: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """(losses the MLP trains, {skipped loss: why}); the order of `losses` is kept."""
    kept: list[str] = []
    skipped: dict[str, str] = {}
    for loss in losses:
        why = not_on_a_table(loss)
        if why is None:
            kept.append(loss)
        else:
            skipped[loss] = why
    return kept, skipped


def check_engine(losses: Sequence[str], settings: object) -> None:
    """InputError when a loss is not one the settings' engine trains (tree: PROXIES)."""
    if isinstance(settings, MLPSettings):
        _, skipped = split_for_mlp(losses)
        if skipped:
            raise InputError(f"the MLP proxy cannot train: {'; '.join(skipped.values())}.")
        return
    tree_only = [loss for loss in losses if loss in NEURAL_ONLY]
    if tree_only:
        raise InputError(
            f"no tree proxy for {', '.join(tree_only)} (a booster cannot express it well): "
            f"validate with --proxy mlp."
        )


def parse_proxy(text: str) -> str:
    """'tree' | 'mlp' from a --proxy value ('lightgbm' is the tree); InputError otherwise."""
    value = text.strip().lower()
    if value not in PROXY_NAMES:
        raise InputError(
            f"--proxy must be one of {', '.join(PROXY_NAMES)} (tree = lightgbm). "
            f"Got {text!r} instead."
        )
    return "mlp" if value == "mlp" else "tree"
