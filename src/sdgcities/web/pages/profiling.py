"""Pages of profiling: a city's neighbourhood profiles and hazard exposure, with maps.

The city page gets a panel linking to them (:func:`profiling_panel`) when the reader may
see a layer; drafts only for the city's team, its hubs and admins.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from sdgcities.accounts.permissions import can_see_drafts
from sdgcities.cities.service import get_city
from sdgcities.profiling.models import ProfileLayer
from sdgcities.profiling.service import latest_layer
from sdgcities.store.models import City
from sdgcities.web.pages._common import PageEnv, page_env
from sdgcities.web.pages._panels import city_panel, exists_for
from sdgcities.web.templating import render, render_fragment

router = APIRouter()

#: the columns the neighbourhood table and map can show, in order
PROFILE_COLUMNS = (
    "population", "density_per_km2", "transit_access", "open_space_access", "pm25",
    "built_up_density", "schools_15min", "schools_30min", "healthcare_15min",
    "healthcare_30min", "jobs_15min", "jobs_30min", "food_15min", "food_30min",
    "settlement_share",
)  # fmt: skip


_HAS_LAYER = exists_for(ProfileLayer.city_id)


@city_panel("profiling", order=60, present=lambda env, city: _HAS_LAYER)
def profiling_panel(env: PageEnv, city: City) -> Markup | None:
    drafts = can_see_drafts(env.user, city.id, env.session)
    links = {
        kind: latest_layer(env.session, city.id, kind, drafts=drafts)
        for kind in ("neighbourhoods", "exposure", "groups")
    }
    if not any(links.values()):
        return None
    return render_fragment("profiling/panel.html", {"city": city, "layers": links})


def _rows(layer: Any) -> list[dict[str, Any]]:
    rows = [f.get("properties", {}) for f in layer.features.get("features", [])]
    return sorted(rows, key=lambda r: (r.get("af_rank") is None, r.get("af_rank") or 0))


@router.get("/cities/{slug}/neighbourhoods", response_class=HTMLResponse)
def neighbourhoods_page(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    city = get_city(env.session, slug)
    drafts = can_see_drafts(env.user, city.id, env.session)
    layer = latest_layer(env.session, city.id, "neighbourhoods", drafts=drafts)
    rows = _rows(layer) if layer else []
    columns = [c for c in PROFILE_COLUMNS if any(c in r for r in rows)]
    return render(
        env.request,
        "profiling/neighbourhoods.html",
        {"city": city, "layer": layer, "rows": rows, "columns": columns},
        status_code=200 if layer else 404,
    )


@router.get("/cities/{slug}/exposure", response_class=HTMLResponse)
def exposure_page(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    city = get_city(env.session, slug)
    drafts = can_see_drafts(env.user, city.id, env.session)
    layer = latest_layer(env.session, city.id, "exposure", drafts=drafts)
    return render(
        env.request,
        "profiling/exposure.html",
        {"city": city, "layer": layer, "s": layer.summary if layer else {}},
        status_code=200 if layer else 404,
    )


@router.get("/cities/{slug}/groups", response_class=HTMLResponse)
def groups_page(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    """Profile by population group: access per group, gaps to the reference group, map."""
    city = get_city(env.session, slug)
    drafts = can_see_drafts(env.user, city.id, env.session)
    layer = latest_layer(env.session, city.id, "groups", drafts=drafts)
    s: dict[str, Any] = layer.summary if layer else {}
    by_group = s.get("by_group") or {}
    groups = [str(g) for g in s.get("groups") or []]
    indicators = [k for k in by_group.get("_all", {}) if k != "population"]
    others = [g for g in groups if g != s.get("reference")]
    return render(
        env.request,
        "profiling/groups.html",
        {
            "city": city,
            "layer": layer,
            "s": s,
            "groups": groups,
            "indicators": indicators,
            "by_group": by_group,
            "default_property": f"{(others or groups or ['population'])[0]}_share",
        },
        status_code=200 if layer else 404,
    )
