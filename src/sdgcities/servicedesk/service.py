"""Use cases of the one-stop shop: offices, policies, requests, events, clocks, reports.

Every function takes a SQLAlchemy session and flushes; the caller commits (one
transaction per use case, so a failure leaves nothing half-written). Clocks are
recomputed from the event history by :func:`recompute_clocks` after every event and
every calendar correction, in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from sdgcities.errors import ConflictError, NotFoundError, ValidationError, check_choice
from sdgcities.servicedesk.calendar import OfficeCalendar, format_hours, parse_hours
from sdgcities.servicedesk.clock import BusinessClock
from sdgcities.servicedesk.errors import finding
from sdgcities.servicedesk.models import (
    Office,
    OfficeClosure,
    RequestClock,
    RequestEvent,
    ServiceRequest,
    SlaPolicy,
)
from sdgcities.servicedesk.sla import compute_clocks
from sdgcities.servicedesk.workflow import (
    OPEN_STATES,
    PRIORITIES,
    REQUEST_TYPES,
    REQUESTER_CATEGORIES,
    next_status,
)

__all__ = [
    "ComplianceRow",
    "add_closure",
    "add_policy",
    "calendar_of",
    "compliance_report",
    "create_office",
    "file_request",
    "get_office",
    "get_request",
    "policy_for",
    "recompute_clocks",
    "record_event",
    "request_clocks",
    "set_office_hours",
    "sweep",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
MAX_ESCALATION = 3


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive ones, as SQLite hands them back, are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------- offices
def calendar_of(session: Session, office: Office) -> OfficeCalendar:
    """The office's calendar: its hours, time zone, country holidays and closures."""
    closures = session.scalars(
        select(OfficeClosure.day).where(OfficeClosure.office_id == office.id)
    ).all()
    return OfficeCalendar(
        office.timezone,
        parse_hours(office.hours),
        office.country,
        office.subdivision,
        frozenset(closures),
    )


def create_office(
    session: Session,
    *,
    slug: str,
    name: str,
    timezone: str,
    hours: str,
    country: str | None = None,
    subdivision: str | None = None,
    hub_id: int | None = None,
) -> Office:
    """A new office; its calendar is validated before anything is stored."""
    if not _SLUG.match(slug):
        raise ValidationError(
            f"office slug {slug!r} is not valid",
            [
                finding(
                    f"{slug!r} is not a slug",
                    "use lower-case letters, digits and hyphens",
                    column="slug",
                    value=slug,
                )
            ],
        )
    cal = OfficeCalendar.from_spec(
        timezone=timezone, hours=hours, country=country, subdivision=subdivision
    )
    if session.scalar(select(Office.id).where(Office.slug == slug)) is not None:
        raise ConflictError(f"an office {slug!r} exists already")
    office = Office(
        slug=slug,
        name=name,
        timezone=timezone,
        hours=format_hours(cal.hours),
        country=country,
        subdivision=subdivision,
        hub_id=hub_id,
    )
    session.add(office)
    session.flush()
    return office


def get_office(session: Session, key: str | int) -> Office:
    office = (
        session.get(Office, key)
        if isinstance(key, int)
        else session.scalar(select(Office).where(Office.slug == key))
    )
    if office is None:
        known = ", ".join(session.scalars(select(Office.slug).order_by(Office.slug)).all())
        raise NotFoundError(f"no office {key!r}" + (f" (known: {known})" if known else ""))
    return office


def set_office_hours(session: Session, office: Office, hours: str) -> int:
    """Correct the office's weekly hours; every clock of its requests is recomputed."""
    cal = OfficeCalendar.from_spec(
        timezone=office.timezone,
        hours=hours,
        country=office.country,
        subdivision=office.subdivision,
    )
    office.hours = format_hours(cal.hours)
    office.calendar_version += 1
    session.flush()
    return recompute_clocks(session, office_ids=[office.id])


def add_closure(session: Session, office: Office, day: date, reason: str = "") -> int:
    """Close the office on ``day`` (a calendar correction): its clocks are recomputed."""
    exists = session.scalar(
        select(OfficeClosure.id).where(
            OfficeClosure.office_id == office.id, OfficeClosure.day == day
        )
    )
    if exists is None:
        session.add(OfficeClosure(office_id=office.id, day=day, reason=reason))
        office.calendar_version += 1
        session.flush()
    return recompute_clocks(session, office_ids=[office.id])


# ---------------------------------------------------------------------- policies
def add_policy(
    session: Session,
    *,
    name: str,
    first_response_hours: float,
    resolution_hours: float,
    next_update_hours: float | None = None,
    request_type: str | None = None,
    priority: str | None = None,
    requester_category: str | None = None,
    warn_at: float = 0.8,
    valid_from: datetime | None = None,
) -> SlaPolicy:
    """A policy in force from ``valid_from``; one with the same rule ends then."""
    problems = []
    for field, v in (
        ("first_response_hours", first_response_hours),
        ("resolution_hours", resolution_hours),
        ("next_update_hours", next_update_hours),
    ):
        if v is not None and not (0 < v < 1e5):
            problems.append(
                finding(
                    f"{field} {v} is not a target",
                    "give a positive number of business hours",
                    column=field,
                    value=str(v),
                )
            )
    if not 0 < warn_at <= 1:
        problems.append(
            finding(
                f"warn_at {warn_at} is not a share",
                "give a share between 0 and 1, e.g. 0.8",
                column="warn_at",
                value=str(warn_at),
            )
        )
    if first_response_hours > resolution_hours:
        problems.append(
            finding(
                "the first response is due after the resolution",
                "give a resolution target at least as long as the first response",
                column="resolution_hours",
                value=str(resolution_hours),
            )
        )
    if problems:
        raise ValidationError(f"policy {name!r} cannot be used", problems)
    if request_type is not None:
        check_choice(request_type, REQUEST_TYPES, "request_type")
    if priority is not None:
        check_choice(priority, PRIORITIES, "priority")
    if requester_category is not None:
        check_choice(requester_category, REQUESTER_CATEGORIES, "requester_category")
    start = utc(valid_from or _now())
    for old in session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.request_type.is_(None)
            if request_type is None
            else SlaPolicy.request_type == request_type,
            SlaPolicy.priority.is_(None) if priority is None else SlaPolicy.priority == priority,
            SlaPolicy.requester_category.is_(None)
            if requester_category is None
            else SlaPolicy.requester_category == requester_category,
            SlaPolicy.valid_to.is_(None),
        )
    ):
        if utc(old.valid_from) >= start:
            raise ConflictError(
                f"policy {old.name!r} with the same rule starts {old.valid_from:%Y-%m-%d}, "
                f"not before "
                f"{start:%Y-%m-%d}: a new policy must start after the one it replaces"
            )
        old.valid_to = start
    policy = SlaPolicy(
        name=name,
        request_type=request_type,
        priority=priority,
        requester_category=requester_category,
        first_response_hours=first_response_hours,
        next_update_hours=next_update_hours,
        resolution_hours=resolution_hours,
        warn_at=warn_at,
        valid_from=start,
    )
    session.add(policy)
    session.flush()
    return policy


def policy_for(
    session: Session, request_type: str, priority: str, requester_category: str, at: datetime
) -> SlaPolicy:
    """The most specific policy in force at ``at`` whose rule matches the request."""
    at = utc(at)
    rows = session.scalars(
        select(SlaPolicy).where(
            or_(SlaPolicy.request_type.is_(None), SlaPolicy.request_type == request_type),
            or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == priority),
            or_(
                SlaPolicy.requester_category.is_(None),
                SlaPolicy.requester_category == requester_category,
            ),
        )
    ).all()
    live = [
        p for p in rows if utc(p.valid_from) <= at and (p.valid_to is None or at < utc(p.valid_to))
    ]
    if not live:
        raise NotFoundError(
            f"no service-level policy covers a {priority} {request_type} request from a "
            f"{requester_category} received {at:%Y-%m-%d %H:%M} UTC: add one "
            "(`sdgcities servicedesk policy add`)"
        )

    def specificity(p: SlaPolicy) -> tuple[int, datetime]:
        n = sum(x is not None for x in (p.request_type, p.priority, p.requester_category))
        return n, utc(p.valid_from)

    return max(live, key=specificity)


# ---------------------------------------------------------------------- requests
def _reference(session: Session, at: datetime) -> str:
    n = (session.scalar(select(func.max(ServiceRequest.id))) or 0) + 1
    return f"SR-{at:%Y}-{n:06d}"


def file_request(
    session: Session,
    *,
    office: Office,
    request_type: str,
    priority: str,
    requester_category: str,
    title: str,
    description: str = "",
    category: str = "",
    requester_name: str = "",
    requester_email: str = "",
    city_id: int | None = None,
    country_iso3: str | None = None,
    received_at: datetime | None = None,
    created_by: int | None = None,
    actor: str = "",
) -> ServiceRequest:
    """File a request: the policy in force now judges it, its clocks start."""
    check_choice(request_type, REQUEST_TYPES, "request_type")
    check_choice(priority, PRIORITIES, "priority")
    check_choice(requester_category, REQUESTER_CATEGORIES, "requester_category")
    if not title.strip():
        raise ValidationError(
            "a request needs a title",
            [finding("the title is empty", "say in a few words what is asked", column="title")],
        )
    at = utc(received_at or _now())
    policy = policy_for(session, request_type, priority, requester_category, at)
    req = ServiceRequest(
        reference=_reference(session, at),
        request_type=request_type,
        category=category,
        priority=priority,
        requester_category=requester_category,
        requester_name=requester_name,
        requester_email=requester_email,
        city_id=city_id,
        country_iso3=country_iso3,
        title=title.strip(),
        description=description,
        office_id=office.id,
        policy_id=policy.id,
        status="new",
        received_at=at,
        created_by=created_by,
    )
    session.add(req)
    session.flush()
    session.add(
        RequestEvent(request_id=req.id, at=at, kind="received", to_status="new", actor=actor)
    )
    session.flush()
    recompute_clocks(session, request_ids=[req.id])
    return req


def get_request(session: Session, key: str | int) -> ServiceRequest:
    req = (
        session.get(ServiceRequest, key)
        if isinstance(key, int)
        else session.scalar(select(ServiceRequest).where(ServiceRequest.reference == key))
    )
    if req is None:
        raise NotFoundError(f"no request {key!r}")
    return req


def record_event(
    session: Session,
    request: ServiceRequest,
    kind: str,
    *,
    at: datetime | None = None,
    actor: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    """Append an event to the request's history; its clocks are recomputed."""
    when = utc(at or _now())
    last = session.scalar(
        select(func.max(RequestEvent.at)).where(RequestEvent.request_id == request.id)
    )
    if last is not None and when < utc(last):
        raise ValidationError(
            f"{request.reference}: a {kind!r} event at {when:%Y-%m-%d %H:%M} UTC comes before "
            f"the last event ({utc(last):%Y-%m-%d %H:%M} UTC)",
            [
                finding(
                    "events out of order",
                    "record events in the order they happened, "
                    "or give the event a time after the last one",
                    column="at",
                    value=when.isoformat(),
                )
            ],
        )
    to = next_status(request.status, kind)
    payload = dict(data or {})
    if kind == "assigned":
        if not (payload.get("team") or payload.get("assignee")):
            raise ValidationError(
                f"{request.reference}: an assignment needs a team or an assignee",
                [
                    finding(
                        "nobody assigned",
                        "give a team or a senior professional's e-mail",
                        column="assignee",
                    )
                ],
            )
        request.assigned_team = str(payload.get("team") or request.assigned_team)
        request.assigned_to = str(payload.get("assignee") or request.assigned_to)
        if request.status == "new":
            to = "assigned"
    if kind == "escalated":
        request.escalation_level = min(request.escalation_level + 1, MAX_ESCALATION)
        payload.setdefault("level", request.escalation_level)
    event = RequestEvent(
        request_id=request.id,
        at=when,
        kind=kind,
        from_status=request.status if to != request.status else None,
        to_status=to if to != request.status else None,
        actor=actor,
        note=note,
        data=payload,
    )
    request.status = to
    session.add(event)
    session.flush()
    recompute_clocks(session, request_ids=[request.id])
    return event


# ---------------------------------------------------------------------- clocks
def _epoch(values: pd.Series) -> np.ndarray:
    ts = pd.to_datetime(values, utc=True, format="ISO8601")
    return ((ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)


def _read(session: Session, sql: str, columns: list[str]) -> pd.DataFrame:
    """Rows of a query straight from the driver's cursor (no per-value processing)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.execute(sql)
        return pd.DataFrame.from_records(cur.fetchall(), columns=columns)
    finally:
        cur.close()


def _frames(
    session: Session, office_ids: Iterable[int] | None, request_ids: Iterable[int] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    where = ""
    if request_ids is not None:
        ids = sorted(set(request_ids))
        where = "WHERE r.id IN (" + ",".join(str(int(i)) for i in ids) + ")" if ids else "WHERE 1=0"
    elif office_ids is not None:
        ids = sorted(set(office_ids))
        where = (
            "WHERE r.office_id IN (" + ",".join(str(int(i)) for i in ids) + ")"
            if ids
            else "WHERE 1=0"
        )
    reqs = _read(
        session,
        "SELECT r.id, r.office_id, r.received_at, p.first_response_hours, "
        "p.next_update_hours, p.resolution_hours, p.warn_at "
        f"FROM sd_requests r JOIN sd_policies p ON p.id = r.policy_id {where}",
        [
            "id",
            "office_id",
            "received_at",
            "first_response_hours",
            "next_update_hours",
            "resolution_hours",
            "warn_at",
        ],
    )
    events = _read(
        session,
        "SELECT e.request_id, e.at, e.kind, e.to_status FROM sd_events e "
        f"JOIN sd_requests r ON r.id = e.request_id {where} ORDER BY e.request_id, e.at, e.id",
        ["request_id", "at", "kind", "to_status"],
    )
    reqs["received"] = _epoch(reqs.pop("received_at"))
    reqs["next_update_hours"] = pd.to_numeric(reqs["next_update_hours"]).astype(float)
    events["at"] = _epoch(events["at"])
    return reqs, events


def _clocks_for(
    session: Session, office_ids: Iterable[int], received: np.ndarray
) -> dict[int, BusinessClock]:
    out: dict[int, BusinessClock] = {}
    lo = (
        datetime.fromtimestamp(float(np.nanmin(received)), UTC).date()
        if received.size
        else date.today()
    )
    hi = date.today()
    for oid in set(office_ids):
        office = session.get(Office, int(oid))
        assert office is not None
        out[int(oid)] = BusinessClock(calendar_of(session, office), lo, hi)
    return out


def clocks_frame(
    session: Session,
    *,
    office_ids: Iterable[int] | None = None,
    request_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Every target's state for the requests chosen, computed from their histories."""
    reqs, events = _frames(session, office_ids, request_ids)
    if reqs.empty:
        return pd.DataFrame(
            columns=["request_id", "target", "target_hours", "elapsed_hours", "state", "due"]
        )
    clocks = _clocks_for(session, reqs["office_id"].unique().tolist(), reqs["received"].to_numpy())
    return compute_clocks(reqs, events, clocks, now=utc(now or _now()).timestamp())


def recompute_clocks(
    session: Session,
    *,
    office_ids: Iterable[int] | None = None,
    request_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Recompute and store the clocks of the requests chosen (all when neither is given)."""
    frame = clocks_frame(session, office_ids=office_ids, request_ids=request_ids, now=now)
    ids = frame["request_id"].unique().tolist() if not frame.empty else []
    version_of: dict[int, int] = {}
    for chunk in range(0, len(ids), 5000):
        q = (
            select(ServiceRequest.id, Office.calendar_version)
            .join(Office, Office.id == ServiceRequest.office_id)
            .where(ServiceRequest.id.in_(ids[chunk : chunk + 5000]))
        )
        version_of.update({int(r): int(v) for r, v in session.execute(q)})
    if request_ids is not None or office_ids is not None:
        for chunk in range(0, len(ids), 5000):
            session.execute(
                delete(RequestClock).where(RequestClock.request_id.in_(ids[chunk : chunk + 5000]))
            )
    else:
        session.execute(delete(RequestClock))
    _insert_clocks(session, frame, version_of)
    session.flush()
    return len(ids)


def _insert_clocks(session: Session, frame: pd.DataFrame, version_of: dict[int, int]) -> None:
    """Bulk-insert computed clocks through the driver (times as UTC)."""
    if frame.empty:
        return
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    due = pd.to_datetime(frame["due"].to_numpy(dtype=np.float64), unit="s", utc=True)
    fmt = "%Y-%m-%d %H:%M:%S.%f+00:00" if pg else "%Y-%m-%d %H:%M:%S.%f"
    due_s = [x if isinstance(x, str) else None for x in due.strftime(fmt)]
    stamp = _now().strftime(fmt)
    req = frame["request_id"].to_numpy()
    version = pd.Series(req).map(version_of).fillna(1).astype(int).to_numpy()
    rows = list(
        zip(
            req.tolist(),
            frame["target"].tolist(),
            frame["target_hours"].astype(float).tolist(),
            frame["elapsed_hours"].astype(float).tolist(),
            frame["state"].tolist(),
            due_s,
            version.tolist(),
            [stamp] * len(frame),
            strict=True,
        )
    )
    mark = "%s" if pg else "?"
    sql = (
        "INSERT INTO sd_clocks (request_id, target, target_hours, elapsed_hours, state, due_at, "
        f"calendar_version, computed_at) VALUES ({', '.join([mark] * 8)})"
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, rows)
    finally:
        cur.close()


def request_clocks(session: Session, request: ServiceRequest) -> list[RequestClock]:
    """The stored clocks of a request, targets in their natural order."""
    order = {"first_response": 0, "next_update": 1, "resolution": 2}
    rows = session.scalars(select(RequestClock).where(RequestClock.request_id == request.id)).all()
    return sorted(rows, key=lambda c: order.get(c.target, 9))


# ---------------------------------------------------------------------- warnings, reports
@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: new warnings, breaches and escalations (request references)."""

    warnings: list[str]
    breaches: list[str]
    escalations: list[str]


def sweep(
    session: Session, *, now: datetime | None = None, actor: str = "sla-sweep"
) -> SweepResult:
    """Warn before a breach and escalate on one, once per target (idempotent)."""
    when = utc(now or _now())
    recompute_clocks(
        session,
        request_ids=session.scalars(
            select(ServiceRequest.id).where(ServiceRequest.status.in_(sorted(OPEN_STATES)))
        ).all(),
        now=when,
    )
    flagged = session.execute(
        select(RequestClock.request_id, RequestClock.target, RequestClock.state)
        .join(ServiceRequest, ServiceRequest.id == RequestClock.request_id)
        .where(
            ServiceRequest.status.in_(sorted(OPEN_STATES)),
            RequestClock.state.in_(("warning", "breached")),
        )
    ).all()
    done: set[tuple[int, str, str]] = set()
    for rid, data in session.execute(
        select(RequestEvent.request_id, RequestEvent.data).where(
            RequestEvent.kind.in_(("sla_warning", "sla_breach"))
        )
    ):
        done.add((rid, str((data or {}).get("target")), str((data or {}).get("state"))))
    result = SweepResult([], [], [])
    for rid, target, state in flagged:
        if (rid, target, state) in done:
            continue
        req = session.get(ServiceRequest, rid)
        assert req is not None
        kind = "sla_warning" if state == "warning" else "sla_breach"
        last = session.scalar(
            select(func.max(RequestEvent.at)).where(RequestEvent.request_id == rid)
        )
        at = max(when, utc(last)) if last is not None else when
        record_event(
            session, req, kind, at=at, actor=actor, data={"target": target, "state": state}
        )
        if state == "warning":
            result.warnings.append(req.reference)
        else:
            result.breaches.append(req.reference)
            if req.escalation_level < MAX_ESCALATION:
                record_event(session, req, "escalated", at=at, actor=actor, data={"target": target})
                result.escalations.append(req.reference)
    return result


@dataclass(frozen=True)
class ComplianceRow:
    group: dict[str, str]
    target: str
    met: int
    breached: int
    open: int

    @property
    def share_met(self) -> float | None:
        judged = self.met + self.breached
        return self.met / judged if judged else None


GROUPS = ("request_type", "office", "quarter", "priority", "requester_category")


def compliance_report(
    session: Session,
    *,
    by: Sequence[str] = ("request_type", "office", "quarter"),
    now: datetime | None = None,
) -> pd.DataFrame:
    """Share of targets met, by the groups asked (type, office, quarter received …).

    A target counts once it is judged (met or breached, including a running clock that
    has already passed its target); running ones are counted as ``open``. The clocks
    of open requests are brought up to ``now`` first (closed ones cannot change).
    """
    for g in by:
        check_choice(g, GROUPS, "group")
    open_ids = session.scalars(
        select(ServiceRequest.id).where(ServiceRequest.status.in_(sorted(OPEN_STATES)))
    ).all()
    if open_ids:
        recompute_clocks(session, request_ids=open_ids, now=now)
    frame = pd.read_sql(
        text(
            "SELECT r.request_type, o.slug AS office, r.received_at, r.priority, "
            "r.requester_category, c.target, c.state FROM sd_clocks c "
            "JOIN sd_requests r ON r.id = c.request_id JOIN sd_offices o ON o.id = r.office_id"
        ),
        session.connection(),
    )
    cols = [*by, "target", "met", "breached", "open", "share_met"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    if "quarter" in by:
        ts = pd.to_datetime(frame["received_at"], utc=True, format="ISO8601")
        frame["quarter"] = ts.dt.year.astype(str) + "-Q" + ts.dt.quarter.astype(str)
    frame["met"] = frame["state"].eq("met")
    frame["breached"] = frame["state"].eq("breached")
    frame["open"] = ~(frame["met"] | frame["breached"])
    out = frame.groupby([*by, "target"], sort=True)[["met", "breached", "open"]].sum().reset_index()
    judged = out["met"] + out["breached"]
    out["share_met"] = np.where(judged > 0, out["met"] / judged.where(judged > 0, 1), np.nan)
    return out[cols]
