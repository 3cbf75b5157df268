"""Reading and recording observations: current values, history, provenance, one value.

Nothing is overwritten: :func:`record_value` adds a new version when a value changes
and leaves the old one in place with ``is_current`` cleared; :func:`history` shows
every version with who changed it, when and why.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.observations._validate import MIN_YEAR, max_year, range_problem
from sdgcities.observations.disaggregation import canonical_key
from sdgcities.observations.visibility import public_only, retire_public, visible
from sdgcities.store.db import codepoint_order, raw_rows
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
    draft_cities: Collection[int] | None = None,
    public: bool = False,
) -> pd.DataFrame:
    """The version of every matching value a reader sees, as a DataFrame.

    ``published_only`` (or ``public``) gives the public versions (the newest *published* version of
    each key, even while a draft correction of it waits for review); otherwise the
    current versions of ``draft_cities`` (``None``: every city) and the public versions
    of the others (:func:`sdgcities.observations.visibility.visible`).
    Columns: :data:`CURRENT_COLUMNS`. ``disaggregation=""`` gives totals only, ``None``
    every breakdown, any other key that breakdown. Sorted by city, indicator, year.
    """
    where = _current_conditions(
        city_ids=city_ids,
        indicator_codes=indicator_codes,
        public=published_only or public,
        disaggregation=disaggregation,
        draft_cities=draft_cities,
    )
    q = (
        _current_columns()
        .where(*where)
        .order_by(
            City.name,
            Observation.city_id,
            Indicator.code,
            Observation.year,
            Observation.disaggregation,
        )
    )
    rows = raw_rows(session, q)  # plain columns: no per-row processing for a DataFrame
    df = pd.DataFrame(rows, columns=list(CURRENT_COLUMNS))
    for col in ("city_id", "year", "version", "observation_id"):
        df[col] = df[col].astype("int64")
    for col in ("value", "lower", "upper"):
        df[col] = df[col].astype("float64")
    return df


def current_observation_page(
    session: Session,
    *,
    limit: int,
    offset: int = 0,
    city_ids: list[int] | set[int] | None = None,
    indicator_codes: list[str] | set[str] | None = None,
    year: int | None = None,
    disaggregation: str | None = "",
    draft_cities: Collection[int] | None = None,
    public: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the values a reader sees, and how many values match.

    The values of :func:`current_observations` (same filters, plus ``year``), sorted by
    city slug, indicator code, year, disaggregation, in code-point order on every
    database. Rows are dicts of :data:`CURRENT_COLUMNS`.

    The page is found without sorting the store: one grouped count gives the number of
    matching values of each city (and the total); the cities, in slug order, locate the
    few whose values fall in ``[offset, offset + limit)``; only their rows are read and
    sorted. A page of a million values costs about the count, at any offset.
    """
    where = _current_conditions(
        city_ids=city_ids,
        indicator_codes=indicator_codes,
        public=public,
        disaggregation=disaggregation,
        draft_cities=draft_cities,
    )
    if year is not None:
        where.append(Observation.year == year)
    per_city = dict(
        raw_rows(
            session,
            select(Observation.city_id, func.count()).where(*where).group_by(Observation.city_id),
        )
    )
    total = sum(per_city.values())
    if limit <= 0 or offset >= total:
        return [], total
    slugs = raw_rows(session, select(City.id, City.slug).where(City.id.in_(list(per_city))))
    before = 0  # values of the cities before the page's first city
    span: list[int] = []  # the cities whose values the page holds
    reach = 0  # values up to the end of the span
    for city_id, _slug in sorted(slugs, key=lambda r: r[1]):
        reach += per_city[city_id]
        if reach <= offset:
            before = reach
            continue
        span.append(city_id)
        if reach >= offset + limit:
            break
    q = (
        _current_columns()
        .where(*where, Observation.city_id.in_(span))
        .order_by(
            *codepoint_order(session, City.slug, Indicator.code),
            Observation.year,
            *codepoint_order(session, Observation.disaggregation),
            Observation.id,
        )
        .limit(limit)
        .offset(offset - before)
    )
    out = []
    for row in raw_rows(session, q):
        item = dict(zip(CURRENT_COLUMNS, row, strict=True))
        for col in ("value", "lower", "upper"):  # a numeric column may come back as Decimal
            if item[col] is not None:
                item[col] = float(item[col])
        out.append(item)
    return out, total


def _current_columns() -> Any:
    """The select of :data:`CURRENT_COLUMNS`, observations joined to city and indicator."""
    return (
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
    )


def _current_conditions(
    *,
    city_ids: list[int] | set[int] | None,
    indicator_codes: list[str] | set[str] | None,
    public: bool,
    disaggregation: str | None,
    draft_cities: Collection[int] | None,
) -> list[Any]:
    """The ``WHERE`` of :func:`current_observations`, on the observations table alone."""
    where: list[Any] = [public_only() if public else visible(draft_cities)]
    if city_ids is not None:
        where.append(Observation.city_id.in_(list(city_ids)))
    if indicator_codes is not None:
        codes = select(Indicator.id).where(Indicator.code.in_(list(indicator_codes)))
        where.append(Observation.indicator_id.in_(codes.scalar_subquery()))
    if disaggregation is not None:
        where.append(Observation.disaggregation == canonical_key(disaggregation))
    return where


def history(
    session: Session,
    *,
    city: str | int,
    indicator: str,
    year: int | None = None,
    disaggregation: str = "",
    include_drafts: bool = True,
) -> list[Observation]:
    """Every version of a city's values of an indicator, newest first.

    ``include_drafts=False`` keeps the published versions (what the public may see).
    """
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
    else:
        # against the catalogue's unit: a percentage of 150 or a negative rate is refused
        bad = range_problem(float(value), ind.unit)
        if bad is not None:
            problems.append(f"{bad[0]} ({bad[1]})")
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
    if status == "published":  # public scores move: refreshed before this commit
        from sdgcities.assessment.stored import scores_changed

        scores_changed(session, [city_id])
    return obs


#: fields of :func:`provenance_of` that name people (e-mail addresses) or hold their notes
PERSONAL_FIELDS = ("created_by",)


def provenance_of(
    session: Session, observation_id: int, *, include_drafts: bool = True, personal: bool = True
) -> dict[str, Any]:
    """Where a value came from: its import (file, sha256, user, time), row, column, method.

    ``include_drafts=False`` refuses draft versions (NotFoundError, as if absent);
    ``personal=False`` leaves out who recorded the value and who imported the file.
    """
    obs = session.get(Observation, observation_id)
    if obs is None or (not include_drafts and obs.status != "published"):
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
    if not personal:
        for name in PERSONAL_FIELDS:
            out[name] = ""
        if out["import"] is not None:
            out["import"]["user"] = ""
    return out
