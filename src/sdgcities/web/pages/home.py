"""The home page: a map of every city, search, filters and what the store covers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sdgcities.cities.gazetteer import search_gazetteer
from sdgcities.cities.service import count_cities, list_cities
from sdgcities.web import _queries
from sdgcities.web.pages._common import PageEnv, page_env
from sdgcities.web.templating import render

router = APIRouter()

PAGE_SIZE = 25


def _filters(
    q: str = Query("", max_length=200),
    region: str = Query("", max_length=200),
    size_class: str = Query("", max_length=100),
    income_group: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, Any]:
    return {
        "q": q.strip(),
        "region": region,
        "size_class": size_class,
        "income_group": income_group,
        "page": page,
    }


def _city_list(env: PageEnv, f: dict[str, Any]) -> dict[str, Any]:
    kwargs = {
        "search": f["q"] or None,
        "region": f["region"] or None,
        "size_class": f["size_class"] or None,
        "income_group": f["income_group"] or None,
    }
    total = count_cities(env.session, **kwargs)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(f["page"], pages)
    cities = list_cities(env.session, **kwargs, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    params = {k: v for k, v in f.items() if v and k != "page"}
    return {"cities": cities, "total": total, "page": page, "pages": pages, "params": params}


@router.get("/", response_class=HTMLResponse)
def home(env: PageEnv = Depends(page_env), f: dict[str, Any] = Depends(_filters)) -> Response:
    coverage = env.cache.get_or_compute(
        env.session, ("coverage",), lambda: _queries.coverage(env.session)
    )
    facets = env.cache.get_or_compute(
        env.session, ("facets",), lambda: _queries.facets(env.session)
    )
    ctx = {"coverage": coverage, "facets": facets, "filters": f, **_city_list(env, f)}
    return render(env.request, "home.html", ctx)


@router.get("/cities", response_class=HTMLResponse)
def city_list(
    request: Request, env: PageEnv = Depends(page_env), f: dict[str, Any] = Depends(_filters)
) -> Response:
    """The filtered list of cities (the HTMX target of the home page's filters)."""
    ctx = {"filters": f, **_city_list(env, f)}
    if request.headers.get("HX-Request"):
        return render(request, "partials/city_list.html", ctx)
    facets = _queries.facets(env.session)
    coverage = _queries.coverage(env.session)
    return render(request, "home.html", {"coverage": coverage, "facets": facets, **ctx})


@router.get("/search/suggest", response_class=HTMLResponse)
def suggest(env: PageEnv = Depends(page_env), q: str = Query("", max_length=200)) -> Response:
    """Search suggestions: stored cities first, then places from the gazetteer."""
    q = q.strip()
    stored: list[Any] = []
    places: list[Any] = []
    if len(q) >= 2:
        stored = list_cities(env.session, search=q, limit=8)
        known = {c.geonameid for c in stored if c.geonameid}
        places = [p for p in search_gazetteer(q, limit=6) if p.geonameid not in known][:5]
    return render(
        env.request, "partials/suggestions.html", {"q": q, "stored": stored, "places": places}
    )


@router.get("/map/cities.geojson")
def cities_geojson(env: PageEnv = Depends(page_env)) -> Response:
    """Every located city as GeoJSON points (for the home map)."""
    points = env.cache.get_or_compute(
        env.session, ("city_points",), lambda: _queries.city_points(env.session)
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(p["lon"], 5), round(p["lat"], 5)]},
            "properties": {k: p[k] for k in ("slug", "name", "country", "population", "region")},
        }
        for p in points
    ]
    return JSONResponse(
        {"type": "FeatureCollection", "features": features},
        headers={"Cache-Control": "public, max-age=60"},
    )
