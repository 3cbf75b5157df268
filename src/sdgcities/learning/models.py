"""Store tables of the learning domain (on the core ``Base``), prefixed ``learn_``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class Course(Base):
    """A course of UN-Habitat Learn, linked to its catalogue entry (kind training_course).

    ``format`` self_paced | blended (blended adds an attendance mark by hub staff).
    """

    __tablename__ = "learn_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    #: the catalogue entry (``cb_catalogue.id``), checked by the service; no foreign key,
    #: since the capacity tables come on their own Alembic branch, in no fixed order
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16), default="self_paced")
    language: Mapped[str] = mapped_column(String(8), default="en")
    hours: Mapped[float] = mapped_column(Float, default=1.0)
    published: Mapped[bool] = mapped_column(default=True)
    source_file: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Lesson(Base):
    """A lesson: sanitised HTML text, or a link to material elsewhere."""

    __tablename__ = "learn_lessons"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("learn_courses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")


class Assessment(Base):
    """An assessment: questions with choices (data) and a pass mark in percent."""

    __tablename__ = "learn_assessments"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("learn_courses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    pass_mark: Mapped[float] = mapped_column(Float)
    #: [{"text": str, "choices": [str, ...], "answer": int}]
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)


class LearnerProfile(Base):
    """What the reports count a learner by. Personal data: the learner, hub staff, admins."""

    __tablename__ = "learn_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    sex: Mapped[str] = mapped_column(String(16), default="not_stated")
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    organisation_type: Mapped[str] = mapped_column(String(32), default="not_stated")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enrolment(Base):
    """A learner on a course; ``completed_at`` is set by the rules, never typed.

    ``source`` web | cli | api | import; an imported completion keeps its file's name.
    """

    __tablename__ = "learn_enrolments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("learn_courses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enrolled_by: Mapped[str] = mapped_column(String(320), default="")
    source: Mapped[str] = mapped_column(String(16), default="web")
    attended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attended_by: Mapped[str] = mapped_column(String(320), default="")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    import_ref: Mapped[str] = mapped_column(Text, default="")


class LessonView(Base):
    __tablename__ = "learn_lesson_views"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("learn_enrolments.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("learn_lessons.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    """One submitted attempt at an assessment, with its score (percent) — kept, never edited."""

    __tablename__ = "learn_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("learn_enrolments.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("learn_assessments.id", ondelete="CASCADE")
    )
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Certificate(Base):
    """A certificate of completion; its ``code`` is public, status valid | revoked."""

    __tablename__ = "learn_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("learn_enrolments.id", ondelete="CASCADE"), unique=True
    )
    holder_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(Text)
    hours: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str] = mapped_column(String(320), default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
