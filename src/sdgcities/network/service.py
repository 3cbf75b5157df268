"""Use cases of the network: record onboarding steps, urban labs, hub experts, subscriptions.

Every write validates all its fields first and either stores everything or raises (the
caller's transaction is left untouched on error). Who may write is decided by
:func:`manageable_city_ids`: the global hub and admins for every city, a regional hub's
staff for the cities their hub serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts import hubs as hub_service
from sdgcities.accounts.permissions import hub_city_ids
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.network import onboarding as ob
from sdgcities.network.models import (
    HubExpert,
    HubSubscription,
    OnboardingRecord,
    UrbanLab,
    UrbanLabCity,
)
from sdgcities.store.models import City, Hub, HubCity, User

LAB_KINDS = ("national", "city")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def manageable_city_ids(user: User | None, session: Session) -> set[int] | None:
    """Cities whose onboarding ``user`` may record: None = all (admin, global hub)."""
    if user is None or not user.active:
        return set()
    if user.role in ("admin", "global_hub"):
        return None
    if user.role == "regional_hub":
        return hub_city_ids(session, user.id)
    return set()


def ensure_can_manage(user: User | None, city: City, session: Session) -> None:
    ids = manageable_city_ids(user, session)
    if ids is not None and city.id not in ids:
        raise PermissionDeniedError(
            f"you may record onboarding steps only for the cities your hub serves "
            f"({city.name} is not one of them)"
        )


def parse_day(value: str | date, field: str = "date") -> date:
    """An ISO date (ValidationError naming ``field`` otherwise)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"{field}: not a date",
            [Finding("not an ISO date", column=field, value=str(value), fix="write YYYY-MM-DD")],
        ) from None


def _city(session: Session, key: str | int) -> City:
    from sdgcities.cities.service import get_city

    found: City = get_city(session, key)
    return found


# ----------------------------------------------------------------------------- onboarding


def city_pipeline(session: Session, key: str | int) -> tuple[City, ob.Pipeline]:
    city = _city(session, key)
    return city, ob.pipelines(session, [city.id])[city.id]


def record_step(
    session: Session,
    city_key: str | int,
    step: str,
    on: str | date,
    *,
    authority: str = "",
    lab: str | None = None,
    hub: str | None = None,
    note: str = "",
    by: User | None = None,
    check_rights: bool = False,
) -> ob.Pipeline:
    """Record that the city reached ``step`` on ``on``; returns the new pipeline.

    Typed steps (expression of interest, agreement — with the ``authority``) are stored
    here; ``urban_lab`` links the city to a ``lab``, ``regional_hub`` lets ``hub`` serve
    it (``hub_cities``). The other steps are derived from their own domain's records
    and cannot be typed. Out-of-order steps raise a ValidationError naming the step
    that must come first; nothing is saved.
    """
    s = ob.get_step(step)
    day = parse_day(on)
    city = _city(session, city_key)
    if check_rights:
        ensure_can_manage(by, city, session)
    if day > date.today():
        raise ValidationError(
            f"cannot record {step!r}: the date {day} is in the future",
            [
                Finding(
                    "date in the future",
                    column="date",
                    value=day.isoformat(),
                    fix="give the day it happened",
                )
            ],
        )
    if step not in (*ob.TYPED, "urban_lab", "regional_hub"):
        raise ValidationError(
            f"{step!r} is derived from its own domain's records, not typed",
            [
                Finding(
                    f"{s.label} is derived",
                    column="step",
                    value=step,
                    fix="record the underlying fact (published values, capacity match, "
                    "investment project, plan, certification) in its own domain",
                )
            ],
        )
    pipeline = ob.pipelines(session, [city.id])[city.id]
    if pipeline.date_of(step) is not None:
        raise ConflictError(
            f"{city.name} reached {step!r} already on {pipeline.date_of(step)}; "
            "a recorded step is not typed twice"
        )
    ob.check_order(pipeline, step, day)
    actor = by.email if by is not None else ""
    if step == "agreement" and not authority.strip():
        raise ValidationError(
            "an agreement names its authority",
            [
                Finding(
                    "authority missing",
                    column="authority",
                    fix="give the national or local authority, e.g. 'Nairobi City County'",
                )
            ],
        )
    if step in ob.TYPED:
        session.add(
            OnboardingRecord(
                city_id=city.id,
                step=step,
                on=day,
                authority=authority.strip()[:300],
                note=note.strip(),
                recorded_by=actor,
            )
        )
    elif step == "urban_lab":
        if not lab:
            raise ValidationError(
                "the urban lab step names its lab",
                [
                    Finding(
                        "lab missing",
                        column="lab",
                        fix="give the lab's slug (`sdgcities network labs list`)",
                    )
                ],
            )
        found = get_lab(session, lab)
        if day < found.established_on:
            raise ValidationError(
                f"cannot record 'urban_lab' on {day}: {found.slug} was established "
                f"on {found.established_on}",
                [
                    Finding(
                        "before the lab existed",
                        column="date",
                        value=day.isoformat(),
                        fix=f"date it on or after {found.established_on}",
                    )
                ],
            )
        session.add(UrbanLabCity(lab_id=found.id, city_id=city.id, since=day))
    else:
        if not hub:
            raise ValidationError(
                "the regional hub step names its hub",
                [
                    Finding(
                        "hub missing",
                        column="hub",
                        fix="give the hub's slug (`sdgcities hubs list`)",
                    )
                ],
            )
        found_hub = hub_service.get_hub(session, hub)
        if found_hub.kind != "regional":
            raise ValidationError(
                f"{found_hub.slug} is not a regional hub",
                [
                    Finding(
                        "not a regional hub",
                        column="hub",
                        value=found_hub.slug,
                        fix="give a regional hub",
                    )
                ],
            )
        row = hub_service.add_city(session, found_hub.id, city.id)
        row.since = datetime(day.year, day.month, day.day, 12)
    session.flush()
    return ob.pipelines(session, [city.id])[city.id]


def onboarding_records(session: Session, city_id: int) -> dict[str, OnboardingRecord]:
    rows = session.scalars(select(OnboardingRecord).where(OnboardingRecord.city_id == city_id))
    return {r.step: r for r in rows}


def city_lab_and_hub(session: Session, city_id: int) -> tuple[UrbanLab | None, Hub | None]:
    lab = session.scalar(
        select(UrbanLab)
        .join(UrbanLabCity, UrbanLabCity.lab_id == UrbanLab.id)
        .where(UrbanLabCity.city_id == city_id)
        .order_by(UrbanLabCity.since)
        .limit(1)
    )
    hub = session.scalar(
        select(Hub).join(HubCity, HubCity.hub_id == Hub.id).where(HubCity.city_id == city_id)
    )
    return lab, hub


# ----------------------------------------------------------------------------- urban labs


def _split(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(";") if isinstance(value, str) else list(value)
    return [i.strip() for i in items if i and i.strip()]


def get_lab(session: Session, key: str | int) -> UrbanLab:
    from sdgcities.store.lookup import by_id_or_slug

    return by_id_or_slug(
        session, UrbanLab, key, what="urban lab", hint="add one with `sdgcities network labs add`"
    )


def add_lab(
    session: Session,
    *,
    slug: str,
    name: str,
    kind: str,
    country_iso3: str,
    host_institution: str,
    established_on: str | date,
    academia: str | list[str] | None = None,
    professionals: str | list[str] | None = None,
    tools_adapted: str | list[str] | None = None,
) -> UrbanLab:
    """Add an urban lab; ValidationError lists every bad field, ConflictError a taken slug."""
    slug = slug.strip().lower()
    iso3 = country_iso3.strip().upper()
    findings: list[Finding] = []
    if not _SLUG.match(slug):
        findings.append(
            Finding(
                "not a slug",
                column="slug",
                value=slug,
                fix="lower-case letters, digits and hyphens, e.g. 'nairobi-lab'",
            )
        )
    if not name.strip():
        findings.append(Finding("the name is empty", column="name", fix="give the lab's name"))
    if kind not in LAB_KINDS:
        findings.append(
            Finding("unknown kind", column="kind", value=kind, fix="use national or city")
        )
    if not _ISO3.match(iso3):
        findings.append(
            Finding(
                "not an ISO 3166 alpha-3 code",
                column="country",
                value=iso3,
                fix="three letters, e.g. KEN",
            )
        )
    if not host_institution.strip():
        findings.append(
            Finding(
                "the host institution is empty",
                column="host_institution",
                fix="name the institution hosting the lab",
            )
        )
    day: date | None = None
    try:
        day = parse_day(established_on, "established_on")
    except ValidationError as err:
        findings.extend(err.findings)
    if findings:
        raise ValidationError(f"cannot add the urban lab {slug!r}", findings)
    if session.scalar(select(UrbanLab.id).where(UrbanLab.slug == slug)) is not None:
        raise ConflictError(f"an urban lab with the slug {slug!r} exists already")
    assert day is not None
    lab = UrbanLab(
        slug=slug,
        name=name.strip(),
        kind=kind,
        country_iso3=iso3,
        host_institution=host_institution.strip(),
        established_on=day,
        academia=_split(academia),
        professionals=_split(professionals),
        tools_adapted=_split(tools_adapted),
    )
    session.add(lab)
    session.flush()
    return lab


@dataclass(frozen=True)
class LabSummary:
    lab: UrbanLab
    cities: list[tuple[str, str, date]]  # (slug, name, since)


def list_labs(session: Session) -> list[LabSummary]:
    out: list[LabSummary] = []
    links: dict[int, list[tuple[str, str, date]]] = {}
    for lab_id, slug, name, since in session.execute(
        select(UrbanLabCity.lab_id, City.slug, City.name, UrbanLabCity.since)
        .join(City, City.id == UrbanLabCity.city_id)
        .order_by(City.name)
    ):
        links.setdefault(lab_id, []).append((slug, name, since))
    for lab in session.scalars(select(UrbanLab).order_by(UrbanLab.name)):
        out.append(LabSummary(lab, links.get(lab.id, [])))
    return out


# ----------------------------------------------------------------------------- regional hubs


def add_expert(session: Session, hub_key: str, *, name: str, expertise: str = "") -> HubExpert:
    hub = hub_service.get_hub(session, hub_key)
    if not name.strip():
        raise ValidationError(
            "cannot add the expert",
            [Finding("the name is empty", column="name", fix="give the expert's name")],
        )
    row = HubExpert(hub_id=hub.id, name=name.strip()[:200], expertise=expertise.strip()[:300])
    session.add(row)
    session.flush()
    return row


def add_subscription(
    session: Session,
    hub_key: str,
    *,
    authority: str,
    amount: str | float,
    currency: str,
    start: str | date,
    end: str | date,
    paid: bool = False,
    paid_on: str | date | None = None,
    city: str | None = None,
) -> HubSubscription:
    """A participating authority's subscription to a hub for a period (para 78)."""
    hub = hub_service.get_hub(session, hub_key)
    findings: list[Finding] = []
    if not authority.strip():
        findings.append(
            Finding(
                "the authority is empty",
                column="authority",
                fix="name the national or local authority paying",
            )
        )
    value: float | None = None
    try:
        value = float(amount)
        if not value >= 0 or value != value or value == float("inf"):
            raise ValueError
    except (TypeError, ValueError):
        findings.append(
            Finding(
                "not a non-negative amount", column="amount", value=str(amount), fix="e.g. 25000"
            )
        )
    cur = currency.strip().upper()
    if not _CURRENCY.match(cur):
        findings.append(
            Finding(
                "not an ISO 4217 code",
                column="currency",
                value=currency,
                fix="three letters, e.g. USD",
            )
        )
    days: dict[str, date] = {}
    for field, raw in (("start", start), ("end", end)):
        try:
            days[field] = parse_day(raw, field)
        except ValidationError as err:
            findings.extend(err.findings)
    if len(days) == 2 and days["end"] < days["start"]:
        findings.append(
            Finding(
                "the period ends before it starts",
                column="end",
                value=days["end"].isoformat(),
                fix=f"give an end on or after {days['start']}",
            )
        )
    paid_day: date | None = None
    if paid_on:
        try:
            paid_day = parse_day(paid_on, "paid_on")
        except ValidationError as err:
            findings.extend(err.findings)
    city_id: int | None = None
    if city:
        try:
            city_id = _city(session, city).id
        except NotFoundError as err:
            findings.append(Finding(str(err), column="city", value=city, fix="add the city first"))
    if findings:
        raise ValidationError(f"cannot add the subscription to {hub.slug}", findings)
    assert value is not None
    row = HubSubscription(
        hub_id=hub.id,
        authority=authority.strip()[:300],
        city_id=city_id,
        amount=value,
        currency=cur,
        period_start=days["start"],
        period_end=days["end"],
        paid=paid or paid_day is not None,
        paid_on=paid_day,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class HubNetwork:
    hub: Hub
    cities: list[tuple[str, str, date]]
    experts: list[HubExpert]
    subscriptions: list[HubSubscription]

    def totals(self) -> dict[str, dict[str, float]]:
        """Subscriptions by currency: amount due, paid."""
        out: dict[str, dict[str, float]] = {}
        for s in self.subscriptions:
            t = out.setdefault(s.currency, {"total": 0.0, "paid": 0.0})
            t["total"] += s.amount
            if s.paid:
                t["paid"] += s.amount
        return out


def hub_network(session: Session, key: str) -> HubNetwork:
    hub = hub_service.get_hub(session, key)
    cities = [
        (slug, name, since.date() if isinstance(since, datetime) else since)
        for slug, name, since in session.execute(
            select(City.slug, City.name, HubCity.since)
            .join(HubCity, HubCity.city_id == City.id)
            .where(HubCity.hub_id == hub.id)
            .order_by(City.name)
        )
    ]
    experts = list(
        session.scalars(
            select(HubExpert).where(HubExpert.hub_id == hub.id).order_by(HubExpert.name)
        )
    )
    subs = list(
        session.scalars(
            select(HubSubscription)
            .where(HubSubscription.hub_id == hub.id)
            .order_by(HubSubscription.period_start)
        )
    )
    return HubNetwork(hub, cities, experts, subs)


def may_see_subscriptions(user: User | None, session: Session, hub_id: int) -> bool:
    """Subscriptions (what authorities pay) are for the hub's staff, the global hub, admins."""
    if user is None or not user.active:
        return False
    if user.role in ("admin", "global_hub"):
        return True
    from sdgcities.store.models import HubMember

    return (
        user.role == "regional_hub"
        and session.scalar(
            select(HubMember.id).where(HubMember.hub_id == hub_id, HubMember.user_id == user.id)
        )
        is not None
    )


def pipeline_dict(city: City, p: ob.Pipeline) -> dict[str, Any]:
    return {
        "city": city.slug,
        "name": city.name,
        "stage": p.stage,
        "stage_on": p.stage_on.isoformat() if p.stage_on else None,
        "steps": [
            {
                "step": s.step.key,
                "label": s.step.label,
                "paragraph": s.step.paragraph,
                "kind": s.step.kind,
                "date": s.on.isoformat() if s.on else None,
                "recorded": s.recorded,
            }
            for s in p.states
        ],
    }
