"""Store tables of the revenue diagnostic: a city's diagnostic for a year and its streams.

The inputs are stored, never the split: the split is recomputed from them by
:func:`sdgcities.revenue.rosra.analyse`, so a correction of the method changes every
diagnostic consistently. A diagnostic is a draft until it is published.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sdgcities.store.models import Base, utcnow


class RevenueDiagnostic(Base):
    """One city's own-source revenue diagnostic for one fiscal year."""

    __tablename__ = "revenue_diagnostics"
    __table_args__ = (UniqueConstraint("city_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str | None] = mapped_column(String(300))
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    streams: Mapped[list[RevenueStream]] = relationship(
        back_populates="diagnostic",
        cascade="all, delete-orphan",
        order_by="RevenueStream.position",
    )


class RevenueStream(Base):
    """One revenue stream's inputs (payer counts, bills, optional KPI inputs)."""

    __tablename__ = "revenue_streams"
    __table_args__ = (UniqueConstraint("diagnostic_id", "stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("revenue_diagnostics.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    stream: Mapped[str] = mapped_column(String(200))
    estimated: Mapped[float] = mapped_column(Float)
    registered: Mapped[float] = mapped_column(Float)
    compliant: Mapped[float] = mapped_column(Float)
    average_bill: Mapped[float] = mapped_column(Float)
    achievable_bill: Mapped[float] = mapped_column(Float)
    billed: Mapped[float | None] = mapped_column(Float)
    collected: Mapped[float | None] = mapped_column(Float)
    fiscal_base: Mapped[float | None] = mapped_column(Float)
    market_value: Mapped[float | None] = mapped_column(Float)

    diagnostic: Mapped[RevenueDiagnostic] = relationship(back_populates="streams")
