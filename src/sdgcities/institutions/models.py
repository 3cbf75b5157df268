"""Store table of the assessments: one row per answer, kept (the newest per question counts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class AssessmentAnswer(Base):
    """A city's answer to one question of one questionnaire version, with its evidence."""

    __tablename__ = "inst_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(320), default="")
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
