"""Server-side web sessions: the cookie holds a random value, the store its keyed hash.

The stored id is HMAC-SHA256(secret key, cookie value) — ``SDGCITIES_SECRET_KEY`` —
so a copy of the store alone cannot be matched to cookies, and rotating the key ends
every session. With an empty ``secret`` it is the plain SHA-256 (tests, scripts).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sdgcities.accounts._time import aware, now
from sdgcities.store.models import WebSession

SESSION_LIFETIME = timedelta(days=7)


def session_key(cookie_value: str, secret: str = "") -> str:
    """The store's id of the session whose cookie is ``cookie_value``."""
    data = cookie_value.encode("utf-8")
    if secret:
        return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def new_web_session(
    session: Session,
    *,
    user_id: int | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
    secret: str = "",
) -> tuple[str, WebSession]:
    """Start a session: returns ``(cookie value, row)`` with a fresh CSRF token."""
    cookie = secrets.token_urlsafe(32)
    row = WebSession(
        id=session_key(cookie, secret),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        data={},
        created_at=now(),
        expires_at=now() + lifetime,
    )
    session.add(row)
    session.flush()
    return cookie, row


def load_web_session(
    session: Session, cookie_value: str | None, secret: str = ""
) -> WebSession | None:
    """The live session for a cookie value, or None (an expired one is deleted)."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    row = session.get(WebSession, session_key(cookie_value, secret))
    if row is None:
        return None
    if aware(row.expires_at) <= now():
        session.delete(row)
        session.flush()
        return None
    return row


def end_web_session(session: Session, cookie_value: str | None, secret: str = "") -> None:
    if cookie_value:
        key = session_key(cookie_value, secret)
        session.execute(delete(WebSession).where(WebSession.id == key))
        session.flush()


def prune_sessions(session: Session) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at < now()))
    return int(getattr(result, "rowcount", 0) or 0)
