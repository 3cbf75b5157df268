"""Store tables of the capacity-building domain (on the core ``Base``)."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class CapacityPlan(Base):
    """An implementation plan of the capacity-building strategy, as imported."""

    __tablename__ = "cb_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    unread: Mapped[list[Any]] = mapped_column(JSON, default=list)
    interpreted: Mapped[list[Any]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(320), default="")


class PlanItem(Base):
    """An objective, outcome, output or action of a plan.

    ``category`` (green/orange/red) is the priority; ``status`` (done/revised/deleted/
    added) the delivery mark; ``years`` the years Y1–Y4 it runs (None: not known).
    """

    __tablename__ = "cb_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("cb_plans.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("cb_plan_items.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(16))
    years: Mapped[list[Any] | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(16))
    key_activities: Mapped[str] = mapped_column(Text, default="")
    funding_status: Mapped[str | None] = mapped_column(String(32))
    source_line: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class PlanBudgetLine(Base):
    """A budget line of a plan (e.g. the 2022 additional budget, para. 24)."""

    __tablename__ = "cb_plan_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("cb_plans.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    year: Mapped[int] = mapped_column(Integer)
    funding: Mapped[str] = mapped_column(String(64), default="")
    paragraph: Mapped[str] = mapped_column(String(16), default="")


class CatalogueEntry(Base):
    """A service, tool or course of the capacity-building catalogue (plan 1.2.3, 2.1.2)."""

    __tablename__ = "cb_catalogue"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # lang -> status
    format: Mapped[str] = mapped_column(String(32), default="self_paced")
    level: Mapped[int] = mapped_column(Integer, default=1)  # 1 introductory … 3 advanced
    duration_hours: Mapped[float | None] = mapped_column(Float)
    owning_unit: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(32), default="existing")
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogueUsage(Base):
    """Monthly use of a catalogue entry."""

    __tablename__ = "cb_catalogue_usage"
    __table_args__ = (UniqueConstraint("entry_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cb_catalogue.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    views: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    enrolments: Mapped[int] = mapped_column(Integer, default=0)
    completions: Mapped[int] = mapped_column(Integer, default=0)


class Provider(Base):
    """A partner institution or an individual trainer (plan 2.3, 2.4.3, 2.4.4)."""

    __tablename__ = "cb_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320), default="")  # personal data for trainers
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)  # empty: every region
    level: Mapped[int] = mapped_column(Integer, default=2)
    accreditation: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str] = mapped_column(String(320), default="")
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    available: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CapacityNeed(Base):
    """A capacity need, structured as UNDP's capacity-assessment method (plan 2.1.1).

    ``level`` enabling_environment | organisation | individual; ``core_issue`` and
    ``functional_capacity`` from the method's lists; ``desired`` and ``existing`` rated
    1–5; the gap is their difference. ``source`` says where it was opened from (a red
    indicator, a greatest challenge, an assessment) and ``source_ref`` keeps the link.
    """

    __tablename__ = "cb_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # city|country|organisation
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    organisation: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(32))
    core_issue: Mapped[str] = mapped_column(String(32))
    functional_capacity: Mapped[str] = mapped_column(String(48))
    desired: Mapped[int] = mapped_column(Integer)
    existing: Mapped[int] = mapped_column(Integer)
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    region: Mapped[str | None] = mapped_column(String(200))
    learner_level: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    indicator_code: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32), default="manual")
    source_ref: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchDecision(Base):
    """An advisor's decision on a proposed match; kept, never overwritten."""

    __tablename__ = "cb_match_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("cb_needs.id", ondelete="CASCADE"), index=True)
    offer_type: Mapped[str] = mapped_column(String(16))  # entry|provider
    offer_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(16))  # confirmed|rejected
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(320), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --------------------------------------------------------------- partners (plan 2.3, 2.4)
class Agreement(Base):
    """A framework agreement, memorandum of understanding or contract with a provider.

    Its status is computed from its dates (:func:`sdgcities.capacity.partners.agreement_status`),
    never stored. ``application_id`` keeps the expression of interest it came from.
    """

    __tablename__ = "cb_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("cb_providers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # framework_agreement|mou|contract
    title: Mapped[str] = mapped_column(String(300))
    reference: Mapped[str] = mapped_column(String(64), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    application_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Engagement(Base):
    """A dated entry of a provider's engagement history (training, advisory, event)."""

    __tablename__ = "cb_engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("cb_providers.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # training_delivered|advisory|event
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))
    participants: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# ------------------------------------------------------------- calls (plan 2.3.1, 2.4.1)
class Call(Base):
    """A call: for expressions of interest by institutions (``eoi``, plan 2.3.1) or for
    applications by cities to the New Urban Agenda Champions (``champions``, plan 2.4.1).

    Open from ``opens_at`` (inclusive) to ``closes_at`` (exclusive), both timezone-aware.
    """

    __tablename__ = "cb_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # eoi|champions
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    criteria: Mapped[list[Any]] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    cohort_start: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EoiApplication(Base):
    """An institution's expression of interest in a call, and its review."""

    __tablename__ = "cb_eoi_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("cb_calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    experience: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    score: Mapped[float | None] = mapped_column(Float)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(320), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("cb_providers.id", ondelete="SET NULL")
    )
    agreement_id: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApplicationFile(Base):
    """A file attached to an expression of interest (kept in the store, at most 5 MB)."""

    __tablename__ = "cb_application_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("cb_eoi_applications.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ChampionApplication(Base):
    """A city's application to the New Urban Agenda Champions, and the selection's decision.

    ``income_group`` and ``region`` are copied from the country table when the
    application arrives (World Bank income group, SDG region), so the selection's
    balance is judged on what was known then.
    """

    __tablename__ = "cb_champion_applications"
    __table_args__ = (UniqueConstraint("call_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("cb_calls.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    commitment: Mapped[str] = mapped_column(Text)
    need_summary: Mapped[str] = mapped_column(Text, default="")
    need_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    income_group: Mapped[str] = mapped_column(String(64), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(320), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str] = mapped_column(String(320), default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CohortBenefit(Base):
    """A benefit of a Champions city's year: a workshop, webinar or one-to-one session."""

    __tablename__ = "cb_cohort_benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("cb_champion_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # workshop|webinar|one_to_one
    title: Mapped[str] = mapped_column(String(300))
    on: Mapped[date] = mapped_column(Date)
    attended: Mapped[bool | None] = mapped_column()
    attendees: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(320), default="")


# ---------------------------------------------------------- review markers (plan 1.1.3)
class ReviewedProject(Base):
    """A project reviewed by the Project Review Committee, with its capacity-building marker.

    ``marker`` 0 not targeted, 1 significant, 2 principal; ``criteria`` the checklist's
    answers (criterion code → met), consistent with the marker
    (:func:`sdgcities.capacity.markers.check_marker`).
    """

    __tablename__ = "cb_reviewed_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    marker: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    justification: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(320), default="")
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
