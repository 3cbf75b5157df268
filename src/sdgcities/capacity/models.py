"""Store tables of the capacity-building domain (on the core ``Base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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
