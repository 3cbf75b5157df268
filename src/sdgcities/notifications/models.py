"""Store tables of notifications: messages, the e-mail outbox, muting preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class Notification(Base):
    """An in-app message to one recipient (an e-mail address, the account's key)."""

    __tablename__ = "nt_messages"
    __table_args__ = (Index("ix_nt_messages_recipient", "recipient", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMail(Base):
    """An e-mail waiting to be sent (``sent_at`` empty) or sent; failures are counted."""

    __tablename__ = "nt_outbox"
    __table_args__ = (Index("ix_nt_outbox_pending", "sent_at", "attempts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("nt_messages.id", ondelete="SET NULL")
    )
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(Base):
    """A recipient's choice for one kind of notification: e-mail muted (in-app stays)."""

    __tablename__ = "nt_preferences"
    __table_args__ = (UniqueConstraint("recipient", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(48))
    email_muted: Mapped[bool] = mapped_column(default=True)
