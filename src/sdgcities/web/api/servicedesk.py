"""``/servicedesk``: the one-stop shop's requests, their clocks, the compliance report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from sdgcities.errors import NotFoundError, PermissionDeniedError
from sdgcities.servicedesk import access
from sdgcities.servicedesk import service as sd
from sdgcities.servicedesk.models import Office, RequestEvent, ServiceRequest
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession, Limit, Offset, page
from sdgcities.web.api._schemas import Page, UtcDatetime
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/servicedesk", tags=["one-stop shop"])
LoggedIn = Annotated[User, Depends(require_user)]
Reference = Annotated[str, Path(pattern=r"^SR-[0-9A-Z-]{1,24}$", max_length=32)]


class ClockOut(BaseModel):
    target: str
    target_hours: float
    elapsed_hours: float | None
    state: str
    due_at: UtcDatetime | None


class EventOut(BaseModel):
    at: UtcDatetime
    kind: str
    to_status: str | None
    note: str


class RequestOut(BaseModel):
    reference: str
    title: str
    request_type: str
    priority: str
    requester_category: str
    category: str
    status: str
    office: str
    city_id: int | None
    received_at: UtcDatetime
    escalation_level: int
    requester_email: str | None = Field(None, description="only for the handling hub's staff")
    clocks: list[ClockOut] = []
    events: list[EventOut] = []


class RequestIn(BaseModel):
    office: str = Field(max_length=100)
    request_type: Literal["capacity_building", "advisory"]
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    requester_category: Literal["government", "city", "office", "programme_manager"]
    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=20000)
    category: str = Field("", max_length=100)
    city_id: int | None = Field(None, ge=1, le=2**62)


class EventIn(BaseModel):
    kind: Literal[
        "assigned",
        "responded",
        "updated",
        "waiting_requester",
        "awaiting_funds",
        "resumed",
        "resolved",
        "reopened",
        "closed",
        "escalated",
        "comment",
    ]
    note: str = Field("", max_length=5000)
    team: str = Field("", max_length=200)
    assignee: str = Field("", max_length=320)


def _out(session: Any, user: User, req: ServiceRequest, *, full: bool) -> RequestOut:
    office = session.get(Office, req.office_id)
    staff = access.can_act(session, user, req)
    out = RequestOut(
        reference=req.reference,
        title=req.title,
        request_type=req.request_type,
        priority=req.priority,
        requester_category=req.requester_category,
        category=req.category,
        status=req.status,
        office=office.slug if office else "",
        city_id=req.city_id,
        received_at=req.received_at,
        escalation_level=req.escalation_level,
        requester_email=req.requester_email if staff else None,
    )
    if full:
        out.clocks = [
            ClockOut(
                target=c.target,
                target_hours=c.target_hours,
                elapsed_hours=c.elapsed_hours,
                state=c.state,
                due_at=c.due_at,
            )
            for c in sd.request_clocks(session, req)
        ]
        out.events = [
            EventOut(at=e.at, kind=e.kind, to_status=e.to_status, note=e.note)
            for e in session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == req.id)
                .order_by(RequestEvent.at, RequestEvent.id)
            )
        ]
    return out


def _visible(session: Any, user: User, reference: str) -> ServiceRequest:
    req: ServiceRequest | None = session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.reference == reference, access.visible_requests(session, user)
        )
    )
    if req is None:
        raise NotFoundError(f"no request {reference!r} that you may see")
    return req


@router.get("/requests", response_model=Page[RequestOut], summary="Requests I may see")
def list_requests(
    request: Request,
    user: LoggedIn,
    session: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
) -> Page[RequestOut]:
    q = select(ServiceRequest).where(access.visible_requests(session, user))
    if status:
        q = q.where(ServiceRequest.status == status)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.order_by(ServiceRequest.received_at.desc()).limit(limit).offset(offset)
    )
    return page(
        request,
        [_out(session, user, r, full=False) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/requests/{reference}", response_model=RequestOut, summary="A request with clocks")
def get_request(reference: Reference, user: LoggedIn, session: DbSession) -> RequestOut:
    return _out(session, user, _visible(session, user, reference), full=True)


@router.post(
    "/requests",
    response_model=RequestOut,
    status_code=201,
    summary="File a request",
    dependencies=[CsrfChecked],
)
def file_request(body: RequestIn, user: LoggedIn, session: DbSession) -> RequestOut:
    if not access.can_file_for_city(session, user, body.city_id):
        raise PermissionDeniedError("you may file requests only for the cities you edit")
    req = sd.file_request(
        session,
        office=sd.get_office(session, body.office),
        request_type=body.request_type,
        priority=body.priority,
        requester_category=body.requester_category,
        title=body.title,
        description=body.description,
        category=body.category,
        requester_name=user.name or "",
        requester_email=user.email,
        city_id=body.city_id,
        created_by=user.id,
        actor=user.email,
    )
    session.commit()
    return _out(session, user, req, full=True)


@router.post(
    "/requests/{reference}/events",
    response_model=RequestOut,
    status_code=201,
    summary="Record what happened to a request",
    dependencies=[CsrfChecked],
)
def add_event(
    reference: Reference, body: EventIn, user: LoggedIn, session: DbSession
) -> RequestOut:
    req = _visible(session, user, reference)
    if not access.can_act(session, user, req):
        raise PermissionDeniedError("only the handling hub's staff may act on this request")
    data = {k: v for k, v in (("team", body.team), ("assignee", body.assignee)) if v}
    sd.record_event(session, req, body.kind, actor=user.email, note=body.note, data=data)
    session.commit()
    return _out(session, user, req, full=True)


class ComplianceOut(BaseModel):
    request_type: str
    office: str
    quarter: str
    target: str
    met: int
    breached: int
    open: int
    share_met: float | None


@router.get("/report", response_model=list[ComplianceOut], summary="Compliance report")
def report(user: LoggedIn, session: DbSession) -> list[ComplianceOut]:
    if user.role not in ("admin", "global_hub", "regional_hub") and not access.hub_ids(
        session, user
    ):
        raise PermissionDeniedError("the compliance report is for hub staff and admins")
    rep = sd.compliance_report(session)
    session.commit()
    return [
        ComplianceOut.model_validate(
            {**r, "share_met": None if r["share_met"] != r["share_met"] else r["share_met"]}
        )
        for r in rep.to_dict("records")
    ]


class DueOut(BaseModel):
    due: str | None
    business_seconds_per_day: dict[str, float]


@router.get("/due", response_model=DueOut, summary="When a business-hours target falls due")
def due(
    timezone: Annotated[str, Query(max_length=64, examples=["Africa/Nairobi"])],
    hours: Annotated[str, Query(max_length=500, examples=["Mon-Fri 08:00-12:30,13:30-17:00"])],
    received: Annotated[datetime, Query(description="ISO 8601; without an offset: office time")],
    business_hours: Annotated[float, Query(gt=0, lt=1e5)],
    country: Annotated[str | None, Query(max_length=3, pattern=r"^[A-Za-z]{2,3}$")] = None,
) -> DueOut:
    from zoneinfo import ZoneInfo

    from sdgcities.servicedesk.calendar import OfficeCalendar
    from sdgcities.servicedesk.clock import BusinessClock

    cal = OfficeCalendar.from_spec(timezone=timezone, hours=hours, country=country)
    start = received if received.tzinfo else received.replace(tzinfo=ZoneInfo(timezone))
    clock = BusinessClock(cal, start.date(), start.date())
    moment = clock.due(start, business_hours * 3600.0)
    days = clock.per_day(start, moment) if moment else {}
    return DueOut(
        due=moment.isoformat() if moment else None,
        business_seconds_per_day={d.isoformat(): s for d, s in sorted(days.items())},
    )


__all__ = ["router"]
