"""Compare cities side by side, or one city with its peers (cities of its type)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from sdgcities.assessment.peers import peers_with_data
from sdgcities.cities.service import get_city, list_cities
from sdgcities.errors import NotFoundError
from sdgcities.observations.service import current_observations
from sdgcities.store.models import City, Indicator
from sdgcities.web.i18n import gettext as _
from sdgcities.web.i18n import ngettext
from sdgcities.web.pages._common import PageEnv, clean, indicator_name, page_env
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
    notes: list[str] = []
    mode = "cities"
    peer_desc = ""
    if city and peers:
        mode = "peers"
        me = get_city(env.session, city)
        found = peers_with_data(
            env.session, me.id, limit=MAX_CITIES - 1, published_only=published_only_for(env)
        )
        peer_desc = found.group.description
        chosen = [me, *found.cities]
        if found.none_with_data:
            chosen = []  # one city alone is not a comparison
            notes.append(
                _(
                    "No similar city has data for the indicators of %(city)s yet, so there "
                    "is nobody to compare it with.",
                    city=me.name,
                )
            )
        elif found.without_data:
            notes.append(
                ngettext(
                    "%(num)d similar city without any value is not shown.",
                    "%(num)d similar cities without any value are not shown.",
                    found.without_data,
                    num=found.without_data,
                )
            )
    else:
        keys = [k.strip() for k in [*cities.split(","), *c] if k.strip()]
        for key in list(dict.fromkeys(keys))[:MAX_CITIES]:
            try:
                chosen.append(get_city(env.session, key))
            except NotFoundError as err:
                problems.append(str(err))
    table = _comparison(env, chosen) if chosen else None
    if table is not None:
        empty = [c for c, has in zip(chosen, table["has_data"], strict=True) if not has]
        if mode == "peers" and chosen[0] in empty:
            notes = [
                _(
                    "%(city)s has no values yet, so there is nothing to compare.",
                    city=chosen[0].name,
                )
            ]
        elif empty and mode == "cities":
            notes.append(
                _(
                    "No values yet for %(cities)s, so no column is shown for them.",
                    cities=", ".join(c.name for c in empty),
                )
            )
        table = _without_empty_columns(table)
        chosen = [c for c in chosen if c not in empty]
        if not chosen:
            table = None
    return render(
        env.request,
        "compare.html",
        {
            "chosen": chosen,
            "table": table,
            "problems": problems,
            "notes": notes,
            "mode": mode,
            "peer_group": peer_desc,
            "options": picker_options(list_cities(env.session, limit=2000)),
            "selected": [c.slug for c in chosen],
        },
    )


def picker_options(cities: list[City]) -> list[dict[str, str]]:
    """The picker's choices: each city once, labels unique (province, else slug, added).

    Two cities may share a name and country (the two Fuzhous of China): their labels
    add the province when known, else the slug, so no label is listed twice.
    """
    unique = list({c.slug: c for c in reversed(cities)}.values())[::-1]

    def base(c: City) -> str:
        return f"{c.name} ({c.country_iso3})" if c.country_iso3 else c.name

    counts: dict[str, int] = {}
    for c in unique:
        counts[base(c)] = counts.get(base(c), 0) + 1
    out: list[dict[str, str]] = []
    for c in unique:
        label = base(c)
        if counts[label] > 1:
            place = c.admin1 if c.admin1 and not c.admin1.isdigit() and len(c.admin1) > 3 else ""
            inner = f"{place}, {c.country_iso3}" if place and c.country_iso3 else c.slug
            label = f"{c.name} ({inner})"
        out.append({"slug": c.slug, "label": label})
    labels = [o["label"] for o in out]
    for o in out:  # two provinces of one name: fall back to the slug
        if labels.count(o["label"]) > 1:
            o["label"] = f"{o['label']} · {o['slug']}"
    return out


def _without_empty_columns(table: dict[str, Any]) -> dict[str, Any]:
    """Drop the columns (cities) that have no value at all."""
    keep = table["has_data"]

    def pick(cells: list[Any]) -> list[Any]:
        return [x for x, k in zip(cells, keep, strict=True) if k]

    return {
        "index": pick(table["index"]),
        "goals": [{**g, "cells": pick(g["cells"])} for g in table["goals"]],
        "rows": [{**r, "cells": pick(r["cells"])} for r in table["rows"]],
        "has_data": [True for k in keep if k],
    }


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
        rows.append({"code": code, "name": indicator_name(names.get(code), code), "cells": cells})
    has_data = [any(r["cells"][i] is not None for r in rows) for i in range(len(chosen))]
    return {
        "has_data": has_data,
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
