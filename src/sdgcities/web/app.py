"""The web application: pages, JSON API (/api/v1), OGC API (/ogc), static files.

``create_app(settings)`` builds a FastAPI app bound to one store; ``sdgcities serve``
runs it with uvicorn (``uvicorn --factory sdgcities.web.app:create_app``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sdgcities import __version__
from sdgcities.config import Settings, get_settings
from sdgcities.store.db import init_store
from sdgcities.web import account_pages, auth, docs, i18n
from sdgcities.web._cache import AnonymousPageMiddleware, PageCache
from sdgcities.web._guard import (
    BodyLimitMiddleware,
    ConcurrencyMiddleware,
    HttpMiddleware,
    SecurityHeadersMiddleware,
    content_security_policy,
)
from sdgcities.web._memory import tune_collector, tune_for_server
from sdgcities.web.api import router as api_router
from sdgcities.web.errors import install_error_handlers
from sdgcities.web.ogc import mount_ogc
from sdgcities.web.pages import pages_router

logger = logging.getLogger(__name__)


class LocaleMiddleware(HttpMiddleware):
    """Chooses the language of each request (``?lang=``, cookie, ``Accept-Language``).

    Stores it in ``request.state.lang`` and, when ``?lang=`` was given, remembers the
    choice in the ``lang`` cookie. A pure ASGI middleware: no cost on the response body.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = _query_param(scope.get("query_string", b""), "lang")
        headers = dict(scope.get("headers") or [])
        cookie = _cookie(headers.get(b"cookie", b"").decode("latin-1"), i18n.COOKIE)
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        lang = i18n.choose_locale(query, cookie, accept)
        scope.setdefault("state", {})["lang"] = lang
        # the request's language for the templates and the core services' messages
        token = i18n.set_locale(lang)
        remember = query is not None and query[:2].lower() in i18n.LANGUAGES and cookie != lang

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                value = f"{i18n.COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            i18n.reset_locale(token)


def _query_param(raw: bytes, name: str) -> str | None:
    from urllib.parse import parse_qsl

    for key, value in parse_qsl(raw.decode("latin-1")):
        if key == name:
            return value
    return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


@asynccontextmanager
async def _serving(_app: FastAPI) -> AsyncIterator[None]:
    """Once the server has started the app: the collector tuned for a long-lived process."""
    tune_collector()  # the app's own objects leave the collector's scans
    yield


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """The platform's web app bound to the store of ``settings`` (default: the environment).

    ``migrate=True`` brings the store's schema up to date first (idempotent).
    """
    s = settings or get_settings()
    tune_for_server()  # allocators whose freed memory is reused: flat RSS under load
    app = FastAPI(
        title="SDG Cities",
        version=__version__,
        description="SDG 11 and Urban Monitoring Framework indicators for cities.",
        docs_url=None,  # served from the package's own assets: see sdgcities.web.docs
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_serving,
    )
    app.state.settings = s
    app.state.engine = init_store(s) if migrate else _engine(s)
    app.state.page_cache = PageCache()

    install_error_handlers(app)
    auth.install_auth(app)
    # outermost last: the locale is chosen before the anonymous page cache looks up a page
    app.add_middleware(
        AnonymousPageMiddleware,
        cache=app.state.page_cache,
        engine=lambda: app.state.engine,
        prefixes=("/cities/", "/api/v1/cities", "/api/v1/indicators", "/api/v1/observations"),
        query_prefixes=("/api/v1/",),
        session_cookie=auth.SESSION_COOKIE,
    )
    app.add_middleware(LocaleMiddleware)
    # before any route reads a body: size caps while streaming, anonymous uploads refused
    app.add_middleware(
        BodyLimitMiddleware,
        upload_limit=lambda: app.state.settings.max_upload_bytes,
        has_credentials=auth.credentials_check(app),
    )
    app.add_middleware(SecurityHeadersMiddleware, csp=content_security_policy(_tile_url()))
    # at most web_threads requests inside the app at once, waiting before any session opens
    app.add_middleware(ConcurrencyMiddleware, limit=s.web_threads)
    if s.trusted_proxies:
        # X-Forwarded-For/-Proto only from the configured reverse proxies (never by default)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(s.trusted_proxies))

    static_dir = resources.files("sdgcities.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.include_router(auth.router)
    app.include_router(docs.router)
    app.include_router(account_pages.router)
    app.include_router(api_router, prefix=api_router.path_prefix)
    app.include_router(pages_router())
    mount_ogc(app, s)
    return app


def _tile_url() -> str:
    import os

    return os.environ.get("SDGCITIES_TILE_URL", "")


def _engine(settings: Settings) -> Any:
    from sdgcities.store.db import get_engine

    return get_engine(settings)
