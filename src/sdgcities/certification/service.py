"""Certification use cases: apply for a stage, attach evidence, check, submit, review,
issue, verify and revoke certificates.

Every change of an application goes through :func:`transition` — the one place that
checks the workflow table (:mod:`sdgcities.certification.workflow`) and the actor's
duty, and appends an entry to the certification log. Reviewing is the duty of the staff
of the *regional hub serving the city* and of admins (:func:`can_certify`). A city
reaches stages in order: applying for stage N needs a valid certificate of stage N − 1.
Certification never ranks cities and never judges whether a target was met.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.certification import codes
from sdgcities.certification.completeness import CheckResult, check
from sdgcities.certification.evidence import evidence_kind
from sdgcities.certification.models import (
    Certificate,
    CertificationApplication,
    CertificationEvidence,
    CertificationLogEntry,
)
from sdgcities.certification.stages import get_stage, load_stages
from sdgcities.certification.workflow import DUTY, NEEDS_COMMENT, OPEN_STATES, WORKFLOW
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.store.models import City, User, utcnow

logger = logging.getLogger(__name__)

#: the path of the public verification page of a certificate
VERIFY_PATH = "/certification/verify/{code}"


# --------------------------------------------------------------------------- rights


def can_certify(user: User | None, city_id: int, session: Session) -> bool:
    """Whether ``user`` may review the city's applications: its regional hub's staff, admins."""
    if user is None or not user.active:
        return False
    if user.role == "admin":
        return True
    return user.role == "regional_hub" and city_id in permissions.hub_city_ids(session, user.id)


def certifiable_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities whose applications ``user`` may review: None means all (admins)."""
    if user is None or not user.active:
        return set()
    if user.role == "admin":
        return None
    if user.role == "regional_hub":
        return permissions.hub_city_ids(session, user.id)
    return set()


def _check_duty(session: Session, actor: User | None, action: str, city_id: int) -> None:
    if DUTY[action] == "editor":
        ok = permissions.can_edit_city(actor, city_id, session)
        who = "the city's editors (or an admin)"
    else:
        ok = can_certify(actor, city_id, session)
        who = "the staff of the regional hub serving the city, or an admin"
    if not ok:
        name = actor.email if actor is not None else "an anonymous visitor"
        action_words = action.replace("_", " ")
        raise PermissionDeniedError(
            f"{name} may not {action_words} this application; only {who} may"
        )


# --------------------------------------------------------------------------- reading


def _city(session: Session, key: str | int) -> City:
    from sdgcities.observations.service import resolve_city

    return resolve_city(session, key)


def get_application(
    session: Session, application_id: int, *, user: User | None
) -> CertificationApplication:
    """An application ``user`` may see (its city's editors, reviewers); NotFoundError else."""
    app = session.get(CertificationApplication, application_id)
    if app is None or not (
        permissions.can_see_drafts(user, app.city_id, session)
        or can_certify(user, app.city_id, session)
    ):
        raise NotFoundError(f"no certification application {application_id}")
    return app


def evidence_of(session: Session, application_id: int) -> list[CertificationEvidence]:
    return list(
        session.scalars(
            select(CertificationEvidence)
            .where(CertificationEvidence.application_id == application_id)
            .order_by(CertificationEvidence.id)
        )
    )


def history(session: Session, application_id: int) -> list[CertificationLogEntry]:
    """The audit trail of one application, oldest first."""
    return list(
        session.scalars(
            select(CertificationLogEntry)
            .where(CertificationLogEntry.application_id == application_id)
            .order_by(CertificationLogEntry.at, CertificationLogEntry.id)
        )
    )


def check_application(session: Session, app: CertificationApplication) -> CheckResult:
    """The completeness check of an application with its attached evidence."""
    return check(session, get_stage(app.stage), app.city_id, evidence_of(session, app.id))


def check_city(session: Session, city: str | int, stage: int) -> CheckResult:
    """The completeness check of the city's open (or newest) application for ``stage``.

    Without an application, the store-computed requirements are judged and every
    evidence requirement is reported missing.
    """
    target = _city(session, city)
    app = _newest(session, target.id, stage)
    attached = evidence_of(session, app.id) if app is not None else []
    return check(session, get_stage(stage), target.id, attached)


def _newest(session: Session, city_id: int, stage: int) -> CertificationApplication | None:
    return session.scalar(
        select(CertificationApplication)
        .where(CertificationApplication.city_id == city_id, CertificationApplication.stage == stage)
        .order_by(CertificationApplication.id.desc())
        .limit(1)
    )


def open_application_of(
    session: Session, city_id: int, stage: int
) -> CertificationApplication | None:
    return session.scalar(
        select(CertificationApplication)
        .where(
            CertificationApplication.city_id == city_id,
            CertificationApplication.stage == stage,
            CertificationApplication.state.in_(OPEN_STATES),
        )
        .order_by(CertificationApplication.id.desc())
        .limit(1)
    )


def valid_certificates(session: Session, city_id: int) -> list[Certificate]:
    """The city's valid certificates, stage order (the stages it has reached)."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.city_id == city_id, Certificate.status == "valid")
            .order_by(Certificate.stage, Certificate.id)
        )
    )


def stages_reached(session: Session, city_id: int) -> list[int]:
    return sorted({c.stage for c in valid_certificates(session, city_id)})


@dataclass
class LadderStep:
    """One stage of a city's ladder: reached, in the works, open to apply, or not yet."""

    number: int
    name: str
    status: str  # reached | in_progress | available | locked
    application: CertificationApplication | None = None
    certificate: Certificate | None = None


#: the ladder's two queries (every city page draws it), built once
_VALID = (
    select(Certificate)
    .where(Certificate.city_id == bindparam("city_id"), Certificate.status == "valid")
    .order_by(Certificate.stage, Certificate.id)
)
_APPLICATIONS = (
    select(CertificationApplication)
    .where(CertificationApplication.city_id == bindparam("city_id"))
    .order_by(CertificationApplication.id.desc())
)


def ladder(session: Session, city_id: int) -> list[LadderStep]:
    """The city's stage ladder (stages in order; no score, no comparison)."""
    reached = {c.stage: c for c in session.scalars(_VALID, {"city_id": city_id})}
    newest: dict[int, CertificationApplication] = {}  # stage → its newest application
    for found in session.scalars(_APPLICATIONS, {"city_id": city_id}):
        newest.setdefault(found.stage, found)
    out: list[LadderStep] = []
    for stage in load_stages():
        app = newest.get(stage.number)
        if stage.number in reached:
            status = "reached"
        elif app is not None and app.state in OPEN_STATES:
            status = "in_progress"
        elif stage.number == 1 or (stage.number - 1) in reached:
            status = "available"
        else:
            status = "locked"
        out.append(LadderStep(stage.number, stage.name, status, app, reached.get(stage.number)))
    return out


def review_queue(session: Session, *, user: User | None) -> list[CertificationApplication]:
    """Applications in review that ``user`` may review, oldest first."""
    ids = certifiable_city_ids(user, session)
    if ids is not None and not ids:
        return []
    q = select(CertificationApplication).where(CertificationApplication.state == "in_review")
    if ids is not None:
        q = q.where(CertificationApplication.city_id.in_(sorted(ids)))
    return list(session.scalars(q.order_by(CertificationApplication.updated_at)))


def applications_of(session: Session, city_id: int) -> list[CertificationApplication]:
    return list(
        session.scalars(
            select(CertificationApplication)
            .where(CertificationApplication.city_id == city_id)
            .order_by(CertificationApplication.stage, CertificationApplication.id.desc())
        )
    )


# --------------------------------------------------------------------------- changing


def _log(
    session: Session,
    app: CertificationApplication,
    action: str,
    before: str | None,
    actor: User | None,
    comment: str = "",
    what: dict[str, Any] | None = None,
) -> None:
    session.add(
        CertificationLogEntry(
            application_id=app.id,
            city_id=app.city_id,
            at=utcnow(),
            actor=actor.email if actor is not None else "",
            action=action,
            from_state=before,
            to_state=app.state,
            comment=comment,
            what=what or {},
        )
    )
    session.flush()


def transition(
    session: Session,
    app: CertificationApplication | None,
    action: str,
    *,
    actor: User | None,
    city_id: int,
    stage: int,
    comment: str = "",
    what: dict[str, Any] | None = None,
) -> CertificationApplication:
    """The one way an application changes state: check duty and table, change, log."""
    _check_duty(session, actor, action, city_id)
    comment = comment.strip()
    if action in NEEDS_COMMENT and not comment:
        raise ValidationError(
            f"cannot {action.replace('_', ' ')} the application",
            [Finding("the comment is empty", column="comment", fix="say what and why")],
        )
    before = app.state if app is not None else None
    after = WORKFLOW.next_state(before, action)
    now = utcnow()
    if app is None:
        app = CertificationApplication(
            city_id=city_id,
            stage=stage,
            state=after,
            created_by=actor.email if actor is not None else "",
            created_at=now,
        )
        session.add(app)
    app.state = after
    app.updated_at = now
    session.flush()
    _log(session, app, action, before, actor, comment, what)
    logger.info("certification #%s: %s %s → %s", app.id, action, before, after)
    return app


def _check_order(session: Session, city: City, stage: int) -> None:
    get_stage(stage)
    if stage > 1 and (stage - 1) not in stages_reached(session, city.id):
        raise ConflictError(
            f"{city.name} cannot apply for stage {stage} yet: stage {stage - 1} must be "
            "approved first (stages are reached in order)"
        )


def open_application(
    session: Session, city: str | int, stage: int, *, actor: User | None
) -> CertificationApplication:
    """The city's open application for ``stage``, opened now if there is none."""
    target = _city(session, city)
    _check_duty(session, actor, "open", target.id)
    if stage in stages_reached(session, target.id):
        raise ConflictError(f"{target.name} has already reached stage {stage}")
    _check_order(session, target, stage)
    app = open_application_of(session, target.id, stage)
    if app is not None:
        return app
    return transition(session, None, "open", actor=actor, city_id=target.id, stage=stage)


def _editable(session: Session, app: CertificationApplication, actor: User | None) -> None:
    _check_duty(session, actor, "submit", app.city_id)
    if app.state not in ("draft", "changes_requested"):
        raise ConflictError(
            f"application {app.id} is {app.state}: evidence can change only while it is a "
            "draft or changes were requested"
        )


def add_evidence(
    session: Session,
    application_id: int,
    kind: str,
    ref: str,
    *,
    actor: User | None,
    note: str = "",
) -> CertificationEvidence:
    """Attach evidence ``(kind, ref)``; the record must exist now and be the city's."""
    app = get_application(session, application_id, user=actor)
    _editable(session, app, actor)
    stage = get_stage(app.stage)
    kinds = [r.evidence for r in stage.requirements if r.evidence]
    ref = ref.strip()
    if kind not in kinds:
        raise ValidationError(
            f"stage {app.stage} does not ask for {kind!r} evidence",
            [Finding("unknown kind", column="kind", value=kind, fix=f"use {', '.join(kinds)}")],
        )
    if not ref or len(ref) > 200:
        raise ValidationError(
            "the evidence needs a reference",
            [Finding("empty or too long", column="ref", fix="the id of the record")],
        )
    registered = evidence_kind(kind)
    if registered is not None:
        rec = registered.resolver(session, ref)
        if rec is None:
            raise NotFoundError(f"no {kind} record {ref!r}: check the id (see the candidates)")
        cities = rec.facts.get("cities")
        if rec.city_id not in (None, app.city_id) and not (
            isinstance(cities, list) and app.city_id in cities
        ):
            raise ValidationError(
                f"{kind} {ref} belongs to another city",
                [Finding("another city's record", column="ref", value=ref)],
            )
    if any(e.kind == kind and e.ref == ref for e in evidence_of(session, app.id)):
        raise ConflictError(f"{kind} {ref} is already attached to application {app.id}")
    item = CertificationEvidence(
        application_id=app.id,
        kind=kind,
        ref=ref,
        note=note.strip()[:2000],
        added_by=actor.email if actor is not None else "",
    )
    session.add(item)
    session.flush()
    _log(session, app, "add_evidence", app.state, actor, note, {"kind": kind, "ref": ref})
    return item


def remove_evidence(
    session: Session, application_id: int, evidence_id: int, *, actor: User | None
) -> None:
    app = get_application(session, application_id, user=actor)
    _editable(session, app, actor)
    item = session.get(CertificationEvidence, evidence_id)
    if item is None or item.application_id != app.id:
        raise NotFoundError(f"application {app.id} has no evidence #{evidence_id}")
    what = {"kind": item.kind, "ref": item.ref}
    session.delete(item)
    session.flush()
    _log(session, app, "remove_evidence", app.state, actor, "", what)


def _incomplete(result: CheckResult, doing: str) -> ValidationError:
    findings = [Finding(e, column="evidence") for e in result.errors]
    findings += [
        Finding(f"{r.label}: {r.explanation}", column=r.key)
        for r in result.requirements
        if not r.met
    ]
    return ValidationError(
        f"cannot {doing}: the stage {result.stage} evidence is not complete", findings
    )


def submit(
    session: Session, application_id: int, *, actor: User | None, comment: str = ""
) -> CertificationApplication:
    """Submit for review; refused (nothing written) unless the completeness check passes."""
    app = get_application(session, application_id, user=actor)
    _check_duty(session, actor, "submit", app.city_id)
    WORKFLOW.next_state(app.state, "submit")
    city = session.get(City, app.city_id)
    assert city is not None
    _check_order(session, city, app.stage)
    result = check_application(session, app)
    if not result.complete:
        raise _incomplete(result, "submit")
    what = {"evidence": [[e.kind, e.ref] for e in evidence_of(session, app.id)]}
    return transition(
        session,
        app,
        "submit",
        actor=actor,
        city_id=app.city_id,
        stage=app.stage,
        comment=comment,
        what=what,
    )


def review(
    session: Session,
    application_id: int,
    action: str,
    *,
    actor: User | None,
    comment: str = "",
    base_url: str = "",
) -> CertificationApplication:
    """Approve, decline or request changes (the city's regional hub staff, admins).

    Approving re-runs the completeness check (a record may have been deleted since the
    submission) and issues the certificate in the same transaction.
    """
    if action not in ("approve", "decline", "request_changes"):
        raise ValidationError(
            f"unknown review action {action!r}",
            [Finding("unknown", column="action", fix="approve, decline or request_changes")],
        )
    app = get_application(session, application_id, user=actor)
    _check_duty(session, actor, action, app.city_id)
    WORKFLOW.next_state(app.state, action)
    if action == "approve":
        result = check_application(session, app)
        if not result.complete:
            raise _incomplete(result, "approve")
    app = transition(
        session, app, action, actor=actor, city_id=app.city_id, stage=app.stage, comment=comment
    )
    if action == "approve":
        cert = Certificate(
            code=_unique_code(session),
            application_id=app.id,
            city_id=app.city_id,
            stage=app.stage,
            issued_by=actor.email if actor is not None else "",
        )
        session.add(cert)
        session.flush()
        _log(session, app, "issue_certificate", app.state, actor, "", {"code": cert.code})
    return app


def _unique_code(session: Session) -> str:
    while True:
        code = codes.new_code()
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def certificate_of(session: Session, application_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate).where(Certificate.application_id == application_id).limit(1)
    )


@dataclass
class Verification:
    """What the public verification page shows (no e-mail, no evidence)."""

    code: str
    city_name: str
    city_slug: str
    country: str
    stage: int
    stage_name: str
    issued_at: Any
    status: str
    revoked_at: Any = None
    revoked_reason: str = ""
    principles: list[str] = field(default_factory=list)


def find_certificate(session: Session, code: str) -> Certificate:
    """The certificate of ``code``; NotFoundError (saying why) when there is none."""
    if not codes.is_valid(code):
        raise NotFoundError(
            f"{code[:40]!r} is not a certificate code (20 symbols; its check symbol does not "
            "match — was it mistyped?)"
        )
    cert = session.scalar(select(Certificate).where(Certificate.code == codes.format_code(code)))
    if cert is None:
        raise NotFoundError(f"no certificate has the code {codes.format_code(code)}")
    return cert


def verify(session: Session, code: str) -> Verification:
    """The public facts of a certificate: city, stage, date, valid or revoked."""
    cert = find_certificate(session, code)
    city = session.get(City, cert.city_id)
    assert city is not None
    return Verification(
        code=cert.code,
        city_name=city.name,
        city_slug=city.slug,
        country=city.country_name or "",
        stage=cert.stage,
        stage_name=get_stage(cert.stage).name,
        issued_at=cert.issued_at,
        status=cert.status,
        revoked_at=cert.revoked_at,
        revoked_reason=cert.revoked_reason,
    )


def revoke(session: Session, code: str, *, actor: User | None, reason: str) -> Certificate:
    """Revoke a certificate (admins), with the reason shown on the verification page."""
    if actor is None or not actor.active or actor.role != "admin":
        who = actor.email if actor is not None else "an anonymous visitor"
        raise PermissionDeniedError(f"{who} may not revoke a certificate; only admins may")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            "cannot revoke the certificate",
            [Finding("the reason is empty", column="reason", fix="say why it is revoked")],
        )
    cert = find_certificate(session, code)
    if cert.status == "revoked":
        raise ConflictError(f"certificate {cert.code} is already revoked")
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoked_by = actor.email
    cert.revoked_reason = reason[:2000]
    app = session.get(CertificationApplication, cert.application_id)
    assert app is not None
    session.flush()
    _log(session, app, "revoke_certificate", app.state, actor, reason, {"code": cert.code})
    return cert
