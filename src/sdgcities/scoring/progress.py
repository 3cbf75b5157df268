"""Progress towards 2030 targets (SDSN Sustainable Development Report trend method).

For each city × indicator with a baseline and a later value::

    actual  = (latest / baseline) ** (1 / (t_latest − t_baseline)) − 1     # CAGR
    needed  = (target / baseline) ** (1 / (target_year − t_baseline)) − 1
    ratio   = actual / needed

Categories: ``target achieved`` (latest at or better than the target), else by ratio
``on track`` (≥ 0.95), ``acceleration needed`` (0.60–0.95), ``limited progress``
(0–0.60), ``deterioration`` (< 0). The ratio is direction-free: for lower-is-better
indicators both growth rates are negative when improving.

Edge cases (documented choices):

* CAGR is undefined when the baseline, latest value or target is ≤ 0 (e.g. net
  change indicators, a zero baseline): the linear annual change is used instead,
  ``(latest − baseline)/(t_latest − t_baseline)`` vs ``(target − baseline)/(target_year −
  t_baseline)``; the ``method`` column says ``linear``.
* Baseline already at or better than the target but latest value not: ``deterioration``.
* No usable pair (missing value, one year only, or the target year is not after the
  baseline year): category ``""`` and ratio NaN, with the reason in ``method``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

TARGET_ACHIEVED = "target achieved"
ON_TRACK = "on track"
ACCELERATION_NEEDED = "acceleration needed"
LIMITED_PROGRESS = "limited progress"
DETERIORATION = "deterioration"
CATEGORIES: tuple[str, ...] = (
    TARGET_ACHIEVED,
    ON_TRACK,
    ACCELERATION_NEEDED,
    LIMITED_PROGRESS,
    DETERIORATION,
)
ON_TRACK_RATIO = 0.95
ACCELERATION_RATIO = 0.60


def progress(
    baseline: npt.ArrayLike,
    latest: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    baseline_year: npt.ArrayLike,
    latest_year: npt.ArrayLike,
    higher_is_better: npt.ArrayLike,
    target_year: int = 2030,
) -> pd.DataFrame:
    """Vectorised progress assessment; returns columns ``actual_rate``, ``needed_rate``,
    ``ratio``, ``category``, ``method`` (``cagr``, ``linear`` or why none).

    >>> progress([50.0], [52.0], [80.0], baseline_year=[2015], latest_year=[2020],
    ...          higher_is_better=[True])["category"].tolist()
    ['limited progress']
    """
    b, v, t, y0, y1, hib = np.broadcast_arrays(
        np.asarray(baseline, dtype=float),
        np.asarray(latest, dtype=float),
        np.asarray(target, dtype=float),
        np.asarray(baseline_year, dtype=float),
        np.asarray(latest_year, dtype=float),
        np.asarray(higher_is_better, dtype=bool),
    )
    sign = np.where(hib, 1.0, -1.0)
    span = y1 - y0
    horizon = float(target_year) - y0
    valid = ~(np.isnan(b) | np.isnan(v) | np.isnan(t) | np.isnan(y0) | np.isnan(y1))
    valid &= (span > 0) & (horizon > 0)
    positive = (b > 0) & (v > 0) & (t > 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        safe_span = np.where(span > 0, span, 1.0)
        safe_horizon = np.where(horizon > 0, horizon, 1.0)
        cagr_actual = np.power(np.where(positive, v / b, 1.0), 1.0 / safe_span) - 1.0
        cagr_needed = np.power(np.where(positive, t / b, 1.0), 1.0 / safe_horizon) - 1.0
        lin_actual = (v - b) / safe_span
        lin_needed = (t - b) / safe_horizon
        actual = np.where(positive, cagr_actual, lin_actual)
        needed = np.where(positive, cagr_needed, lin_needed)
        achieved = sign * (v - t) >= 0
        baseline_done = sign * (b - t) >= 0
        ratio = np.where(needed != 0, actual / np.where(needed != 0, needed, 1.0), np.nan)
    ratio = np.where(valid & ~achieved & ~baseline_done, ratio, np.nan)
    category = np.select(
        [
            ~valid,
            achieved,
            baseline_done,
            ratio >= ON_TRACK_RATIO,
            ratio >= ACCELERATION_RATIO,
            ratio >= 0.0,
        ],
        ["", TARGET_ACHIEVED, DETERIORATION, ON_TRACK, ACCELERATION_NEEDED, LIMITED_PROGRESS],
        DETERIORATION,
    )
    # a latest value at/better than target counts as achieved even with one year only
    category = np.where(~np.isnan(v) & ~np.isnan(t) & achieved, TARGET_ACHIEVED, category)
    method = np.select(
        [np.isnan(v) | np.isnan(t), ~valid, positive],
        ["no value or target", "no baseline before the latest year", "cagr"],
        "linear",
    )
    return pd.DataFrame(
        {
            "actual_rate": np.where(valid, actual, np.nan),
            "needed_rate": np.where(valid, needed, np.nan),
            "ratio": ratio,
            "category": category.astype(object),
            "method": method.astype(object),
        }
    )
