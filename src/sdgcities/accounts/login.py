"""Logging in: password check with throttling of repeated failures.

Every attempt is recorded in ``LoginAttempt`` twice — under the e-mail address and
under the client address — and a key with :data:`MAX_FAILURES` failures within
:data:`WINDOW` (counted since that key's last success) is refused with
:class:`~sdgcities.accounts.errors.ThrottledError` before the password is even checked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sdgcities.accounts._passwords import hash_password, needs_rehash, verify_password
from sdgcities.accounts._time import aware, now
from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.accounts.users import find_user_by_email, normalise_email
from sdgcities.store.models import LoginAttempt, User

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _keys(email: str, client: str | None) -> list[str]:
    keys = [f"email:{normalise_email(email)}"[:320]]
    if client:
        keys.append(f"addr:{client}"[:320])
    return keys


def _failures(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.success, LoginAttempt.at >= since
        )
    )
    start = max(since, aware(last_ok)) if last_ok is not None else since
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.key == key, ~LoginAttempt.success, LoginAttempt.at > start
        )
    ).one()
    return int(count or 0), (aware(oldest) if oldest is not None else None)


def check_throttle(session: Session, email: str, client: str | None = None) -> None:
    """Raise :class:`ThrottledError` when the e-mail or the client is locked out."""
    current = now()
    since = current - WINDOW
    for key in _keys(email, client):
        count, oldest = _failures(session, key, since)
        if count >= MAX_FAILURES and oldest is not None:
            wait = (oldest + WINDOW - current).total_seconds()
            raise ThrottledError(
                f"too many failed logins; try again in {max(1, int(wait) + 1)} seconds",
                retry_after=int(wait) + 1,
            )


def record_attempt(session: Session, email: str, client: str | None, *, success: bool) -> None:
    at = now()
    for key in _keys(email, client):
        session.add(LoginAttempt(key=key, at=at, success=success))
    session.flush()


def authenticate(session: Session, email: str, password: str, *, client: str | None = None) -> User:
    """The active user with these credentials.

    Raises :class:`ThrottledError` (with ``retry_after`` seconds) after too many
    failures for the e-mail or the client address, else :class:`AuthenticationError`
    with the same message whether the e-mail or the password was wrong. The attempt is
    recorded; the caller's transaction must commit even on failure (the web layer does).
    """
    check_throttle(session, email, client)
    user = find_user_by_email(session, email)
    ok = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not ok or not user.active:
        record_attempt(session, email, client, success=False)
        logger.info("failed login for %s from %s", normalise_email(email), client)
        raise AuthenticationError("wrong e-mail address or password")
    record_attempt(session, email, client, success=True)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def prune_attempts(session: Session, *, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete attempts older than ``older_than``; returns how many."""
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < now() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
