"""Partners of capacity building: institutions and trainers, agreements, engagement history.

Plan 2.3 (training institutions and universities), 2.4.3 (private sector, "forms of
contractual relations"), 2.4.4 (NGOs and community professional groups) of
HSP/EB.2021/17. A provider's specialisations use the shared theme vocabulary; its
verification records who verified it and when (hub staff or an admin).

An agreement's status is computed from its dates, on the day asked (``today``):

- ``draft``   — not signed yet, or signed but its start date is still to come;
- ``expired`` — its end date has passed (``ends_on < today``);
- ``active``  — signed, started (``starts_on ≤ today``) and not ended.

Every function takes a session and flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity import vocabulary as vocab
from sdgcities.capacity.models import Agreement, Engagement, Provider
from sdgcities.errors import (
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    check_choice,
)

__all__ = [
    "AGREEMENT_KINDS",
    "ENGAGEMENT_KINDS",
    "VERIFIER_ROLES",
    "add_agreement",
    "add_engagement",
    "agreement_status",
    "get_provider",
    "list_providers",
    "parse_day",
    "provider_as_dict",
    "verify",
]

AGREEMENT_KINDS = ("framework_agreement", "mou", "contract")
AGREEMENT_STATUSES = ("draft", "active", "expired")
ENGAGEMENT_KINDS = ("training_delivered", "advisory", "event")
#: the roles that may verify a provider
VERIFIER_ROLES = ("admin", "global_hub", "regional_hub")


def parse_day(text: str | None, field: str) -> date | None:
    """``YYYY-MM-DD`` as a date (None when blank); a ValidationError naming ``field``."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise ValidationError(
            f"{field} {text!r} is not a date",
            [Finding("not a date", column=field, value=text, fix="YYYY-MM-DD")],
        ) from err


def _today() -> date:
    return datetime.now(UTC).date()


def agreement_status(agreement: Agreement, today: date | None = None) -> str:
    """``draft``, ``active`` or ``expired`` on ``today`` (see the module docstring)."""
    day = today or _today()
    if agreement.ends_on is not None and agreement.ends_on < day:
        return "expired"
    if agreement.signed_on is None or agreement.starts_on is None or agreement.starts_on > day:
        return "draft"
    return "active"


def get_provider(session: Session, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFoundError(
            f"no partner {provider_id}; `sdgcities capacity partners list` shows them"
        )
    return provider


def list_providers(
    session: Session,
    *,
    kind: str | None = None,
    theme: str | None = None,
    verified: bool | None = None,
) -> list[Provider]:
    """Providers by name, filtered by kind, theme (in Python: JSON lists) and verification."""
    query = select(Provider).order_by(Provider.name, Provider.id)
    if kind:
        check_choice(kind, vocab.PROVIDER_KINDS, "kind")
        query = query.where(Provider.kind == kind)
    if verified is True:
        query = query.where(Provider.verified_at.is_not(None))
    elif verified is False:
        query = query.where(Provider.verified_at.is_(None))
    rows = list(session.scalars(query))
    if theme:
        vocab.check_themes([theme], "theme")
        rows = [p for p in rows if theme in (p.themes or [])]
    return rows


def verify(session: Session, provider: Provider, *, reviewer: str, role: str) -> Provider:
    """Record that ``reviewer`` (hub staff or an admin) verified ``provider`` now."""
    if role not in VERIFIER_ROLES:
        raise PermissionDeniedError("only hub staff and admins verify partners")
    if not reviewer:
        raise ValidationError(
            "a verification needs its reviewer",
            [Finding("no reviewer given", column="by", fix="give the reviewer's e-mail")],
        )
    provider.verified_by = reviewer
    provider.verified_at = datetime.now(UTC)
    session.flush()
    return provider


def _dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(
            f"the agreement ends ({ends_on}) before it starts ({starts_on})",
            [
                Finding(
                    "end date before start date",
                    column="ends_on",
                    value=str(ends_on),
                    fix=f"give an end date on or after {starts_on}",
                )
            ],
        )


def add_agreement(
    session: Session,
    provider: Provider,
    *,
    kind: str,
    title: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    signed_on: date | None = None,
    scope: str = "",
    themes: Sequence[str] = (),
    reference: str = "",
    application_id: int | None = None,
    by: str = "",
) -> Agreement:
    """An agreement with ``provider``: kind, dates, scope and the themes it covers."""
    check_choice(kind, AGREEMENT_KINDS, "kind")
    vocab.check_themes(list(themes))
    if not title.strip():
        raise ValidationError(
            "an agreement needs a title",
            [Finding("empty title", column="title", fix="name the agreement")],
        )
    _dates(starts_on, ends_on)
    row = Agreement(
        provider_id=provider.id,
        kind=kind,
        title=title.strip()[:300],
        reference=reference[:64],
        starts_on=starts_on,
        ends_on=ends_on,
        signed_on=signed_on,
        scope=scope,
        themes=list(themes),
        application_id=application_id,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def add_engagement(
    session: Session,
    provider: Provider,
    *,
    on: date,
    kind: str,
    title: str,
    description: str = "",
    city_id: int | None = None,
    participants: int | None = None,
    by: str = "",
) -> Engagement:
    """A dated entry of the provider's engagement history."""
    check_choice(kind, ENGAGEMENT_KINDS, "kind")
    if participants is not None and participants < 0:
        raise ValidationError(
            f"participants {participants} is negative",
            [Finding("negative count", column="participants", value=str(participants))],
        )
    row = Engagement(
        provider_id=provider.id,
        on=on,
        kind=kind,
        title=title.strip()[:300],
        description=description,
        city_id=city_id,
        participants=participants,
        recorded_by=by,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ProviderView:
    provider: Provider
    agreements: list[tuple[Agreement, str]]
    engagements: list[Engagement]


def provider_view(session: Session, provider: Provider, today: date | None = None) -> ProviderView:
    agreements = session.scalars(
        select(Agreement)
        .where(Agreement.provider_id == provider.id)
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
    ).all()
    engagements = session.scalars(
        select(Engagement)
        .where(Engagement.provider_id == provider.id)
        .order_by(Engagement.on.desc(), Engagement.id.desc())
    ).all()
    return ProviderView(
        provider, [(a, agreement_status(a, today)) for a in agreements], list(engagements)
    )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def provider_as_dict(
    session: Session, provider: Provider, *, staff: bool, detail: bool = False
) -> dict[str, Any]:
    """The JSON shape of a provider; a trainer's e-mail only for ``staff``.

    Institutions' contact e-mails are public (they are organisational addresses);
    an individual trainer's is personal data.
    """
    show_email = staff or provider.kind != "trainer"
    out: dict[str, Any] = {
        "id": provider.id,
        "kind": provider.kind,
        "name": provider.name,
        "email": provider.email if show_email else None,
        "themes": list(provider.themes or []),
        "languages": list(provider.languages or []),
        "regions": list(provider.regions or []),
        "level": provider.level,
        "accreditation": provider.accreditation,
        "verified": provider.verified_at is not None,
        "verified_at": _iso(provider.verified_at),
        "verified_by": provider.verified_by if staff else None,
        "available": provider.available,
    }
    if detail:
        view = provider_view(session, provider)
        out["agreements"] = [
            {
                "id": a.id,
                "kind": a.kind,
                "title": a.title,
                "reference": a.reference,
                "starts_on": _iso(a.starts_on),
                "ends_on": _iso(a.ends_on),
                "signed_on": _iso(a.signed_on),
                "scope": a.scope,
                "themes": list(a.themes or []),
                "status": status,
                "application_id": a.application_id,
            }
            for a, status in view.agreements
        ]
        out["engagements"] = [
            {
                "id": e.id,
                "on": _iso(e.on),
                "kind": e.kind,
                "title": e.title,
                "description": e.description,
                "city_id": e.city_id,
                "participants": e.participants,
            }
            for e in view.engagements
        ]
    return out
