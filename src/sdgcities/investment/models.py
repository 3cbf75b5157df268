"""Store tables of the investment facility: projects, readiness, investors, matches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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

    fx: Mapped[TrancheFx | None] = relationship(cascade="all, delete-orphan", uselist=False)


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


class ProjectConsent(Base):
    """The city's consent to show a project publicly (given by a city editor).

    One row per project while consent stands; withdrawing deletes it (the event stays in
    :class:`ProjectEvent`).
    """

    __tablename__ = "investment_consents"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), primary_key=True
    )
    given_by: Mapped[str] = mapped_column(String(320))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProjectEvent(Base):
    """Append-only log of a project's changes: stage moves, reverts, consent, edits."""

    __tablename__ = "investment_project_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # stage|revert|consent|withdraw|edit|...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by: Mapped[str] = mapped_column(String(320), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrancheFx(Base):
    """The exchange rate that converts a tranche's currency into the budget's currency."""

    __tablename__ = "investment_tranche_fx"

    tranche_id: Mapped[int] = mapped_column(
        ForeignKey("investment_tranches.id", ondelete="CASCADE"), primary_key=True
    )
    #: budget-currency units per one unit of the tranche's currency
    rate: Mapped[float] = mapped_column(Float)
    rate_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))


class ReadinessItem(Base):
    """One readiness/bankability checklist item of a project, with its evidence."""

    __tablename__ = "investment_readiness"
    __table_args__ = (UniqueConstraint("project_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(64))  # key in data/readiness.yaml
    status: Mapped[str] = mapped_column(String(16))  # missing|in progress|done|not applicable
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_text: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImpactLink(Base):
    """An expected SDG impact: the city indicator it moves and, optionally, a plan target.

    The plan target is kept as ``(indicator_code, target_year)`` without a foreign key
    (the planning domain is separate).
    """

    __tablename__ = "investment_impacts"
    __table_args__ = (UniqueConstraint("project_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    indicator_code: Mapped[str] = mapped_column(String(32))
    expected_change: Mapped[str] = mapped_column(Text, default="")
    target_year: Mapped[int | None] = mapped_column(Integer)


class Investor(Base):
    """An investor's profile: what it finances, where, how much, and on what terms."""

    __tablename__ = "investment_investors"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: SDG goals ("11") and targets ("11.2") the investor focuses on
    sdg_focus: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: SDG regions (as ``City.sdg_region``); empty means any
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_min: Mapped[float] = mapped_column(Float)
    ticket_max: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    returns: Mapped[str] = mapped_column(String(16))  # concessional|market|impact-first
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InvestmentWindow(Base):
    """A bank's or fund's investment window (themes, eligible countries, amount, deadline)."""

    __tablename__ = "investment_windows"
    __table_args__ = (UniqueConstraint("name", "institution"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    institution: Mapped[str] = mapped_column(String(300))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: DAC 5-digit sectors; empty means any
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ISO3 codes; empty means not restricted (or not stated by the source)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: SDG goals/targets the window finances; empty means any
    sdg_focus: Mapped[list[str]] = mapped_column(JSON, default=list)
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    deadline: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchReview(Base):
    """An advisor's decision on one match: shortlist or reject, with a note."""

    __tablename__ = "investment_match_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    investor_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_investors.id", ondelete="CASCADE")
    )
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_windows.id", ondelete="CASCADE")
    )
    decision: Mapped[str] = mapped_column(String(16))  # shortlist|reject
    score: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Introduction(Base):
    """A project introduced to an investor or a window, with its current outcome."""

    __tablename__ = "investment_introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("investment_projects.id", ondelete="CASCADE"), index=True
    )
    investor_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_investors.id", ondelete="CASCADE")
    )
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_windows.id", ondelete="CASCADE")
    )
    introduced_on: Mapped[date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(320))
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    history: Mapped[list[IntroductionEvent]] = relationship(
        cascade="all, delete-orphan", order_by="IntroductionEvent.id"
    )


class IntroductionEvent(Base):
    """One dated outcome of an introduction (append-only history)."""

    __tablename__ = "investment_intro_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    intro_id: Mapped[int] = mapped_column(
        ForeignKey("investment_introductions.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
