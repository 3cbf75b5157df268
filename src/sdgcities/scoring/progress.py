"""Progress towards 2030 targets: two published trend methods, chosen by name.

**``cagr-ratio``** (default) — *ratio of the observed to the required compound annual
growth rate*, the method of Eurostat's SDG monitoring for indicators with a quantitative
target (Eurostat, *Sustainable development in the European Union — Monitoring report on
progress towards the SDGs in an EU context*, methodological annex, "indicators with
quantitative targets"; the same ratio is used by UN ESCAP's *Asia and the Pacific SDG
Progress Report*). For each city × indicator with a baseline and a later value::

    actual  = (latest / baseline) ** (1 / (t_latest − t_baseline)) − 1     # CAGR
    needed  = (target / baseline) ** (1 / (target_year − t_baseline)) − 1
    ratio   = actual / needed

Categories: ``target achieved`` (latest at or better than the target), else by ratio
``on track`` (≥ 0.95), ``acceleration needed`` (0.60–0.95), ``limited progress``
(0–0.60), ``deterioration`` (< 0). The ratio is direction-free: for lower-is-better
indicators both growth rates are negative when improving.

**``sdr-trend``** — the trend method of the SDSN *Sustainable Development Report*
(Sachs, Lafortune, Fuller et al., SDR 2023 and 2024, "Methodology: SDG trends"; SDSN /
Dublin University Press, doi:10.25546/102924 and 10.25546/108572): the *linear* annual
growth needed to reach the SDG achievement threshold by 2030 from the baseline,
compared with the observed linear annual growth since the baseline::

    actual  = (latest − baseline) / (t_latest − t_baseline)
    needed  = (target − baseline) / (target_year − t_baseline)
    ratio   = actual / needed

Categories (the SDR trend arrows): ``on track or maintaining achievement`` (ratio ≥ 1,
or the latest value at or better than the threshold), ``moderately improving``
(0.5 ≤ ratio < 1), ``stagnating`` (0 ≤ ratio < 0.5), ``decreasing`` (ratio < 0). The
SDR computes trends on normalised scores; as the normalisation is linear between the
bounds the ratio on values is the same away from the clipping points.

Edge cases (documented choices, both methods):

* ``cagr-ratio``: CAGR is undefined when the baseline, latest value or target is ≤ 0
  (e.g. net change indicators, a zero baseline): the linear annual change is used
  instead; the ``method`` column says ``linear``.
* Baseline already at or better than the target but latest value not: ``deterioration``
  (``cagr-ratio``) / ``decreasing`` (``sdr-trend``).
* No usable pair (missing value, one year only, or the target year is not after the
  baseline year): category ``""`` and ratio NaN, with the reason in ``method``.

The 2030 target itself is chosen by one rule in file and store modes
(:func:`sdgcities.scoring.scores.score`): the city's own target where one is given,
otherwise the benchmark row's green threshold (the SDR's "SDG achievement
threshold"), otherwise — a row without usable colour thresholds — its ``best`` bound.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

ProgressMethod = Literal["cagr-ratio", "sdr-trend"]
#: selectable progress methods and their one-line description
PROGRESS_METHODS: dict[str, str] = {
    "cagr-ratio": "ratio of observed to required compound annual growth (Eurostat SDG "
    "monitoring, quantitative targets)",
    "sdr-trend": "observed vs required linear annual growth to the threshold by 2030 "
    "(SDSN Sustainable Development Report trend method)",
}
DEFAULT_PROGRESS_METHOD: ProgressMethod = "cagr-ratio"

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

SDR_ON_TRACK = "on track or maintaining achievement"
SDR_MODERATE = "moderately improving"
SDR_STAGNATING = "stagnating"
SDR_DECREASING = "decreasing"
SDR_CATEGORIES: tuple[str, ...] = (SDR_ON_TRACK, SDR_MODERATE, SDR_STAGNATING, SDR_DECREASING)
SDR_ON_TRACK_RATIO = 1.0
SDR_MODERATE_RATIO = 0.5


def check_progress_method(method: str) -> ProgressMethod:
    """``method`` as a :data:`ProgressMethod`, or a ValueError naming the choices."""
    if method == "cagr-ratio":
        return "cagr-ratio"
    if method == "sdr-trend":
        return "sdr-trend"
    raise ValueError(
        f"progress method {method!r} is not known; use one of {', '.join(PROGRESS_METHODS)}"
    )


def progress(
    baseline: npt.ArrayLike,
    latest: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    baseline_year: npt.ArrayLike,
    latest_year: npt.ArrayLike,
    higher_is_better: npt.ArrayLike,
    target_year: int = 2030,
    method: ProgressMethod = DEFAULT_PROGRESS_METHOD,
) -> pd.DataFrame:
    """Vectorised progress assessment; returns columns ``actual_rate``, ``needed_rate``,
    ``ratio``, ``category``, ``method`` (``cagr``, ``linear`` or why none).

    ``method`` is ``cagr-ratio`` or ``sdr-trend`` (see the module docstring).

    >>> progress([50.0], [52.0], [80.0], baseline_year=[2015], latest_year=[2020],
    ...          higher_is_better=[True])["category"].tolist()
    ['limited progress']
    >>> progress([50.0], [52.0], [80.0], baseline_year=[2015], latest_year=[2020],
    ...          higher_is_better=[True], method="sdr-trend")["category"].tolist()
    ['stagnating']
    """
    method = check_progress_method(method)
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
        if method == "sdr-trend":
            positive = np.zeros_like(positive)
        actual = np.where(positive, cagr_actual, lin_actual)
        needed = np.where(positive, cagr_needed, lin_needed)
        achieved = sign * (v - t) >= 0
        baseline_done = sign * (b - t) >= 0
        ratio = np.where(needed != 0, actual / np.where(needed != 0, needed, 1.0), np.nan)
    ratio = np.where(valid & ~achieved & ~baseline_done, ratio, np.nan)
    if method == "sdr-trend":
        labels = [SDR_ON_TRACK, SDR_DECREASING, SDR_ON_TRACK, SDR_MODERATE, SDR_STAGNATING]
        cuts = (SDR_ON_TRACK_RATIO, SDR_MODERATE_RATIO)
        worse = SDR_DECREASING
    else:
        labels = [TARGET_ACHIEVED, DETERIORATION, ON_TRACK, ACCELERATION_NEEDED, LIMITED_PROGRESS]
        cuts = (ON_TRACK_RATIO, ACCELERATION_RATIO)
        worse = DETERIORATION
    category = np.select(
        [~valid, achieved, baseline_done, ratio >= cuts[0], ratio >= cuts[1], ratio >= 0.0],
        ["", *labels],
        worse,
    )
    # a latest value at/better than target counts as achieved even with one year only
    category = np.where(~np.isnan(v) & ~np.isnan(t) & achieved, labels[0], category)
    how = np.select(
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
            "method": how.astype(object),
        }
    )
