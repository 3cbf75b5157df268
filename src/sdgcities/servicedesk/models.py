"""Store tables of the one-stop shop (on the core ``Base``).

A request's history is its append-only :class:`RequestEvent` log; its clocks are
computed from that log (:mod:`sdgcities.servicedesk.sla`) and kept in
:class:`RequestClock` only as a cache that every event and every calendar correction
refreshes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class Office(Base):
    """An office that handles requests, with its working calendar."""

    __tablename__ = "sd_offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[str] = mapped_column(Text)  # parse_hours() specification
    country: Mapped[str | None] = mapped_column(String(3))  # ISO 3166 for `holidays`
    subdivision: Mapped[str | None] = mapped_column(String(16))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id", ondelete="SET NULL"))
    calendar_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OfficeClosure(Base):
    """A date an office is closed (beside its country's public holidays)."""

    __tablename__ = "sd_office_closures"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("sd_offices.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")


class SlaPolicy(Base):
    """Response-time targets for the requests its rule matches, in business hours.

    A blank ``request_type``, ``priority`` or ``requester_category`` matches any; the
    most specific policy in force when a request arrives judges it, for good.
    """

    __tablename__ = "sd_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    request_type: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(16))
    requester_category: Mapped[str | None] = mapped_column(String(32))
    first_response_hours: Mapped[float] = mapped_column(Float)
    next_update_hours: Mapped[float | None] = mapped_column(Float)
    resolution_hours: Mapped[float] = mapped_column(Float)
    warn_at: Mapped[float] = mapped_column(Float, default=0.8)  # share of a target
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServiceRequest(Base):
    """A request for capacity building or urban advisory services."""

    __tablename__ = "sd_requests"
    __table_args__ = (Index("ix_sd_requests_office_received", "office_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    request_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(100), default="")
    priority: Mapped[str] = mapped_column(String(16))
    requester_category: Mapped[str] = mapped_column(String(32))
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_email: Mapped[str] = mapped_column(String(320), default="")
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    office_id: Mapped[int] = mapped_column(ForeignKey("sd_offices.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sd_policies.id"))
    assigned_team: Mapped[str] = mapped_column(String(200), default="")
    assigned_to: Mapped[str] = mapped_column(String(320), default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="new")  # derived from events
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RequestEvent(Base):
    """One entry of a request's append-only history."""

    __tablename__ = "sd_events"
    __table_args__ = (Index("ix_sd_events_request_at", "request_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("sd_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(320), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RequestClock(Base):
    """The computed state of one target of a request (a cache of :mod:`.sla`)."""

    __tablename__ = "sd_clocks"
    __table_args__ = (UniqueConstraint("request_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("sd_requests.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(32))  # first_response|next_update|resolution
    target_hours: Mapped[float] = mapped_column(Float)
    elapsed_hours: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))  # met|breached|running|warning|paused
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    calendar_version: Mapped[int] = mapped_column(Integer, default=1)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RequestAttachment(Base):
    """A file attached to a request (stored in the data folder, named by checksum)."""

    __tablename__ = "sd_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("sd_requests.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
