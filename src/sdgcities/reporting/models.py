"""Store tables of the reports: the narrative blocks people edit, kept across regenerations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class NarrativeBlock(Base):
    """One edited paragraph of a generated document.

    ``document`` names the report (``vlr``, ``board`` …), ``subject`` what it is about (a
    city's slug, a programme's key, ``global``), ``key`` the block (``opening_statement``).
    Every save adds a new version; the newest is the block's text.
    """

    __tablename__ = "report_narrative_blocks"
    __table_args__ = (UniqueConstraint("document", "subject", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
