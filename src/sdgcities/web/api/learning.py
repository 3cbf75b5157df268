"""``/learning``: courses, my enrolments and progress, attempts, certificates, badges,
reports (thin over :mod:`sdgcities.learning.service`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sdgcities.accounts.users import find_user_by_email
from sdgcities.errors import NotFoundError, PermissionDeniedError
from sdgcities.learning import reports
from sdgcities.learning import service as svc
from sdgcities.learning.models import Course
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession
from sdgcities.web.auth import CsrfChecked, current_user, require_user

router = APIRouter(prefix="/learning", tags=["learning"])
LoggedIn = Annotated[User, Depends(require_user)]
MaybeUser = Annotated[User | None, Depends(current_user)]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,120}$")]
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,40}$")]
Position = Annotated[int, Path(ge=1, le=10000)]


class CourseOut(BaseModel):
    slug: str
    title: str
    summary: str
    format: str
    language: str
    hours: float
    lessons: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []


class EnrolIn(BaseModel):
    email: str | None = Field(None, max_length=320, description="staff only: whom to enrol")


class AttemptIn(BaseModel):
    answers: list[int | None] = Field(
        max_length=500, description="the chosen choice per question, counted from 1"
    )


def _course(session: Any, user: User | None, slug: str) -> Course:
    course = svc.get_course(session, slug)
    if not course.published and not svc.is_staff(user):
        raise NotFoundError(f"no course {slug!r}")
    return course


def _course_out(session: Any, course: Course, *, full: bool) -> CourseOut:
    out = CourseOut(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        format=course.format,
        language=course.language,
        hours=course.hours,
    )
    if full:
        out.lessons = [
            {"position": x.position, "title": x.title} for x in svc.lessons_of(session, course)
        ]
        out.assessments = [
            {
                "position": a.position,
                "title": a.title,
                "pass_mark": a.pass_mark,
                "questions": [{"text": q["text"], "choices": q["choices"]} for q in a.questions],
            }
            for a in svc.assessments_of(session, course)
        ]
    return out


@router.get("/courses", response_model=list[CourseOut], summary="Courses")
def list_courses(session: DbSession, user: MaybeUser) -> list[CourseOut]:
    return [
        _course_out(session, c, full=False)
        for c in svc.list_courses(session, published_only=not svc.is_staff(user))
    ]


@router.get("/courses/{slug}", response_model=CourseOut, summary="A course (no answers)")
def get_course(slug: Slug, session: DbSession, user: MaybeUser) -> CourseOut:
    return _course_out(session, _course(session, user, slug), full=True)


@router.post(
    "/courses/{slug}/enrolments", status_code=201, summary="Enrol", dependencies=[CsrfChecked]
)
def enrol(slug: Slug, body: EnrolIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    course = _course(session, user, slug)
    learner: User | None = user
    if body.email:
        learner = find_user_by_email(session, body.email)
        if learner is None:
            raise NotFoundError(f"no account has the e-mail {body.email!r}")
    assert learner is not None
    enrolment, created = svc.enrol(session, course, learner, actor=user, source="api")
    session.commit()
    return {"course": course.slug, "created": created, "enrolled_at": enrolment.enrolled_at}


@router.get("/me", summary="My courses, progress and certificates")
def me(user: LoggedIn, session: DbSession) -> list[dict[str, Any]]:
    return svc.my_learning(session, user)


@router.post(
    "/courses/{slug}/lessons/{position}/view",
    summary="Mark a lesson viewed",
    dependencies=[CsrfChecked],
)
def view(slug: Slug, position: Position, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    course = _course(session, user, slug)
    svc.view_lesson(session, course, user, position)
    session.commit()
    return _progress(session, course, user)


@router.post(
    "/courses/{slug}/assessments/{position}/attempts",
    status_code=201,
    summary="Submit an attempt",
    dependencies=[CsrfChecked],
)
def attempt(
    slug: Slug, position: Position, body: AttemptIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    course = _course(session, user, slug)
    answers = [None if a is None else a - 1 for a in body.answers]
    att = svc.submit_attempt(session, course, user, position, answers)
    session.commit()
    return {"score": att.score, "passed": att.passed, **_progress(session, course, user)}


def _progress(session: Any, course: Course, user: User) -> dict[str, Any]:
    row = next(r for r in svc.my_learning(session, user) if r["course"] == course.slug)
    return {"progress": row}


@router.get("/certificates/{code}/verify", summary="Verify a certificate (public)")
def verify(code: Code, session: DbSession) -> dict[str, Any]:
    return svc.verification(session, code)


@router.get(
    "/certificates/{code}/badge",
    summary="The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned)",
)
def badge(code: Code, request: Request, user: LoggedIn, session: DbSession) -> JSONResponse:
    from sdgcities.web.pages.learning import base_url

    cert = svc.find_certificate(session, code)
    if not svc.may_download(session, user, cert):
        raise NotFoundError(svc.UNKNOWN_CODE)
    credential = svc.badge_of(session, cert, base_url=base_url(request))
    return JSONResponse(credential, media_type="application/ld+json")


@router.get("/reports", summary="Enrolments and completions by group (hub staff)")
def report(
    user: LoggedIn,
    session: DbSession,
    course: Annotated[str | None, Query(max_length=120, pattern=r"^[a-z0-9-]+$")] = None,
) -> dict[str, Any]:
    if not svc.is_staff(user):
        raise PermissionDeniedError("the learning reports are for hub staff and admins")
    return reports.breakdown(session, course=course)
