"""Password resets and invitations by e-mail: single-use, expiring, stored keyed-hashed.

* :func:`request_reset` — a reset link for an existing active account (valid
  :data:`RESET_LIFETIME`); for an unknown address nothing is issued, and the caller
  answers the same either way so that the form does not reveal who has an account.
* :func:`invite` — an invitation to create an account with a role (and, for a city
  editor, cities), valid :data:`INVITE_LIFETIME`.
* :func:`reset_password` / :func:`accept_invitation` — redeem a token once.

A token is ``secrets.token_urlsafe(32)``; the store keeps HMAC-SHA256 under the secret
key (``SDGCITIES_SECRET_KEY``). A used, expired or unknown token gives the same
:class:`InvalidTokenError`. Functions take a ``Session`` and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sdgcities.accounts._passwords import MIN_PASSWORD_LENGTH, hash_password
from sdgcities.accounts._time import aware, now
from sdgcities.accounts.models import AccountToken
from sdgcities.accounts.users import (
    ACCOUNT_ROLES,
    create_user,
    find_user_by_email,
    grant_city,
    normalise_email,
)
from sdgcities.errors import ConflictError, Finding, SdgCitiesError, ValidationError
from sdgcities.store.models import User, WebSession

RESET_LIFETIME = timedelta(hours=1)
INVITE_LIFETIME = timedelta(days=7)


class InvalidTokenError(SdgCitiesError, ValueError):
    """The link is unknown, used already or expired."""

    code = "invalid_token"


def _hash(secret: str, token: str) -> str:
    return hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def _issue(session: Session, secret: str, **fields: object) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(token_hash=_hash(secret, token), **fields))
    session.flush()
    return token


def request_reset(session: Session, secret: str, email: str) -> str | None:
    """A reset token for the active account ``email``, else None (nothing is issued)."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    return _issue(
        session,
        secret,
        purpose="reset",
        email=user.email,
        user_id=user.id,
        expires_at=now() + RESET_LIFETIME,
    )


def invite(
    session: Session,
    secret: str,
    email: str,
    *,
    role: str,
    cities: list[str] | None = None,
    region: str | None = None,
    invited_by: str = "",
) -> str:
    """An invitation token for ``email`` to join with ``role`` (and cities to edit)."""
    address = normalise_email(email)
    if role not in ACCOUNT_ROLES:
        raise ValidationError(
            f"role {role!r} is not one of {', '.join(ACCOUNT_ROLES)}",
            [Finding(f"unknown role {role!r}", column="role", value=role)],
        )
    if find_user_by_email(session, address) is not None:
        raise ConflictError(f"an account with the e-mail {address!r} exists already")
    from sdgcities.cities.service import get_city

    slugs = [get_city(session, c).slug for c in (cities or [])]  # unknown city: 404 now
    return _issue(
        session,
        secret,
        purpose="invite",
        email=address,
        role=role,
        data={"cities": slugs, "region": region},
        created_by=invited_by,
        expires_at=now() + INVITE_LIFETIME,
    )


def _redeem(session: Session, secret: str, token: str, purpose: str) -> AccountToken:
    """Mark the token used (atomically: two requests cannot both redeem it)."""
    if not token or len(token) > 200:
        raise InvalidTokenError(_INVALID)
    row = session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash(secret, token), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or aware(row.expires_at) <= now():
        raise InvalidTokenError(_INVALID)
    claimed = session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now())
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        raise InvalidTokenError(_INVALID)
    return row


_INVALID = "this link is not valid any more (used, expired or mistyped); ask for a new one"


def check_token(session: Session, secret: str, token: str, purpose: str) -> AccountToken:
    """The live token (not redeemed): for showing the form of a valid link."""
    row = session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash(secret, token or ""), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or aware(row.expires_at) <= now():
        raise InvalidTokenError(_INVALID)
    return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password is too short; use at least {MIN_PASSWORD_LENGTH} characters",
            [Finding("password too short", column="password")],
        )


def reset_password(session: Session, secret: str, token: str, password: str) -> User:
    """Set a new password with a reset token; ends the account's other sessions."""
    _check_password(password)
    row = _redeem(session, secret, token, "reset")
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        raise InvalidTokenError(_INVALID)
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def accept_invitation(
    session: Session, secret: str, token: str, password: str, *, name: str = ""
) -> User:
    """Create the invited account with its role and cities."""
    _check_password(password)
    row = _redeem(session, secret, token, "invite")
    data = row.data or {}
    user = create_user(
        session,
        email=row.email,
        password=password,
        role=row.role or "learner",
        name=name,
        region=data.get("region"),
    )
    for slug in data.get("cities") or []:
        grant_city(session, user.id, slug)
    return user
