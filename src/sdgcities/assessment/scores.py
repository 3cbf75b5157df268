"""Score cities from the store against a stored benchmark set.

The numbers come from the pure engine (:func:`sdgcities.scoring.scores.score`); this
module only gathers its inputs from the store — the observations the reader may see
(totals, i.e. the empty disaggregation), the benchmark set with its parameters
(red-share rule, progress method), the cities' 2030 targets — and labels the results
with city ids, slugs and names.

**Which values.** One rule everywhere: the public (newest *published*) version of every
value by default; a reader with draft rights (``draft_cities``, from
:func:`sdgcities.accounts.permissions.draft_city_ids`) sees the current versions of
those cities and the public versions of all others — so derived bounds and peer
medians never include another city's drafts.

**2030 targets** follow the engine's single rule (the same in file mode): the city's own
``Target`` row when it set one, otherwise the benchmark row's green threshold,
otherwise its ``best`` bound. Column ``target_source`` says which applied to every row.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.assessment.benchmarksets import cached_engine_set, get_benchmark_set
from sdgcities.scoring.progress import check_progress_method
from sdgcities.scoring.scores import TARGET_GIVEN, Scores, score
from sdgcities.store.models import BenchmarkSet, City, Indicator, Target

logger = logging.getLogger(__name__)

TARGET_CITY = TARGET_GIVEN


def resolve_benchmark_set(
    session: Session, benchmark_set: str | BenchmarkSet | None
) -> BenchmarkSet:
    """A stored set from a name, a row or None (the default set)."""
    if isinstance(benchmark_set, BenchmarkSet):
        return benchmark_set
    return get_benchmark_set(session, benchmark_set)


def reader_scope(
    published_only: bool | None, draft_cities: Collection[int] | None
) -> Collection[int] | None:
    """The ``draft_cities`` to read with: ``published_only`` (legacy flag) wins when given.

    ``True`` → public versions only (``()``); ``False`` → current versions everywhere
    (``None``, for admins and global hubs).
    """
    if published_only is None:
        return draft_cities
    return () if published_only else None


def city_scores(
    session: Session,
    city_ids: Iterable[int] | None = None,
    *,
    benchmark_set: str | BenchmarkSet | None = None,
    draft_cities: Collection[int] | None = (),
    published_only: bool | None = None,
    target_year: int = 2030,
    progress_method: str | None = None,
) -> Scores:
    """Indicator, goal and index scores, colours and progress for cities in the store.

    ``city_ids=None`` scores every city with observations. Blank bounds of the set are
    derived from the latest values of *all* cities in the store (never from the selected
    cities alone), so a city's score does not depend on which cities were asked for.
    ``draft_cities`` says whose drafts are read (see the module docstring; default:
    none, the public view); ``progress_method`` defaults to the set's. The returned
    tables carry ``city`` (name), ``city_id`` and ``city_slug``; the indicator table adds
    ``target_value`` (on the value scale) and ``target_source``.
    """
    scope_drafts = reader_scope(published_only, draft_cities)
    bset = resolve_benchmark_set(session, benchmark_set)
    eng = cached_engine_set(bset)
    method = check_progress_method(progress_method or bset.progress_method or "cagr-ratio")
    wanted = None if city_ids is None else sorted(set(city_ids))
    scope = None if eng.needs_derivation else wanted
    obs = _store.scoring_observations(
        session, city_ids=scope, indicator_codes=eng.indicators, draft_cities=scope_drafts
    )
    cities = _city_frame(session, obs)
    frame = pd.DataFrame(
        {
            "city": obs["city_slug"].astype(str),
            "indicator": obs["indicator"].astype(str),
            "year": obs["year"],
            "value": obs["value"],
        }
    )
    targets, city_targets = _targets(session, eng.table, cities)
    result = score(
        frame,
        eng,
        missing_threshold=float(bset.missing_threshold),
        aggregation="geometric" if bset.aggregation == "geometric" else "arithmetic",
        red_share_rule=bool(bset.red_share_rule is None or bset.red_share_rule),
        targets=targets,
        target_year=target_year,
        progress_method=method,
    )
    result.parameters.update(
        {
            "benchmark_set": bset.name,
            "benchmark_set_version": int(bset.version or 1),
            "published_only": scope_drafts is not None and len(scope_drafts) == 0,
            "draft_cities": None if scope_drafts is None else sorted(scope_drafts),
            "source": "store",
        }
    )
    return _label(result, cities, city_targets, wanted)


def city_values(
    session: Session, city_id: int, *, draft_cities: Collection[int] | None = ()
) -> pd.DataFrame:
    """A city's totals as this reader sees them (same rule as :func:`city_scores`).

    Columns ``city_id, indicator, year, value, unit, source, status, observation_id``,
    sorted by indicator and year; ``status`` says which values are drafts.
    """
    return _store.visible_observations(session, city_ids=[city_id], draft_cities=draft_cities)


def _city_frame(session: Session, obs: pd.DataFrame) -> pd.DataFrame:
    ids = sorted({int(i) for i in obs["city_id"].unique()})
    rows = session.execute(select(City.id, City.slug, City.name).where(City.id.in_(ids))).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["city_id", "city_slug", "city_name"]
    ).set_index("city_slug")


def _targets(
    session: Session, bench: pd.DataFrame, cities: pd.DataFrame
) -> tuple[pd.DataFrame, dict[tuple[str, str], tuple[float, int]]]:
    """The cities' own targets for the engine (value scale), and (value, year) of each."""
    rows: list[dict[str, object]] = []
    found: dict[tuple[str, str], tuple[float, int]] = {}
    if len(cities):
        by_id = {int(cid): str(slug) for slug, cid in cities["city_id"].items()}
        stmt = (
            select(Target.city_id, Indicator.code, Target.value, Target.year)
            .join(Indicator, Indicator.id == Target.indicator_id)
            .where(Target.city_id.in_(list(by_id)))
            .where(Indicator.code.in_([str(i) for i in bench["indicator"]]))
        )
        for cid, code, value, year in session.execute(stmt).all():
            slug = by_id[int(cid)]
            rows.append({"city": slug, "indicator": code, "target": float(value)})
            found[(slug, str(code))] = (float(value), int(year))
    return pd.DataFrame(rows, columns=["city", "indicator", "target"]), found


def _label(
    result: Scores,
    cities: pd.DataFrame,
    city_targets: dict[tuple[str, str], tuple[float, int]],
    wanted: list[int] | None,
) -> Scores:
    def relabel(table: pd.DataFrame) -> pd.DataFrame:
        slug = table["city"].astype(str)
        out = table.copy()
        out.insert(0, "city_id", slug.map(cities["city_id"]).astype("Int64"))
        out.insert(1, "city_slug", slug)
        out["city"] = slug.map(cities["city_name"])
        if wanted is not None:
            out = out[out["city_id"].isin(wanted)]
        return out.reset_index(drop=True)

    ind = relabel(result.indicators)
    # target rows (distance from target) are scored on the distance scale: show the
    # city's own target on the value scale, the benchmark default as it is
    values = ind["target"].to_numpy(dtype=float).copy()
    labels = ind["target_source"].astype(object).to_numpy().copy()
    for pos, (slug, code) in enumerate(zip(ind["city_slug"], ind["indicator"], strict=True)):
        hit = city_targets.get((str(slug), str(code)))
        if hit is not None:
            values[pos] = hit[0]
            labels[pos] = f"{TARGET_CITY} ({hit[1]})"
    ind["target_value"] = np.asarray(values, dtype=float)
    ind["target_source"] = labels
    result.indicators = ind
    result.goals = relabel(result.goals)
    result.index = relabel(result.index)
    return result
