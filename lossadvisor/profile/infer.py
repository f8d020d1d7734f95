"""Which kind of target a column is: the rules, in the order they are tried.

Text labels (`LabelPartial`):
  L1. delimiter-separated label sets (`|`, `;` or `,` in >= 5 % of rows, and splitting them
      yields fewer distinct labels than distinct raw values)      -> multilabel
  L2. exactly 2 distinct labels                                      -> binary
  L3. 3..MAX_CLASSES distinct labels, and at most half as many distinct labels as rows (so
      the labels repeat)                                             -> multiclass
  L4. otherwise (free text, identifiers)                             -> InputError

Numbers (`NumericPartial`; NaN/inf are missing):
  N1. exactly 2 distinct values                                      -> binary
  N2. all in [0, 1], some not 0/1                                    -> proportion
  N3. whole numbers, >= 0, at most FEW_CODES distinct:
        count if 0 occurs, the values are 0..max without gaps, and the frequencies are
        count-shaped (unimodal, the largest value at most half as frequent as the mode);
        else integer codes                                           -> count | multiclass
  N4. whole numbers, >= 0, more distinct values: count when they start at 0 or 1 (a count's
      floor), else fall through to N6/N7 (e.g. diabetes: 25..346)    -> count
  N5. whole numbers with negatives and at most FEW_CODES distinct     -> multiclass (codes)
  N6. all > 0 and right-skewed (skewness >= 1)                       -> positive_continuous
  N7. otherwise                                                      -> continuous

Several targets that are all binary 0/1 (or two-valued) are profiled together as one
multilabel problem (each keeps its own class counts).

How this differs from the anchors (see shared/reference/anchors.md §1.2-1.3):
- scikit-learn `type_of_target` calls every integer-valued array with > 2 values `multiclass`
  (diabetes, with 214 distinct integer targets, becomes "multiclass"; auto-sklearn#293). It
  has no notion of counts, proportions or positive skew, because it only picks an estimator
  family; a loss choice needs them (Poisson/Tweedie deviance, logistic loss on proportions,
  gamma/log targets). We agree with it on binary (2 values) and on non-integer floats.
- AutoGluon calls integers `multiclass` when distinct/rows <= 5 % (10 % under 1000 rows) and
  there are <= 1000 of them, else regression. On a zero-heavy count target (typically < 20
  distinct values in thousands of rows) that says "multiclass", which would recommend
  cross-entropy for what is a Poisson/negative-binomial outcome. We use the shape (starts at 0,
  no gaps, decaying right tail) instead of a cardinality ratio; the ratio rule (L3) applies only
  to text labels, where AutoGluon and we both say multiclass.
- Ambiguity that remains: imbalanced integer codes 0,1,2 whose frequencies decay look like
  counts. `--target-type multiclass` overrides; the reason string says which rule fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from lossadvisor.errors import InputError, out_of_range, unknown_name
from lossadvisor.facts import TARGET_TYPES
from lossadvisor.profile.stats import LabelPartial, NumericPartial, Partial

MAX_CLASSES = 1000
"""More distinct text labels than this is not a usable categorical target (AutoGluon's limit)."""
FEW_CODES = 10
"""Whole numbers with at most this many distinct values may be class codes."""
MULTILABEL_DELIMITERS = ("|", ";", ",")
MULTILABEL_MIN_SHARE = 0.05
POSITIVE_SKEW = 1.0


def split_labels(label: str, delimiter: str) -> frozenset[str]:
    """The label set of one multilabel cell: split, strip, drop empties."""
    return frozenset(t.strip() for t in label.split(delimiter) if t.strip())


def multilabel_delimiter(counts: Mapping[str, int]) -> str | None:
    """The delimiter that turns these labels into label sets (rule L1), or None."""
    total = sum(counts.values())
    best: tuple[float, str] | None = None
    for delim in MULTILABEL_DELIMITERS:
        with_delim = sum(c for label, c in counts.items() if delim in label)
        share = with_delim / total if total else 0.0
        if share < MULTILABEL_MIN_SHARE:
            continue
        tokens = {t for label in counts for t in split_labels(label, delim)}
        if tokens and len(tokens) < len(counts) and (best is None or share > best[0]):
            best = (share, delim)
    return best[1] if best else None


def label_set_counts(counts: Mapping[str, int], delimiter: str) -> dict[str, int]:
    """Rows carrying each label, from the counts of the raw label-set strings."""
    out: dict[str, int] = {}
    for raw, count in counts.items():
        for label in split_labels(raw, delimiter):
            out[label] = out.get(label, 0) + count
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _count_shaped(counts: Mapping[float, int]) -> bool:
    """0..max with no gaps, unimodal, and the largest value at most half as frequent as the mode."""
    values = sorted(counts)
    if values[0] != 0 or len(values) != int(values[-1]) + 1:
        return False
    freqs = [counts[v] for v in values]
    mode = freqs.index(max(freqs))
    rising = all(a <= b for a, b in pairwise(freqs[: mode + 1]))
    falling = all(a >= b for a, b in pairwise(freqs[mode:]))
    return rising and falling and freqs[-1] <= 0.5 * freqs[mode]


def infer_type(
    partial: Partial, n_unique: int, skewness: float | None, name: str
) -> tuple[str, str]:
    """(target_type, reason) for one target, by the rules in the module docstring."""
    if isinstance(partial, LabelPartial):
        return _infer_labels(partial, n_unique, name)
    return _infer_numeric(partial, n_unique, skewness)


def _infer_labels(partial: LabelPartial, n_unique: int, name: str) -> tuple[str, str]:
    counts = partial.value_counts
    if counts is not None:
        delim = multilabel_delimiter(counts)
        if delim is not None:
            n_labels = len(label_set_counts(counts, delim))
            return "multilabel", f"text label sets separated by '{delim}' ({n_labels} labels)"
        if n_unique == 2:
            return "binary", "text with 2 distinct labels"
        if n_unique <= MAX_CLASSES and n_unique <= 0.5 * partial.n:
            return "multiclass", f"text with {n_unique} distinct labels that repeat"
    raise InputError(
        f"target '{name}' is text with {n_unique if counts is not None else 'too many'} distinct "
        f"values in {partial.n} rows: neither numeric nor a usable set of classes "
        f"(at most {MAX_CLASSES} labels that repeat). Pick another --target."
    )


def _infer_numeric(p: NumericPartial, n_unique: int, skewness: float | None) -> tuple[str, str]:
    whole = p.n_non_integer == 0
    if n_unique == 2:
        return "binary", "2 distinct values"
    if p.min >= 0 and p.max <= 1 and not whole:
        return "proportion", "values in [0, 1], not all 0/1"
    if whole and p.min >= 0:
        if n_unique <= FEW_CODES and p.value_counts is not None:
            if _count_shaped(p.value_counts):
                return "count", (
                    f"whole numbers 0..{p.max:g} with a count-shaped (decaying) distribution"
                )
            return "multiclass", (
                f"{n_unique} distinct whole numbers that are not count-shaped: integer class codes"
            )
        if n_unique > FEW_CODES and p.min <= 1:
            return "count", f"non-negative whole numbers from {p.min:g}, {n_unique} distinct"
    if whole and p.min < 0 and n_unique <= FEW_CODES:
        return "multiclass", f"{n_unique} distinct whole numbers including negatives: class codes"
    if p.min > 0 and skewness is not None and skewness >= POSITIVE_SKEW:
        return "positive_continuous", f"positive values, right-skewed (skewness {skewness:.2f})"
    detail = f"{n_unique} distinct whole numbers from {p.min:g}" if whole else "real numbers"
    return "continuous", detail


def multilabel_group(types: Sequence[str]) -> bool:
    """Several targets, all binary: profile them together as one multilabel problem."""
    return len(types) >= 2 and all(t == "binary" for t in types)


def check_override(target_type: str, partial: Partial, n_unique: int, name: str) -> None:
    """InputError when a --target-type cannot describe this column."""
    if target_type not in TARGET_TYPES:
        raise unknown_name("target type", target_type, TARGET_TYPES, where="--target-type")
    where = f"--target-type {target_type} for '{name}'"
    if isinstance(partial, LabelPartial):
        if target_type not in ("binary", "multiclass", "multilabel"):
            raise out_of_range("target", "numeric", "text labels", where)
        if target_type == "binary" and n_unique != 2:
            raise out_of_range("number of classes", "2", n_unique, where)
        if partial.value_counts is None:
            raise out_of_range("number of classes", f"at most {MAX_CLASSES}", "more", where)
        return
    if target_type == "binary" and n_unique != 2:
        raise out_of_range("number of distinct values", "2", n_unique, where)
    if target_type in ("multiclass", "multilabel") and partial.value_counts is None:
        raise out_of_range("number of classes", f"at most {MAX_CLASSES}", "more", where)
    if target_type == "count" and (partial.min < 0 or partial.n_non_integer):
        raise out_of_range("target", "non-negative whole numbers", "other values", where)
    if target_type == "proportion" and (partial.min < 0 or partial.max > 1):
        raise out_of_range("target", "within [0, 1]", f"[{partial.min:g}, {partial.max:g}]", where)
    if target_type == "positive_continuous" and partial.min <= 0:
        raise out_of_range("smallest value", "> 0", partial.min, where)
