"""Store tables of the flagship-programme portfolio.

Partners are the capacity-building registry's :class:`~sdgcities.capacity.models.Provider`
rows (one registry); :class:`ProgrammePartner` gives each its role and the state of the
partnership in a programme. Money is a :class:`FundingLine` (amount ≥ 0 in an ISO 4217
currency, at a status), optionally under an :class:`Initiative`, with the countries it
serves in :class:`FundingCountry`. Every row imported from the report keeps the number
of the paragraph it came from (``paragraph``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow


class Programme(Base):
    """A flagship programme; ``facts`` holds the report's sections, outcomes and targets."""

    __tablename__ = "prog_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    objective: Mapped[str] = mapped_column(Text, default="")
    objective_paragraph: Mapped[int | None] = mapped_column(Integer)
    #: expected_outcomes, targets, internal_challenges, sections (each item with paragraph)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutcomeAlignment(Base):
    """A programme's link to a domain of change (``D1``…) or outcome (``1.1``…) of the plan."""

    __tablename__ = "prog_alignments"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(8))
    contribution: Mapped[str] = mapped_column(String(16))  # main | co_benefit
    paragraph: Mapped[int | None] = mapped_column(Integer)


class Phase(Base):
    __tablename__ = "prog_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int | None] = mapped_column(Integer)


class GeographicPriority(Base):
    __tablename__ = "prog_geography"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    region: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), default="primary")  # primary | secondary
    paragraph: Mapped[int | None] = mapped_column(Integer)


class TableRow(Base):
    """One bullet of a programme's external opportunities-and-challenges table."""

    __tablename__ = "prog_table_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    table_number: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(16))  # opportunity | challenge
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class ProgrammePartner(Base):
    """A partner (capacity-building :class:`Provider`) in a programme: role and state."""

    __tablename__ = "prog_partners"
    __table_args__ = (UniqueConstraint("programme_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("cb_providers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(200), default="partner")
    state: Mapped[str] = mapped_column(String(16), default="discussed")
    paragraphs: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Initiative(Base):
    """An initiative under a programme: where, with whom, when, at what status."""

    __tablename__ = "prog_initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ISO 3166-1 alpha-3
    #: places as the report names them; ``city_slugs`` the store's cities they match
    places: Mapped[list[Any]] = mapped_column(JSON, default=list)
    city_slugs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    partner_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # cb_providers ids
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="discussed")
    paragraph: Mapped[int | None] = mapped_column(Integer)
    #: a GeoJSON geometry (Point, Polygon or their Multi forms) in EPSG:4326, or none
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: where the geometry came from (file name and layer), for provenance
    geometry_source: Mapped[str] = mapped_column(Text, default="")
    #: the neighbourhoods it touches, derived from each linked city's neighbourhood
    #: profile layer: ``[{"city": slug, "layer_id": n, "area_id": …, "name": …}]``
    neighbourhoods: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InitiativePlace(Base):
    """An indexed copy of where an initiative works: ``kind`` city (``key`` a city slug)
    or country (``key`` ISO3), so that a city's page finds its initiatives in one query."""

    __tablename__ = "prog_initiative_places"
    __table_args__ = (UniqueConstraint("initiative_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("prog_initiatives.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))


Index("ix_prog_initiative_places_kind_key", InitiativePlace.kind, InitiativePlace.key)


class FundingLine(Base):
    """Money for a programme (and optionally one initiative), at one status.

    ``modality`` core | earmarked, ``earmark`` soft | hard (earmarked money only);
    ``amount`` ≥ 0 in ``currency`` (ISO 4217); ``status`` concept_note | approved |
    mobilised | disbursed. ``paragraph`` or ``source`` says where the figure came from.
    """

    __tablename__ = "prog_funding_lines"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_prog_funding_amount"),
        CheckConstraint(
            "status IN ('concept_note', 'approved', 'mobilised', 'disbursed')",
            name="ck_prog_funding_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("prog_initiatives.id", ondelete="SET NULL"), index=True
    )
    donor_id: Mapped[int | None] = mapped_column(
        ForeignKey("cb_providers.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(Text, default="")
    modality: Mapped[str | None] = mapped_column(String(16))
    earmark: Mapped[str | None] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    paragraph: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FundingCountry(Base):
    """A country a funding line serves (a line may serve several)."""

    __tablename__ = "prog_funding_countries"
    __table_args__ = (UniqueConstraint("funding_line_id", "iso3"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(
        ForeignKey("prog_funding_lines.id", ondelete="CASCADE"), index=True
    )
    iso3: Mapped[str] = mapped_column(String(3), index=True)


class ProgrammeFigure(Base):
    """A figure the report states that is not a funding line (e.g. a portfolio's value)."""

    __tablename__ = "prog_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    countries: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int | None] = mapped_column(Integer)


class AdaptationProject(Base):
    """A climate-adaptation project of RISE-UP (programme 3) in a country, or a city.

    ``stage`` concept_note | proposal | approved | implementation; ``fund`` a key of
    :data:`sdgcities.programmes.adaptation.FUNDS`; ``amount`` ≥ 0 in ``currency``. Each
    project feeds one :class:`FundingLine` of its programme (``funding_line_id``), kept in
    step with it by :func:`sdgcities.programmes.adaptation.sync_line`.
    """

    __tablename__ = "prog_adaptation_projects"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_prog_adaptation_amount"),
        CheckConstraint(
            "stage IN ('concept_note', 'proposal', 'approved', 'implementation')",
            name="ck_prog_adaptation_stage",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("prog_programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    #: ISO 3166-1 alpha-3 codes of the countries it serves (at least one)
    countries: Mapped[list[Any]] = mapped_column(JSON, default=list)
    city_id: Mapped[int | None] = mapped_column(
        ForeignKey("cities.id", ondelete="SET NULL"), index=True
    )
    fund: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    funding_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("prog_funding_lines.id", ondelete="SET NULL"), index=True
    )
    paragraph: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
