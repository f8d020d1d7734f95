"""Which kind of target a column is: a decision list, tried in order, with a reason for each.

Text labels (`LabelPartial`):
  L0. an order is known — `--order "a,b,c"`, or a pandas ordered categorical read from
      Parquet (an arrow dictionary with ordered=True)                -> ordinal
  L1. delimiter-separated label sets (`|`, `;` or `,` in >= 5 % of rows, and splitting them
      yields fewer distinct labels than distinct raw values)      -> multilabel
  L2. exactly 2 distinct labels                                      -> binary
  L3. 3..MAX_CLASSES distinct labels, and at most half as many distinct labels as rows (so
      the labels repeat)                                             -> multiclass
  L4. otherwise (free text, identifiers)                             -> InputError

Numbers (`NumericPartial`; NaN/inf are missing). D = variance / mean (the dispersion index;
a Poisson count has D = 1, its variance grows with its mean):
  N1. exactly 2 distinct values                                      -> binary
  N2. all in [0, 1], some not 0/1                                    -> proportion
  N3. bounded score: whole numbers in 0..MAX_SCORE (10) with >= 5 levels, one interior mode,
      both ends at most half as frequent as the mode, and D < SCORE_DISPERSION (0.85): less
      spread than any count with that mean, i.e. a ceiling (binomial n = max has D = 1 − p)
                                                                     -> ordinal (levels by value)
  N4. count-shaped: whole numbers from 0 (from 1 when the name says count), the frequencies
      rise to one mode and then fall, *up to sampling noise* (a later value may exceed the
      smallest earlier one by 2·sqrt(a + b) + 1, so a sparse, noisy upper tail such as
      9, 12, 12 rows at 5, 6, 7 — or gaps there — does not break it), and the largest value is
      at most half as frequent as the mode                           -> count
  N5. whole-unit measurement: whole numbers from >= 2 with D < MEASURE_DISPERSION (0.7)
      (tighter than a Poisson count that far from 0 can be: heights in cm, sizes, ages in a
      narrow band), or a measurement-like name (age, length, price, ...) -> continuous (N8/N9)
  N6. a count far from 0: whole numbers from >= 2, many levels, Poisson-like spread
      (0.7 <= D <= 1.3), or D > 1.3 and a count-like name           -> count
  N7. whole numbers from 0 or 1, more than FEW_CODES distinct values  -> count
  N8. at most FEW_CODES distinct whole numbers not read above (codes such as 1..5 ratings
      with a flat profile, 31..46 region codes, signed -1/0/1)      -> multiclass (codes)
  N9. all > 0, real-valued, or whole and right-skewed (skewness >= 1) -> positive_continuous
  N10. otherwise                                                     -> continuous

Supporting evidence — the column name and its stored dtype — only decides between readings
the statistics leave open, never alone, and every reason string says when it did:
- name tokens (split on `_`, `-`, spaces and camelCase) are looked up in NAME_HINTS: count
  words (count, n, num, visits, claims, ...) let zero-truncated counts (from 1) and
  overdispersed counts far from 0 read as counts; code words (id, code, class, type, ...)
  turn a count-shaped handful of values into class codes; measurement words (age, length,
  height, weight, price, ...) turn a Poisson-like or score-like spread into a measurement;
  score words (score, rating, grade, ...) let a score read as ordinal at D up to 1.
- a float column of whole numbers (stored as 3.0, or a Parquet double) is not how class codes
  are written: the N8 fallback then reads it as a measurement (continuous) instead of codes.
  (Integer columns with missing values are written as floats by pandas; the reason says so.)
Where evidence conflicts, or the statistics alone decide a close call, the reason says
"ambiguous" and names the `--target-type` that gives the other reading.

Several targets that are all binary 0/1 (or two-valued) are profiled together as one
multilabel problem (each keeps its own class counts).

How this differs from the type inference of other tools:
- scikit-learn `type_of_target` (1.9) returns binary, multiclass, continuous, their
  -multioutput forms, multilabel-indicator or unknown. It calls every integer-valued array
  with > 2 values `multiclass` (diabetes, with 214 distinct integer targets, becomes
  "multiclass"; auto-sklearn#293), every float array with a non-integer value `continuous`,
  and has no notion of counts, proportions, positive skew, bounded scores or order, because it
  only picks an estimator family; a loss choice needs them (Poisson/Tweedie deviance, logistic
  loss on proportions, gamma/log targets, cumulative-link losses). Differences, rule by rule:
  N3 (a 0..10 score: sklearn multiclass, here ordinal), N4/N6/N7 (counts: sklearn multiclass),
  N5 (rounded measurements: sklearn multiclass, here continuous), N2 (proportions: sklearn
  continuous), N9 (positive amounts: sklearn continuous), L0 (an ordered categorical: sklearn
  multiclass, it ignores the order), L1 (delimited label sets: sklearn needs an indicator
  matrix). We agree with it on binary (2 values), on text classes and on non-integer floats
  that are neither proportions nor positive.
- AutoGluon calls integers `multiclass` when distinct/rows <= 5 % (10 % under 1000 rows) and
  there are <= 1000 of them, else regression. On a zero-heavy count target (typically < 20
  distinct values in thousands of rows) that says "multiclass", which would recommend
  cross-entropy for what is a Poisson/negative-binomial outcome. We use the shape (starts at 0,
  one mode, a decaying tail up to noise) and the dispersion instead of a cardinality ratio;
  the ratio rule (L3) applies only to text labels, where AutoGluon and we both say multiclass.
- Ambiguity that remains: imbalanced integer codes 0,1,2 whose frequencies decay look like
  counts (`--target-type multiclass`); a unimodal 1..7 integer scale may be a score or a
  measurement (`--target-type continuous` / `ordinal`); an overdispersed whole-number target
  far from 0 without a count-like name reads as continuous (`--target-type count`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

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


def infer_type(
    partial: Partial,
    n_unique: int,
    skewness: float | None,
    name: str,
    integer_storage: bool | None = None,
) -> tuple[str, str]:
    """(target_type, reason) for one target, by the rules in the module docstring.

    `integer_storage`: the column was stored as integers (True), as floats (False), unknown.
    """
    if isinstance(partial, LabelPartial):
        return _infer_labels(partial, n_unique, name)
    return _infer_numeric(partial, n_unique, skewness, name, integer_storage)


def _infer_labels(partial: LabelPartial, n_unique: int, name: str) -> tuple[str, str]:
    counts = partial.value_counts
    if counts is not None:
        if partial.levels:
            return "ordinal", (
                f"L0: an ordered categorical with {len(partial.levels)} levels "
                f"({' < '.join(partial.levels[:6])}{' < ...' if len(partial.levels) > 6 else ''})"
            )
        delim = multilabel_delimiter(counts)
        if delim is not None:
            n_labels = len(label_set_counts(counts, delim))
            return "multilabel", f"L1: text label sets separated by '{delim}' ({n_labels} labels)"
        if n_unique == 2:
            return "binary", "L2: text with 2 distinct labels"
        if n_unique <= MAX_CLASSES and n_unique <= 0.5 * partial.n:
            return "multiclass", (
                f"L3: text with {n_unique} distinct labels that repeat (give --order "
                '"a,b,c" when they are ordered)'
            )
    raise InputError(
        f"target '{name}' is text with {n_unique if counts is not None else 'too many'} distinct "
        f"values in {partial.n} rows: neither numeric nor a usable set of classes "
        f"(at most {MAX_CLASSES} labels that repeat). Pick another --target."
    )


MAX_SCORE = 10
"""The largest maximum a bounded score may have (0-5, 1-7, 0-10 scales)."""
MIN_SCORE_LEVELS = 5
SCORE_DISPERSION = 0.85
"""D below this, with a ceiling in sight, is a bounded score (binomial n = max has D = 1 − p)."""
MEASURE_DISPERSION = 0.7
"""Whole numbers from >= 2 with D below this are tighter than counts that far from 0 can be."""
POISSON_DISPERSION = (0.7, 1.3)
"""D in this band, far from 0: a Poisson-like count (variance = mean)."""
NOISE_SIGMAS = 3.0

# Supporting evidence from the column name: token -> what it suggests. Tokens are whole words
# of the name (see `name_tokens`), so `id` does not match `width` nor `n` match `income`.
NAME_HINTS: dict[str, tuple[str, ...]] = {
    "count": (
        "count",
        "counts",
        "cnt",
        "n",
        "num",
        "number",
        "visits",
        "claims",
        "events",
        "calls",
        "clicks",
        "cases",
        "deaths",
        "births",
        "goals",
        "arrivals",
        "accidents",
        "defects",
        "purchases",
        "orders",
        "admissions",
        "trips",
        "freq",
        "frequency",
        "occurrences",
    ),
    "code": (
        "id",
        "code",
        "codes",
        "class",
        "category",
        "cat",
        "type",
        "kind",
        "cluster",
        "group",
        "label",
        "species",
        "region",
        "zip",
    ),
    "measure": (
        "age",
        "years",
        "height",
        "length",
        "width",
        "depth",
        "weight",
        "mass",
        "size",
        "price",
        "cost",
        "income",
        "salary",
        "amount",
        "inches",
        "inch",
        "cm",
        "mm",
        "kg",
        "lb",
        "lbs",
        "duration",
        "minutes",
        "seconds",
        "days",
        "temp",
        "temperature",
        "distance",
        "area",
        "volume",
        "bmi",
        "pressure",
    ),
}


def name_tokens(name: str) -> tuple[str, ...]:
    """'n_visits' -> ('n', 'visits'); 'heightCm' -> ('height', 'cm')."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return tuple(t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t)


def name_hint(name: str) -> str | None:
    """The one kind of NAME_HINTS the column name suggests, or None (none, or conflicting)."""
    tokens = set(name_tokens(name))
    kinds = {kind for kind, words in NAME_HINTS.items() if tokens & set(words)}
    return kinds.pop() if len(kinds) == 1 else None


def _within_noise(low: float, high: float) -> bool:
    """`high` exceeds `low` by no more than counting noise (NOISE_SIGMAS · sqrt(a + b) + 1)."""
    return high - low <= NOISE_SIGMAS * math.sqrt(low + high) + 1


def unimodal(counts: Mapping[float, int]) -> tuple[bool, int]:
    """(the frequencies over the sorted whole values rise to one mode and fall, up to counting
    noise; a missing value between two present ones is a level with 0 rows), mode position."""
    values = sorted(counts)
    freqs = [counts[v] for v in values]
    mode = freqs.index(max(freqs))
    high = freqs[0]
    for i in range(1, mode + 1):
        if values[i] - values[i - 1] > 1 and not _within_noise(0, high):
            return False, mode
        if not _within_noise(freqs[i], high):
            return False, mode
        high = max(high, freqs[i])
    low = freqs[mode]
    for i in range(mode + 1, len(values)):
        if values[i] - values[i - 1] > 1:
            low = 0
        if not _within_noise(low, freqs[i]):
            return False, mode
        low = min(low, freqs[i])
    return True, mode


def _dispersion(p: NumericPartial) -> float | None:
    if p.n < 2 or p.mean <= 0:
        return None
    return (p.m2 / (p.n - 1)) / p.mean


def _stored(integer_storage: bool | None) -> str:
    if integer_storage is None:
        return ""
    return " (stored as integers)" if integer_storage else " (stored as floats)"


def _infer_numeric(
    p: NumericPartial,
    n_unique: int,
    skewness: float | None,
    name: str,
    integer_storage: bool | None,
) -> tuple[str, str]:
    whole = p.n_non_integer == 0
    if n_unique == 2:
        return "binary", "N1: 2 distinct values"
    if p.min >= 0 and p.max <= 1 and not whole:
        return "proportion", "N2: values in [0, 1], not all 0/1"
    if whole and p.min >= 0:
        found = _whole_nonnegative(p, n_unique, name, integer_storage)
        if found is not None:
            return found
    if whole and p.min < 0 and n_unique <= FEW_CODES:
        return "multiclass", (
            f"N8: {n_unique} distinct whole numbers including negatives: class codes "
            "(--target-type ordinal with --order, or continuous, for another reading)"
        )
    return _real_valued(p, n_unique, skewness, whole)


def _whole_nonnegative(
    p: NumericPartial, n_unique: int, name: str, integer_storage: bool | None
) -> tuple[str, str] | None:
    """Rules N3-N8 for whole numbers >= 0; None to fall through to N9/N10."""
    hint = name_hint(name)
    disp = _dispersion(p)
    counts = p.value_counts
    shape_ok, mode = unimodal(counts) if counts else (False, 0)
    values = sorted(counts) if counts else []
    freqs = [counts[v] for v in values] if counts else []
    said = f", and the name '{name}' reads as a {hint}" if hint else ""
    # N3: a bounded score
    if (
        counts
        and p.max <= MAX_SCORE
        and n_unique >= MIN_SCORE_LEVELS
        and shape_ok
        and freqs[0] <= 0.5 * freqs[mode]
        and disp is not None
        and disp < SCORE_DISPERSION
    ):
        if hint in ("count", "code", "measure"):
            kind = {"count": "count", "code": "multiclass", "measure": "continuous"}[hint]
            return kind, (
                f"N3 ambiguous: whole numbers {p.min:g}..{p.max:g} spread like a bounded score "
                f"(D = {disp:.2f} < {SCORE_DISPERSION}){said}; --target-type ordinal reads "
                "it as a score"
            )
        return "ordinal", (
            f"N3: a bounded score {p.min:g}..{p.max:g} ({n_unique} ordered levels, mode "
            f"{values[mode]:g}, D = {disp:.2f} < {SCORE_DISPERSION}: less spread than a count, a "
            f"ceiling); the binomial reading (n = {p.max:g}) is soft_bce on y / {p.max:g}; "
            "--target-type count or multiclass for the other readings"
        )
    # N4: count-shaped, noise in the sparse upper tail allowed
    floor = 1 if hint == "count" else 0
    if counts and p.min <= floor and shape_ok and freqs[-1] <= 0.5 * freqs[mode]:
        if hint == "code" and n_unique <= FEW_CODES:
            return "multiclass", (
                f"N4 ambiguous: {n_unique} whole numbers with a count-shaped profile{said}: "
                "class codes; --target-type count reads them as counts"
            )
        start = "0" if p.min == 0 else "1 (zero-truncated; the name says count)"
        return "count", (
            f"N4: whole numbers from {start} to {p.max:g}, {n_unique} distinct, rising to one "
            f"mode at {values[mode]:g} and decaying (noise in the sparse tail allowed)"
        )
    # N5: a measurement in whole units
    tight = disp is not None and p.min >= 2 and disp < MEASURE_DISPERSION
    if tight or (hint == "measure" and n_unique >= 3):
        why = (
            f"from {p.min:g} with D = {disp:.2f} < {MEASURE_DISPERSION}: tighter than a count "
            "that far from 0"
            if tight
            else f"from {p.min:g}, not count-shaped{said}"
        )
        return "continuous", (
            f"N5: whole-unit measurement{_stored(integer_storage)}: {n_unique} whole numbers "
            f"{why}; --target-type count or ordinal for other readings"
        )
    # N6: a count far from 0
    if disp is not None and p.min >= 2 and n_unique > FEW_CODES:
        lo, hi = POISSON_DISPERSION
        if lo <= disp <= hi:
            return "count", (
                f"N6: whole numbers {p.min:g}..{p.max:g} with Poisson-like spread (D = "
                f"{disp:.2f}, variance ≈ mean): a count far from 0; --target-type continuous "
                "for a measurement"
            )
        if disp > hi and hint == "count":
            return "count", (
                f"N6: overdispersed whole numbers {p.min:g}..{p.max:g} (D = {disp:.2f}){said}: "
                "a count far from 0"
            )
    # N7: many whole numbers from a count's floor
    if n_unique > FEW_CODES and p.min <= 1:
        return "count", (
            f"N7: non-negative whole numbers from {p.min:g}, {n_unique} distinct (not one mode "
            "with a decaying tail; --target-type continuous for a measurement)"
        )
    # N8: a handful of codes
    if n_unique <= FEW_CODES:
        if integer_storage is False and hint != "code":
            return "continuous", (
                f"N8 ambiguous: {n_unique} whole numbers stored as floats, not count-shaped: a "
                "rounded measurement rather than class codes (codes are written as integers); "
                "--target-type multiclass reads them as codes"
            )
        return "multiclass", (
            f"N8: {n_unique} distinct whole numbers{_stored(integer_storage)} that are not "
            "count-shaped: integer class codes (--target-type count, or ordinal, for the other "
            "readings)"
        )
    return None


def _real_valued(
    p: NumericPartial, n_unique: int, skewness: float | None, whole: bool
) -> tuple[str, str]:
    """N9/N10: positive amounts, else continuous."""
    if p.min > 0 and not whole:
        shape = f", skewness {skewness:.2f}" if skewness is not None else ""
        return "positive_continuous", f"N9: strictly positive real numbers (min {p.min:g}{shape})"
    if p.min > 0 and skewness is not None and skewness >= POSITIVE_SKEW:
        return "positive_continuous", (
            f"N9: positive whole numbers, right-skewed (skewness {skewness:.2f})"
        )
    if whole:
        detail = f"{n_unique} distinct whole numbers from {p.min:g}"
        if p.min >= 2:
            detail += (
                " (ambiguous: a measurement in whole units, or an overdispersed count far from "
                "0; --target-type count for the count reading)"
            )
        return "continuous", f"N10: {detail}"
    return "continuous", "N10: real numbers"


def label_of(value: float) -> str:
    """A numeric class value as a label: '3' for whole numbers, else repr."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def ordinal_levels(partial: Partial, order: Sequence[str] | None, name: str) -> tuple[str, ...]:
    """The levels of an ordinal target, lowest first: --order, else the ordered categorical's
    own order, else (numbers) the sorted values. InputError when an observed value is not a
    level of --order, or text has no order to read."""
    if isinstance(partial, NumericPartial):
        observed = [label_of(v) for v in sorted(partial.value_counts or {})]
    else:
        observed = list(partial.value_counts or {})
    if order is not None:
        levels = tuple(order)
        duplicates = sorted({x for x in levels if levels.count(x) > 1})
        if duplicates:
            raise InputError(f"--order: each level once. Got '{duplicates[0]}' twice.")
        unknown = [label for label in observed if label not in levels]
        if unknown:
            raise unknown_name(f"level of target '{name}'", unknown[0], levels, where="--order")
        return levels
    if isinstance(partial, LabelPartial):
        if partial.levels:
            return partial.levels
        raise InputError(
            f"target '{name}' is text: an ordinal target needs its order, lowest first, "
            'e.g. --order "low,medium,high".'
        )
    return tuple(observed)


def parse_order(text: str) -> list[str]:
    """'Fair, Good,Very Good' -> ['Fair', 'Good', 'Very Good']; InputError when < 2 levels."""
    levels = [part.strip() for part in text.split(",") if part.strip()]
    if len(levels) < 2:
        raise InputError(f'--order: expected at least 2 comma-separated levels. Got "{text}".')
    return levels


def multilabel_group(types: Sequence[str]) -> bool:
    """Several targets, all binary: profile them together as one multilabel problem."""
    return len(types) >= 2 and all(t == "binary" for t in types)


def check_override(target_type: str, partial: Partial, n_unique: int, name: str) -> None:
    """InputError when a --target-type cannot describe this column."""
    if target_type not in TARGET_TYPES:
        raise unknown_name("target type", target_type, TARGET_TYPES, where="--target-type")
    where = f"--target-type {target_type} for '{name}'"
    if isinstance(partial, LabelPartial):
        if target_type not in ("binary", "multiclass", "multilabel", "ordinal"):
            raise out_of_range("target", "numeric", "text labels", where)
        if target_type == "ordinal":
            ordinal_levels(partial, None, name)  # text needs --order or an ordered categorical
        if target_type == "binary" and n_unique != 2:
            raise out_of_range("number of classes", "2", n_unique, where)
        if partial.value_counts is None:
            raise out_of_range("number of classes", f"at most {MAX_CLASSES}", "more", where)
        return
    if target_type == "binary" and n_unique != 2:
        raise out_of_range("number of distinct values", "2", n_unique, where)
    if target_type == "ordinal" and (partial.n_non_integer or partial.value_counts is None):
        raise out_of_range("target", f"at most {MAX_CLASSES} whole-number levels", "other", where)
    if target_type in ("multiclass", "multilabel") and partial.value_counts is None:
        raise out_of_range("number of classes", f"at most {MAX_CLASSES}", "more", where)
    if target_type == "count" and (partial.min < 0 or partial.n_non_integer):
        raise out_of_range("target", "non-negative whole numbers", "other values", where)
    if target_type == "proportion" and (partial.min < 0 or partial.max > 1):
        raise out_of_range("target", "within [0, 1]", f"[{partial.min:g}, {partial.max:g}]", where)
    if target_type == "positive_continuous" and partial.min <= 0:
        raise out_of_range("smallest value", "> 0", partial.min, where)
