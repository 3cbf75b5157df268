"""Compare cities side by side, or one city with its peers (cities of its type)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from sdgcities.assessment.peers import peer_cities
from sdgcities.cities.service import get_city, list_cities
from sdgcities.errors import NotFoundError
from sdgcities.observations.service import current_observations
from sdgcities.store.models import City, Indicator
from sdgcities.web.pages._common import PageEnv, clean, page_env
from sdgcities.web.pages.city import _scores_of, all_scores, published_only_for
from sdgcities.web.templating import render

router = APIRouter()

MAX_CITIES = 8


@router.get("/compare", response_class=HTMLResponse)
def compare(
    env: PageEnv = Depends(page_env),
    cities: str = Query("", max_length=2000, description="comma-separated city slugs"),
    city: str = Query("", max_length=200),
    peers: bool = Query(False),
    c: list[str] = Query([], max_length=200, description="city slugs (form without script)"),
) -> Response:
    chosen: list[City] = []
    problems: list[str] = []
    mode = "cities"
    if city and peers:
        mode = "peers"
        me = get_city(env.session, city)
        chosen = [me, *peer_cities(env.session, me.id)[: MAX_CITIES - 1]]
    else:
        keys = [k.strip() for k in [*cities.split(","), *c] if k.strip()]
        for key in list(dict.fromkeys(keys))[:MAX_CITIES]:
            try:
                chosen.append(get_city(env.session, key))
            except NotFoundError as err:
                problems.append(str(err))
    table = _comparison(env, chosen) if chosen else None
    options = list_cities(env.session, limit=2000)
    return render(
        env.request,
        "compare.html",
        {
            "chosen": chosen,
            "table": table,
            "problems": problems,
            "mode": mode,
            "options": options,
            "selected": [c.slug for c in chosen],
        },
    )


def _comparison(env: PageEnv, chosen: list[City]) -> dict[str, Any]:
    ids = [c.id for c in chosen]
    published_only = published_only_for(env)
    scores = all_scores(env, published_only=published_only)
    per_city = {c.id: _scores_of(scores, c.id) for c in chosen}
    goals = sorted({g["goal"] for s in per_city.values() for g in s["goals"]})
    obs = current_observations(
        env.session, city_ids=ids, disaggregation="", published_only=published_only
    )
    latest: dict[str, dict[int, dict[str, Any]]] = {}
    if len(obs):
        obs = obs.sort_values("year")
        for rec in obs.groupby(["indicator", "city_id"]).tail(1).to_dict("records"):
            latest.setdefault(str(rec["indicator"]), {})[int(rec["city_id"])] = {
                "value": clean(rec["value"]),
                "year": int(rec["year"]),
                "unit": clean(rec["unit"]) or "",
            }
    codes = sorted(latest)
    names = dict(
        env.session.query(Indicator.code, Indicator.name)
        .filter(Indicator.code.in_(codes or [""]))
        .all()
    )
    rows = []
    for code in codes:
        cells = []
        for c in chosen:
            v = latest[code].get(c.id)
            colour = per_city[c.id]["by_indicator"].get(code, {}).get("colour")
            cells.append({**v, "colour": colour} if v else None)
        rows.append({"code": code, "name": names.get(code, code), "cells": cells})
    return {
        "index": [per_city[c.id]["index"] for c in chosen],
        "goals": [
            {
                "goal": g,
                "cells": [
                    next((x for x in per_city[c.id]["goals"] if x["goal"] == g), None)
                    for c in chosen
                ],
            }
            for g in goals
        ],
        "rows": rows,
    }
