"""Completions in and out: CSV import (all-or-nothing), CSV export, xAPI statements.

Import columns (header row, UTF-8, comma-separated)::

    course,email,name,completed_on,sex,country,organisation_type

``course`` is a course slug; ``completed_on`` a date ``YYYY-MM-DD`` not in the future;
``name``, ``sex``, ``country`` (ISO 3166 alpha-3) and ``organisation_type`` are optional.
An imported completion is the record of a completion kept elsewhere (a face-to-face
course, an earlier platform): it is stored with ``source = import`` and the file name and
row, counted in the catalogue's usage of its month, and certified like any other. An
e-mail without an account is refused unless ``create_learners`` is given, which creates a
``learner`` account (no usable password: the learner sets one with "forgot password").
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts.users import create_user, find_user_by_email, normalise_email
from sdgcities.errors import Finding, ValidationError
from sdgcities.learning import rules
from sdgcities.learning import service as svc
from sdgcities.learning._files import read_text
from sdgcities.learning.models import Certificate, Course, Enrolment, LearnerProfile
from sdgcities.learning.rules import utc
from sdgcities.store.models import User

COLUMNS = ("course", "email", "name", "completed_on", "sex", "country", "organisation_type")
REQUIRED = ("course", "email", "completed_on")
EXPORT_COLUMNS = (
    "course",
    "email",
    "name",
    "enrolled_on",
    "completed_on",
    "certificate",
    "status",
    "source",
    "sex",
    "country",
    "organisation_type",
)
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    created_learners: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)


def _read_rows(path: Path) -> list[dict[str, str]]:
    name = path.name
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    problems = [
        Finding(
            f"column {c!r} is missing",
            file=name,
            row=1,
            column=c,
            fix=f"the header needs {', '.join(REQUIRED)}",
        )
        for c in missing
    ]
    problems += [
        Finding(
            f"unknown column {h!r}",
            file=name,
            row=1,
            column=h,
            fix=f"use only {', '.join(COLUMNS)}",
        )
        for h in unknown
    ]
    if problems:
        raise ValidationError(f"{name}: the header is not right", problems)
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def import_completions(
    session: Session, path: Path, *, actor: User | None, create_learners: bool = False
) -> ImportResult:
    """Import completions from a CSV; every finding (row, column) first, then all or none."""
    if not svc.is_staff(actor):
        from sdgcities.errors import PermissionDeniedError

        raise PermissionDeniedError("only hub staff and admins import completions")
    assert actor is not None
    name = path.name
    rows = _read_rows(path)
    found: list[Finding] = []
    courses = {c.slug: c for c in session.scalars(select(Course))}
    today = datetime.now(UTC).date()
    seen: dict[tuple[str, str], int] = {}
    plan: list[tuple[int, dict[str, str], Course, date, User | None]] = []
    for i, row in enumerate(rows, start=2):

        def bad(
            column: str, message: str, fix: str, row_no: int = i, cells: dict[str, str] = row
        ) -> None:
            found.append(
                Finding(
                    message,
                    file=name,
                    row=row_no,
                    column=column,
                    value=cells.get(column, ""),
                    fix=fix,
                )
            )

        course = courses.get(row.get("course", ""))
        if course is None:
            bad("course", "unknown course", "use a slug from `sdgcities learning course list`")
        email = normalise_email(row.get("email", ""))
        user = None
        if "@" not in email or " " in email:
            bad("email", "not an e-mail address", "write the learner's e-mail")
        else:
            user = find_user_by_email(session, email)
            if user is None and not create_learners:
                bad(
                    "email",
                    "no account has this e-mail",
                    "create the account first, or import with --create-learners",
                )
        try:
            done = date.fromisoformat(row.get("completed_on", ""))
            if done > today:
                bad("completed_on", "the date is in the future", "give the date it was completed")
        except ValueError:
            done = today
            bad("completed_on", "not a date YYYY-MM-DD", "e.g. 2026-03-31")
        for column, allowed in (
            ("sex", rules.SEXES),
            ("organisation_type", rules.ORGANISATION_TYPES),
        ):
            if row.get(column) and row[column] not in allowed:
                bad(column, f"unknown {column}", f"use one of {', '.join(allowed)}")
        if row.get("country"):
            import pycountry

            if pycountry.countries.get(alpha_3=row["country"].upper()) is None:
                bad("country", "not an ISO 3166 alpha-3 code", "e.g. KEN, FRA, BRA")
        key = (row.get("course", ""), email)
        if key in seen:
            bad("email", f"the same learner and course as row {seen[key]}", "keep one row")
        seen[key] = i
        if course is not None:
            plan.append((i, row, course, done, user))
    if found:
        raise ValidationError(f"{name}: {len(found)} problem(s); nothing was imported", found)
    result = ImportResult()
    for i, row, course, done, user in plan:
        email = normalise_email(row["email"])
        if user is None:
            user = create_user(
                session,
                email=email,
                password=secrets.token_urlsafe(24),
                role="learner",
                name=row.get("name", ""),
            )
            result.created_learners.append(email)
        if any(row.get(c) for c in ("sex", "country", "organisation_type")):
            svc.set_profile(
                session,
                user,
                sex=row.get("sex") or None,
                country=row.get("country") or None,
                organisation_type=row.get("organisation_type") or None,
            )
        moment = datetime.combine(done, time(12, 0), tzinfo=UTC)
        enrolment, _ = svc.enrol(session, course, user, actor=actor, source="import", at=moment)
        if enrolment.completed_at is not None:
            result.skipped += 1
            continue
        enrolment.import_ref = f"{name} row {i}"
        cert = svc._complete(session, enrolment, moment)
        result.imported += 1
        result.certificates.append(cert.code)
    session.flush()
    return result


def completion_rows(session: Session, *, course: str | None = None) -> list[dict[str, Any]]:
    """Every completion with its learner and profile (personal data: staff only)."""
    q = (
        select(Enrolment, Course, User, Certificate, LearnerProfile)
        .join(Course, Course.id == Enrolment.course_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
        .outerjoin(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.completed_at, Enrolment.id)
    )
    if course:
        q = q.where(Course.slug == course)
    out = []
    for e, c, u, cert, prof in session.execute(q).all():
        assert e.completed_at is not None
        out.append(
            {
                "course": c.slug,
                "email": u.email,
                "name": u.name,
                "enrolled_on": utc(e.enrolled_at).date().isoformat(),
                "completed_on": utc(e.completed_at).date().isoformat(),
                "completed_at": utc(e.completed_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "certificate": cert.code if cert else "",
                "status": cert.status if cert else "",
                "source": e.source,
                "sex": prof.sex if prof else "not_stated",
                "country": (prof.country_iso3 or "") if prof else "",
                "organisation_type": prof.organisation_type if prof else "not_stated",
            }
        )
    return out


def completions_csv(session: Session, *, course: str | None = None) -> str:
    """The completions as CSV (``EXPORT_COLUMNS``); cells that start a formula are quoted
    with a leading apostrophe so that a spreadsheet shows them as text."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in completion_rows(session, course=course):
        w.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xapi_statements(session: Session, *, base_url: str) -> list[dict[str, Any]]:
    """xAPI 1.0.3 statements of every completion: actor by ``mbox_sha1sum`` (SHA-1 of the
    ``mailto:`` IRI, so no e-mail leaves), verb *completed* (ADL vocabulary), object the
    course's IRI, and the completion time as ``timestamp``."""
    base = base_url.rstrip("/")
    out = []
    for row in completion_rows(session):
        out.append(
            {
                "actor": {
                    "objectType": "Agent",
                    "mbox_sha1sum": hashlib.sha1(
                        f"mailto:{row['email']}".encode(), usedforsecurity=False
                    ).hexdigest(),
                },
                "verb": {"id": VERB_COMPLETED, "display": {"en-US": "completed"}},
                "object": {
                    "objectType": "Activity",
                    "id": f"{base}/learn/courses/{row['course']}",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                },
                "timestamp": row["completed_at"],
            }
        )
    return out
