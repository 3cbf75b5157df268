"""``/notifications``: a person's own in-app messages, and which e-mails they receive.

The header shows the unread count (:func:`unread_for`, a template global); nobody
sees another person's messages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from sdgcities.notifications import service as nt
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env
from sdgcities.web.templating import environment, render

router = APIRouter()
LOGGED_IN = Depends(auth.require_user)


def unread_for(request: Any, user: Any) -> int:
    """The unread count of the page's user (0 when it cannot be read)."""
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None or user is None:
        return 0
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    try:
        with Session(engine) as s:
            return nt.unread_count(s, user.email)
    except SQLAlchemyError:
        return 0


environment().globals["unread_notifications"] = unread_for


@router.get("/notifications", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def inbox_page(env: PageEnv = Depends(form_page_env)) -> Response:
    assert env.user is not None
    return render(
        env.request,
        "notifications/inbox.html",
        {
            "messages": nt.inbox(env.session, env.user.email),
            "kinds": nt.KINDS,
            "muted": nt.muted_kinds(env.session, env.user.email),
        },
    )


@router.post("/notifications/read", dependencies=[LOGGED_IN, auth.CsrfChecked])
def mark_read(env: PageEnv = Depends(form_page_env), ids: list[int] = Form([])) -> Response:
    assert env.user is not None
    nt.mark_read(env.session, env.user.email, ids or None)
    env.session.commit()
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/preferences", dependencies=[LOGGED_IN, auth.CsrfChecked])
def preferences(
    env: PageEnv = Depends(form_page_env), email_kinds: list[str] = Form([])
) -> Response:
    """The kinds whose e-mail is wanted are ticked; the others are muted."""
    assert env.user is not None
    wanted = set(email_kinds)
    for kind in nt.KINDS:
        nt.set_email_muted(env.session, env.user.email, kind, kind not in wanted)
    env.session.commit()
    return RedirectResponse("/notifications", status_code=303)
