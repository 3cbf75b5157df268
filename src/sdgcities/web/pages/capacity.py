"""Capacity-building pages: the public catalogue and plan; needs and their matches.

The catalogue's published entries and the strategy's implementation plan are public.
Needs are seen by their city's editors, hub staff and admins; hub staff and admins
confirm or reject matched offers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, false, or_, select, true

from sdgcities.accounts.users import user_city_ids
from sdgcities.capacity import needs as cb
from sdgcities.capacity import vocabulary as vocab
from sdgcities.capacity.models import CapacityNeed, MatchDecision
from sdgcities.capacity.service import plan_as_dict, plan_progress
from sdgcities.errors import NotFoundError, PermissionDeniedError, SdgCitiesError
from sdgcities.store.models import City, HubCity, HubMember, User
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.templating import render

router = APIRouter(prefix="/capacity")
LOGGED_IN = Depends(auth.require_user)
STAFF = ("admin", "global_hub", "regional_hub")


def visible_needs(env: PageEnv) -> ColumnElement[bool]:
    """Needs the user may see: their cities' (editors), their hubs' cities (staff), all (admin)."""
    user: User | None = env.user
    if user is None:
        return false()
    if user.role in ("admin", "global_hub"):
        return true()
    clauses: list[ColumnElement[bool]] = [CapacityNeed.created_by == user.email]
    cities = user_city_ids(env.session, user.id)
    if cities:
        clauses.append(CapacityNeed.city_id.in_(sorted(cities)))
    hubs = select(HubMember.hub_id).where(HubMember.user_id == user.id)
    clauses.append(
        CapacityNeed.city_id.in_(select(HubCity.city_id).where(HubCity.hub_id.in_(hubs)))
    )
    return or_(*clauses)


def _can_decide(env: PageEnv) -> bool:
    return env.user is not None and env.user.role in STAFF


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue(
    env: PageEnv = Depends(page_env),
    q: str | None = Query(None, max_length=200),
    theme: str | None = Query(None, max_length=64),
    kind: str | None = Query(None, max_length=32),
    language: str | None = Query(None, max_length=8),
) -> Response:
    rows, facets = cb.search_entries(env.session, text=q, theme=theme, kind=kind, language=language)
    return render(
        env.request,
        "capacity/catalogue.html",
        {
            "entries": rows,
            "facets": facets,
            "themes": vocab.themes(),
            "filters": {"q": q or "", "theme": theme, "kind": kind, "language": language},
        },
    )


@router.get("/plan", response_class=HTMLResponse)
def plan(env: PageEnv = Depends(page_env)) -> Response:
    try:
        data = plan_as_dict(env.session)
        progress = plan_progress(env.session)
    except NotFoundError:
        data, progress = None, None
    return render(env.request, "capacity/plan.html", {"plan": data, "progress": progress})


@router.get("/needs", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def needs_page(env: PageEnv = Depends(page_env)) -> Response:
    rows = env.session.execute(
        select(CapacityNeed, City.name)
        .outerjoin(City, City.id == CapacityNeed.city_id)
        .where(visible_needs(env))
        .order_by(CapacityNeed.created_at.desc())
        .limit(500)
    ).all()
    return render(env.request, "capacity/needs.html", {"needs": rows, "themes": vocab.themes()})


@router.post("/needs/from-indicator", dependencies=[LOGGED_IN, auth.CsrfChecked])
def need_from_indicator(
    env: PageEnv = Depends(form_page_env),
    city: int = Form(..., ge=1, le=2**62),
    indicator: str = Form(..., max_length=64, pattern=r"^[A-Za-z0-9.\-]+$"),
    colour: str = Form("", max_length=16),
    score: str = Form("", max_length=32),
    year: str = Form("", max_length=8),
) -> Response:
    """Open a need from a red indicator or a greatest challenge of the city page."""
    user = env.user
    assert user is not None
    allowed = user.role in ("admin", "global_hub") or city in user_city_ids(env.session, user.id)
    if not allowed and user.role == "regional_hub":
        hubs = select(HubMember.hub_id).where(HubMember.user_id == user.id)
        allowed = (
            env.session.scalar(
                select(HubCity.id).where(HubCity.city_id == city, HubCity.hub_id.in_(hubs))
            )
            is not None
        )
    if not allowed:
        raise PermissionDeniedError("you may open needs only for the cities you edit or serve")
    evidence: dict[str, Any] = {
        "colour": colour or None,
        "year": int(year) if year.isdigit() else None,
    }
    try:
        evidence["score"] = float(score) if score else None
    except ValueError:
        evidence["score"] = None
    need = cb.open_need_from_indicator(
        env.session,
        city_id=city,
        indicator_code=indicator,
        evidence=evidence,
        language=getattr(env.request.state, "lang", "en"),
        created_by=user.email,
    )
    env.session.commit()
    return RedirectResponse(f"/capacity/needs/{need.id}", status_code=303)


def _need_or_404(env: PageEnv, need_id: int) -> CapacityNeed:
    need = env.session.scalar(
        select(CapacityNeed).where(CapacityNeed.id == need_id, visible_needs(env))
    )
    if need is None:
        raise NotFoundError(f"no capacity need {need_id} that you may see")
    return need


def _need_page(env: PageEnv, need: CapacityNeed, status_code: int = 200, **extra: Any) -> Response:
    offers = cb.propose_matches(env.session, [need])[need.id]
    decisions = env.session.scalars(
        select(MatchDecision)
        .where(MatchDecision.need_id == need.id)
        .order_by(MatchDecision.decided_at)
    ).all()
    city = env.session.get(City, need.city_id) if need.city_id else None
    ctx = {
        "need": need,
        "city": city,
        "offers": offers,
        "decisions": decisions,
        "can_decide": _can_decide(env),
        "themes": vocab.themes(),
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "capacity/need.html", ctx, status_code=status_code)


@router.get("/needs/{need_id}", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def need_page(
    need_id: int = Path(..., ge=1, le=2**62), env: PageEnv = Depends(form_page_env)
) -> Response:
    return _need_page(env, _need_or_404(env, need_id))


@router.post("/needs/{need_id}/decisions", dependencies=[LOGGED_IN, auth.CsrfChecked])
def decide(
    need_id: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
    offer_type: str = Form(..., pattern=r"^(entry|provider)$"),
    offer_id: int = Form(..., ge=1, le=2**62),
    decision: str = Form(..., pattern=r"^(confirmed|rejected)$"),
    note: str = Form("", max_length=2000),
) -> Response:
    need = _need_or_404(env, need_id)
    if not _can_decide(env):
        raise PermissionDeniedError("hub staff and admins confirm or reject matches")
    try:
        cb.decide(
            env.session,
            need,
            offer_type=offer_type,
            offer_id=offer_id,
            decision=decision,
            by=env.user.email if env.user else "",
            note=note,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _need_page(env, need, 422, problems=[str(err)])
    return RedirectResponse(f"/capacity/needs/{need.id}", status_code=303)
