"""Store tables of the planning domain (on the core ``Base``).

A city has one :class:`StrategicPlan`; each change goes into a :class:`PlanVersion`.
Targets, priorities, consultations and spatial priorities belong to a version, so an
approved version keeps exactly what was approved. :class:`PlanEvent` is the
append-only log of the workflow. :class:`SmartCityStrategy` records a city's smart-city
strategy and the national urban policy it aligns with.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sdgcities.store.models import Base, utcnow


class StrategicPlan(Base):
    """A city's 2030 strategic plan (its versions hold the content)."""

    __tablename__ = "pl_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), unique=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.number"
    )


class PlanVersion(Base):
    """One version of a plan: ``status`` draft | submitted | approved | returned."""

    __tablename__ = "pl_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("pl_plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str] = mapped_column(Text, default="")
    vision: Mapped[str] = mapped_column(Text, default="")
    horizon_year: Mapped[int] = mapped_column(Integer, default=2030)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str] = mapped_column(String(320), default="")

    plan: Mapped[StrategicPlan] = relationship(back_populates="versions")
    priorities: Mapped[list[PlanPriority]] = relationship(
        cascade="all, delete-orphan", order_by="PlanPriority.position"
    )
    targets: Mapped[list[PlanTarget]] = relationship(
        cascade="all, delete-orphan", order_by="PlanTarget.position"
    )
    consultations: Mapped[list[PlanConsultation]] = relationship(
        cascade="all, delete-orphan", order_by="PlanConsultation.held_on"
    )
    places: Mapped[list[SpatialPriority]] = relationship(
        cascade="all, delete-orphan", order_by="SpatialPriority.position"
    )


class PlanPriority(Base):
    """A priority of the plan, optionally drawn from a greatest challenge (link kept)."""

    __tablename__ = "pl_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("pl_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    indicator_code: Mapped[str | None] = mapped_column(String(64))
    #: the challenge at the time it was linked: rank, score, colour, year, value
    challenge: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlanTarget(Base):
    """A 2030 target: ``value`` in the catalogue's unit; what was given is kept too."""

    __tablename__ = "pl_targets"
    __table_args__ = (UniqueConstraint("version_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("pl_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(64))
    given_value: Mapped[float] = mapped_column(Float)
    given_unit: Mapped[str] = mapped_column(String(64))
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_year: Mapped[int] = mapped_column(Integer)
    target_year: Mapped[int] = mapped_column(Integer, default=2030)
    justification: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")


class PlanConsultation(Base):
    """A consultation of the participation record.

    ``participants`` is a list of ``{"group", "women", "men", "other"}`` counts;
    ``changes`` what changed in the plan because of it.
    """

    __tablename__ = "pl_consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("pl_versions.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text, default="")
    stakeholder_groups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    participants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class SpatialPriority(Base):
    """A place the plan prioritises, as GeoJSON in EPSG:4326, with the rule it was checked by."""

    __tablename__ = "pl_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("pl_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    check_rule: Mapped[str] = mapped_column(String(32), default="")
    priority_position: Mapped[int | None] = mapped_column(Integer)


class PlanEvent(Base):
    """The plan's append-only workflow log (created, edited, submitted, approved …)."""

    __tablename__ = "pl_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("pl_plans.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    actor: Mapped[str] = mapped_column(String(320), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SmartCityStrategy(Base):
    """A city's smart-city strategy and the national urban policy it aligns with."""

    __tablename__ = "pl_smart_strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft|adopted|under_review|retired
    policy_name: Mapped[str] = mapped_column(Text, default="")
    policy_year: Mapped[int | None] = mapped_column(Integer)
    policy_country: Mapped[str | None] = mapped_column(String(3))
    url: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
