"""Use cases of UN-Habitat Learn: courses, enrolment, progress, completion, certificates.

Each function takes a session and flushes; the caller commits, so a use case is
all-or-nothing. Completion is never typed: :func:`refresh_completion` applies the rules
of :mod:`sdgcities.learning.rules` after every lesson view, attempt and attendance mark,
and in the same transaction adds the enrolment and the completion to the catalogue
entry's monthly usage (:class:`sdgcities.capacity.models.CatalogueUsage`) and issues
the certificate.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.capacity.models import CatalogueEntry
from sdgcities.capacity.needs import record_usage
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    check_choice,
)
from sdgcities.learning import rules
from sdgcities.learning.courses import CourseSpec, parse_course, read_course_file
from sdgcities.learning.models import (
    Assessment,
    Attempt,
    Certificate,
    Course,
    Enrolment,
    LearnerProfile,
    Lesson,
    LessonView,
)
from sdgcities.store.models import User

log = logging.getLogger(__name__)

#: roles that act for every learner: enrol others, mark attendance, see profiles, reports
STAFF_ROLES = ("admin", "global_hub", "regional_hub")
UNKNOWN_CODE = "no certificate has this code; check the code on the certificate"


def is_staff(user: User | None) -> bool:
    """Hub staff and admins (they see learners' profiles and the reports)."""
    return user is not None and user.active and user.role in STAFF_ROLES


def _announce(session: Session, *, kind: str, to: str, subject: str, body: str) -> None:
    """Tell a learner of an enrolment or a completion: an in-app message and an e-mail
    (sent after the transaction commits; muted kinds send none)."""
    from sdgcities.notifications.service import notify

    log.info("learning notice %s to %s: %s", kind, to, subject)
    notify(session, to=to, kind=kind, subject=subject, body=body, link="/learn/me")


def _now() -> datetime:
    return datetime.now(UTC)


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


# ---------------------------------------------------------------------------- courses


def import_course(session: Session, path: Path, *, replace: bool = False) -> tuple[Course, bool]:
    """Store the course of a YAML/JSON course file; returns (course, created).

    An existing course (same slug) is replaced only with ``replace`` and only while no
    one is enrolled (progress would otherwise point at lessons that changed).
    """
    data = read_course_file(path)
    spec = parse_course(data, file=path.name)
    return store_course(
        session,
        spec,
        source_file=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        replace=replace,
    )


def store_course(
    session: Session,
    spec: CourseSpec,
    *,
    source_file: str = "",
    sha256: str = "",
    replace: bool = False,
) -> tuple[Course, bool]:
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.slug == spec.catalogue))
    if entry is None or entry.kind != "training_course":
        problem = "no such catalogue entry" if entry is None else f"entry is a {entry.kind}"
        raise ValidationError(
            f"{source_file or 'course'}: catalogue {spec.catalogue!r}: {problem}",
            [
                Finding(
                    problem,
                    file=source_file or None,
                    column="catalogue",
                    value=spec.catalogue,
                    fix="name a catalogue entry of kind training_course "
                    "(`sdgcities capacity catalogue list --kind training_course`)",
                )
            ],
        )
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    created = course is None
    if course is not None:
        if not replace:
            raise ConflictError(
                f"course {spec.slug!r} exists; give --replace to replace its content"
            )
        n = session.scalar(select(func.count()).where(Enrolment.course_id == course.id)) or 0
        if n:
            raise ConflictError(
                f"course {spec.slug!r} has {n} enrolment(s): its lessons and assessments "
                "cannot be replaced; import it under a new slug"
            )
        for old in session.scalars(select(Lesson).where(Lesson.course_id == course.id)):
            session.delete(old)
        for olda in session.scalars(select(Assessment).where(Assessment.course_id == course.id)):
            session.delete(olda)
        session.flush()
    else:
        course = Course(slug=spec.slug)
        session.add(course)
    course.entry_id = entry.id
    course.title = spec.title
    course.summary = spec.summary
    course.format = spec.format
    course.language = spec.language
    course.hours = spec.hours
    course.source_file = source_file
    course.sha256 = sha256
    session.flush()
    for i, lesson in enumerate(spec.lessons, start=1):
        session.add(
            Lesson(
                course_id=course.id,
                position=i,
                title=lesson.title,
                body_html=lesson.body_html,
                url=lesson.url,
            )
        )
    for i, ass in enumerate(spec.assessments, start=1):
        session.add(
            Assessment(
                course_id=course.id,
                position=i,
                title=ass.title,
                pass_mark=ass.pass_mark,
                questions=ass.questions,
            )
        )
    session.flush()
    return course, created


def list_courses(session: Session, *, published_only: bool = True) -> list[Course]:
    q = select(Course).order_by(Course.title)
    if published_only:
        q = q.where(Course.published.is_(True))
    return list(session.scalars(q))


def get_course(session: Session, slug: str) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFoundError(
            f"no course {slug!r}; `sdgcities learning course list` shows the courses"
        )
    return course


def lessons_of(session: Session, course: Course) -> list[Lesson]:
    return list(
        session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        )
    )


def assessments_of(session: Session, course: Course) -> list[Assessment]:
    return list(
        session.scalars(
            select(Assessment)
            .where(Assessment.course_id == course.id)
            .order_by(Assessment.position)
        )
    )


# ---------------------------------------------------------------------------- learners


def get_profile(session: Session, user: User) -> LearnerProfile | None:
    return session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))


def set_profile(
    session: Session,
    user: User,
    *,
    sex: str | None = None,
    country: str | None = None,
    organisation_type: str | None = None,
) -> LearnerProfile:
    """Set what the reports count a learner by; the country is an ISO 3166 alpha-3 code."""
    import pycountry

    profile = get_profile(session, user)
    if profile is None:
        profile = LearnerProfile(user_id=user.id, sex="not_stated", organisation_type="not_stated")
        session.add(profile)
    if sex is not None:
        profile.sex = check_choice(sex, rules.SEXES, "sex")
    if organisation_type is not None:
        profile.organisation_type = check_choice(
            organisation_type, rules.ORGANISATION_TYPES, "organisation_type"
        )
    if country is not None:
        code = country.strip().upper()
        if code == "":
            profile.country_iso3 = None
        elif pycountry.countries.get(alpha_3=code) is None:
            raise ValidationError(
                f"country {country!r} is not an ISO 3166 alpha-3 code",
                [
                    Finding(
                        "unknown country code",
                        column="country",
                        value=country,
                        fix="use the three-letter code, e.g. KEN, FRA, BRA",
                    )
                ],
            )
        else:
            profile.country_iso3 = code
    profile.updated_at = _now()
    session.flush()
    return profile


# ---------------------------------------------------------------------------- enrolment


def enrolment_of(session: Session, course: Course, user: User) -> Enrolment | None:
    return session.scalar(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user.id)
    )


def enrol(
    session: Session,
    course: Course,
    learner: User,
    *,
    actor: User | None,
    source: str = "web",
    at: datetime | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol ``learner`` (returns the enrolment and whether it is new).

    A learner enrols themself; hub staff and admins may enrol anyone. The catalogue
    entry's enrolments of the month go up by one in the same transaction.
    """
    if actor is None or not actor.active:
        raise PermissionDeniedError("log in to enrol")
    if actor.id != learner.id and not is_staff(actor):
        raise PermissionDeniedError("only hub staff and admins may enrol someone else")
    if not course.published and not is_staff(actor):
        raise NotFoundError(f"no course {course.slug!r}")
    found = enrolment_of(session, course, learner)
    if found is not None:
        return found, False
    moment = at or _now()
    enrolment = Enrolment(
        course_id=course.id,
        user_id=learner.id,
        enrolled_at=moment,
        enrolled_by=actor.email,
        source=source,
    )
    session.add(enrolment)
    session.flush()
    entry = session.get(CatalogueEntry, course.entry_id)
    assert entry is not None
    record_usage(session, entry, _month(moment), enrolments=1)
    _announce(
        session,
        kind="enrolment",
        to=learner.email,
        subject=f"You are enrolled on {course.title}",
        body=f"You are enrolled on {course.title}.",
    )
    return enrolment, True


def _own_enrolment(session: Session, course: Course, user: User | None) -> Enrolment:
    if user is None:
        raise PermissionDeniedError("log in to follow a course")
    enrolment = enrolment_of(session, course, user)
    if enrolment is None:
        raise ConflictError(f"you are not enrolled on {course.title!r}: enrol first")
    return enrolment


def view_lesson(session: Session, course: Course, user: User | None, position: int) -> Lesson:
    """Record that the learner viewed lesson ``position`` (once); may complete the course."""
    enrolment = _own_enrolment(session, course, user)
    lesson = session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.position == position)
    )
    if lesson is None:
        raise NotFoundError(f"course {course.slug!r} has no lesson {position}")
    seen = session.scalar(
        select(LessonView.id).where(
            LessonView.enrolment_id == enrolment.id, LessonView.lesson_id == lesson.id
        )
    )
    if seen is None:
        session.add(LessonView(enrolment_id=enrolment.id, lesson_id=lesson.id))
        session.flush()
        refresh_completion(session, enrolment)
    return lesson


def submit_attempt(
    session: Session,
    course: Course,
    user: User | None,
    position: int,
    answers: Sequence[int | None],
) -> Attempt:
    """Score an attempt (answers: the chosen choice per question, 0-based, None = none)."""
    enrolment = _own_enrolment(session, course, user)
    ass = session.scalar(
        select(Assessment).where(Assessment.course_id == course.id, Assessment.position == position)
    )
    if ass is None:
        raise NotFoundError(f"course {course.slug!r} has no assessment {position}")
    problems = []
    if len(answers) > len(ass.questions):
        problems.append(
            Finding(
                f"{len(answers)} answers for {len(ass.questions)} questions",
                column="answers",
                fix="give one answer per question",
            )
        )
    for i, (a, q) in enumerate(zip(answers, ass.questions, strict=False), start=1):
        if a is not None and not 0 <= a < len(q["choices"]):
            problems.append(
                Finding(
                    f"question {i}: no choice {a + 1}",
                    column=f"q{i}",
                    value=str(a),
                    fix=f"choose 1–{len(q['choices'])}",
                )
            )
    if problems:
        raise ValidationError("the answers do not fit the assessment", problems)
    value = rules.score(ass.questions, list(answers))
    attempt = Attempt(
        enrolment_id=enrolment.id,
        assessment_id=ass.id,
        answers=list(answers),
        score=value,
        passed=rules.passed(value, ass.pass_mark),
    )
    session.add(attempt)
    session.flush()
    refresh_completion(session, enrolment)
    return attempt


def mark_attendance(
    session: Session, course: Course, learner: User, *, actor: User | None
) -> Enrolment:
    """A trainer's (hub staff's) attendance mark on a blended course."""
    if not is_staff(actor):
        raise PermissionDeniedError("only hub staff and admins mark attendance")
    assert actor is not None
    if course.format != "blended":
        raise ConflictError(f"{course.title!r} is self-paced: it has no attendance to mark")
    enrolment = enrolment_of(session, course, learner)
    if enrolment is None:
        raise ConflictError(f"{learner.email} is not enrolled on {course.title!r}")
    if enrolment.attended_at is None:
        enrolment.attended_at = _now()
        enrolment.attended_by = actor.email
        session.flush()
        refresh_completion(session, enrolment)
    return enrolment


def best_scores(session: Session, enrolment: Enrolment) -> dict[int, float]:
    """The best score per assessment id."""
    rows = session.execute(
        select(Attempt.assessment_id, func.max(Attempt.score))
        .where(Attempt.enrolment_id == enrolment.id)
        .group_by(Attempt.assessment_id)
    ).all()
    return {a: float(s) for a, s in rows}


def progress(session: Session, enrolment: Enrolment) -> rules.Progress:
    course = session.get(Course, enrolment.course_id)
    assert course is not None
    lessons = session.scalar(select(func.count()).where(Lesson.course_id == course.id)) or 0
    viewed = (
        session.scalar(
            select(func.count())
            .select_from(LessonView)
            .join(Lesson, Lesson.id == LessonView.lesson_id)
            .where(LessonView.enrolment_id == enrolment.id, Lesson.course_id == course.id)
        )
        or 0
    )
    assessments = assessments_of(session, course)
    best = best_scores(session, enrolment)
    n_passed = sum(1 for a in assessments if a.id in best and rules.passed(best[a.id], a.pass_mark))
    return rules.Progress(
        lessons_total=lessons,
        lessons_viewed=viewed,
        assessments_total=len(assessments),
        assessments_passed=n_passed,
        needs_attendance=course.format == "blended",
        attended=enrolment.attended_at is not None,
    )


def refresh_completion(
    session: Session, enrolment: Enrolment, *, at: datetime | None = None
) -> Certificate | None:
    """Complete the enrolment when its course's rules are met (once), count the completion
    in the catalogue's usage and issue the certificate; returns the new certificate."""
    if enrolment.completed_at is not None or not progress(session, enrolment).complete:
        return None
    return _complete(session, enrolment, at or _now())


def _complete(session: Session, enrolment: Enrolment, moment: datetime) -> Certificate:
    course = session.get(Course, enrolment.course_id)
    learner = session.get(User, enrolment.user_id)
    assert course is not None
    assert learner is not None
    enrolment.completed_at = moment
    entry = session.get(CatalogueEntry, course.entry_id)
    assert entry is not None
    record_usage(session, entry, _month(moment), completions=1)
    cert = Certificate(
        code=_unused_code(session),
        enrolment_id=enrolment.id,
        holder_name=learner.name or learner.email.split("@")[0],
        course_title=course.title,
        hours=course.hours,
        issued_at=moment,
        status="valid",
    )
    session.add(cert)
    session.flush()
    _announce(
        session,
        kind="completion",
        to=learner.email,
        subject=f"You completed {course.title}",
        body=f"You completed {course.title}. Your certificate: {cert.code}.",
    )
    return cert


def _unused_code(session: Session) -> str:
    for _ in range(20):
        code = rules.new_code()
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code
    raise ConflictError("could not draw an unused certificate code; try again")  # pragma: no cover


# ---------------------------------------------------------------------------- certificates


def find_certificate(session: Session, code: str) -> Certificate:
    """The certificate of ``code`` (typed loosely: case, O/0, I/1, dashes), else NotFound."""
    norm = rules.normalise_code(code)
    cert = session.scalar(select(Certificate).where(Certificate.code == norm)) if norm else None
    if cert is None:
        raise NotFoundError(UNKNOWN_CODE)
    return cert


def _enrolment_of(session: Session, cert: Certificate) -> Enrolment:
    enrolment = session.get(Enrolment, cert.enrolment_id)
    assert enrolment is not None
    return enrolment


def holder_of(session: Session, cert: Certificate) -> User:
    user = session.get(User, _enrolment_of(session, cert).user_id)
    assert user is not None
    return user


def course_of(session: Session, cert: Certificate) -> Course:
    course = session.get(Course, _enrolment_of(session, cert).course_id)
    assert course is not None
    return course


def badge_of(session: Session, cert: Certificate, *, base_url: str) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 credential (unsigned; see learning.badges)."""
    from sdgcities.learning.badges import open_badge

    return open_badge(
        cert, course_of(session, cert), email=holder_of(session, cert).email, base_url=base_url
    )


def may_download(session: Session, user: User | None, cert: Certificate) -> bool:
    """The holder, hub staff and admins."""
    return (
        user is not None
        and user.active
        and (is_staff(user) or holder_of(session, cert).id == user.id)
    )


def verification(session: Session, code: str) -> dict[str, Any]:
    """What the public verification page shows: holder's name, course, date, status."""
    cert = find_certificate(session, code)
    return {
        "code": cert.code,
        "holder": cert.holder_name,
        "course": cert.course_title,
        "issued_on": cert.issued_at.date().isoformat(),
        "hours": cert.hours,
        "status": cert.status,
        "revoked_on": cert.revoked_at.date().isoformat() if cert.revoked_at else None,
    }


def revoke(session: Session, code: str, *, actor: User | None, reason: str) -> Certificate:
    """Revoke a certificate (admins only, with a reason); verification then says revoked."""
    if actor is None or not actor.active or actor.role != "admin":
        raise PermissionDeniedError("only admins revoke certificates")
    if not reason.strip():
        raise ValidationError(
            "a revocation needs a reason",
            [Finding("missing", column="reason", fix="say why, e.g. --reason 'issued in error'")],
        )
    cert = find_certificate(session, code)
    if cert.status == "revoked":
        raise ConflictError(f"certificate {cert.code} is already revoked")
    cert.status = "revoked"
    cert.revoked_at = _now()
    cert.revoked_by = actor.email
    cert.revoke_reason = reason.strip()
    session.flush()
    return cert


def certificates_of(session: Session, user: User) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Enrolment.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )


def my_learning(session: Session, user: User) -> list[dict[str, Any]]:
    """The learner's courses with progress, best scores and certificate code."""
    out = []
    rows = session.execute(
        select(Enrolment, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at.desc())
    ).all()
    for enrolment, course in rows:
        p = progress(session, enrolment)
        cert = session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        out.append(
            {
                "course": course.slug,
                "title": course.title,
                "format": course.format,
                "enrolled_at": enrolment.enrolled_at,
                "completed_at": enrolment.completed_at,
                "lessons_viewed": p.lessons_viewed,
                "lessons_total": p.lessons_total,
                "assessments_passed": p.assessments_passed,
                "assessments_total": p.assessments_total,
                "needs_attendance": p.needs_attendance,
                "attended": p.attended,
                "missing": p.missing,
                "certificate": cert.code if cert else None,
                "certificate_status": cert.status if cert else None,
            }
        )
    return out


def course_learners(session: Session, course: Course) -> list[dict[str, Any]]:
    """The course's learners with progress and profile (personal data: hub staff, admins)."""
    rows = session.execute(
        select(Enrolment, User, LearnerProfile)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(Enrolment.course_id == course.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    ).all()
    out = []
    for enrolment, user, profile in rows:
        p = progress(session, enrolment)
        out.append(
            {
                "email": user.email,
                "name": user.name,
                "enrolled_at": enrolment.enrolled_at,
                "completed_at": enrolment.completed_at,
                "lessons": f"{p.lessons_viewed}/{p.lessons_total}",
                "assessments": f"{p.assessments_passed}/{p.assessments_total}",
                "attended": p.attended,
                "sex": profile.sex if profile else "not_stated",
                "country": (profile.country_iso3 or "") if profile else "",
                "organisation_type": profile.organisation_type if profile else "not_stated",
            }
        )
    return out
