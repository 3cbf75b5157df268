"""Score cities from the store against a stored benchmark set.

The numbers come from the pure engine (:func:`sdgcities.scoring.scores.score`); this
module only gathers its inputs from the store — current observations (totals, i.e. the
empty disaggregation), the benchmark set, the cities' 2030 targets — and labels the
results with city ids, slugs and names.

2030 targets for progress: the city's own ``Target`` row when it set one; otherwise the
benchmark row's ``target`` (distance-from-target rows) or its ``best`` bound; when even
``best`` is blank (derived) the engine's default, the green threshold. Column
``target_source`` says which applied to every row.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.assessment.benchmarksets import get_benchmark_set, to_engine_set
from sdgcities.scoring.scores import Scores, score
from sdgcities.store.models import BenchmarkSet, City, Indicator, Target

logger = logging.getLogger(__name__)

TARGET_CITY = "city target"
TARGET_BENCH_TARGET = "benchmark target (no city target set)"
TARGET_BENCH_BEST = "benchmark best (no city target set)"
TARGET_GREEN = "benchmark green threshold (no city target, best derived)"


def resolve_benchmark_set(
    session: Session, benchmark_set: str | BenchmarkSet | None
) -> BenchmarkSet:
    """A stored set from a name, a row or None (the default set)."""
    if isinstance(benchmark_set, BenchmarkSet):
        return benchmark_set
    return get_benchmark_set(session, benchmark_set)


def city_scores(
    session: Session,
    city_ids: Iterable[int] | None = None,
    *,
    benchmark_set: str | BenchmarkSet | None = None,
    published_only: bool = False,
    target_year: int = 2030,
) -> Scores:
    """Indicator, goal and index scores, colours and progress for cities in the store.

    ``city_ids=None`` scores every city with observations. Blank bounds of the set are
    derived from the latest values of *all* cities in the store (never from the selected
    cities alone), so a city's score does not depend on which cities were asked for.
    The returned tables carry ``city`` (name), ``city_id`` and ``city_slug``; the
    indicator table adds ``target_value`` (on the value scale) and ``target_source``.
    """
    bset = resolve_benchmark_set(session, benchmark_set)
    eng = to_engine_set(bset)
    wanted = None if city_ids is None else sorted(set(city_ids))
    scope = None if eng.needs_derivation else wanted
    obs = _store.scoring_observations(
        session, city_ids=scope, indicator_codes=eng.indicators, published_only=published_only
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
    targets, sources = _targets(session, eng.table, cities)
    result = score(
        frame,
        eng,
        missing_threshold=float(bset.missing_threshold),
        aggregation="geometric" if bset.aggregation == "geometric" else "arithmetic",
        targets=targets,
        target_year=target_year,
    )
    result.parameters.update(
        {"benchmark_set": bset.name, "published_only": published_only, "source": "store"}
    )
    return _label(result, cities, sources, eng.table, wanted)


def _city_frame(session: Session, obs: pd.DataFrame) -> pd.DataFrame:
    ids = sorted({int(i) for i in obs["city_id"].unique()})
    rows = session.execute(select(City.id, City.slug, City.name).where(City.id.in_(ids))).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["city_id", "city_slug", "city_name"]
    ).set_index("city_slug")


def _targets(
    session: Session, bench: pd.DataFrame, cities: pd.DataFrame
) -> tuple[pd.DataFrame, dict[tuple[str | None, str], tuple[float, str]]]:
    """Targets for the engine (value scale) and the (value, source) of each."""
    rows: list[dict[str, object]] = []
    sources: dict[tuple[str | None, str], tuple[float, str]] = {}
    for rec in bench.to_dict("records"):
        ind = str(rec["indicator"])
        tgt, best = float(rec["target"]), float(rec["best"])
        if not math.isnan(tgt):
            value, label = tgt, TARGET_BENCH_TARGET
        elif not math.isnan(best):
            value, label = best, TARGET_BENCH_BEST
        else:
            continue
        rows.append({"city": np.nan, "indicator": ind, "target": value})
        sources[(None, ind)] = (value, label)
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
            sources[(slug, str(code))] = (float(value), f"{TARGET_CITY} ({year})")
    return pd.DataFrame(rows, columns=["city", "indicator", "target"]), sources


def _label(
    result: Scores,
    cities: pd.DataFrame,
    sources: dict[tuple[str | None, str], tuple[float, str]],
    bench: pd.DataFrame,
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
    green = dict(zip(bench["indicator"].astype(str), bench["green"], strict=True))
    values, labels = [], []
    for slug, code in zip(ind["city_slug"], ind["indicator"], strict=True):
        hit = sources.get((slug, code)) or sources.get((None, code))
        if hit is None:
            values.append(float(green[code]))
            labels.append(TARGET_GREEN)
        else:
            values.append(hit[0])
            labels.append(hit[1])
    ind["target_value"] = values
    ind["target_source"] = labels
    result.indicators = ind
    result.goals = relabel(result.goals)
    result.index = relabel(result.index)
    return result
