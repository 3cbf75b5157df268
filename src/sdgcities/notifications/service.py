"""Use cases of notifications: notify, deliver the outbox, read the inbox, mute e-mail.

Delivery is at-least-once through an **outbox**: :func:`notify` writes the in-app
message and an :class:`~sdgcities.notifications.models.OutboxMail` row in the caller's
transaction, and registers a hook that, once that transaction commits, tries to send
the queued mails in a fresh session. A refused or unreachable SMTP server only counts an
attempt on the row (``attempts``, ``last_error``); the work that caused the
notification is already committed, and ``sdgcities notifications send`` retries later.
A rollback discards the message and its mail together.

The SMTP settings come from ``session.info["sdgcities_settings"]`` (set by the web
app's session dependency) or, failing that, from the process settings. When the session
holds a list under ``session.info["sdgcities_after_response"]`` (the web app's), the
delivery is appended to it instead of run at once: the web app commits before it answers
and sends the mail once the answer is out, so no reader waits on an SMTP server.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from sdgcities.config import Settings
from sdgcities.errors import ConfigurationError, Finding, ValidationError
from sdgcities.notifications.models import Notification, NotificationPreference, OutboxMail

__all__ = [
    "KINDS",
    "SendResult",
    "inbox",
    "mark_read",
    "muted_kinds",
    "notify",
    "send_pending",
    "set_email_muted",
    "unread_count",
]

log = logging.getLogger(__name__)

#: the kinds of notification, with their label (the inbox and the preferences list them)
KINDS: dict[str, str] = {
    "sla_warning": "A one-stop-shop request is close to its target",
    "sla_breach": "A one-stop-shop request missed its target",
    "enrolment": "Enrolment in a course",
    "completion": "Completion of a course",
    "match_confirmed": "An offer was confirmed for a capacity need",
    "call_result": "The result of an application to a call",
}
#: attempts after which a mail is no longer retried (it stays in the outbox, visible)
MAX_ATTEMPTS = 5
_PENDING = "sdgcities_outbox_pending"
_HOOKED = "sdgcities_outbox_hooked"
SETTINGS_KEY = "sdgcities_settings"
#: ``session.info`` key of a list of callables to run once the response is sent (web)
AFTER_RESPONSE_KEY = "sdgcities_after_response"


def _now() -> datetime:
    return datetime.now(UTC)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(
            f"unknown notification kind {kind!r}",
            [Finding("unknown kind", column="kind", value=kind, fix=f"one of {', '.join(KINDS)}")],
        )
    return kind


def muted_kinds(session: Session, recipient: str) -> set[str]:
    """The kinds whose e-mail ``recipient`` has muted."""
    return set(
        session.scalars(
            select(NotificationPreference.kind).where(
                NotificationPreference.recipient == recipient.lower(),
                NotificationPreference.email_muted.is_(True),
            )
        )
    )


def set_email_muted(session: Session, recipient: str, kind: str, muted: bool) -> None:
    """Mute (or unmute) the e-mails of one kind for ``recipient``; in-app messages stay."""
    _check_kind(kind)
    pref = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.recipient == recipient.lower(),
            NotificationPreference.kind == kind,
        )
    )
    if pref is None:
        session.add(
            NotificationPreference(recipient=recipient.lower(), kind=kind, email_muted=muted)
        )
    else:
        pref.email_muted = muted
    session.flush()


def notify(
    session: Session, *, to: str, kind: str, subject: str, body: str, link: str = ""
) -> Notification:
    """Store an in-app message for ``to`` and queue its e-mail (unless muted for ``kind``).

    The e-mail is sent after the caller's transaction commits; nothing is sent when it
    rolls back.
    """
    _check_kind(kind)
    recipient = to.strip().lower()
    if "@" not in recipient:
        raise ValidationError(
            f"cannot notify {to!r}: not an e-mail address",
            [
                Finding(
                    "not an e-mail address", column="to", value=to, fix="give the account's e-mail"
                )
            ],
        )
    message = Notification(
        recipient=recipient, kind=kind, subject=subject[:300], body=body, link=link[:500]
    )
    session.add(message)
    session.flush()
    if kind not in muted_kinds(session, recipient):
        text = body + (f"\n\n{link}" if link else "")
        mail = OutboxMail(
            notification_id=message.id, to=recipient, subject=subject[:300], body=text
        )
        session.add(mail)
        session.flush()
        session.info.setdefault(_PENDING, []).append(mail.id)
        _hook(session)
    return message


def _hook(session: Session) -> None:
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_soft_rollback", _after_rollback)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, [])
    if not ids:
        return
    settings = session.info.get(SETTINGS_KEY)
    if settings is None:
        try:
            from sdgcities.config import get_settings

            settings = get_settings()
        except ConfigurationError as err:  # the mails stay queued for `notifications send`
            log.warning("notifications: no settings to send mail (%s)", err)
            return
    bind = session.get_bind()
    later = session.info.get(AFTER_RESPONSE_KEY)
    if isinstance(later, list):
        later.append(lambda: _deliver(bind, settings, ids))
    else:
        _deliver(bind, settings, ids)


def _deliver(bind: Any, settings: Settings, ids: list[int]) -> None:
    try:
        with Session(bind=bind, expire_on_commit=False) as fresh:
            send_pending(fresh, settings, ids=ids)
            fresh.commit()
    except Exception as err:  # never let delivery break the work already committed
        log.warning("notifications: delivery after commit failed (%s)", err)


@dataclass(frozen=True)
class SendResult:
    """What one delivery run did."""

    sent: int
    failed: int
    waiting: int
    errors: list[str]


def send_pending(
    session: Session,
    settings: Settings,
    *,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    max_attempts: int = MAX_ATTEMPTS,
) -> SendResult:
    """Send the outbox's unsent mails (all of them, or ``ids``), oldest first.

    Each success sets ``sent_at``; each failure adds an attempt and keeps the error.
    Without an SMTP host nothing is tried and the mails wait.
    """
    from sdgcities.accounts.mail import send_mail

    query = select(OutboxMail).where(
        OutboxMail.sent_at.is_(None), OutboxMail.attempts < max_attempts
    )
    if ids is not None:
        query = query.where(OutboxMail.id.in_(list(ids)))
    rows = session.scalars(query.order_by(OutboxMail.id).limit(limit)).all()
    if not settings.smtp_host:
        note = ["no SMTP server configured (SDGCITIES_SMTP_HOST)"] if rows else []
        return SendResult(0, 0, len(rows), note)
    sent = failed = 0
    errors: list[str] = []
    for mail in rows:
        try:
            send_mail(settings, to=mail.to, subject=mail.subject, body=mail.body)
        except ConfigurationError as err:
            mail.attempts += 1
            mail.last_error = str(err)[:2000]
            failed += 1
            errors.append(f"{mail.to}: {err}")
        else:
            mail.attempts += 1
            mail.sent_at = _now()
            mail.last_error = ""
            sent += 1
        session.flush()
    return SendResult(sent, failed, 0, errors)


def inbox(
    session: Session, recipient: str, *, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    """``recipient``'s own messages, newest first."""
    query = select(Notification).where(Notification.recipient == recipient.lower())
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 1000))))
    )


def unread_count(session: Session, recipient: str) -> int:
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.recipient == recipient.lower(), Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, recipient: str, ids: Sequence[int] | None = None) -> int:
    """Mark ``recipient``'s messages read (those ``ids``, or all); others' are untouched."""
    stmt = update(Notification).where(
        Notification.recipient == recipient.lower(), Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = session.execute(
        stmt.values(read_at=_now()).execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
