"""Review pages: the queue, submitting a city's drafts, one submission, the audit log.

City editors submit their cities' drafts from here (or from the data page); reviewers
(the staff of the hub serving the city, the global hub, admins) publish or return them
with a comment. Anonymous visitors are asked to log in (401); accounts without rights
over a city see none of its submissions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sdgcities.accounts import permissions
from sdgcities.errors import ConflictError, ValidationError
from sdgcities.review import service
from sdgcities.review.workflow import STATES, allowed_actions
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, form_page_env
from sdgcities.web.templating import render

router = APIRouter(prefix="/review")

LOGGED_IN = Depends(auth.require_user)
SubmissionId = Path(ge=1, le=2**62)


def _cities(env: PageEnv, ids: set[int] | None) -> dict[int, City]:
    q = select(City)
    if ids is not None:
        if not ids:
            return {}
        q = q.where(City.id.in_(sorted(ids)))
    return {c.id: c for c in env.session.scalars(q.order_by(City.name).limit(2000))}


def _submittable(env: PageEnv) -> list[tuple[City, int]]:
    """The cities the user may submit, with their number of current drafts (> 0)."""
    out = []
    for city in _cities(env, permissions.editable_city_ids(env.user, env.session)).values():
        n = len(service.draft_ids(env.session, city.id))
        if n:
            out.append((city, n))
    return out


def _queue_page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    subs = service.list_submissions(env.session, user=env.user)
    reviewable = permissions.reviewable_city_ids(env.user, env.session)
    ctx: dict[str, Any] = {
        "queue": [
            s
            for s in subs
            if s.state == "submitted" and (reviewable is None or s.city_id in reviewable)
        ],
        "cities": _cities(env, {s.city_id for s in subs}),
        "submittable": _submittable(env),
        "reviewer": reviewable != set(),
        "states": STATES,
        "problems": [],
        "message": None,
    }
    ctx["others"] = [s for s in subs if s not in ctx["queue"]]
    ctx.update(extra)
    return render(env.request, "review/queue.html", ctx, status_code=status_code)


@router.get("", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def queue_page(env: PageEnv = Depends(form_page_env), done: str = "") -> Response:
    """Submissions waiting for the reader's review, and the reader's other submissions."""
    return _queue_page(env, message=done[:300] or None)


@router.get("/submit", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def submit_page(env: PageEnv = Depends(form_page_env)) -> Response:
    """The cities whose drafts the reader may submit."""
    return _queue_page(env)


def _problems(err: Exception) -> list[str]:
    summary = getattr(err, "summary", None) or str(err)
    return [summary, *[str(f) for f in getattr(err, "findings", [])]]


@router.post("/submit", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked])
def submit_form(
    env: PageEnv = Depends(form_page_env),
    city: str = Form(..., max_length=200),
    comment: str = Form("", max_length=2000),
) -> Response:
    try:
        sub = service.submit(env.session, city, actor=env.user, comment=comment)
    except (ValidationError, ConflictError) as err:
        env.session.rollback()
        return _queue_page(env, 422 if isinstance(err, ValidationError) else 409,
                           problems=_problems(err))  # fmt: skip
    sub_id = sub.id
    env.session.commit()
    return RedirectResponse(f"/review/{sub_id}", status_code=303)


@router.get("/audit", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def audit_page(env: PageEnv = Depends(form_page_env)) -> Response:
    """Every review action the reader may see: who, when, from → to, what."""
    entries = service.audit(env.session, user=env.user)
    return render(
        env.request,
        "review/audit.html",
        {"entries": entries, "cities": _cities(env, {e.city_id for e in entries})},
    )


def _detail(env: PageEnv, submission_id: int, status_code: int = 200, **extra: Any) -> Response:
    view = service.show(env.session, submission_id, user=env.user)
    sub = view.submission
    may = set(allowed_actions(sub.state))  # type: ignore[arg-type]
    ctx: dict[str, Any] = {
        "view": view,
        "may_review": permissions.can_review(env.user, sub.city_id, env.session)
        and bool(may & {"publish", "return"}),
        "may_submit": permissions.can_edit_city(env.user, sub.city_id, env.session)
        and "submit" in may,
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "review/submission.html", ctx, status_code=status_code)


@router.get("/{submission_id}", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def submission_page(
    submission_id: int = SubmissionId, env: PageEnv = Depends(form_page_env)
) -> Response:
    """One submission: its values (published beside draft), its log, the review form."""
    return _detail(env, submission_id)


@router.post(
    "/{submission_id}/{action}",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def act(
    submission_id: int = SubmissionId,
    action: str = Path(pattern="^(publish|return)$"),
    env: PageEnv = Depends(form_page_env),
    comment: str = Form("", max_length=2000),
) -> Response:
    """Publish or return a submission (reviewers)."""
    try:
        if action == "publish":
            service.publish(env.session, submission_id, actor=env.user, comment=comment)
            done = _("Published: the public sees these values now.")
        else:
            service.return_submission(env.session, submission_id, actor=env.user, comment=comment)
            done = _("Returned to the city's editors with your comment.")
    except (ValidationError, ConflictError) as err:
        env.session.rollback()
        return _detail(env, submission_id, 422 if isinstance(err, ValidationError) else 409,
                       problems=_problems(err))  # fmt: skip
    env.session.commit()
    env.cache.invalidate()
    from urllib.parse import quote

    return RedirectResponse(f"/review?done={quote(done)}", status_code=303)
