"""``/cities``: list (filtered, paginated) and detail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from sdgcities.cities.service import CitySummary
from sdgcities.store.models import City
from sdgcities.web._geojson import city_boundary
from sdgcities.web.api._common import (
    TEXT_PATTERN,
    DbSession,
    Limit,
    Offset,
    get_city_or_404,
    page_response,
    text_query,
)
from sdgcities.web.api._schemas import CityDetail, CityOut, Page, TypologyOut, clean_float

router = APIRouter(prefix="/cities", tags=["cities"])

CityKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=TEXT_PATTERN,
        description="city slug, id or exact name",
    ),
]


def _typology(city: City) -> dict[str, str]:
    from sdgcities.cities.service import city_typology

    found: dict[str, str] = city_typology(city)
    return {str(k): str(v) for k, v in found.items() if v is not None}


def city_out(city: City | CitySummary) -> CityOut:
    return CityOut(
        id=city.id,
        slug=city.slug,
        name=city.name,
        country_iso3=city.country_iso3,
        country_name=city.country_name,
        sdg_region=city.sdg_region,
        sdg_subregion=city.sdg_subregion,
        admin1=city.admin1,
        population=clean_float(city.population),
        population_year=city.population_year,
        lon=clean_float(city.lon),
        lat=clean_float(city.lat),
        bbox=[float(v) for v in city.bbox] if city.bbox else None,
        typology=city.typology if isinstance(city, CitySummary) else _typology(city),
    )


@router.get("", response_model=Page[CityOut], summary="List cities")
def list_cities(
    request: Request,
    session: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    q: str | None = text_query("search in names"),
    region: str | None = text_query("SDG region, e.g. 'Europe and Northern America'"),
    size_class: str | None = text_query("UN city size class"),
    income_group: str | None = text_query("World Bank income group"),
    country: str | None = text_query("ISO 3166 alpha-3 code or country name"),
) -> Response:
    from sdgcities.cities import service

    filters: dict[str, Any] = {
        "search": q or None,
        "region": region or None,
        "size_class": size_class or None,
        "income_group": income_group or None,
        "country": country or None,
    }
    total = service.count_cities(session, **filters)
    rows = service.city_summaries(session, limit=limit, offset=offset, **filters)
    return page_response(
        request, CityOut, [city_out(c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.get("/{city}", response_model=CityDetail, summary="One city")
def get_city(city: CityKey, session: DbSession) -> CityDetail:
    found = get_city_or_404(session, city)
    base = city_out(found)
    return CityDetail(
        **base.model_dump(),
        geonameid=found.geonameid,
        typology_sources=[
            TypologyOut(kind=t.kind, value=t.value, source=t.source or "", as_of=t.as_of or "")
            for t in sorted(found.typologies, key=lambda t: t.kind)
        ],
        boundary=city_boundary(found),
    )
