"""ASGI layers that guard every request before the framework reads it.

* :class:`BodyLimitMiddleware` — a request body may not exceed its limit: the upload
  limit (``Settings.max_upload_bytes``) on the upload endpoints, a small one
  (:data:`FORM_LIMIT`) everywhere else. ``Content-Length`` is checked before anything
  is read, and the body is *counted while it streams* (a chunked body has no length),
  so no multipart parser ever spools more than the limit to disk. An upload without
  credentials is refused before its first byte is read.
* :class:`SecurityHeadersMiddleware` — Content-Security-Policy (no inline script),
  frame-ancestors / X-Frame-Options, nosniff and Referrer-Policy on every response.

Both answer with the platform's one error shape (:mod:`sdgcities.web.errors`).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sdgcities.web.errors import error_body, is_api_path

logger = logging.getLogger(__name__)

#: largest body of a request that is not an upload (forms, JSON): 1 MiB
FORM_LIMIT = 1024 * 1024
#: the endpoints that take an observations file
UPLOAD_PATHS = ("/data/upload", "/api/v1/observations/import")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: decides from the request headers whether someone is logged in (runs in a thread)
CredentialCheck = Callable[[Scope], Awaitable[bool]]


class HttpMiddleware:
    """A plain ASGI middleware acting on HTTP requests (others pass straight through).

    Subclasses implement :meth:`http`; no task or stream per request, unlike
    Starlette's ``BaseHTTPMiddleware``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodyTooLarge(HTTPException):
    """The body grew past its limit while it was being read (→ 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return (
        f"the request body is larger than {size}; split the file, or ask the administrator "
        "to raise SDGCITIES_MAX_UPLOAD_MB"
    )


async def _answer(
    scope: Scope, send: Send, status: int, code: str, message: str, location: str | None = None
) -> None:
    path = scope.get("path", "")
    headers: list[tuple[bytes, bytes]] = [(b"connection", b"close")]
    if location is not None:
        headers.append((b"location", location.encode("latin-1")))
    if is_api_path(path):
        body = json.dumps(error_body(status, code, message)).encode()
        headers.append((b"content-type", b"application/json"))
    else:
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>"
            f"{status}</title></head><body><h1>{status}</h1><p>{html.escape(message)}</p>"
            "<p><a href='/'>Home</a></p></body></html>"
        ).encode()
        headers.append((b"content-type", b"text/html; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Caps request bodies while they stream; refuses anonymous uploads unread."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        upload_limit: Callable[[], int],
        has_credentials: CredentialCheck,
        form_limit: int = FORM_LIMIT,
        upload_paths: tuple[str, ...] = UPLOAD_PATHS,
    ) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.has_credentials = has_credentials
        self.form_limit = form_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_upload = path.rstrip("/") in self.upload_paths
        limit = self.upload_limit() if is_upload else self.form_limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(scope, send, 413, "payload_too_large", too_large_message(limit))
            return
        if is_upload and not await self.has_credentials(scope):
            if is_api_path(path):
                await _answer(
                    scope,
                    send,
                    401,
                    "unauthorized",
                    "log in first, or send an API token as 'Authorization: Bearer <token>'",
                )
            else:
                await _answer(
                    scope,
                    send,
                    303,
                    "unauthorized",
                    "log in as a city editor to upload data",
                    location="/login?next=" + quote("/data", safe=""),
                )
            return

        received = 0
        started = False
        exceeded = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if exceeded:
                # the app answered its own way (e.g. "cannot parse the body"): say why
                if not started:
                    started = True
                    await _answer(scope, send, 413, "payload_too_large", too_large_message(limit))
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BaseException:
            # raised from the body reader, possibly wrapped by a task group on the way
            if not exceeded:
                raise
            if started:
                return
            logger.info("refused a body over %s bytes on %s", limit, path)
            await _answer(scope, send, 413, "payload_too_large", too_large_message(limit))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else 1 << 62
    return None


# --------------------------------------------------------------------------- headers


def content_security_policy(tile_url: str = "", *, script_hashes: list[str] | None = None) -> str:
    """The CSP of every page: scripts, styles, fonts and frames only from this server.

    No inline script (``script-src 'self'``; JSON data blocks are not executed); inline
    *styles* are allowed because the map and chart libraries position elements with
    them. Images may also come from the configured basemap tile server.
    """
    img = "'self' data: blob:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            img += f" {parts.scheme}://{host}"
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *(script_hashes or [])]),
            "style-src 'self' 'unsafe-inline'",
            f"img-src {img}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (unless a route set its own)."""

    def __init__(self, app: ASGIApp, *, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


#: at most this many requests inside one worker at once, computing or sending their body
#: (below the store's connection pool: 15 on SQLite, 30 on PostgreSQL)
INSIDE = 8


class ConcurrencyMiddleware:
    """At most ``limit`` requests computing inside the app at once; the others wait at
    the door, first come first served.

    The pages are CPU-bound Python: requests interleaved in one process only share its
    interpreter lock, so each takes longer and the slowest take longest. Served one or
    two at a time, they finish in turn (two: one computes while the other waits on the
    store). City pages, two workers, 50 readers pausing 0.5–1.5 s between pages, four
    runs: p95 118–152 ms with a limit of 2, 156–197 with 4, 159–226 with 8
    (``bench/bench_serve_limit.py``; see :mod:`sdgcities.config`).

    A request gives its computing slot back when its response starts, so a slow client
    reading a body, or a streamed body generated after the start, keeps no other request
    from computing. Its store session closes only once the body is sent (FastAPI ends a
    request's dependencies then), so a second bound, :data:`INSIDE` (or ``limit`` if
    higher) requests inside at all, computing or sending, keeps sessions under the
    store's connection pool (15 on SQLite) whatever the clients do. The wait is here,
    before any dependency opens a store session, so a waiting request never holds a
    pooled connection; limiting anyio's thread tokens instead would make requests wait
    *between* their dependencies and handler, connection in hand, and empty the pool.
    Static files skip both queues.
    """

    def __init__(self, app: ASGIApp, *, limit: int, skip: tuple[str, ...] = ("/static/",)):
        self.app = app
        self.limit = limit
        self.inside = max(limit, INSIDE)
        self.skip = skip
        #: (event loop, inside, computing): made on the first request's loop
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore, asyncio.Semaphore] | None
        self._slots = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.skip):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:  # one pair per event loop
            self._slots = (loop, asyncio.Semaphore(self.inside), asyncio.Semaphore(self.limit))
        _loop, inside, computing = self._slots
        async with inside:
            await computing.acquire()
            held = True

            def give_back() -> None:
                nonlocal held
                if held:
                    held = False
                    computing.release()

            async def send_then_free(message: Message) -> None:
                if message["type"] == "http.response.start":
                    give_back()  # computed: sending the body takes no computing slot
                await send(message)

            try:
                await self.app(scope, receive, send_then_free)
            finally:
                give_back()
