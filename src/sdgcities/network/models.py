"""Store tables of the SDG Cities network (onboarding, urban labs, hubs, partner pulls)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class OnboardingRecord(Base):
    """A typed onboarding step of a city (expression of interest, agreement) and its date."""

    __tablename__ = "network_onboarding"
    __table_args__ = (UniqueConstraint("city_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    on: Mapped[date] = mapped_column(Date)
    #: the national or local authority the agreement is with (agreement only)
    authority: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UrbanLab(Base):
    """A national or city-based urban lab set up by the authorities (para 77 (b) (i))."""

    __tablename__ = "network_labs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # national|city
    country_iso3: Mapped[str] = mapped_column(String(3))
    host_institution: Mapped[str] = mapped_column(String(300))
    academia: Mapped[list[str]] = mapped_column(JSON, default=list)
    professionals: Mapped[list[str]] = mapped_column(JSON, default=list)
    tools_adapted: Mapped[list[str]] = mapped_column(JSON, default=list)
    established_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UrbanLabCity(Base):
    """A city a lab supports, from the date it does."""

    __tablename__ = "network_lab_cities"
    __table_args__ = (UniqueConstraint("lab_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("network_labs.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    since: Mapped[date] = mapped_column(Date)


class HubExpert(Base):
    """An expert of a regional support hub in the SDG Cities tools (para 77 (b) (ii))."""

    __tablename__ = "network_hub_experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    expertise: Mapped[str] = mapped_column(String(300), default="")


class HubSubscription(Base):
    """A participating authority's subscription to a regional hub for one period (para 78)."""

    __tablename__ = "network_hub_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(String(300))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerInstance(Base):
    """A partner entity's own instance of the platform, pulled by the global hub (para 79).

    ``after_id`` is the checkpoint: every remote value up to that id is stored; it is
    committed with each page, so an interrupted pull resumes where it stopped.
    """

    __tablename__ = "network_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    after_id: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16), default="idle")  # idle|running
    pages: Mapped[int] = mapped_column(Integer, default=0)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerCity(Base):
    """Which local city a partner's city slug is (matched, or created from the partner)."""

    __tablename__ = "network_partner_cities"
    __table_args__ = (UniqueConstraint("partner_id", "remote_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("network_partners.id", ondelete="CASCADE"))
    remote_slug: Mapped[str] = mapped_column(String(200))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    created: Mapped[bool] = mapped_column(Boolean, default=False)


class PartnerValue(Base):
    """One remote value seen by a pull and what became of it (added, same, conflict …)."""

    __tablename__ = "network_partner_values"
    __table_args__ = (UniqueConstraint("partner_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("network_partners.id", ondelete="CASCADE"))
    #: the feed's observation id, or (negative) an SDMX observation's 62-bit fingerprint
    remote_id: Mapped[int] = mapped_column(BigInteger)
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observations.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(String(16))  # added|corrected|same|conflict


class NetworkConflict(Base):
    """A partner's value that differs from the one the global hub has: shown, not applied."""

    __tablename__ = "network_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("network_partners.id", ondelete="CASCADE"))
    remote_id: Mapped[int] = mapped_column(BigInteger)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    disaggregation: Mapped[str] = mapped_column(String(200), default="")
    local_observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observations.id", ondelete="SET NULL")
    )
    local_value: Mapped[float] = mapped_column(Float)
    remote_value: Mapped[float] = mapped_column(Float)
    remote: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pulled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
