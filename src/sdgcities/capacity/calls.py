"""Calls: the open call for expressions of interest (plan 2.3.1) and its review.

HSP/EB.2021/17, output 2.3.1: "Design an open call for universities to express
interest in specific thematic areas of capacity-building … That call will be followed
by the design of a standard framework agreement"; 2.3.2: "a partnership agreement based
on an open competitive call for expression of interest".

A call is open from ``opens_at`` (inclusive) until ``closes_at`` (exclusive), both
timezone-aware moments. An answer that arrives outside that window is refused with
:class:`CallClosedError` *before anything is written*. Hub staff review each answer
(score 0–100, accept or reject with a comment); an accepted answer becomes a
:class:`~sdgcities.capacity.models.Provider` and a draft framework agreement, both
linked to it, and every result is notified to the applicant.

Every function takes a session and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity import vocabulary as vocab
from sdgcities.capacity.models import ApplicationFile, Call, EoiApplication, Provider
from sdgcities.capacity.partners import VERIFIER_ROLES, add_agreement
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    check_choice,
)

__all__ = [
    "CALL_KINDS",
    "Attachment",
    "CallClosedError",
    "create_call",
    "ensure_open",
    "get_call",
    "is_open",
    "list_calls",
    "review_application",
    "submit_eoi",
]

CALL_KINDS = ("eoi", "champions")
REVIEW_DECISIONS = ("accepted", "rejected")
MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CallClosedError(ConflictError):
    """An answer to a call outside its opening window; nothing was saved."""


def utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite gives them back naive, in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValidationError(
            f"unknown time zone {name!r}",
            [
                Finding(
                    "unknown time zone", column="timezone", value=name, fix="e.g. Africa/Nairobi"
                )
            ],
        ) from err


def _local(call: Call, moment: datetime) -> str:
    return (
        utc(moment).astimezone(_zone(call.timezone)).strftime(f"%Y-%m-%d %H:%M ({call.timezone})")
    )


def create_call(
    session: Session,
    *,
    slug: str,
    kind: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    themes: Sequence[str] = (),
    criteria: Sequence[str] = (),
    description: str = "",
    timezone: str = "UTC",
    cohort_start: datetime | None = None,
    by: str = "",
) -> Call:
    """A new call; its moments must be timezone-aware and ``opens_at < closes_at``."""
    check_choice(kind, CALL_KINDS, "kind")
    findings: list[Finding] = []
    if not _SLUG.match(slug):
        findings.append(
            Finding("not a slug", column="slug", value=slug, fix="lower-case letters, digits, -")
        )
    for field, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment.tzinfo is None:
            findings.append(
                Finding(
                    "a moment without a time zone",
                    column=field,
                    value=moment.isoformat(),
                    fix="give the offset, e.g. 2027-03-31T17:00+03:00",
                )
            )
    if not findings and opens_at >= closes_at:
        findings.append(
            Finding(
                "the call closes before it opens",
                column="closes_at",
                value=closes_at.isoformat(),
                fix="give a closing moment after the opening one",
            )
        )
    if findings:
        raise ValidationError(f"the call {slug!r} cannot be created", findings)
    _zone(timezone)
    vocab.check_themes(list(themes))
    if session.scalar(select(Call.id).where(Call.slug == slug)) is not None:
        raise ConflictError(f"a call {slug!r} already exists; choose another slug")
    call = Call(
        slug=slug,
        kind=kind,
        title=title.strip()[:300],
        description=description,
        themes=list(themes),
        criteria=[c for c in criteria if c.strip()],
        opens_at=opens_at.astimezone(UTC),
        closes_at=closes_at.astimezone(UTC),
        timezone=timezone,
        cohort_start=cohort_start.date() if cohort_start else None,
        created_by=by,
    )
    session.add(call)
    session.flush()
    return call


def get_call(session: Session, slug: str, kind: str | None = None) -> Call:
    query = select(Call).where(Call.slug == slug)
    if kind:
        query = query.where(Call.kind == kind)
    call = session.scalar(query)
    if call is None:
        raise NotFoundError(f"no call {slug!r}; `sdgcities capacity calls list` shows them")
    return call


def list_calls(session: Session, kind: str | None = None) -> list[Call]:
    query = select(Call).order_by(Call.closes_at.desc(), Call.id.desc())
    if kind:
        query = query.where(Call.kind == kind)
    return list(session.scalars(query))


def is_open(call: Call, now: datetime | None = None) -> bool:
    moment = utc(now or datetime.now(UTC))
    return utc(call.opens_at) <= moment < utc(call.closes_at)


def ensure_open(call: Call, now: datetime | None = None) -> None:
    """Raise :class:`CallClosedError` unless ``call`` is open at ``now``."""
    moment = utc(now or datetime.now(UTC))
    if moment >= utc(call.closes_at):
        raise CallClosedError(
            f"the call {call.title!r} closed on {_local(call, call.closes_at)}; "
            "no application was saved"
        )
    if moment < utc(call.opens_at):
        raise CallClosedError(
            f"the call {call.title!r} opens on {_local(call, call.opens_at)}; "
            "no application was saved"
        )


@dataclass(frozen=True)
class Attachment:
    """A file sent with an expression of interest."""

    file_name: str
    content_type: str
    content: bytes


def _check_eoi(
    call: Call,
    *,
    name: str,
    kind: str,
    email: str,
    themes: Sequence[str],
    languages: Sequence[str],
    attachments: Sequence[Attachment],
) -> list[Finding]:
    findings: list[Finding] = []
    if not name.strip():
        findings.append(Finding("empty name", column="name", fix="give the institution's name"))
    if kind not in vocab.PROVIDER_KINDS:
        findings.append(
            Finding(
                "unknown kind",
                column="kind",
                value=kind,
                fix=f"one of {', '.join(vocab.PROVIDER_KINDS)}",
            )
        )
    if not _EMAIL.match(email.strip()):
        findings.append(
            Finding("not an e-mail address", column="email", value=email, fix="e.g. cb@univ.edu")
        )
    allowed = list(call.themes or []) or list(vocab.themes())
    if not themes:
        findings.append(
            Finding("no thematic area", column="themes", fix=f"choose from {', '.join(allowed)}")
        )
    for t in themes:
        if t not in allowed:
            findings.append(
                Finding(
                    "not a thematic area of this call",
                    column="themes",
                    value=t,
                    fix=f"choose from {', '.join(allowed)}",
                )
            )
    for lang in languages:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            findings.append(
                Finding("not a language code", column="languages", value=lang, fix="e.g. en, fr")
            )
    if len(attachments) > MAX_FILES:
        findings.append(
            Finding(
                f"{len(attachments)} files",
                column="attachments",
                fix=f"attach at most {MAX_FILES} files",
            )
        )
    for a in attachments:
        if len(a.content) > MAX_FILE_BYTES:
            findings.append(
                Finding(
                    f"{a.file_name} is {len(a.content) / 1e6:.1f} MB",
                    column="attachments",
                    value=a.file_name,
                    fix=f"keep each file under {MAX_FILE_BYTES // (1024 * 1024)} MB",
                )
            )
    return findings


def submit_eoi(
    session: Session,
    call: Call,
    *,
    name: str,
    kind: str,
    email: str,
    themes: Sequence[str],
    contact_name: str = "",
    languages: Sequence[str] = ("en",),
    regions: Sequence[str] = (),
    experience: str = "",
    country_iso3: str | None = None,
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> EoiApplication:
    """An institution's answer to an open call; refused whole when the call is closed."""
    if call.kind != "eoi":
        raise NotFoundError(f"{call.slug!r} is not a call for expressions of interest")
    ensure_open(call, now)
    findings = _check_eoi(
        call,
        name=name,
        kind=kind,
        email=email,
        themes=themes,
        languages=languages,
        attachments=attachments,
    )
    if findings:
        raise ValidationError(
            f"the expression of interest has {len(findings)} problem(s); nothing was saved",
            findings,
        )
    app = EoiApplication(
        call_id=call.id,
        name=name.strip()[:300],
        kind=kind,
        contact_name=contact_name.strip()[:200],
        email=email.strip().lower(),
        country_iso3=(country_iso3 or "").upper()[:3] or None,
        themes=list(dict.fromkeys(themes)),
        languages=list(dict.fromkeys(languages)),
        regions=[r.strip() for r in regions if r.strip()],
        experience=experience,
    )
    session.add(app)
    session.flush()
    for a in attachments:
        session.add(
            ApplicationFile(
                application_id=app.id,
                file_name=a.file_name[:255],
                content_type=a.content_type[:200],
                size=len(a.content),
                sha256=hashlib.sha256(a.content).hexdigest(),
                content=a.content,
            )
        )
    session.flush()
    return app


def get_application(session: Session, application_id: int) -> EoiApplication:
    app = session.get(EoiApplication, application_id)
    if app is None:
        raise NotFoundError(f"no expression of interest {application_id}")
    return app


def applications(session: Session, call: Call) -> list[EoiApplication]:
    return list(
        session.scalars(
            select(EoiApplication)
            .where(EoiApplication.call_id == call.id)
            .order_by(EoiApplication.submitted_at, EoiApplication.id)
        )
    )


def review_application(
    session: Session,
    app: EoiApplication,
    *,
    decision: str,
    by: str,
    role: str,
    score: float | None = None,
    comment: str = "",
) -> EoiApplication:
    """Accept or reject an expression of interest (once); accepting makes the partner.

    Accepted: a :class:`Provider` with the answer's kind, themes, languages and regions
    and a **draft** framework agreement (unsigned, no dates) on the call's themes, both
    linked to the answer. The applicant is notified of the result either way.
    """
    from sdgcities.notifications.service import notify

    if role not in VERIFIER_ROLES:
        raise PermissionDeniedError("only hub staff and admins review expressions of interest")
    check_choice(decision, REVIEW_DECISIONS, "decision")
    if score is not None and not 0 <= score <= 100:
        raise ValidationError(
            f"score {score} is outside 0–100",
            [Finding("score out of range", column="score", value=str(score), fix="0 to 100")],
        )
    if app.status != "submitted":
        raise ConflictError(
            f"expression of interest {app.id} was already {app.status} by {app.reviewed_by}"
        )
    if decision == "rejected" and not comment.strip():
        raise ValidationError(
            "a rejection needs a comment for the applicant",
            [Finding("empty comment", column="comment", fix="say why, briefly")],
        )
    call = session.get(Call, app.call_id)
    assert call is not None
    app.status = decision
    app.score = score
    app.review_comment = comment
    app.reviewed_by = by
    app.reviewed_at = datetime.now(UTC)
    if decision == "accepted":
        provider = Provider(
            kind=app.kind,
            name=app.name,
            email=app.email,
            themes=list(app.themes),
            languages=list(app.languages),
            regions=list(app.regions),
            accreditation="",
        )
        session.add(provider)
        session.flush()
        agreement = add_agreement(
            session,
            provider,
            kind="framework_agreement",
            title=f"Framework agreement: {call.title}"[:300],
            scope=f"Thematic areas of the call {call.slug}: {', '.join(app.themes)}",
            themes=list(app.themes),
            application_id=app.id,
            by=by,
        )
        app.provider_id = provider.id
        app.agreement_id = agreement.id
        body = (
            f"Your expression of interest in {call.title!r} was accepted. UN-Habitat will "
            "contact you about the framework agreement."
        )
    else:
        body = f"Your expression of interest in {call.title!r} was not accepted."
    if comment.strip():
        body += f"\n\nReviewer's comment: {comment.strip()}"
    session.flush()
    notify(
        session,
        to=app.email,
        kind="call_result",
        subject=f"{call.title}: your expression of interest was {decision}",
        body=body,
        link=f"/capacity/calls/{call.slug}",
    )
    return app
