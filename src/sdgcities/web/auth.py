"""Who is asking: server-side sessions, API tokens, roles and CSRF for the web layer.

A request is authenticated either by an API token (``Authorization: Bearer …``, for
scripts — exempt from CSRF because browsers never send it on their own) or by the
session cookie (random value; the store keeps its HMAC under ``SDGCITIES_SECRET_KEY`` in
``WebSession``; HttpOnly, SameSite=Lax, Secure over HTTPS — ``SDGCITIES_COOKIE_SECURE``
is ``auto``, ``always`` (behind a TLS-terminating proxy) or ``never``).
Every unsafe request (POST/PUT/PATCH/DELETE) that carries a session cookie must carry
the session's CSRF token in the form field ``csrf_token`` or the ``X-CSRF-Token`` header.

The rules of who may do what live in :mod:`sdgcities.accounts.permissions`; this module
only adapts them to FastAPI dependencies. It also serves ``/login`` and ``/logout``.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from sdgcities.accounts import permissions
from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.accounts.login import authenticate
from sdgcities.accounts.sessions import (
    SESSION_LIFETIME,
    end_web_session,
    load_web_session,
    new_web_session,
)
from sdgcities.accounts.tokens import verify_token
from sdgcities.config import Settings, get_settings
from sdgcities.errors import PermissionDeniedError
from sdgcities.store.db import session_factory
from sdgcities.store.models import User, WebSession
from sdgcities.web._guard import HttpMiddleware
from sdgcities.web.deps import DbSession as DbSession  # the one session alias

logger = logging.getLogger(__name__)

SESSION_COOKIE = "sdgcities_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfError(PermissionDeniedError):
    """The CSRF token of a cookie-authenticated form or request is missing or wrong."""

    code = "csrf_failed"


# --------------------------------------------------------------------------- cookies


def _settings(request: Request) -> Settings:
    found: Settings | None = getattr(request.app.state, "settings", None)
    return found or get_settings()


def _secret(request: Request) -> str:
    return _settings(request).secret_key


def cookie_secure(request: Request) -> bool:
    """Whether cookies get ``Secure``: over HTTPS (``auto``), or as configured."""
    mode = _settings(request).cookie_secure
    if mode == "always":
        return True
    if mode == "never":
        return False
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, cookie_value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request)
    )


# --------------------------------------------------------------------------- who is asking


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(
            "the Authorization header must be 'Bearer <token>'; create a token with "
            "`sdgcities users token EMAIL`"
        )
    return value.strip()


def _resolve(request: Request, session: Session) -> User | None:
    state = request.state
    if getattr(state, "auth_resolved", False):
        user: User | None = state.user
        return user
    state.auth_resolved = True
    state.user = None
    state.auth = None
    state.web_session = None
    state.db_session = session
    token = _bearer(request)
    if token is not None:
        found = verify_token(session, token)
        if not (session.new or session.dirty or session.deleted):
            # the token's use was written on another connection: end this session's read
            # snapshot, or SQLite refuses its later writes (a WAL snapshot is stale)
            session.commit()
        if found is None:
            raise AuthenticationError(
                "the API token is unknown, revoked, or its account is disabled"
            )
        state.user, state.auth = found, "token"
        return found
    web = load_web_session(session, request.cookies.get(SESSION_COOKIE), _secret(request))
    if web is not None:
        state.web_session = web
        state.csrf_token = web.csrf_token
        if web.user_id is not None:
            candidate = session.get(User, web.user_id)
            if candidate is not None and candidate.active:
                state.user, state.auth = candidate, "session"
    result: User | None = state.user
    return result


async def current_user(request: Request, session: DbSession) -> User | None:
    """The logged-in user (token or session), or None for an anonymous visitor.

    Also sets ``request.state.user`` and ``request.state.csrf_token`` for the templates.
    A wrong or revoked API token is an error (401), never silently anonymous.

    Async: an anonymous request (no token, no session cookie) is resolved without the
    store, on the event loop; only a token or a cookie to look up goes to the thread pool.
    """
    if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
        return await run_in_threadpool(_resolve, request, session)
    return _resolve(request, session)


CurrentUser = Annotated[User | None, Depends(current_user)]


def require_user(user: CurrentUser) -> User:
    """The logged-in user; 401 for an anonymous visitor."""
    if user is None:
        raise AuthenticationError(
            "log in first, or send an API token as 'Authorization: Bearer <token>'"
        )
    return user


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency admitting users with one of ``roles`` (admins always)."""
    allowed = frozenset(roles) | {"admin"}

    def dependency(user: Annotated[User, Depends(require_user)]) -> User:
        if user.role not in allowed:
            raise PermissionDeniedError(
                f"this needs the role {' or '.join(sorted(allowed))}; you are {user.role}"
            )
        return user

    return dependency


def can_edit_city(user: User | None, city_id: int, session: Session) -> bool:
    """Whether ``user`` may add or correct values of the city (see accounts.permissions)."""
    return permissions.can_edit_city(user, city_id, session)


def ensure_can_edit_city(user: User | None, city_id: int, session: Session, name: str) -> None:
    if user is None:
        raise AuthenticationError("log in, or send an API token, to change data")
    if not can_edit_city(user, city_id, session):
        raise PermissionDeniedError(
            f"you may not change the data of {name}; ask an administrator to grant it "
            "to your account (`sdgcities users grant`)"
        )


# --------------------------------------------------------------------------- CSRF


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form (``<input name="csrf_token">``).

    Starts an anonymous session when the visitor has none, if the request already
    resolved its user (``current_user``); the cookie is then set by :func:`install_auth`'s
    middleware (or by the route itself, see ``pending_session_cookie``).
    """
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    db: Session | None = getattr(request.state, "db_session", None)
    if db is None:
        return ""
    cookie, web = new_web_session(db, secret=_secret(request))
    request.state.web_session = web
    request.state.csrf_token = web.csrf_token
    request.state.pending_session_cookie = cookie
    return web.csrf_token


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def verify_csrf(request: Request, user: CurrentUser) -> None:
    """Refuse (403) an unsafe cookie-authenticated request without the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    if getattr(request.state, "auth", None) == "token":
        return
    web: WebSession | None = getattr(request.state, "web_session", None)
    if web is None:
        if user is None:
            return  # no cookie, no ambient authority to abuse
        raise CsrfError("your session has expired; reload the page and try again")
    submitted = await _submitted_csrf(request)
    if not submitted or not secrets.compare_digest(submitted, web.csrf_token):
        raise CsrfError(
            "the form's security token is missing or out of date; reload the page and "
            "submit it again (API clients: send X-CSRF-Token or use an API token)"
        )


CsrfChecked = Depends(verify_csrf)


# --------------------------------------------------------------------------- rate, uploads

#: requests to ``POST /login`` one client may make (``limits`` notation), right or wrong
LOGIN_RATE = parse("30/minute")


def login_rate_wait(request: Request) -> int:
    """Seconds the client must wait before another ``POST /login`` (0: go ahead).

    A per-process moving window (``limits``' memory storage): a cheap first line in
    front of the per-account/client delays of :mod:`sdgcities.accounts.login`.
    """
    limiter: MovingWindowRateLimiter | None = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = MovingWindowRateLimiter(MemoryStorage())
        request.app.state.login_limiter = limiter
    client = _client(request) or "-"
    if limiter.hit(LOGIN_RATE, "login", client):
        return 0
    reset, _remaining = limiter.get_window_stats(LOGIN_RATE, "login", client)
    return max(1, int(reset - time.time()) + 1)


def _logged_in(engine: Engine, secret: str, authorization: str | None, cookie: str | None) -> bool:
    with session_factory(engine)() as session:
        if authorization:
            scheme, _, value = authorization.partition(" ")
            user = (
                verify_token(session, value.strip(), record_use=False)
                if scheme.lower() == "bearer"
                else None
            )
            session.rollback()  # checking must not write (the endpoint records the use)
            return user is not None
        web = load_web_session(session, cookie, secret)
        ok = False
        if web is not None and web.user_id is not None:
            user = session.get(User, web.user_id)
            ok = user is not None and user.active
        session.commit()
        return ok


def credentials_check(app: Any) -> Callable[[Scope], Coroutine[Any, Any, bool]]:
    """For :class:`~sdgcities.web._guard.BodyLimitMiddleware`: is the request logged in?

    Reads only the headers (API token or session cookie), in a worker thread.
    """

    async def check(scope: Scope) -> bool:
        request = Request(scope)
        settings: Settings = getattr(app.state, "settings", None) or get_settings()
        return await anyio.to_thread.run_sync(
            _logged_in,
            app.state.engine,
            settings.secret_key,
            request.headers.get("authorization"),
            request.cookies.get(SESSION_COOKIE),
        )

    return check


# --------------------------------------------------------------------------- middleware


class SessionCookieMiddleware(HttpMiddleware):
    """Sets the session cookie a request started (``request.state.pending_session_cookie``),
    unless the response sets it itself.

    Plain ASGI: it only looks at the response's first message, so it costs no task or
    stream per request (``BaseHTTPMiddleware`` cost every page about a millisecond).
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        state: dict[str, Any] = scope.setdefault("state", {})  # request.state's own dict

        async def send_with_cookie(message: Message) -> None:
            cookie = state.get("pending_session_cookie")
            if message["type"] == "http.response.start" and cookie:
                headers = MutableHeaders(scope=message)
                if not any(SESSION_COOKIE + "=" in v for v in headers.getlist("set-cookie")):
                    carrier = Response()
                    set_session_cookie(Request(scope), carrier, cookie)
                    for value in carrier.headers.getlist("set-cookie"):
                        headers.append("set-cookie", value)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def install_auth(app: Any) -> None:
    """Add the middleware that sets a session cookie started during a request."""
    app.add_middleware(SessionCookieMiddleware)


# --------------------------------------------------------------------------- login pages

router = APIRouter(tags=["accounts"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _login_page(
    request: Request,
    *,
    next_url: str,
    email: str = "",
    message: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    from sdgcities.web.templating import render

    response = render(
        request,
        "auth/login.html",
        {"next": next_url, "email": email, "message": message, "csrf_token": csrf_token(request)},
        status_code=status_code,
        headers=headers,
    )
    cookie = getattr(request.state, "pending_session_cookie", None)
    if cookie:
        set_session_cookie(request, response, cookie)
        request.state.pending_session_cookie = None
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: CurrentUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = _safe_next(next)
    wait = login_rate_wait(request)
    if wait:
        return _login_page(
            request,
            next_url=target,
            email=email,
            status_code=429,
            message=f"Too many login requests from your address; wait {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    web: WebSession | None = request.state.web_session
    if web is None:
        return _login_page(
            request,
            next_url=target,
            email=email,
            status_code=403,
            message="Your session expired. Please enter your e-mail and password again.",
        )
    await verify_csrf(request, user)
    try:
        found = authenticate(session, email, password, client=_client(request))
    except ThrottledError as err:
        return _login_page(
            request,
            next_url=target,
            email=email,
            status_code=429,
            message=str(err),
            headers={"Retry-After": str(err.retry_after)},
        )
    except AuthenticationError as err:
        return _login_page(request, next_url=target, email=email, status_code=401, message=str(err))
    # a new session id on login: a session fixed before login is worthless after it
    end_web_session(session, request.cookies.get(SESSION_COOKIE), _secret(request))
    cookie, _row = new_web_session(session, user_id=found.id, secret=_secret(request))
    # committed before the redirect leaves: the browser's next request must find it
    session.commit()
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, cookie)
    logger.info("user %s logged in", found.email)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: DbSession) -> Response:
    end_web_session(session, request.cookies.get(SESSION_COOKIE), _secret(request))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(request, response)
    return response
