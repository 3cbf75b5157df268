"""``/network``: the SDG Cities network — the federation feed, onboarding, labs, hubs.

- ``GET /network/feed`` — this instance's published values, keyset-paged by id
  (``after``), in the pagination envelope; what a global knowledge hub pulls
  (``sdgcities network pull``). Published data only, whoever asks.
- ``GET/POST /network/cities/{city}/onboarding`` — a city's pipeline; recording a step
  needs the global hub, an admin, or the staff of the hub serving the city.
- ``GET /network/labs``, ``GET /network/hubs/{hub}`` (subscriptions for the hub's staff,
  the global hub and admins only), ``GET /network/reports/{key}``,
  ``GET /network/conflicts`` (global hub and admins).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sdgcities.network import federation, reports
from sdgcities.network import service as net
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession, Limit, Offset, OptionalUser, get_city_or_404
from sdgcities.web.api.cities import CityKey
from sdgcities.web.auth import CsrfChecked, require_role, require_user
from sdgcities.web.errors import ApiError

router = APIRouter(prefix="/network", tags=["network"])
HubStaff = Annotated[User, Depends(require_role("global_hub"))]
LoggedIn = Annotated[User, Depends(require_user)]


@router.get("/feed", summary="Published values for a global hub's pull (keyset pages by id)")
def feed(
    request: Request,
    session: DbSession,
    _user: OptionalUser,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last id already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=federation.MAX_PAGE_SIZE)] = federation.PAGE_SIZE,
    since: Annotated[date | None, Query(description="only values published on or after")] = None,
) -> Response:
    items, total, offset = federation.feed_page(session, after=after, limit=limit, since=since)
    nxt = None
    if items and offset + len(items) < total:
        nxt = str(request.url.include_query_params(after=items[-1]["id"], limit=limit))
    body = {"items": items, "total": total, "limit": limit, "offset": offset, "next": nxt}
    return Response(json.dumps(body, allow_nan=False), media_type="application/json")


@router.get("/cities/{city}/onboarding", summary="A city's onboarding pipeline")
def onboarding(city: CityKey, session: DbSession) -> dict[str, Any]:
    found, pipeline = net.city_pipeline(session, get_city_or_404(session, city).id)
    return net.pipeline_dict(found, pipeline)


class StepIn(BaseModel):
    step: str = Field(max_length=40, pattern=r"^[a-z0-9_]+$")
    date: date
    authority: str = Field("", max_length=300)
    lab: str | None = Field(None, max_length=200)
    hub: str | None = Field(None, max_length=200)
    note: str = Field("", max_length=2000)


@router.post(
    "/cities/{city}/onboarding",
    summary="Record an onboarding step (hub staff of the city, the global hub, admins)",
    status_code=201,
    dependencies=[CsrfChecked],
)
def record(city: CityKey, body: StepIn, session: DbSession, user: LoggedIn) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    pipeline = net.record_step(
        session,
        found.id,
        body.step,
        body.date,
        authority=body.authority,
        lab=body.lab,
        hub=body.hub,
        note=body.note,
        by=user,
        check_rights=True,
    )
    return net.pipeline_dict(found, pipeline)


@router.get("/labs", summary="Urban labs and the cities they support")
def labs(session: DbSession) -> dict[str, Any]:
    return {
        "items": [
            {
                "slug": x.lab.slug,
                "name": x.lab.name,
                "kind": x.lab.kind,
                "country_iso3": x.lab.country_iso3,
                "host_institution": x.lab.host_institution,
                "academia": x.lab.academia,
                "professionals": x.lab.professionals,
                "tools_adapted": x.lab.tools_adapted,
                "established_on": x.lab.established_on.isoformat(),
                "cities": [{"city": s, "since": d.isoformat()} for s, _n, d in x.cities],
            }
            for x in net.list_labs(session)
        ]
    }


@router.get("/hubs/{hub}", summary="A hub's network fields: cities served, experts, subscriptions")
def hub(
    session: DbSession,
    user: OptionalUser,
    hub: Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9-]+$")],
) -> dict[str, Any]:
    h = net.hub_network(session, hub)
    out: dict[str, Any] = {
        "slug": h.hub.slug,
        "name": h.hub.name,
        "kind": h.hub.kind,
        "host_member_state": h.hub.host_country_iso3,
        "cities": [{"city": s, "since": d.isoformat() if d else None} for s, _n, d in h.cities],
        "experts": [{"name": e.name, "expertise": e.expertise} for e in h.experts],
    }
    if net.may_see_subscriptions(user, session, h.hub.id):
        out["subscriptions"] = [
            {
                "authority": s.authority,
                "amount": s.amount,
                "currency": s.currency,
                "period_start": s.period_start.isoformat(),
                "period_end": s.period_end.isoformat(),
                "paid": s.paid,
                "paid_on": s.paid_on.isoformat() if s.paid_on else None,
            }
            for s in h.subscriptions
        ]
    return out


@router.get("/reports/{key}", summary="One global report's table (the data behind its chart)")
def report(
    session: DbSession,
    key: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_-]+$")],
) -> dict[str, Any]:
    tables = reports.all_tables(session)
    if key not in tables:
        raise ApiError(404, f"no report {key!r}; reports: {', '.join(tables)}")
    t = tables[key]
    return {"key": t.key, "title": t.title, "columns": list(t.columns), "rows": t.as_dicts()}


@router.get("/conflicts", summary="Partner values that differ from the hub's (global hub)")
def conflicts(
    request: Request, session: DbSession, _user: HubStaff, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    rows, total = federation.list_conflicts(session, limit=limit, offset=offset)
    nxt = None
    if rows and offset + len(rows) < total:
        nxt = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {"items": rows, "total": total, "limit": limit, "offset": offset, "next": nxt}
