"""What every page needs: the request's user and CSRF token, the page cache, helpers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from sdgcities.store.models import User
from sdgcities.web import auth, i18n
from sdgcities.web._cache import PageCache
from sdgcities.web.deps import DbSession


@dataclass(frozen=True)
class PageUser:
    """What the templates show of the user — a plain copy, safe after the session closed."""

    id: int
    email: str
    name: str
    role: str

    @classmethod
    def of(cls, user: User | None) -> PageUser | None:
        if user is None:
            return None
        return cls(id=user.id, email=user.email, name=user.name or "", role=user.role)


@dataclass
class PageEnv:
    """The per-request things a page handler uses."""

    request: Request
    session: Session
    user: User | None

    @property
    def cache(self) -> PageCache:
        cache: PageCache | None = getattr(self.request.app.state, "page_cache", None)
        if cache is None:
            cache = self.request.app.state.page_cache = PageCache()
        return cache


async def page_env(
    request: Request,
    session: DbSession,
    user: User | None = Depends(auth.current_user),
) -> PageEnv:
    """Dependency of every page: resolves the user (and the session's CSRF token, if any).

    No session is started for an anonymous reader: reading pages writes nothing.
    Async: it does no I/O (``current_user`` does it), so no trip to the thread pool.
    """
    request.state.page_user = PageUser.of(user)
    request.state.csrf_token = getattr(request.state, "csrf_token", "") or ""
    return PageEnv(request=request, session=session, user=user)


def form_page_env(env: PageEnv = Depends(page_env)) -> PageEnv:
    """Dependency of pages with a form: makes sure a session and its CSRF token exist."""
    env.request.state.csrf_token = auth.csrf_token(env.request)
    return env


def clean(value: Any) -> Any:
    """``None`` for NaN / pandas NA (templates show ``—``)."""
    if value is None:
        return None
    try:
        if isinstance(value, float) and math.isnan(value):
            return None
    except TypeError:
        return value
    try:
        import pandas as pd

        if value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        return value
    return value


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as a list of dicts with NaN turned into ``None``."""
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def script_json(value: Any) -> str:
    """JSON safe to place inside ``<script type="application/json">`` (no ``</script>``)."""
    return (
        json.dumps(value, allow_nan=False, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def indicator_name(name: str | None, code: str = "") -> str:
    """An indicator's name in the reader's language (``catalogue.po``), else as stored.

    The store keeps the English catalogue name; only what is shown is translated.
    """
    if not name:
        return code
    return i18n.gettext(name)


def year_span(first: int, last: int) -> str:
    """``"2019"`` for one year, ``"2016–2022"`` for a range."""
    return str(first) if first == last else f"{first}\u2013{last}"
