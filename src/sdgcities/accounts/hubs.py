"""Hubs of the SDG Cities network: the cities each serves and its staff.

A regional hub serves a set of cities (one regional hub per city); its staff
(:class:`~sdgcities.store.models.HubMember`) with the ``regional_hub`` role review those
cities' submissions (:func:`sdgcities.accounts.permissions.reviewable_city_ids`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sdgcities.errors import ConflictError, Finding, ValidationError
from sdgcities.store.models import City, Hub, HubCity, HubMember, User

HUB_KINDS = ("regional", "global")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")


@dataclass(frozen=True)
class HubSummary:
    """A hub with the slugs of the cities it serves and the e-mails of its staff."""

    hub: Hub
    cities: list[str]
    members: list[tuple[str, str]]  # (e-mail, function)


def get_hub(session: Session, key: str | int) -> Hub:
    """A hub by id or slug (NotFoundError naming the known hubs otherwise)."""
    from sdgcities.store.lookup import by_id_or_slug

    return by_id_or_slug(
        session, Hub, key, what="hub", hint="create one with `sdgcities hubs create`"
    )


def create_hub(
    session: Session,
    *,
    slug: str,
    name: str,
    kind: str = "regional",
    host_country_iso3: str | None = None,
    sdg_region: str | None = None,
    description: str = "",
) -> Hub:
    """Create a hub; ValidationError lists every bad field, ConflictError a taken slug."""
    slug = slug.strip().lower()
    findings: list[Finding] = []
    if not _SLUG.match(slug):
        findings.append(
            Finding(
                "not a slug",
                column="slug",
                value=slug,
                fix="use lower-case letters, digits and hyphens, e.g. 'east-africa'",
            )
        )
    if not name.strip():
        findings.append(Finding("the name is empty", column="name", fix="give the hub's name"))
    if kind not in HUB_KINDS:
        findings.append(
            Finding("unknown kind", column="kind", value=kind, fix="use regional or global")
        )
    iso3 = (host_country_iso3 or "").strip().upper() or None
    if iso3 is not None and not re.fullmatch(r"[A-Z]{3}", iso3):
        findings.append(
            Finding(
                "not an ISO 3166 alpha-3 code",
                column="host_country_iso3",
                value=iso3,
                fix="give three letters, e.g. KEN",
            )
        )
    if findings:
        raise ValidationError(f"cannot create the hub {slug!r}", findings)
    if session.scalar(select(Hub.id).where(Hub.slug == slug)) is not None:
        raise ConflictError(f"a hub with the slug {slug!r} exists already")
    hub = Hub(
        slug=slug,
        name=name.strip(),
        kind=kind,
        host_country_iso3=iso3,
        sdg_region=sdg_region,
        description=description,
    )
    session.add(hub)
    session.flush()
    return hub


def _city(session: Session, key: str | int) -> City:
    from sdgcities.cities.service import get_city

    found: City = get_city(session, key)
    return found


def add_city(session: Session, hub_key: str | int, city_key: str | int) -> HubCity:
    """Let a hub serve a city; idempotent. A city served by another hub is a conflict."""
    hub = get_hub(session, hub_key)
    city = _city(session, city_key)
    row = session.scalar(select(HubCity).where(HubCity.city_id == city.id))
    if row is not None:
        if row.hub_id == hub.id:
            return row
        other = session.get(Hub, row.hub_id)
        raise ConflictError(
            f"{city.name} is already served by the hub {other.slug if other else row.hub_id!r}; "
            f"remove it there first (`sdgcities hubs remove-city`)"
        )
    row = HubCity(hub_id=hub.id, city_id=city.id)
    session.add(row)
    session.flush()
    return row


def remove_city(session: Session, hub_key: str | int, city_key: str | int) -> bool:
    """Stop a hub serving a city; True when it did."""
    hub = get_hub(session, hub_key)
    city = _city(session, city_key)
    result = session.execute(
        delete(HubCity).where(HubCity.hub_id == hub.id, HubCity.city_id == city.id)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def add_member(
    session: Session, hub_key: str | int, user_key: str | int, *, function: str = "reviewer"
) -> HubMember:
    """Put a user on a hub's staff (idempotent; updates the function)."""
    from sdgcities.accounts.users import get_user

    hub = get_hub(session, hub_key)
    user = get_user(session, user_key)
    if not function.strip() or len(function) > 64:
        raise ValidationError(
            "cannot add the member",
            [Finding("bad function", column="function", value=function, fix="e.g. reviewer")],
        )
    row = session.scalar(
        select(HubMember).where(HubMember.hub_id == hub.id, HubMember.user_id == user.id)
    )
    if row is None:
        row = HubMember(hub_id=hub.id, user_id=user.id, function=function.strip())
        session.add(row)
    else:
        row.function = function.strip()
    session.flush()
    return row


def remove_member(session: Session, hub_key: str | int, user_key: str | int) -> bool:
    """Take a user off a hub's staff; True when they were on it."""
    from sdgcities.accounts.users import get_user

    hub = get_hub(session, hub_key)
    user = get_user(session, user_key)
    result = session.execute(
        delete(HubMember).where(HubMember.hub_id == hub.id, HubMember.user_id == user.id)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def list_hubs(session: Session) -> list[HubSummary]:
    """Every hub with its cities and staff, by slug."""
    out: list[HubSummary] = []
    for hub in session.scalars(select(Hub).order_by(Hub.slug)):
        cities = list(
            session.scalars(
                select(City.slug)
                .join(HubCity, HubCity.city_id == City.id)
                .where(HubCity.hub_id == hub.id)
                .order_by(City.slug)
            )
        )
        members = [
            (email, function)
            for email, function in session.execute(
                select(User.email, HubMember.function)
                .join(HubMember, HubMember.user_id == User.id)
                .where(HubMember.hub_id == hub.id)
                .order_by(User.email)
            )
        ]
        out.append(HubSummary(hub, cities, members))
    return out


def hub_of_city(session: Session, city_id: int) -> Hub | None:
    """The regional hub serving a city, if any."""
    return session.scalar(
        select(Hub).join(HubCity, HubCity.hub_id == Hub.id).where(HubCity.city_id == city_id)
    )
