"""The words users type, mapped onto the rule base's vocabulary (data in rules/tasks.yaml).

`rules/tasks.yaml` declares the task families (each with its coarse `task` fact, synonyms,
sub-kinds, architectures and multi-head presets), the head tasks of `--head`, and the synonyms
of architectures, metrics and model outputs. It loads through the rule-base cache like every
other rule file, so resolving a `--task` word costs a dictionary lookup.

Suggestions for an unknown word come from the synonyms first (shared informative words,
after correcting typos word by word) and from edit distance on the whole word second, at a
cutoff that only catches typos: a suggestion is never a family the word has nothing to do
with (`span_extraction` must not suggest `segmentation`). No numpy here (start-up path).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lossadvisor.errors import InputError
from lossadvisor.facts import FactValue, TargetType, Task

HEX40 = re.compile(r"^[0-9a-f]{40}$")
LINES = re.compile(r"^[1-9][0-9]*(-[1-9][0-9]*)?$")

# Words that say nothing about which family is meant: sharing one of them is no evidence
# ("next_token_prediction" shares "prediction" with "ctr_prediction", not its meaning).
GENERIC_TOKENS = frozenset(
    {
        "a", "an", "and", "of", "the", "for", "with", "to", "in", "on", "by", "from",
        "task", "tasks", "model", "models", "modeling", "modelling", "learning", "training",
        "train", "deep", "net", "network", "networks", "data", "problem", "prediction",
        "predict", "predicting", "estimation", "estimate", "recognition", "detection",
        "generation", "analysis", "based", "using", "loss", "neural", "ml", "machine",
    }
)  # fmt: skip
TYPO_CUTOFF = 0.8  # difflib ratio at which a word counts as a typo of a vocabulary word
WORD_CUTOFF = 0.82  # the same for the whole phrase (the last resort)
MAX_SUGGESTIONS = 3


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # start-up


class Reference(_Strict):
    """A place in a public repository's source: what a practice rule or preset was read from."""

    repo: str = Field(description="owner/name on GitHub")
    path: str
    lines: str = Field(description="'120-168' or '42'")
    commit: str = Field(description="the 40-hex commit the lines were read at")
    note: str | None = None

    def text(self) -> str:
        return f"{self.repo}@{self.commit[:12]} {self.path}#L{self.lines.replace('-', '-L')}"


class PresetHead(_Strict):
    """One head of a reference multi-head model: its head task, loss, weight and parameters."""

    name: str
    head_task: str
    loss: str
    weight: float = Field(gt=0)
    params: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None


class Preset(_Strict):
    """The heads of one reference implementation (selected by architecture)."""

    name: str
    architecture: str | None = None
    heads: list[PresetHead] = Field(min_length=2)
    source: str
    references: list[Reference] = Field(min_length=1)


class TaskFamily(_Strict):
    """A task family: what users call it and which coarse task (fact `task`) it trains as."""

    id: str
    name: str
    group: str
    task: Task
    parent: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    implies: dict[str, FactValue] = Field(
        default_factory=dict,
        description="facts the family implies when no data says otherwise (e.g. a count target)",
    )
    target_types: list[TargetType] = Field(
        default_factory=list, description="measured target types the family fits ([] = any)"
    )
    architectures: list[str] = Field(default_factory=list)
    presets: list[Preset] = Field(default_factory=list)
    description: str


class HeadTask(_Strict):
    """What one head of a multi-head model predicts, for `--head NAME:HEADTASK[:WEIGHT]`."""

    id: str
    name: str
    task: Task
    synonyms: list[str] = Field(default_factory=list)
    description: str


class Term(_Strict):
    """An architecture, metric or model output id with the words users type for it."""

    id: str
    name: str
    synonyms: list[str] = Field(default_factory=list)
    description: str | None = None


class Unsupported(_Strict):
    """Words for tasks lossadvisor has no family for, with what to use instead and why."""

    words: list[str] = Field(min_length=1)
    reason: str
    suggest: list[str] = Field(default_factory=list)


class Vocabulary(_Strict):
    """rules/tasks.yaml, validated."""

    families: list[TaskFamily] = Field(default_factory=list)
    head_tasks: list[HeadTask] = Field(default_factory=list)
    architectures: list[Term] = Field(default_factory=list)
    metrics: list[Term] = Field(default_factory=list)
    model_outputs: list[Term] = Field(default_factory=list)
    unsupported: list[Unsupported] = Field(default_factory=list)

    # --- lookups -----------------------------------------------------------------------------

    def family(self, family_id: str) -> TaskFamily | None:
        for family in self.families:
            if family.id == family_id:
                return family
        return None

    def family_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.families)

    def head_task_ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.head_tasks)

    def architecture_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.architectures)

    def resolve_task(self, word: str, where: str = "--task") -> TaskFamily:
        """The family a word names (id or synonym); InputError with suggestions otherwise."""
        index = _index((f.id, f.synonyms) for f in self.families)
        found = _lookup(word, index)
        if found is not None:
            family = self.family(found)
            assert family is not None
            return family
        raise InputError(self.unknown_task_message(word, where))

    def resolve_head_task(self, word: str, where: str) -> tuple[str | None, TaskFamily | None]:
        """(head task id, None) for a head task word, (None, family) for a family word."""
        heads = _index((h.id, h.synonyms) for h in self.head_tasks)
        found = _lookup(word, heads)
        if found is not None:
            return found, None
        families = _index((f.id, f.synonyms) for f in self.families)
        family_id = _lookup(word, families)
        if family_id is not None:
            return None, self.family(family_id)
        words = [*heads, *families]
        hint = _quote(_close(normalise(word), words))
        raise InputError(
            f"{where}: unknown head task '{word}'.{hint} Head tasks: "
            + ", ".join(self.head_task_ids())
            + "; any task family of `lossadvisor tasks` also works."
        )

    def resolve_term(self, kind: str, word: str, where: str) -> str:
        """The id of an architecture / metric / model output word; InputError otherwise."""
        terms: list[Term] = getattr(self, kind)
        index = _index((t.id, t.synonyms) for t in terms)
        found = _lookup(word, index)
        if found is not None:
            return found
        label = {"architectures": "architecture", "metrics": "metric"}.get(kind, "model output")
        hint = _quote(_close(normalise(word), list(index)))
        if not hint:
            hint = " Valid: " + ", ".join(t.id for t in terms) + "."
        raise InputError(f"{where}: unknown {label} '{word}'.{hint}")

    def head_task(self, head_task_id: str) -> HeadTask | None:
        for head in self.head_tasks:
            if head.id == head_task_id:
                return head
        return None

    # --- suggestions -------------------------------------------------------------------------

    def suggest_tasks(self, word: str) -> list[str]:
        """Family ids to suggest for an unknown word, best first ([] when nothing relates)."""
        key = normalise(word)
        for entry in self.unsupported:
            if key in {normalise(w) for w in entry.words}:
                return list(entry.suggest)
        by_synonyms = self._by_shared_words(key)
        if by_synonyms:
            return by_synonyms[:MAX_SUGGESTIONS]
        index = _index((f.id, f.synonyms) for f in self.families)
        hits = difflib.get_close_matches(key, list(index), n=10, cutoff=WORD_CUTOFF)
        return list(dict.fromkeys(index[h] for h in hits))[:MAX_SUGGESTIONS]

    def unknown_task_message(self, word: str, where: str = "--task") -> str:
        key = normalise(word)
        reason = next(
            (e.reason for e in self.unsupported if key in {normalise(w) for w in e.words}), None
        )
        suggestions = self.suggest_tasks(word)
        prefix = f"{where}: " if where else ""
        text = f"{prefix}unknown task '{word}'."
        if reason:
            text += f" {reason}"
        if suggestions:
            text += _quote(suggestions)
        return text + " Run `lossadvisor tasks` for every task family and its synonyms."

    def _by_shared_words(self, key: str) -> list[str]:
        """Families sharing informative words with `key` (typos corrected word by word),
        weighted by rarity: a word that names one family counts more than one that names ten."""
        family_tokens: list[tuple[str, set[str]]] = []
        closeness: dict[str, float] = {}
        for family in self.families:
            tokens: set[str] = set()
            for text in (family.id, *family.synonyms):
                tokens |= _tokens(normalise(text))
                ratio = difflib.SequenceMatcher(None, key, normalise(text)).ratio()
                closeness[family.id] = max(closeness.get(family.id, 0.0), ratio)
            family_tokens.append((family.id, tokens))
        vocabulary = sorted(set().union(*(t for _, t in family_tokens)))
        wanted: set[str] = set()
        for token in _tokens(key):
            if token in vocabulary:
                wanted.add(token)
            else:
                wanted |= set(difflib.get_close_matches(token, vocabulary, n=1, cutoff=TYPO_CUTOFF))
        if not wanted:
            return []
        df = {t: sum(t in tokens for _, tokens in family_tokens) for t in wanted}
        # rarer shared words weigh more; ties go to the family whose words look most like
        # the whole phrase (objct_detection: object_detection, not salient_object_segmentation)
        scored = [
            (-round(sum(1.0 / df[t] for t in wanted & tokens), 9), -closeness[fid], i, fid)
            for i, (fid, tokens) in enumerate(family_tokens)
            if wanted & tokens
        ]
        scored.sort()
        best = scored[0][0]
        # keep families within half the best score: weaker overlaps are noise
        return [fid for score, _, _, fid in scored if score <= best / 2]


def normalise(word: str) -> str:
    """'Object Detection' / 'object-detection' / 'object_detection' -> 'object_detection'."""
    text = word.strip().lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9+]+", "_", text)
    return text.strip("_")


def _tokens(key: str) -> set[str]:
    return {t for t in key.split("_") if t and t not in GENERIC_TOKENS and len(t) > 1}


def _index(entries: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """normalised word -> id (ids and synonyms)."""
    index: dict[str, str] = {}
    for entry_id, synonyms in entries:
        index.setdefault(normalise(entry_id), entry_id)
        for synonym in synonyms:
            index.setdefault(normalise(synonym), entry_id)
    return index


def _lookup(word: str, index: dict[str, str]) -> str | None:
    """Exact normalised match, then the same with a plural 's' dropped or added."""
    key = normalise(word)
    for candidate in (key, key[:-1] if key.endswith("s") else key + "s"):
        if candidate in index:
            return index[candidate]
    return None


def _close(key: str, words: Sequence[str]) -> list[str]:
    return difflib.get_close_matches(key, list(words), n=MAX_SUGGESTIONS, cutoff=WORD_CUTOFF)


def _quote(names: Sequence[str]) -> str:
    if not names:
        return ""
    return " Did you mean " + " or ".join(f"'{n}'" for n in names) + "?"
