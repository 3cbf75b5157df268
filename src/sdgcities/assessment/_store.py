"""Store plumbing for the assessment: observations, city lookup, typology.

Observations and cities come from their owners (``sdgcities.observations.service``,
``sdgcities.cities``); only the lean numeric read that scoring needs lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sdgcities.cities import service as city_service
from sdgcities.cities import typology
from sdgcities.observations import service as observation_service
from sdgcities.observations import visibility
from sdgcities.store.db import raw_rows
from sdgcities.store.models import City, CityTypology, Indicator, Observation

logger = logging.getLogger(__name__)


def current_observations(
    session: Session,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = False,
    disaggregation: str | None = "",
) -> pd.DataFrame:
    """Current observation versions (``sdgcities.observations.service.current_observations``)."""
    return observation_service.current_observations(
        session,
        city_ids=None if city_ids is None else list(city_ids),
        indicator_codes=None if indicator_codes is None else list(indicator_codes),
        published_only=published_only,
        disaggregation=disaggregation,
    )


#: the columns of :func:`visible_observation_rows` and :func:`visible_observations`
VISIBLE_COLUMNS = (
    "city_id",
    "indicator",
    "year",
    "value",
    "unit",
    "source",
    "status",
    "observation_id",
)


def visible_observation_rows(
    session: Session,
    *,
    city_ids: Iterable[int],
    draft_cities: Collection[int] | None = (),
    indicator_codes: Iterable[str] | None = None,
) -> list[tuple[Any, ...]]:
    """:func:`visible_observations` as plain tuples (``VISIBLE_COLUMNS``), value a float.

    Sorted by indicator and year. The city page reads these directly: a DataFrame of a
    thousand rows costs more to build and walk than the query.
    """
    shape, params = visibility.visible_shape(draft_cities)
    params["city_ids"] = list(city_ids)
    if indicator_codes is not None:
        params["codes"] = list(indicator_codes)
    stmt = _visible_rows_statement(shape, indicator_codes is not None)
    return [  # plain columns: DB-API tuples, without SQLAlchemy's per-row processing
        (r[0], r[1], r[2], None if r[3] is None else float(r[3]), *r[4:])
        for r in raw_rows(session, stmt, params)
    ]


@lru_cache(maxsize=8)
def _visible_rows_statement(shape: str, by_code: bool) -> Any:
    """:func:`visible_observation_rows`' query, built once per shape (parameters bound)."""
    stmt = (
        select(
            Observation.city_id,
            Indicator.code,
            Observation.year,
            Observation.value,
            Observation.unit,
            Observation.source,
            Observation.status,
            Observation.id,
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(visibility.visible_prebuilt(shape), Observation.disaggregation == "")
        .where(Observation.city_id.in_(bindparam("city_ids", expanding=True)))
        .order_by(Indicator.code, Observation.year)
    )
    if by_code:
        stmt = stmt.where(Indicator.code.in_(bindparam("codes", expanding=True)))
    return stmt


def visible_observations(
    session: Session,
    *,
    city_ids: Iterable[int],
    draft_cities: Collection[int] | None = (),
    indicator_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Totals a reader sees (:func:`sdgcities.observations.visibility.visible`).

    Columns ``city_id, indicator, year, value, unit, source, status, observation_id``,
    sorted by indicator and year. ``draft_cities=()`` (the default) is the public view.
    """
    rows = visible_observation_rows(
        session, city_ids=city_ids, draft_cities=draft_cities, indicator_codes=indicator_codes
    )
    frame = pd.DataFrame(rows, columns=list(VISIBLE_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    return frame


def scoring_observations(
    session: Session,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    draft_cities: Collection[int] | None = (),
) -> pd.DataFrame:
    """The lean read scoring needs: ``city_id, city_slug, indicator, year, value`` of totals.

    Which version of each value is read follows
    :func:`sdgcities.observations.visibility.visible`: ``draft_cities=()`` (default) the
    public versions, a set of city ids those cities' current versions and the other
    cities' public ones, ``None`` current versions everywhere. One Core query read
    column-wise by pandas (no ORM rows): about 4× faster than the full
    :func:`current_observations` on a million rows.
    """
    # numbers only (ids, not strings) keep the row conversion cheap; names mapped after
    stmt = select(
        Observation.city_id, Observation.indicator_id, Observation.year, Observation.value
    ).where(visibility.visible(draft_cities), Observation.disaggregation == "")
    codes = None if indicator_codes is None else list(indicator_codes)
    ind_stmt = select(Indicator.id, Indicator.code)
    if codes is not None:
        ind_stmt = ind_stmt.where(Indicator.code.in_(codes))
    ind_ids = {int(i): str(c) for i, c in session.execute(ind_stmt).all()}
    if city_ids is not None:
        stmt = stmt.where(Observation.city_id.in_(list(city_ids)))
    if codes is not None:
        stmt = stmt.where(Observation.indicator_id.in_(list(ind_ids)))
    # the DB-API cursor directly: SQLAlchemy Row objects would cost ~3× the time here
    rows = raw_rows(session, stmt)
    data = np.asarray(rows, dtype=float).reshape(-1, 4)
    frame = pd.DataFrame(
        {
            "city_id": data[:, 0].astype(np.int64),
            "indicator_id": data[:, 1].astype(np.int64),
            "year": data[:, 2].astype(np.int64),
            "value": data[:, 3],
        }
    )
    ids = np.unique(frame["city_id"].to_numpy()).tolist()
    slugs = {
        int(i): str(c)
        for i, c in session.execute(select(City.id, City.slug).where(City.id.in_(ids))).all()
    }
    frame.insert(1, "city_slug", frame["city_id"].map(slugs).astype(object))
    frame["indicator"] = frame.pop("indicator_id").map(ind_ids).astype(object)
    return frame.loc[:, ["city_id", "city_slug", "indicator", "year", "value"]]


def get_city(session: Session, key: str | int) -> City:
    """A city by id, slug or exact name (``sdgcities.cities.service.get_city``)."""
    return city_service.get_city(session, key)


_IN_LIMIT = 200


def typology_rows(session: Session, city_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """One dict per city: ``city_id, city, city_slug, size_class, sdg_region, income_group``.

    Typology rows first, then the ``City`` columns (size class from the population).
    ``None``: every city. Plain rows, no ORM objects and no DataFrame: this runs on
    every city page over every city.
    """

    wanted: set[int] | None = None
    params: dict[str, Any] = {}
    some = False
    if city_ids is not None:
        ids = list(city_ids)
        wanted = {int(i) for i in ids}
        if len(ids) <= _IN_LIMIT:  # long IN lists cost more to compile than to filter here
            some, params["ids"] = True, ids
    stmt = _typology_statement(some)
    out: list[dict[str, Any]] = []
    rows = raw_rows(session, stmt, params)
    for cid, name, slug, population, region, size, t_region, income in rows:
        if wanted is not None and int(cid) not in wanted:
            continue
        out.append(
            {
                "city_id": int(cid),
                "city": name,
                "city_slug": slug,
                "size_class": size or _size_class(population),
                "sdg_region": t_region or region,
                "income_group": income or None,
            }
        )
    return out


def _typology_value(kind: str) -> Any:
    """SQL: the city row's typology value of ``kind`` (its first row; NULL without one)."""
    return (
        select(CityTypology.value)
        .where(CityTypology.city_id == City.id, CityTypology.kind == kind)
        .limit(1)
        .scalar_subquery()
    )


@lru_cache(maxsize=2)
def _typology_statement(some: bool) -> Any:
    """:func:`typology_rows`' query (built once): every city, or the bound ``ids``."""
    kind = _typology_value
    stmt = select(
        City.id,
        City.name,
        City.slug,
        City.population,
        City.sdg_region,
        kind("size_class"),
        kind("sdg_region"),
        kind("income_group"),
    )
    return stmt.where(City.id.in_(bindparam("ids", expanding=True))) if some else stmt


def typology_expression(kind: str, value: Any) -> Any:
    """SQL of a city's ``kind`` (``size_class``, ``sdg_region``, ``income_group``), as
    :func:`typology_rows` reads it, given ``value``: its typology row's value (NULL
    without one).

    The typology row's value when it is not blank, else the ``City`` column (size class
    from the population by :func:`sdgcities.cities.typology.size_class_sql`; no column
    for the income group). For filters such as the peer rules.
    """
    from sqlalchemy import func

    own = func.nullif(value, "")
    if kind == "size_class":
        return func.coalesce(own, typology.size_class_sql(City.population))
    if kind == "sdg_region":
        return func.coalesce(own, func.nullif(City.sdg_region, ""))
    return own


def typology_of(session: Session, city_ids: Sequence[int]) -> pd.DataFrame:
    """City id → size_class, sdg_region, income_group (typology rows, then City columns)."""
    return pd.DataFrame(
        typology_rows(session, city_ids),
        columns=["city_id", "city", "city_slug", "size_class", "sdg_region", "income_group"],
    )


def _size_class(population: float | None) -> str | None:
    """UN city-size class code of a population (``sdgcities.cities.typology``)."""
    return typology.size_class(population)


def size_class_label(code: str) -> str:
    """Readable label of a size-class code (``1m-5m`` → ``1–5 M``)."""
    return typology.size_class_label(code)


def indicator_info(session: Session, codes: Iterable[str]) -> dict[str, Indicator]:
    """Catalogue rows for the codes that exist (missing codes are simply absent)."""
    wanted = list(codes)
    if not wanted:
        return {}
    return {i.code: i for i in session.scalars(select(Indicator).where(Indicator.code.in_(wanted)))}
