"""Pydantic models of the JSON API's requests and responses (they make the OpenAPI doc)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")


def _utc(value: datetime) -> datetime:
    """Stored times are UTC; SQLite returns them naive — say so (RFC 3339 needs it)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_float(value: Any) -> float | None:
    """A JSON-safe float: NaN, infinities and missing values become None."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def clean_int(value: Any) -> int | None:
    x = clean_float(value)
    return None if x is None else int(x)


def clean_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text not in ("nan", "<NA>", "None") else None


class Page(BaseModel, Generic[T]):
    """A page of a list: ``next`` is the URL of the following page, or null."""

    items: list[T]
    total: int = Field(ge=0, description="number of items matching the filters")
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)
    next: str | None = None


# --------------------------------------------------------------------------- cities


class CityOut(BaseModel):
    id: int
    slug: str
    name: str
    country_iso3: str | None = None
    country_name: str | None = None
    sdg_region: str | None = None
    sdg_subregion: str | None = None
    admin1: str | None = None
    population: float | None = None
    population_year: int | None = None
    lon: float | None = None
    lat: float | None = None
    bbox: list[float] | None = None
    typology: dict[str, str] = Field(default_factory=dict)


class TypologyOut(BaseModel):
    kind: str
    value: str
    source: str = ""
    as_of: str = ""


class CityDetail(CityOut):
    geonameid: int | None = None
    typology_sources: list[TypologyOut] = Field(default_factory=list)
    boundary: dict[str, Any] | None = Field(
        default=None, description="the city boundary as a GeoJSON geometry (WGS 84)"
    )


# --------------------------------------------------------------------------- indicators


class IndicatorOut(BaseModel):
    code: str
    name: str
    framework: str
    unit: str = ""
    direction: str = "higher"
    goal: str | None = None
    sdg_code: str | None = None
    umf_domain: int | None = None
    umf_objective: int | None = None
    custodian: str = ""
    confirmed: bool = True
    owner: str | None = None
    catalogue_version: str = ""


class IndicatorDetail(IndicatorOut):
    method_summary: str = ""
    method_version: str = "1"


# --------------------------------------------------------------------------- observations


class ObservationOut(BaseModel):
    id: int
    city_id: int
    city: str | None = None
    city_slug: str | None = None
    indicator: str
    year: int
    disaggregation: str = ""
    value: float | None
    unit: str | None = None
    lower: float | None = None
    upper: float | None = None
    source: str | None = None
    version: int = 1
    status: str = "published"


class ObservationDetail(ObservationOut):
    created_at: UtcDatetime | None = None
    created_by: str = ""
    reason: str = ""
    is_current: bool = True
    provenance: dict[str, Any] = Field(default_factory=dict)


class ObservationIn(BaseModel):
    """A value to add, or a correction of a stored one (a new version is kept)."""

    model_config = ConfigDict(extra="forbid")

    city: str = Field(min_length=1, max_length=200, description="city slug, id or exact name")
    indicator: str = Field(min_length=1, max_length=64, description="indicator code")
    year: int = Field(ge=1900, le=2100)
    value: float = Field(allow_inf_nan=False)
    unit: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=2000)
    disaggregation: str = Field(default="", max_length=200, description="e.g. sex=female")
    reason: str = Field(default="", max_length=2000, description="why (for a correction)")
    status: Literal["published", "draft"] = Field(
        default="draft",
        description="draft (for review; the default) or published (admins and the global hub)",
    )

    @field_validator("city", "indicator", "unit", "source", "disaggregation", "reason")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("disaggregation")
    @classmethod
    def _canonical(cls, value: str) -> str:
        from sdgcities.observations.disaggregation import canonical_key

        return canonical_key(value)  # ValueError → 422 naming the field


class ObservationWritten(BaseModel):
    observation: ObservationOut
    changed: bool = Field(description="false when the same value was already current")


class ImportSummary(BaseModel):
    import_id: int | None = None
    rows_read: int
    inserted: int
    corrected: int
    unchanged: int
    warnings: list[dict[str, Any]] = Field(default_factory=list)


# --------------------------------------------------------------------------- scores


class IndicatorScore(BaseModel):
    indicator: str
    goal: str | None = None
    year: int | None = None
    value: float | None = None
    score: float | None = None
    colour: str | None = None
    target: float | None = None
    target_source: str | None = None
    progress: str | None = None


class GoalScore(BaseModel):
    goal: str
    score: float | None = None
    colour: str | None = None
    n_indicators: int | None = None
    n_available: int | None = None


class IndexScore(BaseModel):
    score: float | None = None
    missing_share: float | None = None
    n_goals: int | None = None
    reason: str = ""


class CityScores(BaseModel):
    city: str
    benchmark_set: str
    published_only: bool
    indicators: list[IndicatorScore]
    goals: list[GoalScore]
    index: IndexScore | None = None


class ChallengeOut(BaseModel):
    rank: int
    indicator: str
    name: str
    goal: str = ""
    value: float | None = None
    unit: str = ""
    year: int | None = None
    target: float | None = None
    peer_median: float | None = None
    trend: str = ""
    score: float | None = None
    colour: str = ""
    source: str = ""
    reasons: list[str] = Field(default_factory=list)


class ChallengesOut(BaseModel):
    """A city's greatest challenges and what the list means.

    ``status``: ``challenges`` (ranked below), ``all_achieved`` (every scored indicator
    reached its target, so none is a challenge) or ``not_scored``; ``message`` says so.
    """

    city: str
    status: str
    message: str
    scored: int = 0
    achieved: list[str] = Field(default_factory=list)
    challenges: list[ChallengeOut] = Field(default_factory=list)


# --------------------------------------------------------------------------- layers


class LayerOut(BaseModel):
    id: int
    city_id: int
    indicator_code: str
    name: str
    resolution: int
    population_is_estimate: bool
    attribution: str = ""
    cells: int
    created_at: UtcDatetime | None = None


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str | int | None = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    properties: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- accounts


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    region: str | None = None
    cities: list[str] = Field(default_factory=list)
    auth: str | None = Field(default=None, description="how this request authenticated")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: UtcDatetime | None = None
    last_used_at: UtcDatetime | None = None
    revoked: bool = False


class NewToken(TokenOut):
    token: str = Field(description="shown once; store it safely")
