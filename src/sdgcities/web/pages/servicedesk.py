"""The one-stop shop's pages: the queue, filing a request, a request's clocks, the report.

City editors file requests for their cities; hub staff answer those their offices
handle; the compliance report is for hub staff and admins (see
:mod:`sdgcities.servicedesk.access`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sdgcities.accounts.users import user_city_ids
from sdgcities.errors import NotFoundError, PermissionDeniedError, SdgCitiesError, ValidationError
from sdgcities.servicedesk import access
from sdgcities.servicedesk import service as sd
from sdgcities.servicedesk.models import Office, RequestEvent, ServiceRequest
from sdgcities.servicedesk.workflow import (
    EVENT_KINDS,
    PRIORITIES,
    REQUEST_TYPES,
    REQUESTER_CATEGORIES,
    TRANSITIONS,
)
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env, records
from sdgcities.web.templating import render

router = APIRouter(prefix="/servicedesk")
LOGGED_IN = Depends(auth.require_user)
REF = Path(..., pattern=r"^SR-[0-9A-Z-]{1,24}$", max_length=32)
STAFF_ROLES = ("admin", "global_hub", "regional_hub")


def _user(env: PageEnv) -> Any:
    if env.user is None:
        raise PermissionDeniedError("log in to use the one-stop shop")
    return env.user


def _request_or_404(env: PageEnv, reference: str) -> ServiceRequest:
    req = env.session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.reference == reference, access.visible_requests(env.session, env.user)
        )
    )
    if req is None:
        raise NotFoundError(f"no request {reference!r} that you may see")
    return req


def _cities_for(env: PageEnv) -> list[City]:
    user = _user(env)
    q = select(City).order_by(City.name)
    if user.role == "city_editor":
        q = q.where(City.id.in_(sorted(user_city_ids(env.session, user.id)) or [-1]))
    elif user.role not in STAFF_ROLES:
        return []
    return list(env.session.scalars(q.limit(2000)))


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return sd.utc(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else ""


@router.get("", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def queue(env: PageEnv = Depends(page_env), status: str = "open") -> Response:
    user = _user(env)
    q = select(ServiceRequest, Office).join(Office, Office.id == ServiceRequest.office_id)
    q = q.where(access.visible_requests(env.session, user))
    if status == "open":
        q = q.where(ServiceRequest.status.not_in(("resolved", "closed")))
    rows = env.session.execute(q.order_by(ServiceRequest.received_at.desc()).limit(500)).all()
    ids = [r.id for r, _ in rows]
    clocks = sd.clocks_frame(env.session, request_ids=ids) if ids else None
    worst: dict[int, dict[str, Any]] = {}
    if clocks is not None and not clocks.empty:
        order = {"breached": 0, "warning": 1, "paused": 2, "running": 3, "met": 4}
        for c in records(clocks):
            cur = worst.get(c["request_id"])
            if cur is None or order.get(c["state"], 9) < order.get(cur["state"], 9):
                worst[c["request_id"]] = c
    items = []
    for r, office in rows:
        w = worst.get(r.id)
        due = w["due"] if w else None
        items.append(
            {
                "reference": r.reference,
                "title": r.title,
                "type": r.request_type,
                "priority": r.priority,
                "status": r.status,
                "office": office.name,
                "received": _local(r.received_at, ZoneInfo(office.timezone)),
                "state": w["state"] if w else None,
                "target": w["target"] if w else None,
                "due": _local(datetime.fromtimestamp(due, UTC), ZoneInfo(office.timezone))
                if due
                else "",
            }
        )
    return render(
        env.request,
        "servicedesk/queue.html",
        {
            "items": items,
            "status": status,
            "staff": user.role in STAFF_ROLES or bool(access.hub_ids(env.session, user)),
        },
    )


def _new_page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    offices = list(env.session.scalars(select(Office).order_by(Office.name)))
    ctx = {
        "offices": offices,
        "cities": _cities_for(env),
        "types": REQUEST_TYPES,
        "priorities": PRIORITIES,
        "categories": REQUESTER_CATEGORIES,
        "problems": [],
        "form": {},
    }
    ctx.update(extra)
    return render(env.request, "servicedesk/new.html", ctx, status_code=status_code)


@router.get("/new", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def new_request_page(env: PageEnv = Depends(form_page_env)) -> Response:
    return _new_page(env)


@router.post("/new", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked])
def file_request(
    env: PageEnv = Depends(form_page_env),
    office: str = Form(..., max_length=100),
    request_type: str = Form(..., max_length=32),
    priority: str = Form("normal", max_length=16),
    requester_category: str = Form(..., max_length=32),
    title: str = Form(..., max_length=300),
    description: str = Form("", max_length=20000),
    category: str = Form("", max_length=100),
    city: str = Form("", max_length=20),
) -> Response:
    user = _user(env)
    city_id = int(city) if city.isdigit() and len(city) < 12 else None
    form = {
        "office": office,
        "request_type": request_type,
        "priority": priority,
        "requester_category": requester_category,
        "title": title,
        "description": description,
        "category": category,
        "city": city,
    }
    try:
        if not access.can_file_for_city(env.session, user, city_id):
            raise PermissionDeniedError("you may file requests only for the cities you edit")
        req = sd.file_request(
            env.session,
            office=sd.get_office(env.session, office),
            request_type=request_type,
            priority=priority,
            requester_category=requester_category,
            title=title,
            description=description,
            category=category,
            requester_name=user.name or "",
            requester_email=user.email,
            city_id=city_id,
            created_by=user.id,
            actor=user.email,
        )
        env.session.commit()
    except ValidationError as err:
        env.session.rollback()
        return _new_page(env, 422, problems=[str(f) for f in err.findings] or [str(err)], form=form)
    except (NotFoundError, PermissionDeniedError) as err:
        env.session.rollback()
        return _new_page(env, 422, problems=[str(err)], form=form)
    return RedirectResponse(f"/servicedesk/requests/{req.reference}", status_code=303)


def _detail(env: PageEnv, req: ServiceRequest, status_code: int = 200, **extra: Any) -> Response:
    office = env.session.get(Office, req.office_id)
    assert office is not None
    tz = ZoneInfo(office.timezone)
    staff = access.can_act(env.session, env.user, req)
    events = env.session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == req.id)
        .order_by(RequestEvent.at, RequestEvent.id)
    ).all()
    allowed = [
        k
        for k, (states, _) in TRANSITIONS.items()
        if req.status in states and not k.startswith("sla_")
    ]
    clocks = [
        {
            "target": c.target,
            "target_hours": c.target_hours,
            "elapsed_hours": c.elapsed_hours,
            "state": c.state,
            "due": _local(c.due_at, tz),
        }
        for c in sd.request_clocks(env.session, req)
    ]
    ctx = {
        "req": req,
        "office": office,
        "clocks": clocks,
        "staff": staff,
        "events": [
            {
                "at": _local(e.at, tz),
                "kind": e.kind,
                "status": e.to_status or "",
                "actor": e.actor if staff else "",
                "note": e.note,
            }
            for e in events
        ],
        "kinds": allowed,
        "problems": [],
        "requester_email": req.requester_email if staff else None,
    }
    ctx.update(extra)
    return render(env.request, "servicedesk/detail.html", ctx, status_code=status_code)


@router.get("/requests/{reference}", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def request_page(reference: str = REF, env: PageEnv = Depends(form_page_env)) -> Response:
    return _detail(env, _request_or_404(env, reference))


@router.post(
    "/requests/{reference}/events",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def add_event(
    reference: str = REF,
    env: PageEnv = Depends(form_page_env),
    kind: str = Form(..., max_length=32),
    note: str = Form("", max_length=5000),
    team: str = Form("", max_length=200),
    assignee: str = Form("", max_length=320),
) -> Response:
    req = _request_or_404(env, reference)
    if not access.can_act(env.session, env.user, req):
        raise PermissionDeniedError("only the handling hub's staff may act on this request")
    if kind not in EVENT_KINDS:
        return _detail(env, req, 422, problems=[f"unknown event {kind!r}"])
    try:
        data = {k: v for k, v in (("team", team), ("assignee", assignee)) if v}
        sd.record_event(
            env.session, req, kind, actor=env.user.email if env.user else "", note=note, data=data
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        findings = getattr(err, "findings", [])
        return _detail(env, req, 422, problems=[str(f) for f in findings] or [str(err)])
    return RedirectResponse(f"/servicedesk/requests/{req.reference}", status_code=303)


def _staff_only(env: PageEnv) -> None:
    user = _user(env)
    if user.role not in STAFF_ROLES and not access.hub_ids(env.session, user):
        raise PermissionDeniedError("the compliance report is for hub staff and admins")


@router.get("/report", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def report_page(env: PageEnv = Depends(page_env)) -> Response:
    _staff_only(env)
    rep = sd.compliance_report(env.session)
    env.session.commit()
    return render(env.request, "servicedesk/report.html", {"rows": records(rep)})


@router.get("/report.csv", dependencies=[LOGGED_IN])
def report_csv(env: PageEnv = Depends(page_env)) -> Response:
    _staff_only(env)
    rep = sd.compliance_report(env.session)
    env.session.commit()
    return Response(
        rep.to_csv(index=False),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="servicedesk-compliance.csv"'},
    )
