"""The global knowledge hub's reports across every city and programme (para 77 (d)).

Each report is a :class:`Table` (the data behind one chart, served as CSV and XLSX at
the chart's URL + ``.csv``/``.xlsx``), computed with SQL aggregates over the store:

- ``funnel`` — cities that reached each onboarding step (the stage rule of
  :mod:`sdgcities.network.onboarding`), against the programme's goal of 1,000 cities
  (para 77);
- ``stage-by-<kind>`` — cities by stage within each SDG region, UN city-size class,
  World Bank income group and Degree of Urbanisation class (the cities' typology);
- ``coverage`` — per indicator, the share of cities with a published value and the
  freshness of the newest one (newest year; age = this year − newest year);
- ``scores-by-<kind>`` — the distribution (n, min, Q1, median, Q3, max; quartiles by
  linear interpolation, ``numpy.percentile`` default) of the stored index scores of
  one benchmark set within each group;
- ``onboarding-time`` — cumulative number of cities that expressed interest, by SDG
  region and month (real dates of the expression of interest).

- ``portfolio-money`` — the flagship programmes' funding lines summed by programme,
  status (concept note, approved, mobilised, disbursed) and currency (never converted),
  from :func:`sdgcities.programmes.service.money_by_programme_status` (published
  programmes only).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from sdgcities.network import onboarding as ob
from sdgcities.store.models import (
    BenchmarkSet,
    City,
    CityScore,
    CityTypology,
    Indicator,
    Observation,
)

GOAL_CITIES = 1000
GROUP_KINDS = ("sdg_region", "size_class", "income_group", "degurba")
UNKNOWN = "not known"
#: how each group kind is named in the reports' titles
KIND_LABELS = {
    "sdg_region": "SDG region",
    "size_class": "city size class",
    "income_group": "income group",
    "degurba": "Degree of Urbanisation",
}


@dataclass(frozen=True)
class Table:
    """The data behind one chart."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    #: what the title leaves out (e.g. the benchmark set of the scores)
    note: str = ""

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


def network_version(session: Session) -> tuple[Any, ...]:
    """A cheap fingerprint of the records the pipelines read beyond the observations
    (largest ids and counts; the page cache adds the observations' own data version)."""
    from sdgcities.capacity.models import MatchDecision
    from sdgcities.certification.models import Certificate
    from sdgcities.investment.models import InvestmentProject
    from sdgcities.network.models import OnboardingRecord, UrbanLabCity
    from sdgcities.planning.models import PlanVersion
    from sdgcities.programmes.models import FundingLine
    from sdgcities.store.models import HubCity

    parts: list[Any] = []
    for model in (
        OnboardingRecord, UrbanLabCity, HubCity, InvestmentProject, MatchDecision, Certificate,
        FundingLine,
    ):  # fmt: skip
        parts.extend(session.execute(select(func.max(model.id), func.count(model.id))).one())
    parts.append(session.scalar(select(func.max(HubCity.since))))
    parts.append(session.scalar(select(func.max(PlanVersion.approved_at))))
    parts.append(session.scalar(select(func.sum(FundingLine.amount))))
    parts.append(session.scalar(select(func.max(Certificate.revoked_at))))
    return tuple(parts)


def groups(session: Session, kind: str) -> dict[int, str]:
    """Each city's group of ``kind`` (cities without one are in :data:`UNKNOWN`)."""
    if kind == "sdg_region":
        return {
            cid: region or UNKNOWN
            for cid, region in session.execute(select(City.id, City.sdg_region))
        }
    out = {cid: UNKNOWN for cid in session.scalars(select(City.id))}
    for cid, value in session.execute(
        select(CityTypology.city_id, CityTypology.value).where(CityTypology.kind == kind)
    ):
        out[cid] = value
    return out


def funnel(session: Session, pipes: dict[int, ob.Pipeline]) -> Table:
    """Cities that reached each step, in order, and their share of the 1,000-city goal."""
    reached = Counter(p.stage_index for p in pipes.values())
    rows: list[tuple[Any, ...]] = []
    for n, s in enumerate(ob.steps(), start=1):
        at_least = sum(c for idx, c in reached.items() if idx >= n)
        rows.append(
            (
                s.key,
                s.label,
                at_least if ob.has_source(s.key) else None,
                round(100 * at_least / GOAL_CITIES, 1) if ob.has_source(s.key) else None,
            )
        )
    return Table(
        "funnel",
        "Cities by onboarding stage (toward 1,000)",
        ("step", "label", "cities", "share_of_goal_pct"),
        rows,
    )


def stage_by(session: Session, pipes: dict[int, ob.Pipeline], kind: str) -> Table:
    """Cities by stage within each group of ``kind`` (all cities of the store)."""
    of = groups(session, kind)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, p in pipes.items():
        counts[of.get(cid, UNKNOWN)][p.stage or "none"] += 1
    keys = ("none", *ob.step_keys())
    rows = [
        (g, sum(c.values()), *(c.get(k, 0) for k in keys))
        for g, c in sorted(counts.items(), key=lambda kv: (kv[0] == UNKNOWN, kv[0]))
    ]
    return Table(
        f"stage-by-{kind}",
        f"Cities by stage and {KIND_LABELS[kind]}",
        ("group", "cities", *(f"stage_{k}" for k in keys)),
        rows,
    )


def coverage(session: Session, *, today: date | None = None) -> Table:
    """Per indicator: cities with a published value, their share, newest year and age."""
    this_year = (today or date.today()).year
    n_cities = session.scalar(select(func.count()).select_from(City)) or 0
    q = (
        select(
            Indicator.code,
            Indicator.name,
            func.count(distinct(Observation.city_id)),
            func.max(Observation.year),
            func.max(Observation.created_at),
        )
        .join(Observation, Observation.indicator_id == Indicator.id)
        .where(Observation.is_public.is_(True))
        .group_by(Indicator.code, Indicator.name)
        .order_by(Indicator.code)
    )
    rows = [
        (
            code,
            name,
            int(n),
            round(100 * n / n_cities, 1) if n_cities else None,
            int(newest),
            this_year - int(newest),
            last.date().isoformat() if last else None,
        )
        for code, name, n, newest, last in session.execute(q)
    ]
    return Table(
        "coverage",
        "Indicator coverage and data freshness",
        ("indicator", "name", "cities", "share_pct", "newest_year", "age_years", "last_published"),
        rows,
    )


def score_set(session: Session, name: str | None = None) -> BenchmarkSet | None:
    """The benchmark set named, else the one with the most stored scores."""
    if name:
        return session.scalar(select(BenchmarkSet).where(BenchmarkSet.name == name))
    best = session.execute(
        select(CityScore.set_id, func.count())
        .where(CityScore.index_score.is_not(None))
        .group_by(CityScore.set_id)
        .order_by(func.count().desc(), CityScore.set_id)
        .limit(1)
    ).first()
    return session.get(BenchmarkSet, best[0]) if best else None


def score_distribution(session: Session, kind: str, bset: BenchmarkSet | None) -> Table:
    """Distribution of the stored index scores (0–100) of ``bset`` within each group."""
    cols = ("group", "cities", "min", "q1", "median", "q3", "max")
    title = f"Index scores by {KIND_LABELS[kind]}"
    if bset is None:
        return Table(f"scores-by-{kind}", title, cols, [])
    of = groups(session, kind)
    values: dict[str, list[float]] = defaultdict(list)
    for cid, score in session.execute(
        select(CityScore.city_id, CityScore.index_score).where(
            CityScore.set_id == bset.id, CityScore.index_score.is_not(None)
        )
    ):
        if score is not None:
            values[of.get(cid, UNKNOWN)].append(float(score))
    rows: list[tuple[Any, ...]] = []
    for g in sorted(values, key=lambda k: (k == UNKNOWN, k)):
        a = np.asarray(values[g])
        q = np.percentile(a, [0, 25, 50, 75, 100])
        rows.append((g, len(a), *(round(float(x), 2) for x in q)))
    return Table(f"scores-by-{kind}", title, cols, rows, note=bset.name)


def onboarding_time(session: Session, pipes: dict[int, ob.Pipeline]) -> Table:
    """Cumulative cities with an expression of interest, by SDG region and month."""
    of = groups(session, "sdg_region")
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, p in pipes.items():
        day = p.date_of("expression_of_interest")
        if day is not None:
            per[of.get(cid, UNKNOWN)][f"{day.year:04d}-{day.month:02d}"] += 1
    months = sorted({m for c in per.values() for m in c})
    rows: list[tuple[Any, ...]] = []
    for region in sorted(per, key=lambda k: (k == UNKNOWN, k)):
        running = 0
        for m in months:
            running += per[region].get(m, 0)
            rows.append((region, m, per[region].get(m, 0), running))
    return Table(
        "onboarding-time",
        "Cities onboarded per region over time (expressions of interest)",
        ("region", "month", "new", "cumulative"),
        rows,
    )


def network_cities_geojson(session: Session, pipes: dict[int, ob.Pipeline]) -> dict[str, Any]:
    """The cities that reached at least the first step, as GeoJSON points."""
    ids = [cid for cid, p in pipes.items() if p.stage is not None]
    features: list[dict[str, Any]] = []
    if ids:
        for c in session.scalars(select(City).where(City.id.in_(ids), City.lon.is_not(None))):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                    "properties": {
                        "slug": c.slug,
                        "name": c.name,
                        "country": c.country_name or c.country_iso3,
                        "population": c.population,
                        "stage": pipes[c.id].stage,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


#: the order of the funding statuses in the money report
MONEY_STATUSES = ("concept_note", "approved", "mobilised", "disbursed")


def portfolio_money(session: Session) -> Table:
    """The programmes' funding lines by programme, status and currency (sums, in SQL)."""
    from sdgcities.programmes.service import money_by_programme_status

    money = money_by_programme_status(session)
    order = {s: i for i, s in enumerate(MONEY_STATUSES)}
    rows: list[tuple[Any, ...]] = []
    for key in sorted(money):
        for (status, currency), amount in sorted(
            money[key].items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
        ):
            rows.append((key, status, currency, amount))
    return Table(
        "portfolio-money",
        "The flagship programmes' money by programme and status",
        ("programme", "status", "currency", "amount"),
        rows,
        note="sums per currency, never converted; published programmes only",
    )


def all_tables(session: Session, *, score_set_name: str | None = None) -> dict[str, Table]:
    """Every report table (one pass over the pipelines)."""
    pipes = ob.all_pipelines(session)
    out = {"funnel": funnel(session, pipes)}
    for kind in GROUP_KINDS:
        t = stage_by(session, pipes, kind)
        out[t.key] = t
    out["coverage"] = coverage(session)
    bset = score_set(session, score_set_name)
    for kind in GROUP_KINDS:
        t = score_distribution(session, kind, bset)
        out[t.key] = t
    out["onboarding-time"] = onboarding_time(session, pipes)
    out["portfolio-money"] = portfolio_money(session)
    return out
