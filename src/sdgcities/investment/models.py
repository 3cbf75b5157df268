"""Store table of the investment facility's project intake."""

from __future__ import annotations

from datetime import date, datetime

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


class InvestmentProject(Base):
    """A city's project in the facility's pipeline (IATI core fields and its stage)."""

    __tablename__ = "investment_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[str] = mapped_column(String(5))
    sdg_targets: Mapped[list[str]] = mapped_column(JSON)
    budget: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(40))
    implementing_org: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tranches: Mapped[list[FinancingTranche]] = relationship(
        cascade="all, delete-orphan", order_by="FinancingTranche.position"
    )
    gates: Mapped[list[StageGate]] = relationship(cascade="all, delete-orphan")


class FinancingTranche(Base):
    """One tranche of a project's financing structure (instrument and amount)."""

    __tablename__ = "investment_tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    instrument: Mapped[str] = mapped_column(String(40))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))


class StageGate(Base):
    """The date a project passed one stage gate."""

    __tablename__ = "investment_stage_gates"
    __table_args__ = (UniqueConstraint("project_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    passed_on: Mapped[date] = mapped_column(Date)
