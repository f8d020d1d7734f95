"""The conditional pass: a loss models y | x, so profile the residuals of a baseline on x.

conditional_profiles(...) reads a seeded sample of rows (`read_sample`), screens the
feature columns, cross-fits a baseline per target (`cross_fit`) and adds the residual
facts (`residuals`) to each TargetProfile, with their provenance (`ConditionalInfo`). Without
feature columns the targets keep their marginal facts only, and the provenance says so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lossadvisor.errors import InputError, unknown_name
from lossadvisor.facts import FactValue
from lossadvisor.models import ConditionalInfo, TargetProfile
from lossadvisor.profile.baseline import CLASS_TYPES, MIN_ROWS, cross_fit, uses_log_link
from lossadvisor.profile.features import Sample, choose_exposure, design, read_sample, screen
from lossadvisor.profile.options import FeatureOptions
from lossadvisor.profile.readings import readings
from lossadvisor.profile.residuals import class_facts, regression_facts

PLOT_ROWS = 4000  # rows of the baseline's fit kept for the report's residual scatter


def conditional_profiles(
    path: str,
    source: str,
    fmt: str,
    encoding: str,
    header: Sequence[str],
    targets: Sequence[TargetProfile],
    options: FeatureOptions,
    sampler: Callable[[list[str]], Sample] | None = None,
) -> list[TargetProfile]:
    """The targets with their conditional facts added (or a note saying why there are none).

    `sampler(columns)` draws the sample elsewhere (the dask engine: on the cluster, over all
    partitions); by default it is read from the file at `path`."""
    names = [t.name for t in targets]
    exposure = choose_exposure(header, options.exposure, source)
    if options.columns is not None:
        for column in options.columns:
            if column not in header:
                raise unknown_name("feature column", column, header, where="--features")
            if column in names:
                raise InputError(f"--features: '{column}' is a target, not a feature.")
        candidates = [c for c in options.columns if c != exposure]
    else:
        candidates = [c for c in header if c not in names and c != exposure]
    exposure_facts: dict[str, FactValue] = {"has_exposure": exposure is not None}
    if not options.enabled or not candidates:
        note = (
            "--no-features: marginal facts only"
            if not options.enabled
            else "no feature columns besides the target(s): marginal facts only"
        )
        info = ConditionalInfo(model=None, note=note, exposure=exposure)
        return [_with(t, {"baseline_fitted": False, **exposure_facts}, info, []) for t in targets]
    columns = list(dict.fromkeys([*names, *candidates, *([exposure] if exposure else [])]))
    if sampler is not None:
        sample = sampler(columns)
    else:
        sample = read_sample(path, source, fmt, columns, header, encoding, options.max_rows)
    return [_guarded(t, sample, candidates, exposure, exposure_facts) for t in targets]


# What a numerical library raises on data it cannot fit (a singular design, values that
# overflow, a perfectly separated class): the conditional facts are estimates on top of the
# marginal ones, so a baseline that cannot be fitted leaves the marginal facts, with the reason.
NUMERIC_FAILURES: tuple[type[Exception], ...] = (
    ValueError,
    ArithmeticError,
    np.linalg.LinAlgError,
)


def _statsmodels_failures() -> tuple[type[Exception], ...]:
    """statsmodels' fit failures (a missing value, a perfectly separated class), once it is
    loaded: only the small-table GLMs and the counts' NB fit use it, so a table whose baseline
    never loaded it cannot raise them, and its profile does not import statsmodels (half a
    second of `validate`). Read when an exception is matched, i.e. after the fit ran."""
    loaded = sys.modules.get("statsmodels.tools.sm_exceptions")
    if loaded is None:
        return ()
    return (loaded.MissingDataError, loaded.PerfectSeparationError)


def _guarded(
    target: TargetProfile,
    sample: Sample,
    candidates: Sequence[str],
    exposure: str | None,
    extra: dict[str, FactValue],
) -> TargetProfile:
    """`_one_target` without numpy warnings on stderr, on one BLAS thread, and with a note when
    the fit fails."""
    import warnings

    from threadpoolctl import threadpool_limits

    # One BLAS thread: the facts' linear algebra (the Breusch–Pagan SVD of up to 50,000 rows)
    # then gives the same bits on any number of cores, and it no longer fights the fold fits'
    # OpenMP threads for the cores (100,000 × 20 on 2 cores: 2.0 s against 0.35 s).
    with np.errstate(all="ignore"), warnings.catch_warnings(), threadpool_limits(1, "blas"):
        # Overflow in an intermediate statistic says nothing the facts do not (they are made
        # finite below); a warning would reach the user's stderr as noise.
        warnings.simplefilter("ignore")
        try:
            return _one_target(target, sample, candidates, exposure, extra)
        except (*NUMERIC_FAILURES, *_statsmodels_failures()) as err:
            reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
            info = ConditionalInfo(
                model=None,
                note=f"the baseline could not be fitted ({reason}): marginal facts only",
                exposure=exposure,
            )
            return _with(target, {"baseline_fitted": False, **extra}, info, [])


def _one_target(
    target: TargetProfile,
    sample: Sample,
    candidates: Sequence[str],
    exposure: str | None,
    extra: dict[str, FactValue],
) -> TargetProfile:
    import pandas as pd

    frame = sample.frame
    kind = target.target_type
    categorical = kind in CLASS_TYPES
    if kind not in (
        *CLASS_TYPES,
        "continuous",
        "positive_continuous",
        "count",
        "proportion",
    ):
        info = ConditionalInfo(
            model=None,
            note=f"no baseline for {kind} targets: marginal facts only",
            exposure=exposure,
        )
        return _with(target, {"baseline_fitted": False, **extra}, info, [])
    y_raw = frame[target.name]
    keep = y_raw.notna().to_numpy().copy()
    if not categorical:
        y_num = pd.to_numeric(y_raw, errors="coerce")
        keep &= y_num.notna().to_numpy()
    weights = None
    if exposure is not None:
        weights = pd.to_numeric(frame[exposure], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(weights) | (weights <= 0)
        if np.all(bad[keep]):
            raise InputError(f"exposure column '{exposure}' has no positive values.")
        keep &= ~bad
    rows = frame.loc[keep].reset_index(drop=True)
    screened = screen(rows, candidates, rows[target.name], categorical)
    info_base = {
        "n_rows": len(rows),
        "sampled": sample.sampled,
        "excluded": screened.excluded,
        "exposure": exposure,
    }
    if len(rows) < MIN_ROWS or not screened.features:
        why = (
            f"only {len(rows)} rows with a target (a baseline needs {MIN_ROWS})"
            if len(rows) < MIN_ROWS
            else "no usable feature column"
        )
        info = ConditionalInfo(model=None, note=f"{why}: marginal facts only", **info_base)
        return _with(target, {"baseline_fitted": False, **extra}, info, [])
    x = design(rows, screened.features)
    exposure_values = None if weights is None else weights[keep]
    if categorical:
        labels = rows[target.name].astype(str).to_numpy()
        fit = cross_fit(x, labels, kind)
        facts = class_facts(labels, fit.fitted, fit.classes)
    else:
        y = pd.to_numeric(rows[target.name]).to_numpy(dtype=np.float64)
        fit = cross_fit(x, y, kind, exposure_values)
        log_link = uses_log_link(kind, y)
        facts = regression_facts(y, fit.fitted, kind, log_link, x)
    estimate = f"estimates from {len(rows):,} rows" + (
        f" (a seeded sample of {sample.n_rows_read:,})" if sample.sampled else ""
    )
    info = ConditionalInfo(
        model=fit.model,
        resampling=fit.resampling,
        features=list(screened.features),
        note=f"out-of-fold residuals of the baseline; {estimate}",
        **info_base,
    )
    out = _with(target, {**facts, **extra}, info, [k for k in facts if k != "baseline_fitted"])
    if not categorical:
        keep_rows = _plot_rows(len(y))
        out.attach_baseline_fit(y[keep_rows], fit.fitted[keep_rows])
    return out


def _plot_rows(n: int) -> Any:
    """A seeded sample of at most PLOT_ROWS row indices, in order (the report's scatter)."""
    if n <= PLOT_ROWS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, PLOT_ROWS, replace=False))


def _with(
    target: TargetProfile,
    facts: dict[str, FactValue],
    info: ConditionalInfo,
    estimated: list[str],
) -> TargetProfile:
    clean = {k: _finite(v) for k, v in facts.items()}
    merged = {**target.facts, **clean}
    return target.model_copy(
        update={
            "facts": merged,
            "estimated": [*target.estimated, *estimated],
            "readings": readings(merged),
            "conditional": info,
        }
    )


def _finite(value: FactValue) -> FactValue:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
