"""Reading and recording observations: current values, history, provenance, one value.

Nothing is overwritten: :func:`record_value` adds a new version when a value changes
and leaves the old one in place with ``is_current`` cleared; :func:`history` shows
every version with who changed it, when and why.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.observations._validate import MIN_YEAR, max_year
from sdgcities.observations.disaggregation import canonical_key
from sdgcities.observations.visibility import public_only, retire_public
from sdgcities.store.models import City, ImportBatch, Indicator, Observation, utcnow

#: columns of :func:`current_observations`
CURRENT_COLUMNS = (
    "city_id",
    "city",
    "city_slug",
    "indicator",
    "year",
    "disaggregation",
    "value",
    "unit",
    "lower",
    "upper",
    "source",
    "version",
    "status",
    "observation_id",
)


def resolve_city(session: Session, key: str | int) -> City:
    """A city by id, slug or name (:func:`sdgcities.cities.service.get_city`)."""
    from sdgcities.cities.service import get_city

    return get_city(session, key)


def resolve_indicator(session: Session, code: str) -> Indicator:
    """An indicator by code (case-insensitive fallback; NotFoundError with close matches)."""
    ind = session.scalar(select(Indicator).where(Indicator.code == code))
    if ind is None:
        ind = session.scalar(select(Indicator).where(func.lower(Indicator.code) == code.lower()))
    if ind is None:
        codes = list(session.scalars(select(Indicator.code)))
        close = difflib.get_close_matches(code, codes, n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise NotFoundError(f"no indicator {code!r}{hint}")
    return ind


def current_observations(
    session: Session,
    *,
    city_ids: list[int] | set[int] | None = None,
    indicator_codes: list[str] | set[str] | None = None,
    published_only: bool = False,
    disaggregation: str | None = "",
    public: bool = False,
) -> pd.DataFrame:
    """The current version of every matching value as a DataFrame.

    ``published_only`` keeps the current versions that are published; ``public`` gives
    instead the public version of each key (its newest published one,
    :func:`sdgcities.observations.visibility.public_only`), so that a draft correction
    leaves the published value in view. Columns: :data:`CURRENT_COLUMNS`.
    ``disaggregation=""`` gives totals only, ``None`` every breakdown, any other key that
    breakdown. Sorted by city, indicator, year.
    """
    q = (
        select(
            Observation.city_id,
            City.name,
            City.slug,
            Indicator.code,
            Observation.year,
            Observation.disaggregation,
            Observation.value,
            Observation.unit,
            Observation.lower,
            Observation.upper,
            Observation.source,
            Observation.version,
            Observation.status,
            Observation.id,
        )
        .join(City, City.id == Observation.city_id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(public_only() if public else Observation.is_current.is_(True))
    )
    if city_ids is not None:
        q = q.where(Observation.city_id.in_(list(city_ids)))
    if indicator_codes is not None:
        q = q.where(Indicator.code.in_(list(indicator_codes)))
    if published_only:
        q = q.where(Observation.status == "published")
    if disaggregation is not None:
        q = q.where(Observation.disaggregation == canonical_key(disaggregation))
    q = q.order_by(
        City.name, Observation.city_id, Indicator.code, Observation.year, Observation.disaggregation
    )
    rows = session.execute(q).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(CURRENT_COLUMNS))
    for col in ("city_id", "year", "version", "observation_id"):
        df[col] = df[col].astype("int64")
    for col in ("value", "lower", "upper"):
        df[col] = df[col].astype("float64")
    return df


def history(
    session: Session,
    *,
    city: str | int,
    indicator: str,
    year: int | None = None,
    disaggregation: str = "",
    include_drafts: bool = True,
) -> list[Observation]:
    """Every version of a city's values of an indicator, newest first (drafts optional)."""
    c = resolve_city(session, city)
    ind = resolve_indicator(session, indicator)
    q = select(Observation).where(
        Observation.city_id == c.id,
        Observation.indicator_id == ind.id,
        Observation.disaggregation == canonical_key(disaggregation),
    )
    if year is not None:
        q = q.where(Observation.year == year)
    if not include_drafts:
        q = q.where(Observation.status == "published")
    q = q.order_by(
        Observation.created_at.desc(),
        Observation.version.desc(),
        Observation.year.desc(),
        Observation.id.desc(),
    )
    return list(session.scalars(q))


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def record_value(
    session: Session,
    *,
    city_id: int,
    indicator_code: str,
    year: int,
    value: float,
    unit: str | None = None,
    source: str | None = None,
    disaggregation: str = "",
    user: str = "",
    reason: str = "",
    provenance: dict[str, Any] | None = None,
    status: str = "published",
) -> Observation:
    """Store one value: a new version if it differs from the current one.

    Idempotent: the same value (and status) returns the current version unchanged.
    A different value inserts version n+1 (with ``user``, time and ``reason``) and
    clears ``is_current`` on version n. Flushes; the caller commits.
    """
    if session.get(City, city_id) is None:
        raise NotFoundError(f"no city with id {city_id}")
    ind = resolve_indicator(session, indicator_code)
    problems: list[str] = []
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        problems.append(f"value {value!r} is not a finite number")
    if not MIN_YEAR <= year <= max_year():
        problems.append(f"year {year} is outside {MIN_YEAR}..{max_year()}")
    if status not in ("published", "draft"):
        problems.append(f"status {status!r} is not 'published' or 'draft'")
    if problems:
        raise ValidationError("cannot record the value: " + "; ".join(problems))
    key = canonical_key(disaggregation)
    current = session.scalar(
        select(Observation)
        .where(
            Observation.city_id == city_id,
            Observation.indicator_id == ind.id,
            Observation.year == year,
            Observation.disaggregation == key,
            Observation.is_current.is_(True),
        )
        .with_for_update()
    )
    unit = unit if unit is not None else (ind.unit or None)
    if current is not None and _same(current.value, float(value)) and current.status == status:
        return current
    last = (
        session.scalar(
            select(func.max(Observation.version)).where(
                Observation.city_id == city_id,
                Observation.indicator_id == ind.id,
                Observation.year == year,
                Observation.disaggregation == key,
            )
        )
        or 0
    )
    if current is not None:
        current.is_current = False
        session.flush()
    if status == "published":
        retire_public(session, city_id, ind.id, year, key)
    obs = Observation(
        city_id=city_id,
        indicator_id=ind.id,
        year=year,
        disaggregation=key,
        value=float(value),
        is_public=status == "published",
        unit=unit,
        source=source if source is not None else (current.source if current else None),
        version=last + 1,
        is_current=True,
        status=status,
        created_at=utcnow(),
        created_by=user,
        reason=reason,
        provenance=provenance,
    )
    session.add(obs)
    session.flush()
    return obs


def provenance_of(session: Session, observation_id: int) -> dict[str, Any]:
    """Where a value came from: its import (file, sha256, user, time), row, column, method."""
    obs = session.get(Observation, observation_id)
    if obs is None:
        raise NotFoundError(f"no observation with id {observation_id}")
    city = session.get(City, obs.city_id)
    ind = session.get(Indicator, obs.indicator_id)
    prov = dict(obs.provenance or {})
    out: dict[str, Any] = {
        "observation_id": obs.id,
        "city": city.name if city else None,
        "city_slug": city.slug if city else None,
        "indicator": ind.code if ind else None,
        "year": obs.year,
        "disaggregation": obs.disaggregation,
        "value": obs.value,
        "unit": obs.unit,
        "source": obs.source,
        "version": obs.version,
        "is_current": obs.is_current,
        "status": obs.status,
        "created_at": obs.created_at.isoformat() if obs.created_at else None,
        "created_by": obs.created_by,
        "reason": obs.reason,
        "source_row": obs.source_row,
        "source_column": prov.get("column"),
        "method": prov.get("method"),
        "provenance": prov,
        "import": None,
    }
    if obs.import_id is not None:
        batch = session.get(ImportBatch, obs.import_id)
        if batch is not None:
            out["import"] = {
                "id": batch.id,
                "kind": batch.kind,
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "user": batch.user,
                "reason": batch.reason,
                "created_at": batch.created_at.isoformat() if batch.created_at else None,
                "details": batch.details,
            }
    return out
