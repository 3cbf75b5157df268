"""SQLAlchemy 2 models of the sdgcities store.

The schema is created and evolved only through Alembic migrations
(``sdgcities/store/migrations``); ``metadata.create_all`` is never used.
Geometries are stored as GeoJSON text with a bounding box, which works the same on
SQLite and PostgreSQL; PostGIS is optional for serving.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


# --------------------------------------------------------------------------- catalogue


class Indicator(Base):
    """An indicator of the catalogue: SDG, UMF, or one a city or hub added."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    framework: Mapped[str] = mapped_column(String(16))  # "SDG", "UMF", "custom"
    unit: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str] = mapped_column(String(16), default="higher")  # higher|lower|target
    custodian: Mapped[str] = mapped_column(String(200), default="")
    method_summary: Mapped[str] = mapped_column(Text, default="")
    method_version: Mapped[str] = mapped_column(String(32), default="1")
    goal: Mapped[str | None] = mapped_column(String(16))  # SDG goal number, e.g. "11"
    sdg_code: Mapped[str | None] = mapped_column(String(32))  # link for UMF indicators
    umf_domain: Mapped[int | None] = mapped_column(Integer)
    umf_objective: Mapped[int | None] = mapped_column(Integer)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    owner: Mapped[str | None] = mapped_column(String(200))  # None = built-in
    catalogue_version: Mapped[str] = mapped_column(String(32), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --------------------------------------------------------------------------- cities


class City(Base):
    __tablename__ = "cities"
    __table_args__ = (UniqueConstraint("slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), index=True)
    country_iso3: Mapped[str | None] = mapped_column(String(3), index=True)
    country_m49: Mapped[str | None] = mapped_column(String(3))
    country_name: Mapped[str | None] = mapped_column(String(200))
    sdg_region: Mapped[str | None] = mapped_column(String(200))
    sdg_subregion: Mapped[str | None] = mapped_column(String(200))
    admin1: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[float | None] = mapped_column(Float)
    population_year: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    bbox: Mapped[list[Any] | None] = mapped_column(JSON)
    geonameid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    typologies: Mapped[list[CityTypology]] = relationship(
        back_populates="city", cascade="all, delete-orphan"
    )


class CityTypology(Base):
    """One typology attribute of a city with its source and as-of date."""

    __tablename__ = "city_typologies"
    __table_args__ = (UniqueConstraint("city_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # size_class|sdg_region|income_group|degurba
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text, default="")
    as_of: Mapped[str] = mapped_column(String(32), default="")

    city: Mapped[City] = relationship(back_populates="typologies")


# --------------------------------------------------------------------------- observations


class ImportBatch(Base):
    """One import of a file (or one spatial run) — the provenance rows point here."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # observations|cities|indicators|spatial
    file_name: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    user: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_corrected: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Observation(Base):
    """One value of an indicator for a city, year and disaggregation — one version of it.

    Two versions of a key matter: the *current* one (``is_current``, the newest, which
    may be a draft) and the *public* one (``is_public``, the newest ``published``
    version), which is all the public ever sees: a draft correction leaves the
    published value in public view until it is published itself
    (:mod:`sdgcities.observations.visibility`).

    The current version has ``is_current``; a correction inserts a new version
    (``version`` + 1, with ``created_by``, ``created_at`` and ``reason``) and clears
    ``is_current`` on the old one. Nothing is overwritten.
    ``disaggregation`` is a canonical key such as ``"age=15-24|sex=female"``
    (sorted by dimension), empty for the total.
    """

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("city_id", "indicator_id", "year", "disaggregation", "version"),
        Index("ix_observations_current", "city_id", "indicator_id", "is_current"),
        Index("ix_observations_indicator_current", "indicator_id", "is_current"),
        # the store's coverage (count, first and last year of current values) by index
        Index("ix_observations_current_year", "is_current", "year"),
        Index("ix_observations_public", "city_id", "indicator_id", "is_public"),
        Index("ix_observations_indicator_public", "indicator_id", "is_public"),
        # the public values of a year, counted per city from the index alone
        # (``GET /api/v1/observations?year=``): a seek instead of a scan of the table.
        # The year leads: led by is_public, SQLite (no ANALYZE statistics) took it for
        # a city's count too, and scanned every public value instead of the city's
        Index("ix_observations_public_year", "year", "is_public", "city_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    disaggregation: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(64))
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="published")  # draft|published
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))
    source_row: Mapped[int | None] = mapped_column(Integer)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# --------------------------------------------------------------------------- scoring & plans


class BenchmarkSet(Base):
    __tablename__ = "benchmark_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    aggregation: Mapped[str] = mapped_column(String(16), default="arithmetic")
    missing_threshold: Mapped[float] = mapped_column(Float, default=0.2)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: "a goal is red when more than a third of its indicators are red" (SDSN rule)
    red_share_rule: Mapped[bool] = mapped_column(Boolean, default=True)
    #: progress method name (``sdgcities.scoring.progress.PROGRESS_METHODS``)
    progress_method: Mapped[str] = mapped_column(String(32), default="cagr-ratio")
    #: bumped by every change of the set's rows or parameters (stored scores cite it)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: bounds derived from the public values of all cities at the last score refresh
    derived_bounds: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    rows: Mapped[list[Benchmark]] = relationship(
        back_populates="benchmark_set", cascade="all, delete-orphan"
    )


class CityScore(Base):
    """A city's stored scores under one benchmark set, from its *public* values.

    Refreshed in the same transaction by every import, correction, publication and
    benchmark change (``sdgcities.assessment.stored.refresh_scores``); pages and the
    API read it instead of scoring on every view. ``set_version`` and
    ``max_observation_id`` say which benchmark-set version and observations produced it.
    """

    __tablename__ = "city_scores"
    __table_args__ = (UniqueConstraint("city_id", "set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(ForeignKey("benchmark_sets.id", ondelete="CASCADE"))
    index_score: Mapped[float | None] = mapped_column(Float)
    missing_share: Mapped[float | None] = mapped_column(Float)
    n_goals: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: column-oriented: {"goal": [...], "score": [...], ...}
    goals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: column-oriented: {"indicator": [...], "score": [...], "colour": [...], ...}
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    set_version: Mapped[int] = mapped_column(Integer, default=1)
    max_observation_id: Mapped[int] = mapped_column(Integer, default=0)
    method_version: Mapped[str] = mapped_column(String(64), default="")
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Benchmark(Base):
    __tablename__ = "benchmarks"
    __table_args__ = (UniqueConstraint("set_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("benchmark_sets.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    goal: Mapped[str] = mapped_column(String(64))
    best: Mapped[float | None] = mapped_column(Float)
    worst: Mapped[float | None] = mapped_column(Float)
    green: Mapped[float | None] = mapped_column(Float)
    yellow: Mapped[float | None] = mapped_column(Float)
    orange: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    target: Mapped[float | None] = mapped_column(Float)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    derivation: Mapped[str] = mapped_column(Text, default="")

    benchmark_set: Mapped[BenchmarkSet] = relationship(back_populates="rows")


class Target(Base):
    """A city's 2030 target for an indicator (the Plan stage)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("city_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    year: Mapped[int] = mapped_column(Integer, default=2030)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --------------------------------------------------------------------------- spatial


class SpatialRun(Base):
    """A computed spatial indicator, keyed by its inputs' checksums and parameters."""

    __tablename__ = "spatial_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    method_version: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # name -> sha256
    software: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HexLayer(Base):
    __tablename__ = "hex_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("spatial_runs.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    resolution: Mapped[int] = mapped_column(Integer, default=9)
    population_is_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    attribution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HexCell(Base):
    __tablename__ = "hex_cells"
    __table_args__ = (UniqueConstraint("layer_id", "h3"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("hex_layers.id", ondelete="CASCADE"))
    h3: Mapped[str] = mapped_column(String(16))
    population: Mapped[float] = mapped_column(Float, default=0.0)
    population_covered: Mapped[float] = mapped_column(Float, default=0.0)
    share: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)


# --------------------------------------------------------------------------- accounts

ROLES = (
    "admin",
    "global_hub",
    "regional_hub",
    "city_editor",
    "investor",
    "learner",
    "public",
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32), default="public")
    region: Mapped[str | None] = mapped_column(String(200))  # for regional hub reviewers
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserCity(Base):
    """The cities a city editor may edit."""

    __tablename__ = "user_cities"
    __table_args__ = (UniqueConstraint("user_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))


class Hub(Base):
    """A support hub of the SDG Cities network.

    ``kind`` is ``regional`` (a regional support hub: its reviewers review the cities
    it serves) or ``global`` (the global knowledge hub). A city is served by at most one
    regional hub (:class:`HubCity`); hub staff are :class:`HubMember` rows.
    """

    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="regional")  # regional|global
    host_country_iso3: Mapped[str | None] = mapped_column(String(3))
    sdg_region: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HubCity(Base):
    """A city served by a hub (one regional hub per city)."""

    __tablename__ = "hub_cities"
    __table_args__ = (UniqueConstraint("city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HubMember(Base):
    """A member of a hub's staff (reviewers, advisors, trainers …)."""

    __tablename__ = "hub_members"
    __table_args__ = (UniqueConstraint("hub_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    function: Mapped[str] = mapped_column(String(64), default="reviewer")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A server-side session; the cookie holds only the random id (stored hashed)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(320))  # email or client address
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
