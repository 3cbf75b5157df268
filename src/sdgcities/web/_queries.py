"""Read-only queries the pages need that no service offers (counts, map points, facets).

They select only the columns a page shows, so the pages stay fast on a thousand cities.
Anything with a method behind it (scores, peers, challenges, imports) is called from the
service packages, never re-done here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, distinct, func, select
from sqlalchemy.orm import Session

from sdgcities.store.models import City, CityTypology, HexLayer, Indicator, Observation


@dataclass(frozen=True)
class Coverage:
    cities: int
    indicators: int
    indicators_with_data: int
    observations: int
    first_year: int | None
    last_year: int | None


def coverage(session: Session) -> Coverage:
    """How much the store holds: cities, indicators, current observations, years."""
    cities = session.execute(select(func.count()).select_from(City)).scalar() or 0
    indicators = session.execute(select(func.count()).select_from(Indicator)).scalar() or 0
    # each by an index (ix_observations_current_year, ix_observations_indicator_current):
    # one aggregate over a million rows would scan the table
    current = Observation.is_current.is_(True)
    count = session.execute(select(func.count()).where(current)).scalar() or 0
    first = session.execute(select(func.min(Observation.year)).where(current)).scalar()
    last = session.execute(select(func.max(Observation.year)).where(current)).scalar()
    obs = (count, first, last)
    with_data = (
        session.execute(
            select(func.count())
            .select_from(Indicator)
            .where(
                select(Observation.id)
                .where(Observation.indicator_id == Indicator.id, current)
                .exists()
            )
        ).scalar()
        or 0
    )
    return Coverage(
        cities=int(cities),
        indicators=int(indicators),
        indicators_with_data=int(with_data),
        observations=int(obs[0] or 0),
        first_year=obs[1],
        last_year=obs[2],
    )


def facets(session: Session) -> dict[str, list[str]]:
    """The values of the home page filters: SDG region, size class, income group."""
    out: dict[str, list[str]] = {"region": [], "size_class": [], "income_group": []}
    regions = session.scalars(
        select(City.sdg_region).where(City.sdg_region.is_not(None)).distinct()
    )
    out["region"] = sorted(r for r in regions if r)
    rows = session.execute(
        select(CityTypology.kind, CityTypology.value)
        .where(CityTypology.kind.in_(["size_class", "income_group", "sdg_region"]))
        .distinct()
    )
    for kind, value in rows:
        key = "region" if kind == "sdg_region" else kind
        if value and value not in out[key]:
            out[key].append(value)
    for key in out:
        out[key] = sorted(out[key])
    return out


def city_points(session: Session) -> list[dict[str, Any]]:
    """Every city with a location, for the home map (GeoJSON-ready dicts)."""
    rows = session.execute(
        select(
            City.slug,
            City.name,
            City.country_name,
            City.lon,
            City.lat,
            City.population,
            City.sdg_region,
        ).where(City.lon.is_not(None), City.lat.is_not(None))
    )
    return [
        {
            "slug": slug,
            "name": name,
            "country": country or "",
            "lon": lon,
            "lat": lat,
            "population": population,
            "region": region or "",
        }
        for slug, name, country, lon, lat, population, region in rows
    ]


def hex_layers(
    session: Session, city_id: int, draft_cities: Collection[int] | None = ()
) -> list[HexLayer]:
    """The city's hex layers a reader with draft rights for ``draft_cities`` sees."""
    from sdgcities.observations.visibility import visible_shape

    shape, params = visible_shape(draft_cities)
    return list(session.scalars(_hex_layers_statement(shape), {"city_id": city_id, **params}))


@lru_cache(maxsize=4)
def _hex_layers_statement(shape: str) -> Any:
    """:func:`hex_layers`' query, built once per visibility shape (its values bound)."""
    from sdgcities.observations.visibility import visible_layers_prebuilt

    return (
        select(HexLayer)
        .where(HexLayer.city_id == bindparam("city_id"), visible_layers_prebuilt(shape))
        .order_by(HexLayer.indicator_code, HexLayer.id)
    )


def indicators_with_data(session: Session) -> dict[int, int]:
    """indicator id → number of cities with a current value."""
    rows = session.execute(
        select(Observation.indicator_id, func.count(distinct(Observation.city_id)))
        .where(Observation.is_current)
        .group_by(Observation.indicator_id)
    )
    return {int(i): int(n) for i, n in rows}
