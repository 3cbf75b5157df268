"""The indicator catalogue and one indicator's page: definition, method, every city."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from sdgcities.catalogue.registry import (
    UMF_DOMAINS,
    UMF_OBJECTIVES,
    get_indicator,
    list_indicators,
    umf_code_of,
    umf_matrix,
)
from sdgcities.observations.service import current_observations
from sdgcities.store.models import City
from sdgcities.web import _queries, i18n
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, clean, indicator_name, page_env, script_json
from sdgcities.web.pages.city import all_scores, published_only_for
from sdgcities.web.templating import render

router = APIRouter()

MAP_COLOURS = {
    "green": "#1e7b34",
    "yellow": "#f2c14e",
    "orange": "#e8743b",
    "red": "#b3261e",
    "grey": "#8a94a3",
}


@router.get("/indicators", response_class=HTMLResponse)
def catalogue(
    env: PageEnv = Depends(page_env),
    framework: str = Query("", max_length=16),
    q: str = Query("", max_length=200),
) -> Response:
    indicators = list_indicators(env.session, framework=framework or None, search=q or None)
    counts = env.cache.get_or_compute(
        env.session, ("indicator_counts",), lambda: _queries.indicators_with_data(env.session)
    )
    show_matrix = not q and framework in ("", "UMF")
    return render(
        env.request,
        "indicators.html",
        {
            "indicators": indicators,
            "counts": counts,
            "framework": framework,
            "q": q,
            "umf": umf_cells(env.session) if show_matrix else None,
            "label": indicator_name,
        },
    )


def umf_cells(session: Any) -> dict[str, Any]:
    """The 20 cells of the UMF matrix (5 domains × 4 objectives), each with its status:
    ``confirmed`` (at least one confirmed indicator), ``unconfirmed`` (only placements
    not yet confirmed against the official framework) or ``none``."""
    matrix = umf_matrix(session)
    rows: list[dict[str, Any]] = []
    tally = {"confirmed": 0, "unconfirmed": 0, "none": 0}
    for d, domain in UMF_DOMAINS.items():
        cells = []
        for o, objective in UMF_OBJECTIVES.items():
            members = matrix[(d, o)]
            confirmed = [_umf_entry(i) for i in members if i.confirmed]
            unconfirmed = [_umf_entry(i) for i in members if not i.confirmed]
            status = "confirmed" if confirmed else "unconfirmed" if unconfirmed else "none"
            tally[status] += 1
            cells.append(
                {
                    "objective": objective,
                    "status": status,
                    "confirmed": confirmed,
                    "unconfirmed": unconfirmed,
                }
            )
        rows.append({"domain": domain, "number": d, "cells": cells})
    return {"rows": rows, "objectives": list(UMF_OBJECTIVES.values()), "tally": tally}


def _umf_entry(ind: Any) -> dict[str, str]:
    return {"code": ind.code, "umf_code": umf_code_of(ind) or ind.code, "name": ind.name}


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(code: str, env: PageEnv = Depends(page_env)) -> Response:
    ind = get_indicator(env.session, code)
    published_only = published_only_for(env)
    data = env.cache.get_or_compute(
        env.session,
        ("indicator", ind.code, published_only, i18n.get_locale()),
        lambda: _indicator_data(env, ind.code, published_only=published_only),
    )
    return render(env.request, "indicator.html", {"ind": ind, "label": indicator_name, **data})


def _indicator_data(env: PageEnv, code: str, *, published_only: bool) -> dict[str, Any]:
    obs = current_observations(
        env.session, indicator_codes=[code], disaggregation="", published_only=published_only
    )
    rows: list[dict[str, Any]] = []
    if len(obs):
        obs = obs.sort_values("year")
        latest = obs.groupby("city_id").tail(1)
        ids = [int(i) for i in latest["city_id"]]
        places = {
            cid: (lon, lat, country, region)
            for cid, lon, lat, country, region in env.session.query(
                City.id, City.lon, City.lat, City.country_name, City.sdg_region
            ).filter(City.id.in_(ids))
        }
        scores = all_scores(env, published_only=published_only)
        colour: dict[int, str] = {}
        if scores is not None:
            ind = scores.indicators[scores.indicators["indicator"] == code]
            colour = {int(c): str(v) for c, v in zip(ind["city_id"], ind["colour"], strict=True)}
        for rec in latest.to_dict("records"):
            cid = int(rec["city_id"])
            lon, lat, country, region = places.get(cid, (None, None, None, None))
            rows.append(
                {
                    "city": rec["city"],
                    "slug": rec["city_slug"],
                    "country": country or "",
                    "region": region or "",
                    "value": clean(rec["value"]),
                    "year": int(rec["year"]),
                    "unit": clean(rec["unit"]) or "",
                    "source": clean(rec["source"]) or "",
                    "colour": colour.get(cid, "grey"),
                    "lon": lon,
                    "lat": lat,
                }
            )
        rows.sort(key=lambda r: r["city"])
    points = [
        {
            "name": r["city"],
            "slug": r["slug"],
            "value": r["value"],
            "lon": r["lon"],
            "lat": r["lat"],
            "colour": MAP_COLOURS.get(r["colour"], MAP_COLOURS["grey"]),
        }
        for r in rows
    ]
    unit = next((r["unit"] for r in rows if r["unit"]), "")
    return {
        "rows": rows,
        "points_json": script_json({"points": points, "unit": unit, "countLabel": _("Cities")}),
        "unit": unit,
    }
