"""API tokens for scripts: shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sdgcities.accounts._time import now
from sdgcities.accounts.users import get_user
from sdgcities.errors import NotFoundError
from sdgcities.store.models import ApiToken, User

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "sdg_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user_key: str | int, *, name: str = "") -> tuple[str, ApiToken]:
    """A new token for the user: returns ``(token, row)``; only the hash is stored."""
    user = get_user(session, user_key)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token))
    session.add(row)
    session.flush()
    return token, row


def list_tokens(session: Session, user_key: str | int) -> list[ApiToken]:
    user = get_user(session, user_key)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, token_id: int, *, user_id: int | None = None) -> ApiToken:
    """Revoke the token with this id (of ``user_id`` when given)."""
    row = session.get(ApiToken, token_id)
    if row is None or (user_id is not None and row.user_id != user_id):
        raise NotFoundError(f"no API token with id {token_id}")
    row.revoked = True
    session.flush()
    return row


#: a token's last use is written at most this often (a busy client writes once a minute)
LAST_USE_EVERY = timedelta(seconds=60)


def verify_token(session: Session, token: str, *, record_use: bool = True) -> User | None:
    """The active user owning this unrevoked token, else None (and records its use).

    The use is recorded in its own short transaction on another connection, never in
    ``session``: a write there would hold SQLite's write lock for the whole request
    (a long export would lock every other writer out). At most once per
    :data:`LAST_USE_EVERY` per token.
    """
    if not token or len(token) > 200:
        return None
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
    ).one_or_none()
    if row is None or row.revoked:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if record_use:
        _record_use(session, row)
    return user


def _record_use(session: Session, row: ApiToken) -> None:
    at = now()
    last = row.last_used_at
    if last is not None:
        if last.tzinfo is None:
            last = last.replace(tzinfo=at.tzinfo)
        if at - last < LAST_USE_EVERY:
            return
    engine = session.get_bind().engine
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn, conn.begin():
            if sqlite:  # best effort: never wait long for a writer holding the lock
                conn.exec_driver_sql("PRAGMA busy_timeout=2000")
            try:
                conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=at))
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    except OperationalError:
        logger.info("the last use of API token %s was not recorded (store busy)", row.id)
