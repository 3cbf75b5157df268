"""A city's page: scores, indicators, greatest challenges, charts, hex maps, downloads."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from sdgcities.accounts.permissions import can_see_drafts, draft_city_ids
from sdgcities.assessment.challenges import city_challenges
from sdgcities.assessment.peers import peer_group
from sdgcities.assessment.scores import city_scores
from sdgcities.cities.service import city_typology, get_city
from sdgcities.errors import NotFoundError
from sdgcities.exports.opensdg import export_open_sdg_bytes
from sdgcities.exports.sdmx import export_sdmx_bytes
from sdgcities.exports.tabular import export_observations_bytes, export_scores_bytes
from sdgcities.observations.service import current_observations
from sdgcities.scoring.scores import Scores
from sdgcities.store.models import City, HexLayer, Indicator
from sdgcities.web import _queries, i18n
from sdgcities.web.deps import IdPath
from sdgcities.web.hexmap import layer_geojson
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, clean, page_env, records, script_json
from sdgcities.web.templating import environment, render, render_fragment

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
    """Scores of every city (cached until the data change); None when nothing is scorable."""

    def compute() -> Scores | None:
        try:
            return city_scores(env.session, published_only=published_only)
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


def _peer_medians(
    env: PageEnv, scores: Scores | None, city_id: int
) -> tuple[dict[str, float], str]:
    if scores is None:
        return {}, ""
    group = peer_group(env.session, city_id)
    ind = scores.indicators
    peers = ind[ind["city_id"].isin(group.city_ids) & ind["value"].notna()]
    med = peers.groupby("indicator")["value"].median()
    return {str(k): float(v) for k, v in med.items()}, group.description


def _city_data(env: PageEnv, city: City, *, published_only: bool) -> dict[str, Any]:
    """Everything the city page shows."""
    scores = all_scores(env, published_only=published_only)
    scored = _scores_of(scores, city.id)
    peer_median, peer_desc = _peer_medians(env, scores, city.id)
    obs = current_observations(
        env.session, city_ids=[city.id], disaggregation="", published_only=published_only
    )
    codes = sorted(set(obs["indicator"].astype(str))) if len(obs) else []
    info = {
        i.code: i
        for i in env.session.query(Indicator).filter(Indicator.code.in_(codes or [""])).all()
    }
    rows: list[dict[str, Any]] = []
    series: dict[str, dict[str, Any]] = {}
    if len(obs):
        obs = obs.sort_values(["indicator", "year"])
        for code, grp in obs.groupby("indicator", sort=True):
            code = str(code)
            last = grp.iloc[-1]
            ind = info.get(code)
            sc = scored["by_indicator"].get(code, {})
            rows.append(
                {
                    "code": code,
                    "name": ind.name if ind else code,
                    "goal": (ind.goal if ind else None) or "",
                    "value": clean(last["value"]),
                    "unit": clean(last["unit"]) or (ind.unit if ind else ""),
                    "year": int(last["year"]),
                    "source": clean(last["source"]) or "",
                    "observation_id": int(last["observation_id"]),
                    "target": sc.get("target_value"),
                    "score": sc.get("score"),
                    "colour": sc.get("colour") or "grey",
                    "progress": sc.get("progress") or "",
                    "peer_median": peer_median.get(code),
                    "n_years": len(grp),
                }
            )
            series[code] = {
                "name": ind.name if ind else code,
                "unit": rows[-1]["unit"] or "",
                "years": [int(y) for y in grp["year"]],
                "values": [None if pd.isna(v) else float(v) for v in grp["value"]],
            }
    return {
        "scores": scored,
        "rows": rows,
        "series": series,
        "peer_group": peer_desc,
        "years": (
            min(min(v["years"]) for v in series.values()),
            max(max(v["years"]) for v in series.values()),
        )
        if series
        else None,
    }


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
    if env.user is None and not env.request.state.csrf_token:
        key = ("page", env.request.url.path, i18n.get_locale())
        html = env.cache.get_or_compute(env.session, key, lambda: _city_page(slug, env).body)
        return HTMLResponse(html)
    return _city_page(slug, env)


def _city_page(slug: str, env: PageEnv) -> Response:
    city = _city(env, slug)
    published_only = not can_see_drafts(env.user, city.id, env.session)
    lang = i18n.get_locale()

    def body() -> tuple[Markup, list[str]]:
        data = _city_data(env, city, published_only=published_only)
        layers = _queries.hex_layers(env.session, city.id)
        ctx = {
            "city": city,
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
        env.session, ("city_html", city.id, published_only, lang), body
    )
    return render(
        env.request, "city.html", {"city": city, "body": html, "attributions": attributions}
    )


@router.get("/cities/{slug}/challenges", response_class=HTMLResponse)
def city_challenges_panel(slug: str, env: PageEnv = Depends(page_env)) -> Response:
    """The greatest-challenges panel (loaded after the page, as it compares with peers)."""
    city = _city(env, slug)
    published_only = not can_see_drafts(env.user, city.id, env.session)
    challenges = env.cache.get_or_compute(
        env.session,
        ("challenges", city.id, published_only, i18n.get_locale()),  # reasons are worded
        lambda: city_challenges(env.session, city.id, limit=5, published_only=published_only),
    )
    partial = bool(env.request.headers.get("HX-Request"))
    name = "partials/challenges.html" if partial else "challenges_page.html"
    return render(env.request, name, {"city": city, "challenges": challenges})


@router.get("/cities/{slug}/hexes/{layer_id}.geojson")
def city_hexes(slug: str, layer_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    city = _city(env, slug)
    layer = env.session.get(HexLayer, layer_id)
    if layer is None or layer.city_id != city.id:
        raise NotFoundError(
            f"{city.name} has no hex layer {layer_id}; the city page lists its layers"
        )
    body = env.cache.get_or_compute(
        env.session, ("hexes", layer.id), lambda: layer_geojson(env.session, layer)
    )
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=300"}
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
