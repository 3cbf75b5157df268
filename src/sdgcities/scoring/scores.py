"""Score cities against a benchmark set: normalise, aggregate, colour, progress.

Everything is done on cities × indicators matrices with numpy; a 1,000 × 100 × 10-year
run takes well under a second (see ``bench/bench_scoring.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sdgcities.errors import Finding, ValidationError
from sdgcities.scoring.aggregate import Aggregation, goal_scores, index_scores
from sdgcities.scoring.benchmarks import BenchmarkSet, derive_bounds, distance_from_target
from sdgcities.scoring.colours import dashboard_scale, goal_colours, indicator_colours
from sdgcities.scoring.normalise import normalise
from sdgcities.scoring.progress import (
    DEFAULT_PROGRESS_METHOD,
    ProgressMethod,
    check_progress_method,
    progress,
)

logger = logging.getLogger(__name__)

OBSERVATION_COLUMNS: tuple[str, ...] = ("city", "indicator", "year", "value")
METHOD_VERSION = "sdsn-city-index/2"

#: where a row's 2030 target came from (column ``target_source``)
TARGET_GIVEN = "city target"
TARGET_GREEN = "benchmark green threshold"
TARGET_BEST = "benchmark best (row has no colour thresholds)"


@dataclass
class Scores:
    """Tidy results of :func:`score`.

    * ``indicators``: city, indicator, goal, year, value, score (0–100), colour,
      dashboard (0–3), baseline_year, baseline_value, target, progress_ratio,
      progress, progress_method — one row per city × benchmark indicator.
    * ``goals``: city, goal, score, colour, n_indicators, n_available.
    * ``index``: city, score, missing_share, n_goals, reason ("" when scored).
    * ``benchmarks``: the set actually used (derived bounds filled and flagged).
    * ``parameters``: every method parameter, for provenance.
    """

    indicators: pd.DataFrame
    goals: pd.DataFrame
    index: pd.DataFrame
    benchmarks: BenchmarkSet
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_long(self) -> pd.DataFrame:
        """One table ``city, level, code, score, colour`` (level: indicator, goal, index)."""
        ind = self.indicators
        parts = [
            pd.DataFrame(
                {
                    "city": ind["city"],
                    "level": "indicator",
                    "code": ind["indicator"],
                    "score": ind["score"],
                    "colour": ind["colour"],
                }
            ),
            pd.DataFrame(
                {
                    "city": self.goals["city"],
                    "level": "goal",
                    "code": self.goals["goal"],
                    "score": self.goals["score"],
                    "colour": self.goals["colour"],
                }
            ),
            pd.DataFrame(
                {
                    "city": self.index["city"],
                    "level": "index",
                    "code": "index",
                    "score": self.index["score"],
                    "colour": "",
                }
            ),
        ]
        return pd.concat(parts, ignore_index=True)


def _check_observations(obs: pd.DataFrame) -> None:
    missing = [c for c in OBSERVATION_COLUMNS if c not in obs.columns]
    if missing:
        raise ValidationError(
            "observations lack required columns",
            [
                Finding(
                    f"column {c!r} is missing",
                    column=c,
                    fix="columns: city, indicator, year, value",
                )
                for c in missing
            ],
        )


def _last_per_key(
    key: npt.NDArray[np.int64], year: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """Positions of the last (highest-year) row per key, keys ascending."""
    order = np.lexsort((year, key))
    k = key[order]
    last = np.ones(k.size, dtype=bool)
    last[:-1] = k[1:] != k[:-1]
    return np.asarray(order[last], dtype=np.intp)


def score(
    observations: pd.DataFrame,
    benchmarks: BenchmarkSet,
    *,
    missing_threshold: float = 0.2,
    aggregation: Aggregation = "arithmetic",
    red_share_rule: bool = True,
    min_rated_share: float = 0.5,
    targets: pd.DataFrame | None = None,
    target_year: int = 2030,
    baseline_year: int | None = None,
    progress_method: ProgressMethod = DEFAULT_PROGRESS_METHOD,
) -> Scores:
    """Score every city in ``observations`` (columns city, indicator, year, value).

    The latest year per city × indicator is scored. Blank bounds are derived from
    those latest values (:func:`~sdgcities.scoring.benchmarks.derive_bounds`).
    Observations of indicators not in the benchmark set are ignored (logged).

    Colours: a row whose thresholds are out of order or partly blank (a warning of the
    benchmark set) is coloured ``grey`` (no colour); its scores are unaffected, as
    normalised scores, goal scores and the index depend only on ``best`` and ``worst``.
    A goal with no data has no score (NaN, never 0).

    Progress (``progress_method``, see :mod:`sdgcities.scoring.progress`) compares the
    baseline (earliest year, or the latest year ≤ ``baseline_year``) with the latest
    value against a 2030 target chosen by one rule, the same in file and store modes:
    the city's own target from ``targets`` (columns indicator, target and optionally
    city; city-specific rows win over indicator-wide ones), else the row's green
    threshold (the SDSN SDR "SDG achievement threshold"), else — a row without usable
    thresholds — its ``best`` bound. Column ``target_source`` says which applied.
    """
    _check_observations(observations)
    progress_method = check_progress_method(progress_method)
    if not 0.0 <= missing_threshold <= 1.0:
        raise ValueError(f"missing_threshold={missing_threshold} must be between 0 and 1")
    bench = benchmarks.table
    indicators = bench["indicator"].astype(str).to_numpy()
    n_ind = indicators.size
    ind_pos = pd.Index(indicators)

    obs = observations.loc[:, list(OBSERVATION_COLUMNS)]
    ii = ind_pos.get_indexer(pd.Index(obs["indicator"].astype(str)))
    unknown = ii < 0
    if unknown.any():
        logger.info(
            "ignoring %d observations of indicators not in the benchmark set", int(unknown.sum())
        )
    value = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
    year = pd.to_numeric(obs["year"], errors="coerce").to_numpy(dtype=float)
    city_codes, cities = pd.factorize(obs["city"].astype(str), sort=True)
    keep = ~unknown & ~np.isnan(value) & ~np.isnan(year)
    ci, ii, value, year = city_codes[keep], ii[keep], value[keep], year[keep]
    n_city = len(cities)
    key = ci.astype(np.int64) * n_ind + ii

    # duplicates (same city, indicator, year) are ambiguous
    order = np.lexsort((year, key))
    dup = (key[order][1:] == key[order][:-1]) & (year[order][1:] == year[order][:-1])
    if dup.any():
        pos = order[1:][dup][:50]
        raise ValidationError(
            f"{int(dup.sum())} duplicate observation(s) for the same city, indicator and year",
            [
                Finding(
                    "duplicate observation",
                    value=f"{cities[ci[p]]} / {indicators[ii[p]]} / {year[p]:g}",
                    fix="keep one value per city, indicator and year",
                )
                for p in pos
            ],
        )

    shape = (n_city, n_ind)
    latest = _last_per_key(key, year)
    vals = np.full(shape, np.nan)
    years = np.full(shape, np.nan)
    vals[ci[latest], ii[latest]] = value[latest]
    years[ci[latest], ii[latest]] = year[latest]
    if baseline_year is None:
        first = np.lexsort((-year, key))
        k = key[first]
        take = np.ones(k.size, dtype=bool)
        take[:-1] = k[1:] != k[:-1]
        base = first[take]
    else:
        sel = np.flatnonzero(year <= baseline_year)
        base = sel[_last_per_key(key[sel], year[sel])]
    base_vals = np.full(shape, np.nan)
    base_years = np.full(shape, np.nan)
    base_vals[ci[base], ii[base]] = value[base]
    base_years[ci[base], ii[base]] = year[base]

    # target rows: score the distance from target
    tgt = bench["target"].to_numpy(dtype=float)
    is_target = ~np.isnan(tgt)
    x = vals.copy()
    xb = base_vals.copy()
    if is_target.any():
        x[:, is_target] = distance_from_target(vals[:, is_target], tgt[is_target])
        xb[:, is_target] = distance_from_target(base_vals[:, is_target], tgt[is_target])

    if benchmarks.needs_derivation:
        rr, cc = np.nonzero(~np.isnan(vals))
        benchmarks = derive_bounds(
            benchmarks, pd.DataFrame({"indicator": indicators[cc], "value": vals[rr, cc]})
        )
        bench = benchmarks.table
    best = bench["best"].to_numpy(dtype=float)
    worst = bench["worst"].to_numpy(dtype=float)
    # a row whose thresholds cannot colour (warned when the set was read) gets no colour
    usable = bench["colours"].to_numpy(dtype=bool)
    green = np.where(usable, bench["green"].to_numpy(dtype=float), np.nan)
    yellow = np.where(usable, bench["yellow"].to_numpy(dtype=float), np.nan)
    orange = np.where(usable, bench["orange"].to_numpy(dtype=float), np.nan)
    weight = bench["weight"].to_numpy(dtype=float)
    hib_col = bench["higher_is_better"]
    hib = np.where(hib_col.isna(), best > worst, hib_col.fillna(False).astype(bool))

    norm = normalise(x, best=best, worst=worst)
    ind_col = indicator_colours(
        x, green=green, yellow=yellow, orange=orange, higher_is_better=hib, worst=worst
    )
    dash = dashboard_scale(x, best=best, worst=worst, green=green, yellow=yellow, orange=orange)

    goal_codes, goal_idx = np.unique(bench["goal"].astype(str).to_numpy(), return_inverse=True)
    goal_list = list(dict.fromkeys(bench["goal"].astype(str)))
    remap = np.array([goal_list.index(g) for g in goal_codes], dtype=np.intp)
    gi = remap[goal_idx]
    member = np.zeros((n_ind, len(goal_list)))
    member[np.arange(n_ind), gi] = 1.0
    goal_m = goal_scores(norm, member, weights=weight, aggregation=aggregation)
    goal_col = goal_colours(
        dash, member, red_share_rule=red_share_rule, min_rated_share=min_rated_share
    )
    avail = ~np.isnan(vals)
    n_avail = avail.astype(float) @ member
    missing_share = 1.0 - avail.sum(axis=1) / max(n_ind, 1)
    idx, reasons = index_scores(
        goal_m, missing_share, missing_threshold=missing_threshold, aggregation=aggregation
    )
    if n_ind == 0:  # an empty set scores nothing (and says so rather than "100% missing")
        empty = (
            f"benchmark set {benchmarks.name!r} has no rows: nothing to score; "
            "add one row per indicator (indicator, goal, best, worst …)"
        )
        logger.warning(empty)
        reasons = [empty] * n_city

    # progress: one target rule (city target, else green threshold, else best)
    default_target = np.where(np.isnan(green), best, green)
    targ = np.broadcast_to(default_target, shape).copy()
    source = np.broadcast_to(
        np.where(np.isnan(green), TARGET_BEST, TARGET_GREEN).astype(object), shape
    ).copy()
    if targets is not None and len(targets):
        given = _apply_targets(
            np.full(shape, np.nan), targets, ind_pos, pd.Index(cities), is_target, tgt
        )
        has = ~np.isnan(given)
        targ[has] = given[has]
        source[has] = TARGET_GIVEN
    prog = progress(
        xb.ravel(),
        x.ravel(),
        targ.ravel(),
        baseline_year=base_years.ravel(),
        latest_year=years.ravel(),
        higher_is_better=np.broadcast_to(hib, shape).ravel(),
        target_year=target_year,
        method=progress_method,
    )

    city_col = np.repeat(np.asarray(cities, dtype=object), n_ind)
    ind_table = pd.DataFrame(
        {
            "city": city_col,
            "indicator": np.tile(indicators.astype(object), n_city),
            "goal": np.tile(np.asarray(goal_list, dtype=object)[gi], n_city),
            "year": years.ravel(),
            "value": vals.ravel(),
            "score": norm.ravel(),
            "colour": ind_col.ravel().astype(object),
            "dashboard": dash.ravel(),
            "baseline_year": base_years.ravel(),
            "baseline_value": base_vals.ravel(),
            "target": targ.ravel(),
            "target_source": source.ravel(),
            "progress_ratio": prog["ratio"].to_numpy(),
            "progress": prog["category"].to_numpy(),
            "progress_method": prog["method"].to_numpy(),
        }
    )
    n_goal = len(goal_list)
    goals = pd.DataFrame(
        {
            "city": np.repeat(np.asarray(cities, dtype=object), n_goal),
            "goal": np.tile(np.asarray(goal_list, dtype=object), n_city),
            "score": goal_m.ravel(),
            "colour": goal_col.ravel().astype(object),
            "n_indicators": np.tile(member.sum(axis=0).astype(int), n_city),
            "n_available": n_avail.ravel().astype(int),
        }
    )
    index = pd.DataFrame(
        {
            "city": np.asarray(cities, dtype=object),
            "score": idx,
            "missing_share": missing_share,
            "n_goals": (~np.isnan(goal_m)).sum(axis=1),
            "reason": reasons,
        }
    )
    params: dict[str, Any] = {
        "method_version": METHOD_VERSION,
        "missing_threshold": missing_threshold,
        "aggregation": aggregation,
        "red_share_rule": red_share_rule,
        "min_rated_share": min_rated_share,
        "target_year": target_year,
        "baseline_year": baseline_year,
        "progress_method": progress_method,
        "benchmarks": benchmarks.name,
    }
    return Scores(ind_table, goals, index, benchmarks, params)


def _apply_targets(
    default: npt.NDArray[np.float64],
    targets: pd.DataFrame,
    ind_pos: pd.Index,
    city_pos: pd.Index,
    is_target: npt.NDArray[np.bool_],
    tgt: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Overlay user 2030 targets (indicator-wide rows first, then city-specific rows)."""
    out = default.copy()
    t = targets.copy()
    if "city" not in t.columns:
        t["city"] = np.nan
    t["_ii"] = ind_pos.get_indexer(pd.Index(t["indicator"].astype(str)))
    t = t[t["_ii"] >= 0]
    vals = pd.to_numeric(t["target"], errors="coerce").to_numpy(dtype=float)
    ii = t["_ii"].to_numpy()
    # targets for distance-from-target rows are given on the value scale: convert
    vals = np.where(
        is_target[ii], distance_from_target(vals, np.where(is_target[ii], tgt[ii], 0.0)), vals
    )
    wide = t["city"].isna().to_numpy()
    out[:, ii[wide]] = vals[wide]
    ci = city_pos.get_indexer(pd.Index(t["city"].astype(str)))
    specific = ~wide & (ci >= 0)
    out[ci[specific], ii[specific]] = vals[specific]
    return out
