"""Pages to reset a forgotten password and to accept an invitation (links sent by mail).

``/password/forgot`` asks for the e-mail address and always answers the same (it does
not reveal who has an account); ``/password/reset?token=…`` and ``/invitation?token=…``
show a form only for a live token, which is spent on the first successful use.
Thin over :mod:`sdgcities.accounts.invitations` and :mod:`sdgcities.accounts.mail`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sdgcities.accounts.invitations import (
    InvalidTokenError,
    accept_invitation,
    check_token,
    request_reset,
    reset_password,
)
from sdgcities.accounts.mail import reset_mail, send_mail
from sdgcities.accounts.users import find_user_by_email
from sdgcities.config import Settings, get_settings
from sdgcities.errors import ValidationError
from sdgcities.web import auth
from sdgcities.web.i18n import gettext as _

logger = logging.getLogger(__name__)
router = APIRouter(tags=["accounts"], include_in_schema=False)

Token = Annotated[str, Query(min_length=1, max_length=200)]


def _settings(request: Request) -> Settings:
    found: Settings | None = getattr(request.app.state, "settings", None)
    return found or get_settings()


def link(request: Request, path: str, token: str) -> str:
    """The absolute link for a mail: ``SDGCITIES_BASE_URL`` or the request's own host."""
    base = _settings(request).base_url or str(request.base_url).rstrip("/")
    return f"{base}{path}?token={token}"


def _page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    from sdgcities.web.templating import render

    ctx = {"csrf_token": auth.csrf_token(request), "message": "", "notice": "", **context}
    response = render(request, template, ctx, status_code=status_code)
    cookie = getattr(request.state, "pending_session_cookie", None)
    if cookie:
        auth.set_session_cookie(request, response, cookie)
        request.state.pending_session_cookie = None
    return response


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, user: auth.CurrentUser) -> Response:
    return _page(request, "auth/forgot.html")


@router.post("/password/forgot", response_class=HTMLResponse)
async def forgot(
    request: Request,
    session: auth.DbSession,
    user: auth.CurrentUser,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    await auth.verify_csrf(request, user)
    wait = auth.login_rate_wait(request)
    if wait:
        return _page(
            request, "auth/forgot.html", 429, message=_("Too many requests; wait a minute.")
        )
    settings = _settings(request)
    if not settings.smtp_host:
        return _page(
            request,
            "auth/forgot.html",
            503,
            message=_(
                "This platform cannot send e-mail; ask an administrator to reset your password."
            ),
        )
    token = request_reset(session, settings.secret_key, email)
    if token is not None:
        account = find_user_by_email(session, email)
        subject, body = reset_mail(
            account.locale if account else None, link(request, "/password/reset", token)
        )
        send_mail(settings, to=email.strip(), subject=subject, body=body)
        logger.info("password reset mailed to %s", email.strip().lower())
    notice = _("If an account exists for this address, we have sent it a link.")
    return _page(request, "auth/forgot.html", notice=notice)


def _token_form(request: Request, session: Session, token: str, mode: str) -> Response:
    try:
        row = check_token(session, _settings(request).secret_key, token, mode)
    except InvalidTokenError as err:
        return _page(request, "auth/password.html", 400, message=str(err), token="", mode=mode)
    return _page(request, "auth/password.html", token=token, mode=mode, email=row.email)


def _spend(request: Request, token: str, mode: str, action: Callable[[str], object]) -> Response:
    """Run ``action(secret)``; a spent/invalid token or a weak password re-shows the form."""
    try:
        action(_settings(request).secret_key)
    except (InvalidTokenError, ValidationError) as err:
        status = 400 if isinstance(err, InvalidTokenError) else 422
        return _page(
            request, "auth/password.html", status, message=str(err), token=token, mode=mode
        )
    return RedirectResponse("/login?next=/", status_code=303)


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(
    request: Request, session: auth.DbSession, user: auth.CurrentUser, token: Token
) -> Response:
    return _token_form(request, session, token, "reset")


@router.post("/password/reset", response_class=HTMLResponse)
async def reset(
    request: Request,
    session: auth.DbSession,
    user: auth.CurrentUser,
    token: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    await auth.verify_csrf(request, user)
    return _spend(
        request, token, "reset", lambda key: reset_password(session, key, token, password)
    )


@router.get("/invitation", response_class=HTMLResponse)
def invitation_form(
    request: Request, session: auth.DbSession, user: auth.CurrentUser, token: Token
) -> Response:
    return _token_form(request, session, token, "invite")


@router.post("/invitation", response_class=HTMLResponse)
async def accept(
    request: Request,
    session: auth.DbSession,
    user: auth.CurrentUser,
    token: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(max_length=1000)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    await auth.verify_csrf(request, user)
    return _spend(
        request,
        token,
        "invite",
        lambda key: accept_invitation(session, key, token, password, name=name),
    )
