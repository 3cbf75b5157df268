"""A city's page: scores, indicators, greatest challenges, charts, hex maps, downloads."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import groupby
from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import bindparam, select

from sdgcities._i18n import N_
from sdgcities.accounts.permissions import can_see_drafts, draft_city_ids
from sdgcities.assessment._store import visible_observation_rows
from sdgcities.assessment.challenges import challenge_summary
from sdgcities.assessment.peers import peer_group
from sdgcities.assessment.scores import city_scores
from sdgcities.assessment.stored import stored_city_view, stored_scores
from sdgcities.cities.service import city_typology, get_city
from sdgcities.errors import NotFoundError
from sdgcities.exports.opensdg import export_open_sdg_bytes
from sdgcities.exports.sdmx import export_sdmx_bytes
from sdgcities.exports.tabular import export_observations_bytes, export_scores_bytes
from sdgcities.scoring.scores import Scores
from sdgcities.store.models import City, HexLayer, Indicator
from sdgcities.web import _queries, i18n
from sdgcities.web.deps import IdPath
from sdgcities.web.hexmap import (
    LayerExtent,
    bbox_size_km,
    extract_bbox_of,
    layer_cells_json,
    layer_extent,
    layer_geojson,
    layer_outline_geojson,
    layer_streets_geojson,
)
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import (
    PageEnv,
    clean,
    indicator_name,
    page_env,
    records,
    script_json,
    year_span,
)
from sdgcities.web.pages._panels import has_panels, render_panels
from sdgcities.web.templating import (
    environment,
    fmt_number,
    light,
    render,
    render_fragment,
    trend,
)

router = APIRouter()

#: downloads offered on a city page: name → (media type, file suffix)
DOWNLOADS: dict[str, tuple[str, str]] = {
    "observations.csv": ("text/csv; charset=utf-8", "csv"),
    "observations.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "scores.csv": ("text/csv; charset=utf-8", "csv"),
    "scores.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "open-sdg.zip": ("application/zip", "zip"),
    "sdmx.xml": ("application/vnd.sdmx.structurespecificdata+xml; version=2.1", "xml"),
}


def all_scores(env: PageEnv, *, published_only: bool = True) -> Scores | None:
    """Scores of every city; None when nothing is scorable.

    The public view reads the stored scores (``sdgcities.assessment.stored``, refreshed
    by every change); ``published_only=False`` (admins, global hubs) scores the current
    versions of every city on the fly. Kept in the page cache until the data change.
    """

    def compute() -> Scores | None:
        try:
            if published_only:
                found = stored_scores(env.session)
                return found if found is not None else city_scores(env.session)
            return city_scores(env.session, draft_cities=None)
        except NotFoundError:
            return None  # no benchmark set stored yet

    return env.cache.get_or_compute(env.session, ("scores", published_only), compute)


def _scores_of(scores: Scores | None, city_id: int) -> dict[str, Any]:
    if scores is None:
        return {"index": None, "goals": [], "by_indicator": {}}
    idx = scores.index[scores.index["city_id"] == city_id]
    goals = scores.goals[scores.goals["city_id"] == city_id]
    ind = scores.indicators[scores.indicators["city_id"] == city_id]
    return {
        "index": records(idx)[0] if len(idx) else None,
        "goals": records(goals),
        "by_indicator": {r["indicator"]: r for r in records(ind)},
    }


def _city_and_peer_scores(
    env: PageEnv, city: City, drafts: set[int] | None, peer_ids: list[int]
) -> Scores | None:
    """Scores of the city and its peers as this reader may see them.

    The public view (and anyone without draft rights for this city) reads the stored
    public scores; a reader with draft rights for the city gets it scored on the fly
    from its current versions, beside the *public* values of every other city.
    """
    ids = [city.id, *peer_ids]
    try:
        if drafts is None or city.id in drafts:
            return city_scores(env.session, ids, draft_cities=drafts)
        found = stored_scores(env.session, ids)
        return found if found is not None else city_scores(env.session, ids)
    except NotFoundError:
        return None  # no benchmark set stored yet


def _peer_medians(scores: Scores | None, peer_ids: list[int]) -> dict[str, float]:
    if scores is None:
        return {}
    ind = scores.indicators
    peers = ind[ind["city_id"].isin(peer_ids) & ind["value"].notna()]
    med = peers.groupby("indicator")["value"].median()
    return {str(k): float(v) for k, v in med.items()}


def _scored_and_medians(
    env: PageEnv, city: City, drafts: set[int] | None, peer_ids: list[int]
) -> tuple[dict[str, Any], dict[str, float]]:
    """The city's scores (index, goals, by indicator) and its peers' median values.

    The public view of the city reads its stored row and its peers' stored values
    directly (:func:`~sdgcities.assessment.stored.stored_city_view`, no DataFrame); a
    reader with draft rights for the city gets it scored on the fly.
    """
    if drafts is not None and city.id not in drafts:
        try:
            view = stored_city_view(env.session, city.id, peer_ids)
        except NotFoundError:
            return _scores_of(None, city.id), {}
        if view is not None:
            scored = {"index": view.index, "goals": view.goals, "by_indicator": view.by_indicator}
            return scored, view.peer_medians
    scores = _city_and_peer_scores(env, city, drafts, peer_ids)
    return _scores_of(scores, city.id), _peer_medians(scores, peer_ids)


#: the names, goals and units of the indicators a page lists (built once)
_INDICATOR_INFO = select(Indicator.code, Indicator.name, Indicator.goal, Indicator.unit).where(
    Indicator.code.in_(bindparam("codes", expanding=True))
)


def _city_data(
    env: PageEnv, city: City, *, drafts: set[int] | None, layers: list[HexLayer]
) -> dict[str, Any]:
    """Everything the city page shows, from the values this reader may see.

    ``layers``: the city's hex layers this reader sees (:func:`_queries.hex_layers`).
    """
    group = peer_group(env.session, city.id)
    scored, peer_median = _scored_and_medians(env, city, drafts, group.city_ids)
    obs = visible_observation_rows(env.session, city_ids=[city.id], draft_cities=drafts)
    obs.sort(key=lambda r: (str(r[1]), r[2]))  # codepoint order on every database
    codes = sorted({str(r[1]) for r in obs})
    info = {  # plain rows: a hundred ORM objects per view cost more than the query
        str(r.code): r for r in env.session.execute(_INDICATOR_INFO, {"codes": codes})
    }
    rows: list[dict[str, Any]] = []
    series: dict[str, dict[str, Any]] = {}
    areas = _spatial_areas(env, layers)
    # rows come sorted by indicator code and year (visible_observation_rows)
    for code_key, grouped in groupby(obs, key=lambda r: str(r[1])):
        grp = list(grouped)
        code = code_key
        _cid, _code, year, value, unit, src, status, obs_id = grp[-1]
        ind = info.get(code)
        sc = scored["by_indicator"].get(code, {})
        name = indicator_name(ind.name if ind else "", code)
        source = clean(src) or ""
        rows.append(
            {
                "code": code,
                "name": name,
                "goal": (ind.goal if ind else None) or "",
                "value": clean(value),
                "unit": clean(unit) or (ind.unit if ind else ""),
                "year": int(year),
                "source": source,
                "status": str(status),
                "area": (areas.get(code) or _(OSM_EXTRACT_NOTE))
                if source.startswith(SPATIAL_SOURCE)
                else None,
                "observation_id": int(obs_id),
                "target": sc.get("target_value"),
                "score": sc.get("score"),
                "colour": sc.get("colour") or "grey",
                "progress": sc.get("progress") or "",
                "peer_median": peer_median.get(code),
                "n_years": len(grp),
            }
        )
        row = rows[-1]  # as shown: formatted here, not by a filter call per cell
        row["value_text"] = fmt_number(row["value"], 2)
        row["target_text"] = fmt_number(row["target"], 2)
        row["peer_median_text"] = fmt_number(row["peer_median"], 2)
        row["light_html"] = light(row["colour"])
        row["trend_html"] = trend(row["progress"])
        years = [int(r[2]) for r in grp]
        values = [None if r[3] is None or math.isnan(r[3]) else float(r[3]) for r in grp]
        seen = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
        entry: dict[str, Any] = {
            "name": name,
            "unit": rows[-1]["unit"] or "",
            "years": years,
            "values": values,
        }
        if len(seen) == 1:  # one observation is a value, not a chart
            shown = fmt_number(seen[0][1], 2)
            if entry["unit"]:
                shown += " " + str(entry["unit"])
            entry["single"] = _("%(value)s in %(year)s", value=shown, year=seen[0][0])
        series[code] = entry
    all_years = sorted({y for v in series.values() for y in v["years"]})
    return {
        "scores": scored,
        # attribute objects: Jinja reads ``r.code`` of a dict by failing getattr first
        "rows": [SimpleNamespace(**r) for r in rows],
        "series": series,
        "peer_group": group.description,
        "shows_drafts": drafts is None or city.id in drafts,
        "years": year_span(all_years[0], all_years[-1]) if all_years else None,
    }


#: the source of values computed by the spatial engine (``sdgcities.spatial.runs``)
SPATIAL_SOURCE = "sdgcities spatial engine"
#: said of a computed value without a hex layer of its own
OSM_EXTRACT_NOTE = N_(
    "Computed from the open-data extract of the city's input kit, which may cover only "
    "part of the city; its provenance lists the inputs."
)


def area_statement(extent: LayerExtent | None, extract: list[float] | None = None) -> str:
    """What area a hex layer (and the value computed with it) covers, in words.

    ``extract``: the bbox of the OpenStreetMap extract the value was computed from, when
    the run recorded it (``sdgcities.spatial.context``).
    """
    if extent is None:
        return _("This layer has no hexagons, so it covers no area.")
    sizes = {
        "cells": fmt_number(extent.cells, 0),
        "width": fmt_number(extent.width_km, 1),
        "height": fmt_number(extent.height_km, 1),
        "area": fmt_number(extent.area_km2, 1),
    }
    if extract is not None:
        ew, eh = bbox_size_km(extract)
        return _(
            "Computed for the OpenStreetMap extract of about %(ew)s × %(eh)s km in the "
            "city's input kit, not for the whole city: %(cells)s hexagons covering about "
            "%(width)s × %(height)s km (%(area)s km²).",
            ew=fmt_number(ew, 1),
            eh=fmt_number(eh, 1),
            **sizes,
        )
    return _(
        "Computed for the area of the data it was made from: %(cells)s hexagons covering "
        "about %(width)s × %(height)s km (%(area)s km²) — not necessarily the whole city.",
        **sizes,
    )


LayerArea = tuple[LayerExtent | None, list[float] | None]


def _layer_extents(env: PageEnv, layers: list[HexLayer]) -> dict[int, LayerArea]:
    """Layer id → (extent of its hexagons, bbox of the extract it was computed from)."""

    def area_of(layer: HexLayer) -> LayerArea:
        return env.cache.get_or_compute(
            env.session,
            ("hex_extent", layer.id),
            lambda: (layer_extent(env.session, layer), extract_bbox_of(env.session, layer)),
        )

    return {la.id: area_of(la) for la in layers}


def _spatial_areas(env: PageEnv, layers: list[HexLayer]) -> dict[str, str]:
    """Indicator code → the area statement of the hex layer its computed value comes from."""
    layers = [la for la in layers if la.run_id is not None]
    extents = _layer_extents(env, layers)
    return {la.indicator_code: area_statement(*extents[la.id]) for la in layers}


def typology_labels() -> dict[str, str]:
    """Translated names of the typology attributes."""
    return {
        "size_class": _("Size class"),
        "sdg_region": _("SDG region"),
        "sdg_subregion": _("SDG subregion"),
        "income_group": _("Income group"),
        "degurba": _("Degree of urbanisation"),
    }


def published_only_for(env: PageEnv) -> bool:
    """Whether pages listing many cities hide drafts (all but admins and global hubs)."""
    return draft_city_ids(env.user, env.session) is not None


def _city(env: PageEnv, slug: str) -> City:
    return get_city(env.session, slug)


@router.get("/cities/{slug}", response_class=HTMLResponse)
def city_page(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    """The city page; its data part is rendered once per city, language and data version.

    An anonymous reader gets the whole page from the cache (nothing in it is personal).
    """
    if env.user is None and not env.request.state.csrf_token and not has_panels():
        key = ("page", env.request.url.path, i18n.get_locale())
        html = env.cache.get_or_compute(env.session, key, lambda: _city_page(slug, env).body)
        return HTMLResponse(html)
    return _city_page(slug, env)


def _city_page(slug: str, env: PageEnv) -> Response:
    city = _city(env, slug)
    drafts = draft_city_ids(env.user, env.session)
    own_drafts = drafts is None or city.id in drafts
    lang = i18n.get_locale()

    def body() -> tuple[Markup, list[str]]:
        layers = _queries.hex_layers(env.session, city.id, drafts)
        data = _city_data(env, city, drafts=drafts, layers=layers)
        extents = _layer_extents(env, layers)
        layer_views = [
            {
                "layer": la,
                "url": f"/cities/{city.slug}/hexes/{la.id}.geojson",
                "cells": f"/cities/{city.slug}/hexes/{la.id}/cells.json",
                "outline": f"/cities/{city.slug}/hexes/{la.id}/outline.geojson",
                "streets": f"/cities/{city.slug}/hexes/{la.id}/streets.geojson"
                if la.run_id is not None
                else "",
                "name": indicator_name(la.name),
                "area": area_statement(ext, extract),
                "bbox": ext.bbox if ext else None,
            }
            for la in layers
            for ext, extract in [extents[la.id]]
        ]
        ctx = {
            "city": city,
            "layer_views": layer_views,
            "boundary_url": f"/cities/{city.slug}/boundary.geojson"
            if city.boundary_geojson
            else "",
            "typology": city_typology(city),
            "typology_labels": typology_labels(),
            "layers": layers,
            "series_json": script_json(data["series"]),
            "tile_url": environment().globals["tile_url"],
            **data,
        }
        attributions = sorted({la.attribution for la in layers if la.attribution})
        return render_fragment("partials/city_body.html", ctx), attributions

    html, attributions = env.cache.get_or_compute(
        env.session, ("city_html", city.id, own_drafts, lang), body
    )
    return render(
        env.request,
        "city.html",
        {
            "city": city,
            "body": html,
            "attributions": attributions,
            "panels": render_panels(env, city),
        },
    )


@router.get("/cities/{slug}/challenges", response_class=HTMLResponse)
def city_challenges_panel(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    """The greatest-challenges panel (loaded after the page, as it compares with peers)."""
    city = _city(env, slug)
    drafts = draft_city_ids(env.user, env.session)
    own_drafts = drafts is None or city.id in drafts
    summary = env.cache.get_or_compute(
        env.session,
        ("challenges", city.id, own_drafts, i18n.get_locale()),  # reasons are worded
        lambda: challenge_summary(env.session, city.id, limit=5, draft_cities=drafts),
    )
    partial = bool(env.request.headers.get("HX-Request"))
    name = "partials/challenges.html" if partial else "challenges_page.html"
    return render(
        env.request,
        name,
        {"city": city, "challenges": summary.challenges, "summary": summary},
    )


def _geojson(
    env: PageEnv,
    key: tuple[Any, ...],
    compute: Callable[[], bytes],
    media_type: str = "application/geo+json",
) -> Response:
    """A GeoJSON (or JSON) body computed once per data version, cacheable by the browser.

    Shared caches may keep what an anonymous reader gets (everybody may see it); what a
    signed-in reader gets may hold a draft layer, so only that reader's browser keeps it.
    """
    body = env.cache.get_or_compute(env.session, key, compute)
    scope = "public" if env.user is None else "private"
    return Response(body, media_type=media_type, headers={"Cache-Control": f"{scope}, max-age=300"})


def _layer_of(env: PageEnv, city: City, layer_id: int) -> HexLayer:
    """The layer, if this reader may see it (a draft value's layer needs draft rights)."""
    from sdgcities.observations.visibility import visible_layers

    layer = env.session.scalar(
        select(HexLayer).where(
            HexLayer.id == layer_id, visible_layers(draft_city_ids(env.user, env.session))
        )
    )
    if layer is None or layer.city_id != city.id:
        raise NotFoundError(
            f"{city.name} has no hex layer {layer_id}; the city page lists its layers"
        )
    return layer


@router.get("/cities/{slug}/hexes/{layer_id}/outline.geojson")
def city_hex_outline(slug: str, layer_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    """The outline of a hex layer: the area its value was computed for (map context)."""
    layer = _layer_of(env, _city(env, slug), layer_id)
    return _geojson(
        env, ("hex_outline", layer.id), lambda: layer_outline_geojson(env.session, layer)
    )


@router.get("/cities/{slug}/hexes/{layer_id}/streets.geojson")
def city_hex_streets(slug: str, layer_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    """The streets of the OSM extract a hex layer was computed from (map context)."""
    city = _city(env, slug)
    layer = _layer_of(env, city, layer_id)
    body = env.cache.get_or_compute(
        env.session, ("hex_streets", layer.id), lambda: layer_streets_geojson(env.session, layer)
    )
    if body is None:
        raise NotFoundError(
            f"the run behind hex layer {layer_id} of {city.name} kept no streets; "
            "recompute it with `sdgcities spatial run` to store them"
        )
    return _geojson(env, ("hex_streets_body", layer.id), lambda: body)


@router.get("/cities/{slug}/boundary.geojson")
def city_boundary(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    """The city's stored boundary (GeoJSON), drawn as context on its maps."""
    city = _city(env, slug)
    if not city.boundary_geojson:
        raise NotFoundError(f"{city.name} has no stored boundary; import one with its kit")
    boundary = city.boundary_geojson
    return _geojson(env, ("boundary", city.id), lambda: boundary.encode())


@router.get("/cities/{slug}/hexes/{layer_id}.geojson")
def city_hexes(slug: str, layer_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    layer = _layer_of(env, _city(env, slug), layer_id)
    return _geojson(env, ("hexes", layer.id), lambda: layer_geojson(env.session, layer))


@router.get("/cities/{slug}/hexes/{layer_id}/cells.json")
def city_hex_cells(slug: str, layer_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    """The layer's cells for the page's map (compact columns; the GeoJSON is the download)."""
    layer = _layer_of(env, _city(env, slug), layer_id)
    return _geojson(
        env, ("cells", layer.id), lambda: layer_cells_json(env.session, layer), "application/json"
    )


@router.get("/cities/{slug}/download/{name}")
def city_download(slug: str, name: str, env: PageEnv = Depends(page_env)) -> Response:
    """The city's data: observations or scores (CSV/XLSX), Open SDG (ZIP), SDMX-ML."""
    if name not in DOWNLOADS:
        raise NotFoundError(f"no download {name!r}; choose one of {', '.join(DOWNLOADS)}")
    city = _city(env, slug)
    media, suffix = DOWNLOADS[name]
    ids = [city.id]
    s = env.session
    published_only = not can_see_drafts(env.user, city.id, s)
    if name.startswith("observations"):
        body = export_observations_bytes(s, fmt=suffix, city_ids=ids, published_only=published_only)
    elif name.startswith("scores"):
        body = export_scores_bytes(s, fmt=suffix, city_ids=ids, published_only=published_only)
    elif name == "open-sdg.zip":
        body = export_open_sdg_bytes(s, city_ids=ids, published_only=published_only)
    else:
        body = export_sdmx_bytes(s, city_ids=ids, published_only=published_only)
    stem = name.rsplit(".", 1)[0]
    filename = f"{city.slug}-{stem}.{suffix}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def score_pct(value: Any) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    return max(0.0, min(100.0, float(value)))
