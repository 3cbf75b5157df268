"""Logging in: password check with a growing delay after repeated failures — never a lock.

Every attempt is recorded in ``LoginAttempt`` under two keys: the pair *(client
address, account)* and the client address alone. A key whose failures since its last
success, within the policy's window, exceed the policy's free amount must wait before
its next attempt, and the wait doubles with each further failure (capped)::

    wait = min(BASE_DELAY · 2 ** (failures − free), MAX_DELAY)   after the last failure

* :data:`PAIR_POLICY` (5 per 15 minutes): one client guessing one account's password;
* :data:`CLIENT_POLICY` (20 per 15 minutes): one client trying many accounts.

There is deliberately no per-account key: an attacker elsewhere cannot keep a user —
an admin included — out of their own account; the Argon2 cost and the per-client delay
bound an online guessing attack. ``sdgcities users unlock EMAIL`` clears an account's
failures. The policies are ``limits`` rate-limit items (``"5/15minutes"``), the notation
of the ``limits`` library that also caps the request rate of ``POST /login``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from limits import RateLimitItem, parse
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from sdgcities.accounts._passwords import hash_password, needs_rehash, verify_password
from sdgcities.accounts._time import aware, now
from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.accounts.users import find_user_by_email, normalise_email
from sdgcities.store.models import LoginAttempt, User

logger = logging.getLogger(__name__)

PAIR_POLICY: RateLimitItem = parse("5/15minutes")
CLIENT_POLICY: RateLimitItem = parse("20/15minutes")
#: failures of one client on one account before the first delay
MAX_FAILURES = PAIR_POLICY.amount
WINDOW = timedelta(seconds=PAIR_POLICY.get_expiry())
BASE_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(minutes=15)
_NO_CLIENT = "-"


def _pair_key(email: str, client: str | None) -> str:
    # the client first, so that a (rare) truncation cuts the e-mail, not the address
    return f"pair:{client or _NO_CLIENT}|{normalise_email(email)}"[:320]


def _client_key(client: str | None) -> str:
    return f"addr:{client or _NO_CLIENT}"[:320]


def _failures(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """Failures of ``key`` after ``since`` and its last success, and the latest one."""
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.success, LoginAttempt.at >= since
        )
    )
    start = max(since, aware(last_ok)) if last_ok is not None else since
    count, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, ~LoginAttempt.success, LoginAttempt.at > start
        )
    ).one()
    return int(count or 0), (aware(latest) if latest is not None else None)


def delay_after(failures: int, free: int) -> timedelta:
    """The wait after ``failures`` failures when ``free`` are allowed (0 while within).

    >>> [int(delay_after(n, 5).total_seconds()) for n in (4, 5, 6, 7, 20)]
    [0, 10, 20, 40, 900]
    """
    if failures < free:
        return timedelta(0)
    steps = min(failures - free, 16)
    delay: timedelta = min(BASE_DELAY * (2**steps), MAX_DELAY)
    return delay


def check_throttle(session: Session, email: str, client: str | None = None) -> None:
    """Raise :class:`ThrottledError` while this client must still wait for this account."""
    current = now()
    for key, policy in (
        (_pair_key(email, client), PAIR_POLICY),
        (_client_key(client), CLIENT_POLICY),
    ):
        since = current - timedelta(seconds=policy.get_expiry())
        count, latest = _failures(session, key, since)
        if latest is None:
            continue
        wait = (latest + delay_after(count, policy.amount) - current).total_seconds()
        if wait > 0:
            seconds = int(wait) + 1
            raise ThrottledError(
                f"too many failed logins from your address; wait {seconds} seconds and try "
                "again (each further failure doubles the wait; an administrator can clear "
                "it with `sdgcities users unlock EMAIL`)",
                retry_after=seconds,
            )


def record_attempt(session: Session, email: str, client: str | None, *, success: bool) -> None:
    at = now()
    for key in (_pair_key(email, client), _client_key(client)):
        session.add(LoginAttempt(key=key, at=at, success=success))
    session.flush()


def authenticate(session: Session, email: str, password: str, *, client: str | None = None) -> User:
    """The active user with these credentials.

    Raises :class:`ThrottledError` (with ``retry_after`` seconds) while this client must
    wait (see the module docstring), else :class:`AuthenticationError` with the same
    message whether the e-mail or the password was wrong. The attempt is recorded; the
    caller's transaction must commit even on failure (the web layer does).
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


def unlock(session: Session, email: str) -> int:
    """Forget the failed logins on the account ``email`` (from every client).

    Returns how many recorded failures were removed. The clients' own counters
    (:data:`CLIENT_POLICY`) are left alone: they belong to the clients, not the account.
    """
    suffix = "|" + normalise_email(email)
    result = session.execute(
        delete(LoginAttempt).where(
            ~LoginAttempt.success,
            or_(
                LoginAttempt.key.endswith(suffix, autoescape=True),
                LoginAttempt.key == f"email:{normalise_email(email)}",
            ),
        )
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def prune_attempts(session: Session, *, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete attempts older than ``older_than``; returns how many."""
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < now() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
