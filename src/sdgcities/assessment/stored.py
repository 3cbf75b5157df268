"""Stored scores: every city's public scores kept in the store, refreshed on change.

Scoring 1,000 cities takes about a second; a page must answer in milliseconds. So the
scores of the *public* view (each value's newest published version) are stored in
``city_scores``, one row per city × benchmark set, and refreshed **in the same
transaction** as every change that can move them:

* an import or a correction of published values (``sdgcities.observations``),
* the publication of a draft (the workflow's publish step calls :func:`refresh_scores`),
* a change of a benchmark set (rows or parameters: red-share rule, progress method,
  missing threshold, aggregation).

Each row records the benchmark-set ``version`` and the largest observation id it was
computed from, and the time. Derived bounds (SDSN: best = mean of the top 5, worst =
2.5th percentile over *all* cities) are stored with the set
(``BenchmarkSet.derived_bounds``); when a refresh for some cities moves them, every
city of the set is rescored, since every city's scores depend on them.

Drafts are never stored: a reader with draft rights for a city gets that city's scores
computed on the fly (:func:`sdgcities.assessment.scores.city_scores`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, event, func, insert, select
from sqlalchemy.orm import Session

from sdgcities.assessment.benchmarksets import (
    cached_engine_set,
    get_benchmark_set,
    list_benchmark_sets,
)
from sdgcities.assessment.scores import city_scores
from sdgcities.scoring.benchmarks import BenchmarkSet as EngineSet
from sdgcities.scoring.scores import METHOD_VERSION, Scores
from sdgcities.store.models import BenchmarkSet, City, CityScore, Observation, utcnow

logger = logging.getLogger(__name__)

#: per-indicator fields kept in ``CityScore.indicators``
INDICATOR_FIELDS: tuple[str, ...] = (
    "indicator",
    "goal",
    "year",
    "value",
    "score",
    "colour",
    "dashboard",
    "baseline_year",
    "baseline_value",
    "target",
    "target_value",
    "target_source",
    "progress_ratio",
    "progress",
    "progress_method",
)
GOAL_FIELDS: tuple[str, ...] = ("goal", "score", "colour", "n_indicators", "n_available")
_BOUND_FIELDS: tuple[str, ...] = ("indicator", "best", "worst", "higher_is_better", "derivation")


@dataclass(frozen=True)
class RefreshReport:
    """What one :func:`refresh_scores` call did, per benchmark set."""

    sets: dict[str, int]  # set name → cities whose stored scores were rewritten
    bounds_moved: tuple[str, ...]  # sets whose derived bounds changed (all cities rescored)


def _clean(v: Any) -> Any:
    """JSON-safe scalar: NaN/NA → None, numpy → Python."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) else f
    return str(v)


def _bounds_of(engine_set: EngineSet) -> list[dict[str, Any]]:
    table = engine_set.table
    derived = table[table["derived"].astype(bool)]
    return [{k: _clean(r[k]) for k in _BOUND_FIELDS} for r in derived.to_dict("records")]


def refresh_scores(
    session: Session,
    city_ids: Iterable[int] | None = None,
    *,
    benchmark_set: str | BenchmarkSet | None = None,
) -> RefreshReport:
    """Recompute the stored public scores of ``city_ids`` (None: every city).

    Refreshes every stored benchmark set, or only ``benchmark_set``; installs the
    default set when the store has none. Runs inside the caller's transaction (it only
    flushes), so the scores change together with the data. A city without public
    values loses its stored row (it has no score, never 0).
    """
    if isinstance(benchmark_set, BenchmarkSet):
        sets = [benchmark_set]
    elif benchmark_set is not None:
        sets = [get_benchmark_set(session, benchmark_set)]
    else:
        sets = list_benchmark_sets(session) or [get_benchmark_set(session, None)]
    wanted = None if city_ids is None else sorted({int(c) for c in city_ids})
    max_id = int(session.scalar(select(func.max(Observation.id))) or 0)
    done: dict[str, int] = {}
    moved: list[str] = []
    for bset in sets:
        n, bounds_moved = _refresh_set(session, bset, wanted, max_id)
        done[bset.name] = n
        if bounds_moved:
            moved.append(bset.name)
    session.flush()
    return RefreshReport(done, tuple(moved))


def _refresh_set(
    session: Session, bset: BenchmarkSet, wanted: list[int] | None, max_id: int
) -> tuple[int, bool]:
    stale_version = session.scalar(
        select(func.count())
        .select_from(CityScore)
        .where(CityScore.set_id == bset.id, CityScore.set_version != bset.version)
    )
    needs_all = wanted is None or bool(stale_version) or cached_engine_set(bset).needs_derivation
    # derived bounds need every city's values anyway, so then the whole set is scored
    result = city_scores(session, None if needs_all else wanted, benchmark_set=bset)
    bounds = _bounds_of(result.benchmarks)
    moved = bset.derived_bounds is not None and bset.derived_bounds != bounds
    targets = None if (wanted is None or moved or stale_version) else wanted
    bset.derived_bounds = bounds
    scored = {int(c) for c in result.index["city_id"].dropna()}
    stmt = delete(CityScore).where(CityScore.set_id == bset.id)
    if targets is not None:
        stmt = stmt.where(CityScore.city_id.in_(targets))
    session.execute(stmt.execution_options(synchronize_session=False))
    keep = scored if targets is None else scored & set(targets)
    rows = _rows(result, keep, bset, max_id)
    if rows:
        session.execute(insert(CityScore), rows)
    logger.info(
        "stored scores of %d cities under %s%s",
        len(rows),
        bset.name,
        " (derived bounds moved: all cities)" if moved else "",
    )
    return len(rows), moved


def _columns(frame: pd.DataFrame, cols: tuple[str, ...]) -> list[list[Any]]:
    """Each column as a JSON-ready list (NaN → None, numpy scalars → Python)."""
    out: list[list[Any]] = []
    for c in cols:
        col = frame[c]
        if col.dtype.kind in "fiu":
            arr = col.to_numpy(dtype=float)
            out.append([None if x != x else x for x in arr.tolist()])
        else:
            out.append([_clean(v) for v in col.tolist()])
    return out


def _by_city(frame: pd.DataFrame, cols: tuple[str, ...]) -> dict[int, dict[str, list[Any]]]:
    """city id → {column: values} (column-oriented: compact and quick to encode)."""
    frame = frame.sort_values("city_id", kind="stable")
    ids = frame["city_id"].to_numpy(dtype=np.int64)
    columns = _columns(frame, cols)
    cuts = np.flatnonzero(np.diff(ids)) + 1
    starts = np.concatenate([[0], cuts]).tolist()
    ends = np.concatenate([cuts, [ids.size]]).tolist()
    return {
        int(ids[a]): {c: values[a:b] for c, values in zip(cols, columns, strict=True)}
        for a, b in zip(starts, ends, strict=True)
        if b > a
    }


def _rows(result: Scores, keep: set[int], bset: BenchmarkSet, max_id: int) -> list[dict[str, Any]]:
    if not keep:
        return []
    ind = result.indicators
    ind = ind[ind["city_id"].isin(keep)]
    goals = result.goals[result.goals["city_id"].isin(keep)]
    index = result.index[result.index["city_id"].isin(keep)]
    ind_cols = tuple(c for c in INDICATOR_FIELDS if c in ind.columns)
    by_city_ind = _by_city(ind, ind_cols)
    by_city_goal = _by_city(goals, GOAL_FIELDS)
    now = utcnow()
    out = []
    for rec in index.to_dict("records"):
        cid = int(rec["city_id"])
        out.append(
            {
                "city_id": cid,
                "set_id": bset.id,
                "index_score": _clean(rec["score"]),
                "missing_share": _clean(rec["missing_share"]),
                "n_goals": int(rec["n_goals"]),
                "reason": str(rec["reason"] or ""),
                "goals": by_city_goal.get(cid, {}),
                "indicators": by_city_ind.get(cid, {}),
                "set_version": int(bset.version or 1),
                "max_observation_id": max_id,
                "method_version": METHOD_VERSION,
                "computed_at": now,
            }
        )
    return out


_PENDING = "sdgcities.scores_pending"


def scores_changed(session: Session, city_ids: Iterable[int]) -> None:
    """Mark cities whose public values changed: their stored scores are refreshed once,
    just before this session commits (in the same transaction).

    Use it from write paths that may run many times per transaction (a correction, a
    spatial run, a publication); call :func:`refresh_scores` to refresh at once.
    """
    pending: set[int] = session.info.setdefault(_PENDING, set())
    pending.update(int(c) for c in city_ids)


@event.listens_for(Session, "before_commit")
def _refresh_pending(session: Session) -> None:
    pending: set[int] | None = session.info.pop(_PENDING, None)
    if pending:
        refresh_scores(session, sorted(pending))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def refresh_after_import(conn: Connection, import_id: int) -> None:
    """:func:`refresh_scores` for the cities of one import, on the import's connection."""
    with Session(bind=conn) as session:
        ids = [
            int(c)
            for c in session.scalars(
                select(Observation.city_id).where(Observation.import_id == import_id).distinct()
            )
        ]
        if ids:
            refresh_scores(session, ids)
        session.flush()


def stored_scores(
    session: Session,
    city_ids: Iterable[int] | None = None,
    *,
    benchmark_set: str | BenchmarkSet | None = None,
) -> Scores | None:
    """The stored public scores as a :class:`~sdgcities.scoring.scores.Scores`.

    None when the set was never refreshed (no stored rows and no recorded bounds): the
    caller then scores on the fly. Cities without a stored row have no score.
    """
    bset = (
        benchmark_set
        if isinstance(benchmark_set, BenchmarkSet)
        else get_benchmark_set(session, benchmark_set)
    )
    stmt = (
        select(CityScore, City.slug, City.name)
        .join(City, City.id == CityScore.city_id)
        .where(CityScore.set_id == bset.id)
    )
    if city_ids is not None:
        stmt = stmt.where(CityScore.city_id.in_(list(city_ids)))
    found = session.execute(stmt).all()
    if not found and bset.derived_bounds is None:
        return None
    ind_cols: dict[str, list[Any]] = {
        c: [] for c in ("city_id", "city_slug", "city", *INDICATOR_FIELDS)
    }
    goal_cols: dict[str, list[Any]] = {
        c: [] for c in ("city_id", "city_slug", "city", *GOAL_FIELDS)
    }
    index_rows: list[dict[str, Any]] = []
    for row, slug, name in found:
        _extend(ind_cols, row.indicators, row.city_id, slug, name)
        _extend(goal_cols, row.goals, row.city_id, slug, name)
        index_rows.append(
            {
                "city_id": row.city_id,
                "city_slug": slug,
                "city": name,
                "score": row.index_score,
                "missing_share": row.missing_share,
                "n_goals": row.n_goals,
                "reason": row.reason,
                "set_version": row.set_version,
                "max_observation_id": row.max_observation_id,
                "computed_at": row.computed_at,
            }
        )
    label_cols = ["city_id", "city_slug", "city"]
    indicators = pd.DataFrame(ind_cols)
    goals = pd.DataFrame(goal_cols)
    index = pd.DataFrame(
        index_rows,
        columns=[
            *label_cols,
            "score",
            "missing_share",
            "n_goals",
            "reason",
            "set_version",
            "max_observation_id",
            "computed_at",
        ],
    )
    for frame, cols in (
        (indicators, ("value", "score", "dashboard", "target", "target_value", "progress_ratio")),
        (indicators, ("year", "baseline_year", "baseline_value")),
        (goals, ("score",)),
        (index, ("score", "missing_share")),
    ):
        for c in cols:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    engine_set = cached_engine_set(bset)
    params = {
        "benchmark_set": bset.name,
        "benchmark_set_version": int(bset.version or 1),
        "published_only": True,
        "source": "stored",
        "progress_method": bset.progress_method,
        "red_share_rule": bool(bset.red_share_rule),
        "method_version": METHOD_VERSION,
    }
    return Scores(indicators, goals, index, _with_bounds(engine_set, bset), params)


def _extend(
    out: dict[str, list[Any]], stored: dict[str, Any], city_id: int, slug: str, name: str
) -> None:
    """Append one city's column-oriented stored table to ``out`` (missing columns: None)."""
    n = len(next(iter(stored.values()))) if stored else 0
    for col, values in out.items():
        if col == "city_id":
            values.extend([city_id] * n)
        elif col == "city_slug":
            values.extend([slug] * n)
        elif col == "city":
            values.extend([name] * n)
        else:
            values.extend(stored.get(col) or [None] * n)


def _with_bounds(engine_set: EngineSet, bset: BenchmarkSet) -> EngineSet:
    """The engine set with the stored derived bounds filled in (as at the last refresh)."""
    if not bset.derived_bounds:
        return engine_set
    from dataclasses import replace

    bounds = pd.DataFrame(bset.derived_bounds).set_index("indicator")
    table = engine_set.table.copy()
    hit = table["indicator"].isin(bounds.index).to_numpy()
    codes = table.loc[hit, "indicator"]
    for k in ("best", "worst"):
        table.loc[hit, k] = pd.to_numeric(codes.map(bounds[k]), errors="coerce").to_numpy()
    table.loc[hit, "higher_is_better"] = codes.map(bounds["higher_is_better"]).to_numpy()
    table.loc[hit, "derivation"] = codes.map(bounds["derivation"]).fillna("").to_numpy()
    table.loc[hit, "derived"] = True
    return replace(engine_set, table=table)


@dataclass(frozen=True)
class StoredCityView:
    """One city's stored public scores as plain values, and its peers' median values.

    ``index``: the index row (``score``, ``missing_share``, ``n_goals``, ``reason``) or
    None when the city has no stored row; ``goals``: one dict per goal
    (``GOAL_FIELDS``); ``by_indicator``: indicator code → its stored fields
    (``INDICATOR_FIELDS``); ``peer_medians``: indicator code → the median of the peers'
    stored values (peers without a value for it left out).
    """

    index: dict[str, Any] | None
    goals: list[dict[str, Any]]
    by_indicator: dict[str, dict[str, Any]]
    peer_medians: dict[str, float]


def stored_city_view(
    session: Session,
    city_id: int,
    peer_ids: Iterable[int] = (),
    *,
    benchmark_set: str | BenchmarkSet | None = None,
) -> StoredCityView | None:
    """The city page's read of the stored scores: no DataFrame, one query.

    The same values as :func:`stored_scores` restricted to ``city_id`` (and its peers
    for the medians, which :func:`statistics.median` takes over the peers' non-null
    values, as ``pandas.Series.median`` does). None when the set was never refreshed.
    """
    import statistics

    bset = (
        benchmark_set
        if isinstance(benchmark_set, BenchmarkSet)
        else get_benchmark_set(session, benchmark_set)
    )
    peers = [int(i) for i in peer_ids if int(i) != city_id]
    own_stmt, peers_stmt = _city_view_statements()
    own = session.execute(own_stmt, {"set_id": bset.id, "city_id": city_id}).first()
    never_refreshed = (
        own is None
        and bset.derived_bounds is None
        and session.execute(
            select(CityScore.id).where(CityScore.set_id == bset.id).limit(1)
        ).first()
        is None
    )
    if never_refreshed:
        return None  # the caller scores on the fly
    index: dict[str, Any] | None = None
    goals: list[dict[str, Any]] = []
    by_indicator: dict[str, dict[str, Any]] = {}
    if own is not None:
        index = {
            "city_id": city_id,
            "score": _num(own[0]),
            "missing_share": _num(own[1]),
            "n_goals": own[2],
            "reason": own[3],
        }
        goals = _rows_of(own[4] or {}, GOAL_FIELDS)
        by_indicator = {str(r["indicator"]): r for r in _rows_of(own[5] or {}, INDICATOR_FIELDS)}
    values: dict[str, list[float]] = {}
    if peers:
        for codes, vals in session.execute(peers_stmt, {"set_id": bset.id, "peers": peers}):
            for code, v in zip(codes or (), vals or (), strict=False):
                f = _num(v)
                if f is not None:
                    values.setdefault(str(code), []).append(f)
    medians = {code: float(statistics.median(vs)) for code, vs in values.items()}
    return StoredCityView(index, goals, by_indicator, medians)


@lru_cache(maxsize=1)
def _city_view_statements() -> tuple[Any, Any]:
    """:func:`stored_city_view`'s two queries, built once (set, city and peers bound)."""
    own = select(
        CityScore.index_score,
        CityScore.missing_share,
        CityScore.n_goals,
        CityScore.reason,
        CityScore.goals,
        CityScore.indicators,
    ).where(CityScore.set_id == bindparam("set_id"), CityScore.city_id == bindparam("city_id"))
    peers = select(CityScore.indicators["indicator"], CityScore.indicators["value"]).where(
        CityScore.set_id == bindparam("set_id"),
        CityScore.city_id.in_(bindparam("peers", expanding=True)),
    )
    return own, peers


def _num(v: Any) -> float | None:
    """A stored number as a float; None for null, NaN or anything not a number."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


#: stored fields read as numbers (as :func:`stored_scores` coerces them)
_NUMERIC = frozenset(
    {
        "value",
        "score",
        "dashboard",
        "target",
        "target_value",
        "progress_ratio",
        "year",
        "baseline_year",
        "baseline_value",
    }
)


def _rows_of(stored: dict[str, Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """A column-oriented stored table as one dict per row (missing columns: None)."""
    n = len(next(iter(stored.values()))) if stored else 0
    cols = {f: (stored.get(f) or [None] * n) for f in fields}
    return [
        {f: (_num(cols[f][i]) if f in _NUMERIC else cols[f][i]) for f in fields} for i in range(n)
    ]
