"""User accounts: create them, give them a role, grant a city editor their cities."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sdgcities.accounts._passwords import MIN_PASSWORD_LENGTH, hash_password
from sdgcities.errors import ConflictError, Finding, NotFoundError, ValidationError
from sdgcities.store.models import ROLES, City, User, UserCity

#: roles a stored account may have ("public" is the anonymous visitor, never an account
#: one logs in with, but an admin may park an account there)
ACCOUNT_ROLES = ROLES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check(
    *, email: str | None, password: str | None, role: str | None, region: str | None
) -> list[Finding]:
    findings: list[Finding] = []
    if email is not None and not _EMAIL.match(email):
        findings.append(
            Finding(
                "not an e-mail address",
                column="email",
                value=email,
                fix="give an address like name@example.org",
            )
        )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        findings.append(
            Finding(
                f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
                column="password",
                fix="choose a longer password (a passphrase is best)",
            )
        )
    if role is not None and role not in ACCOUNT_ROLES:
        findings.append(
            Finding(
                "unknown role",
                column="role",
                value=role,
                fix="use one of " + ", ".join(ACCOUNT_ROLES),
            )
        )
    if role == "regional_hub" and not (region or "").strip():
        findings.append(
            Finding(
                "a regional hub needs the region it reviews",
                column="region",
                fix="give --region, e.g. 'Sub-Saharan Africa' (the SDG region name)",
            )
        )
    return findings


def get_user(session: Session, key: str | int) -> User:
    """The user with this id or e-mail address."""
    user: User | None
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        user = session.get(User, int(key))
    else:
        user = session.scalars(select(User).where(User.email == normalise_email(key))).one_or_none()
    if user is None:
        raise NotFoundError(f"no user {key!r}; list the accounts with `sdgcities users list`")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str = "learner",
    name: str = "",
    region: str | None = None,
    locale: str = "en",
) -> User:
    """Create an account; the password is stored only as an Argon2id hash.

    Raises :class:`ValidationError` listing every problem (e-mail, password length,
    role, missing region of a regional hub) and :class:`ConflictError` when the
    e-mail address is taken.
    """
    email = normalise_email(email)
    findings = _check(email=email, password=password, role=role, region=region)
    if findings:
        raise ValidationError(f"cannot create the account {email!r}", findings)
    if find_user_by_email(session, email) is not None:
        raise ConflictError(f"an account with the e-mail {email!r} exists already")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        region=(region or None) if role == "regional_hub" else region,
        locale=locale,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    findings = _check(email=None, password=password, role=None, region=None)
    if findings:
        raise ValidationError(f"cannot set the password of {user.email!r}", findings)
    user.password_hash = hash_password(password)
    session.flush()


def set_role(
    session: Session, user_key: str | int, role: str, *, region: str | None = None
) -> User:
    """Give a user a new role (and the region, for a regional hub)."""
    user = get_user(session, user_key)
    findings = _check(email=None, password=None, role=role, region=region or user.region)
    if findings:
        raise ValidationError(f"cannot give {user.email!r} the role {role!r}", findings)
    user.role = role
    if region is not None:
        user.region = region
    session.flush()
    return user


def set_active(session: Session, user_key: str | int, active: bool) -> User:
    user = get_user(session, user_key)
    user.active = active
    session.flush()
    return user


def _city(session: Session, city: str | int) -> City:
    from sdgcities.cities.service import get_city

    found: City = get_city(session, city)
    return found


def grant_city(session: Session, user_key: str | int, city: str | int) -> UserCity:
    """Let a city editor edit ``city`` (slug, id or name); idempotent."""
    user = get_user(session, user_key)
    if user.role != "city_editor":
        raise ValidationError(
            f"cannot grant a city to {user.email!r}",
            [
                Finding(
                    f"the account has the role {user.role!r}; only city editors are "
                    "scoped to cities",
                    column="role",
                    fix=f"first run `sdgcities users add {user.email} --role city_editor` "
                    "or change the role",
                )
            ],
        )
    target = _city(session, city)
    row = session.scalars(
        select(UserCity).where(UserCity.user_id == user.id, UserCity.city_id == target.id)
    ).one_or_none()
    if row is None:
        row = UserCity(user_id=user.id, city_id=target.id)
        session.add(row)
        session.flush()
    return row


def revoke_city(session: Session, user_key: str | int, city: str | int) -> bool:
    """Withdraw a city from an editor; True when a grant was removed."""
    user = get_user(session, user_key)
    target = _city(session, city)
    result = session.execute(
        delete(UserCity).where(UserCity.user_id == user.id, UserCity.city_id == target.id)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def user_city_ids(session: Session, user_id: int) -> set[int]:
    """The ids of the cities a user was granted."""
    return set(session.scalars(select(UserCity.city_id).where(UserCity.user_id == user_id)))


def list_users(session: Session, *, role: str | None = None) -> list[User]:
    stmt = select(User).order_by(User.email)
    if role:
        stmt = stmt.where(User.role == role)
    return list(session.scalars(stmt))


def count_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.active)
        )
        or 0
    )


def cities_of(session: Session, users: Iterable[User]) -> dict[int, list[str]]:
    """user id -> slugs of the cities granted (for listings)."""
    ids = [u.id for u in users]
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(UserCity.user_id, City.slug)
        .join(City, City.id == UserCity.city_id)
        .where(UserCity.user_id.in_(ids))
        .order_by(City.slug)
    )
    for uid, slug in rows:
        out[uid].append(slug)
    return out
