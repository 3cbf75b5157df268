"""Use cases of the revenue diagnostic: analyse a file, store a city's diagnostic, read it.

The web and the CLI call only these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sdgcities.cities.service import get_city
from sdgcities.errors import ConflictError, NotFoundError, ValidationError
from sdgcities.revenue._reading import read_streams
from sdgcities.revenue.models import RevenueDiagnostic, RevenueStream
from sdgcities.revenue.rosra import OPTIONAL, REQUIRED, Diagnostic, StreamInput, analyse
from sdgcities.store.models import City

MIN_YEAR, MAX_YEAR = 1900, 2100


def analyse_file(path: str | Path) -> Diagnostic:
    """The diagnostic of a streams CSV (no store involved)."""
    return analyse(read_streams(path))


@dataclass(frozen=True)
class StoredDiagnostic:
    """A stored diagnostic with its city and its computed split."""

    id: int
    city_id: int
    city_slug: str
    city_name: str
    year: int
    currency: str | None
    is_published: bool
    source: str | None
    result: Diagnostic
    inputs: tuple[StreamInput, ...]


def _inputs(d: RevenueDiagnostic) -> tuple[StreamInput, ...]:
    return tuple(
        StreamInput(**{k: getattr(s, k) for k in (*REQUIRED, *OPTIONAL)}) for s in d.streams
    )


def _stored(d: RevenueDiagnostic, city: City) -> StoredDiagnostic:
    inputs = _inputs(d)
    return StoredDiagnostic(
        id=d.id,
        city_id=city.id,
        city_slug=city.slug,
        city_name=city.name,
        year=d.year,
        currency=d.currency,
        is_published=d.is_published,
        source=d.source,
        result=analyse(inputs),
        inputs=inputs,
    )


def _find(session: Session, city_id: int, year: int) -> RevenueDiagnostic | None:
    return session.scalar(
        select(RevenueDiagnostic).where(
            RevenueDiagnostic.city_id == city_id, RevenueDiagnostic.year == year
        )
    )


def import_diagnostic(
    session: Session,
    city: str | int,
    path: str | Path,
    *,
    year: int,
    currency: str | None = None,
    publish: bool = False,
    replace: bool = False,
) -> StoredDiagnostic:
    """Store the streams of ``path`` as ``city``'s diagnostic for ``year``, all or nothing.

    The file is validated whole before anything is written; with ``replace`` an existing
    diagnostic of that year is replaced in the same transaction, otherwise it is a
    :class:`ConflictError`. The caller commits.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"year {year} is out of range: give a year {MIN_YEAR}–{MAX_YEAR}")
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise ValidationError(
            f"currency {currency!r} is not an ISO 4217 code: give three letters, e.g. KES"
        )
    found = get_city(session, city)
    streams = read_streams(path)
    analyse(streams)  # validates the whole file before anything is written
    old = _find(session, found.id, year)
    if old is not None:
        if not replace:
            raise ConflictError(
                f"{found.name} already has a revenue diagnostic for {year}: "
                "pass --replace to replace it"
            )
        session.delete(old)
        session.flush()
    diag = RevenueDiagnostic(
        city_id=found.id,
        year=year,
        currency=currency.upper() if currency else None,
        source=Path(path).name[:300],
        is_published=publish,
    )
    diag.streams = [
        RevenueStream(position=i, **{k: getattr(s, k) for k in (*REQUIRED, *OPTIONAL)})
        for i, s in enumerate(streams)
    ]
    session.add(diag)
    session.flush()
    return _stored(diag, found)


def list_diagnostics(
    session: Session, city: str | int, *, published_only: bool = True
) -> list[StoredDiagnostic]:
    """The city's diagnostics, newest year first (drafts only when ``published_only`` is off)."""
    found = get_city(session, city)
    q = (
        select(RevenueDiagnostic)
        .where(RevenueDiagnostic.city_id == found.id)
        .options(selectinload(RevenueDiagnostic.streams))
        .order_by(RevenueDiagnostic.year.desc())
    )
    if published_only:
        q = q.where(RevenueDiagnostic.is_published.is_(True))
    return [_stored(d, found) for d in session.scalars(q)]


def get_diagnostic(
    session: Session, city: str | int, year: int | None = None, *, published_only: bool = True
) -> StoredDiagnostic:
    """The city's diagnostic of ``year`` (the newest one when ``year`` is None)."""
    items = list_diagnostics(session, city, published_only=published_only)
    for d in items:
        if year is None or d.year == year:
            return d
    name = get_city(session, city).name
    what = f"for {year}" if year is not None else "yet"
    raise NotFoundError(
        f"{name} has no {'published ' if published_only else ''}revenue diagnostic {what}: "
        "import one with `sdgcities revenue import CITY STREAMS.csv --year YEAR`"
    )


def publish_diagnostic(session: Session, city: str | int, year: int) -> StoredDiagnostic:
    """Make the city's diagnostic of ``year`` public. The caller commits."""
    found = get_city(session, city)
    diag = _find(session, found.id, year)
    if diag is None:
        raise NotFoundError(f"{found.name} has no revenue diagnostic for {year}")
    diag.is_published = True
    session.flush()
    return _stored(diag, found)
