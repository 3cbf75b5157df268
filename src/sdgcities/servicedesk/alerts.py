"""SLA warnings and breaches, notified to the people who must act.

:func:`check` runs the sweep (:func:`sdgcities.servicedesk.service.sweep`, which records
one ``sla_warning`` or ``sla_breach`` event per request, target and state) and notifies
each *newly* recorded state, once, to the request's assignee and to the staff of the
office's hub (the global hub's staff when the office has no hub). Running it again
notifies nothing new: the event log is the memory of what was already said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.servicedesk.models import Office, RequestEvent, ServiceRequest
from sdgcities.servicedesk.service import sweep
from sdgcities.store.models import Hub, HubMember, User

__all__ = ["CheckResult", "check", "office_staff"]

_KINDS = ("sla_warning", "sla_breach")
TARGET_LABELS = {
    "first_response": "first response",
    "next_update": "next update",
    "resolution": "resolution",
}


@dataclass(frozen=True)
class CheckResult:
    """New warnings and breaches (reference, target) and the notifications sent."""

    warnings: list[tuple[str, str]]
    breaches: list[tuple[str, str]]
    notified: int


def _event_keys(session: Session) -> set[int]:
    return set(session.scalars(select(RequestEvent.id).where(RequestEvent.kind.in_(_KINDS))))


def office_staff(session: Session, office: Office) -> list[str]:
    """E-mails of the active staff of the office's hub (else of the global hub)."""
    if office.hub_id is not None:
        hub_ids = [office.hub_id]
    else:
        hub_ids = list(session.scalars(select(Hub.id).where(Hub.kind == "global")))
    if not hub_ids:
        return []
    return sorted(
        set(
            session.scalars(
                select(User.email)
                .join(HubMember, HubMember.user_id == User.id)
                .where(HubMember.hub_id.in_(hub_ids), User.active.is_(True))
            )
        )
    )


def check(session: Session, *, now: datetime | None = None) -> CheckResult:
    """Sweep the clocks, then notify every new warning and breach once."""
    from sdgcities.notifications.service import notify

    before = _event_keys(session)
    sweep(session, now=now)
    new = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.kind.in_(_KINDS), RequestEvent.id.not_in(before or {0}))
        .order_by(RequestEvent.id)
    ).all()
    warnings: list[tuple[str, str]] = []
    breaches: list[tuple[str, str]] = []
    notified = 0
    for ev in new:
        req = session.get(ServiceRequest, ev.request_id)
        office = session.get(Office, req.office_id) if req else None
        if req is None or office is None:
            continue
        target = str((ev.data or {}).get("target", ""))
        label = TARGET_LABELS.get(target, target)
        if ev.kind == "sla_warning":
            warnings.append((req.reference, target))
            subject = f"{req.reference}: the {label} target is close"
            body = (
                f"Request {req.reference} ({req.title}) is close to its {label} target "
                f"at {office.name}. Act before it is breached."
            )
        else:
            breaches.append((req.reference, target))
            subject = f"{req.reference}: the {label} target was missed"
            body = (
                f"Request {req.reference} ({req.title}) missed its {label} target at "
                f"{office.name}; it has been escalated."
            )
        recipients = set(office_staff(session, office))
        if "@" in (req.assigned_to or ""):
            recipients.add(req.assigned_to.lower())
        for to in sorted(recipients):
            notify(
                session,
                to=to,
                kind=ev.kind,
                subject=subject,
                body=body,
                link=f"/servicedesk/requests/{req.reference}",
            )
            notified += 1
    return CheckResult(warnings, breaches, notified)
