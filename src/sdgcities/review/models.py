"""Store tables of the review workflow: submissions, their values, the review log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class Submission(Base):
    """A batch of a city's draft values put up for review.

    ``kind`` says what it holds: ``import`` (a file), ``spatial`` (a spatial run) or
    ``corrections`` (values corrected one by one). ``state`` is one of
    :data:`sdgcities.review.workflow.STATES` and only changes through
    :func:`sdgcities.review.service.transition`.
    """

    __tablename__ = "review_submissions"
    __table_args__ = (Index("ix_review_submissions_city_state", "city_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="corrections")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SubmissionItem(Base):
    """One draft value (an observation version) in a submission."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("submission_id", "observation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("review_submissions.id", ondelete="CASCADE"), index=True
    )
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )


class ReviewLogEntry(Base):
    """One change of a submission's state — append-only; history and audit derive from it.

    ``what`` names the values concerned: ``{"observations": [...], "imports": [...],
    "spatial_runs": [...]}``.
    """

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("review_submissions.id", ondelete="CASCADE"), index=True
    )
    city_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    what: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
