"""UN-Habitat Learn's pages: courses, a course with its lessons and assessments, my
learning, certificate downloads, the public verification page and the reports.

Learners enrol themselves; hub staff and admins enrol others, mark attendance on blended
courses and read the reports (counts only); admins revoke certificates. The verification
page is public and shows the holder's name, the course, the date and the status only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sdgcities.accounts.users import find_user_by_email
from sdgcities.errors import NotFoundError, PermissionDeniedError, SdgCitiesError
from sdgcities.learning import reports, rules
from sdgcities.learning import service as svc
from sdgcities.learning.certificates import certificate_pdf
from sdgcities.learning.models import Certificate, Course
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.templating import render

router = APIRouter(prefix="/learn")
LOGGED_IN = Depends(auth.require_user)
SLUG = Path(..., pattern=r"^[a-z0-9-]{1,120}$")
CODE = Path(..., pattern=r"^[A-Za-z0-9 -]{1,40}$")
POSITION = Path(..., ge=1, le=10000)


def base_url(request: Request) -> str:
    """``SDGCITIES_BASE_URL`` or the request's scheme and host (links in documents)."""
    from sdgcities.config import get_settings

    settings = getattr(request.app.state, "settings", None) or get_settings()
    return settings.base_url or str(request.base_url).rstrip("/")


def _problems(err: SdgCitiesError) -> list[str]:
    findings = getattr(err, "findings", [])
    return [str(f) for f in findings] or [str(err)]


@router.get("", response_class=HTMLResponse)
def course_list(env: PageEnv = Depends(page_env)) -> Response:
    courses = svc.list_courses(env.session, published_only=not svc.is_staff(env.user))
    mine = (
        {row["course"]: row for row in svc.my_learning(env.session, env.user)} if env.user else {}
    )
    return render(env.request, "learning/list.html", {"courses": courses, "mine": mine})


def _course_page(env: PageEnv, course: Course, status_code: int = 200, **extra: Any) -> Response:
    user = env.user
    enrolment = svc.enrolment_of(env.session, course, user) if user else None
    lessons = svc.lessons_of(env.session, course)
    assessments = svc.assessments_of(env.session, course)
    viewed: set[int] = set()
    best: dict[int, float] = {}
    cert = None
    progress = None
    if enrolment is not None:
        from sqlalchemy import select

        from sdgcities.learning.models import LessonView

        viewed = set(
            env.session.scalars(
                select(LessonView.lesson_id).where(LessonView.enrolment_id == enrolment.id)
            )
        )
        best = svc.best_scores(env.session, enrolment)
        progress = svc.progress(env.session, enrolment)
        cert = env.session.scalar(
            select(Certificate).where(Certificate.enrolment_id == enrolment.id)
        )
    ctx = {
        "course": course,
        "lessons": lessons,
        "assessments": assessments,
        "enrolment": enrolment,
        "viewed": viewed,
        "best": best,
        "progress": progress,
        "certificate": cert,
        "staff": svc.is_staff(user),
        "problems": [],
        "notice": "",
    }
    ctx.update(extra)
    return render(env.request, "learning/course.html", ctx, status_code=status_code)


def _course(env: PageEnv, slug: str) -> Course:
    course = svc.get_course(env.session, slug)
    if not course.published and not svc.is_staff(env.user):
        raise NotFoundError(f"no course {slug!r}")
    return course


@router.get("/courses/{slug}", response_class=HTMLResponse)
def course_page(slug: str = SLUG, env: PageEnv = Depends(form_page_env)) -> Response:
    return _course_page(env, _course(env, slug))


@router.get("/courses/{slug}/learners", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def learners_page(slug: str = SLUG, env: PageEnv = Depends(form_page_env)) -> Response:
    _staff(env)
    course = _course(env, slug)
    return render(
        env.request,
        "learning/learners.html",
        {"course": course, "rows": svc.course_learners(env.session, course)},
    )


@router.get("/completions.csv", dependencies=[LOGGED_IN])
def completions_csv(
    env: PageEnv = Depends(page_env),
    course: str = Query("", max_length=120, pattern=r"^[a-z0-9-]*$"),
) -> Response:
    from sdgcities.learning.transfer import completions_csv as as_csv

    _staff(env)
    return Response(
        as_csv(env.session, course=course or None),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="learning-completions.csv"'},
    )


def _act(env: PageEnv, course: Course, action: Any, anchor: str = "") -> Response:
    try:
        action()
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        if isinstance(err, PermissionDeniedError) and env.user is None:
            raise
        return _course_page(env, course, 422, problems=_problems(err))
    return RedirectResponse(f"/learn/courses/{course.slug}{anchor}", status_code=303)


@router.post(
    "/courses/{slug}/enrol", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked]
)
def enrol(
    slug: str = SLUG,
    env: PageEnv = Depends(form_page_env),
    email: str = Form("", max_length=320),
) -> Response:
    course = _course(env, slug)

    def run() -> None:
        learner = env.user
        if email.strip():
            learner = find_user_by_email(env.session, email)
            if learner is None:
                raise NotFoundError(f"no account has the e-mail {email.strip()!r}")
        assert learner is not None
        svc.enrol(env.session, course, learner, actor=env.user, source="web")

    return _act(env, course, run)


@router.post(
    "/courses/{slug}/lessons/{position}/viewed",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def lesson_viewed(
    slug: str = SLUG, position: int = POSITION, env: PageEnv = Depends(form_page_env)
) -> Response:
    course = _course(env, slug)
    return _act(
        env,
        course,
        lambda: svc.view_lesson(env.session, course, env.user, position),
        f"#lesson-{position}",
    )


@router.post(
    "/courses/{slug}/assessments/{position}",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
async def attempt(
    request: Request,
    slug: str = SLUG,
    position: int = POSITION,
    env: PageEnv = Depends(form_page_env),
) -> Response:
    course = _course(env, slug)
    form = await request.form()
    ass = next((a for a in svc.assessments_of(env.session, course) if a.position == position), None)
    if ass is None:
        raise NotFoundError(f"course {slug!r} has no assessment {position}")
    answers: list[int | None] = []
    for i in range(1, len(ass.questions) + 1):
        raw = str(form.get(f"q{i}", ""))
        answers.append(int(raw) - 1 if raw.isdigit() and len(raw) < 4 else None)
    return _act(
        env,
        course,
        lambda: svc.submit_attempt(env.session, course, env.user, position, answers),
        f"#assessment-{position}",
    )


@router.post(
    "/courses/{slug}/attendance",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def attendance(
    slug: str = SLUG,
    env: PageEnv = Depends(form_page_env),
    email: str = Form(..., max_length=320),
) -> Response:
    course = _course(env, slug)

    def run() -> None:
        learner = find_user_by_email(env.session, email)
        if learner is None:
            raise NotFoundError(f"no account has the e-mail {email.strip()!r}")
        svc.mark_attendance(env.session, course, learner, actor=env.user)

    return _act(env, course, run)


def _me_page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    user = env.user
    assert user is not None
    profile = svc.get_profile(env.session, user)
    ctx = {
        "rows": svc.my_learning(env.session, user),
        "profile": profile,
        "sexes": rules.SEXES,
        "org_types": rules.ORGANISATION_TYPES,
        "problems": [],
        "notice": "",
    }
    ctx.update(extra)
    return render(env.request, "learning/me.html", ctx, status_code=status_code)


@router.get("/me", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def my_learning(env: PageEnv = Depends(form_page_env)) -> Response:
    return _me_page(env)


@router.post("/me/profile", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked])
def save_profile(
    env: PageEnv = Depends(form_page_env),
    sex: str = Form("not_stated", max_length=16),
    country: str = Form("", max_length=3),
    organisation_type: str = Form("not_stated", max_length=32),
) -> Response:
    assert env.user is not None
    try:
        svc.set_profile(
            env.session, env.user, sex=sex, country=country, organisation_type=organisation_type
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _me_page(env, 422, problems=_problems(err))
    return RedirectResponse("/learn/me?saved=1", status_code=303)


@router.get("/certificates/{code}.pdf", dependencies=[LOGGED_IN])
def certificate_download(code: str = CODE, env: PageEnv = Depends(page_env)) -> Response:
    cert = svc.find_certificate(env.session, code)
    if not svc.may_download(env.session, env.user, cert):
        raise NotFoundError(svc.UNKNOWN_CODE)
    pdf = certificate_pdf(cert, base_url=base_url(env.request))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{cert.code}.pdf"'},
    )


def _unknown(env: PageEnv, code: str) -> Response:
    return render(env.request, "learning/unknown_code.html", {"code": code}, status_code=404)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(env: PageEnv = Depends(page_env), code: str = Query("", max_length=40)) -> Response:
    if code.strip():
        norm = rules.normalise_code(code)
        if norm is None:
            return _unknown(env, code)
        return RedirectResponse(f"/learn/verify/{norm}", status_code=303)
    return render(env.request, "learning/verify_form.html", {})


@router.get("/verify/{code}", response_class=HTMLResponse)
def verify(code: str = CODE, env: PageEnv = Depends(form_page_env)) -> Response:
    try:
        info = svc.verification(env.session, code)
    except NotFoundError:
        return _unknown(env, code)
    admin = env.user is not None and env.user.role == "admin"
    return render(env.request, "learning/verify.html", {"cert": info, "admin": admin})


@router.post(
    "/verify/{code}/revoke", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked]
)
def revoke(
    code: str = CODE,
    env: PageEnv = Depends(form_page_env),
    reason: str = Form("", max_length=2000),
) -> Response:
    try:
        cert = svc.revoke(env.session, code, actor=env.user, reason=reason)
        env.session.commit()
    except (PermissionDeniedError, NotFoundError):
        env.session.rollback()
        raise
    except SdgCitiesError as err:
        env.session.rollback()
        info = svc.verification(env.session, code)
        return render(
            env.request,
            "learning/verify.html",
            {"cert": info, "admin": True, "problems": _problems(err)},
            status_code=422,
        )
    return RedirectResponse(f"/learn/verify/{cert.code}", status_code=303)


def _staff(env: PageEnv) -> None:
    if not svc.is_staff(env.user):
        raise PermissionDeniedError("the learning reports are for hub staff and admins")


def _period(start: str, end: str) -> reports.Period:
    def day(text: str, name: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            from sdgcities.errors import Finding, ValidationError

            raise ValidationError(
                f"{name} {text!r} is not a date",
                [Finding("not a date", column=name, value=text, fix="use YYYY-MM-DD")],
            ) from None

    return reports.Period(day(start, "start"), day(end, "end"))


@router.get("/reports", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def reports_page(
    env: PageEnv = Depends(page_env),
    course: str = Query("", max_length=120, pattern=r"^[a-z0-9-]*$"),
    start: str = Query("", max_length=10),
    end: str = Query("", max_length=10),
) -> Response:
    _staff(env)
    rep = reports.breakdown(env.session, course=course or None, period=_period(start, end))
    by_dim: dict[str, list[dict[str, Any]]] = {d: [] for d in reports.DIMENSIONS}
    for row in rep["rows"]:
        by_dim[row["dimension"]].append(row)
    top = max((r["enrolments"] or 0 for r in rep["rows"]), default=0) or 1
    return render(
        env.request,
        "learning/reports.html",
        {
            "rep": rep,
            "by_dim": by_dim,
            "top": top,
            "courses": svc.list_courses(env.session, published_only=False),
            "course": course,
            "start": start,
            "end": end,
        },
    )


@router.get("/reports.csv", dependencies=[LOGGED_IN])
def reports_csv(
    env: PageEnv = Depends(page_env),
    course: str = Query("", max_length=120, pattern=r"^[a-z0-9-]*$"),
    start: str = Query("", max_length=10),
    end: str = Query("", max_length=10),
) -> Response:
    _staff(env)
    rep = reports.breakdown(env.session, course=course or None, period=_period(start, end))
    return Response(
        reports.report_csv(rep),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="learning-report.csv"'},
    )
