"""Cities in the store: create, import (all or nothing), find and list them.

Every function takes a session and never commits; the caller's transaction decides.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sdgcities.cities import typology
from sdgcities.cities._readers import CityRow, city_field_problems, read_city_file
from sdgcities.cities.gazetteer import (
    GAZETTEER_SOURCE,
    GazetteerEntry,
    get_gazetteer_entry,
    normalise,
    search_gazetteer,
)
from sdgcities.errors import ConflictError, Finding, NotFoundError, ValidationError
from sdgcities.store.db import raw_rows
from sdgcities.store.models import City, CityTypology, ImportBatch

logger = logging.getLogger(__name__)


def slugify(name: str, country_iso3: str | None = None) -> str:
    """A URL-safe key: ``("Porto Alegre", "BRA")`` → ``"porto-alegre-bra"``.

    Only ASCII letters, digits and single dashes (``Diyarbakır`` → ``diyarbakir``).
    """
    folded = normalise(name).replace("ı", "i").replace("æ", "ae").replace("œ", "oe")
    base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "city"
    if country_iso3:
        base = f"{base}-{country_iso3.lower()}"
    return base[:200]


def _boundary(boundary: Any) -> tuple[str | None, list[float] | None, tuple[float, float] | None]:
    """GeoJSON text, bbox and a representative point of a boundary (dict, text or shapely)."""
    if boundary is None:
        return None, None, None
    from shapely.geometry import mapping, shape

    if isinstance(boundary, str):
        boundary = json.loads(boundary)
    geom = shape(boundary) if isinstance(boundary, dict) else boundary
    if geom.is_empty:
        return None, None, None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            "the boundary must be a polygon",
            [
                Finding(
                    f"a {geom.geom_type} cannot be a city boundary",
                    column="boundary",
                    fix="give a Polygon or MultiPolygon in EPSG:4326",
                )
            ],
        )
    pt = geom.representative_point()
    return (
        json.dumps(mapping(geom), separators=(",", ":")),
        [float(v) for v in geom.bounds],
        (float(pt.x), float(pt.y)),
    )


def _typologies(
    country: typology.CountryInfo,
    population: float | None,
    population_year: int | None,
    population_source: str,
) -> list[CityTypology]:
    rows: list[CityTypology] = []
    size = typology.size_class(population)
    if size is not None:
        src = f"{typology.SIZE_CLASS_SOURCE}; population {population:,.0f}"
        if population_source:
            src += f" ({population_source})"
        rows.append(
            CityTypology(
                kind="size_class",
                value=size,
                source=src,
                as_of="" if population_year is None else str(population_year),
            )
        )
    if country.sdg_region:
        rows.append(
            CityTypology(
                kind="sdg_region",
                value=country.sdg_region,
                source=typology.SDG_REGION_SOURCE.get(country.sdg_region_source, ""),
                as_of=typology.SDG_REGION_AS_OF,
            )
        )
    if country.income_group:
        rows.append(
            CityTypology(
                kind="income_group",
                value=country.income_group,
                source=typology.INCOME_GROUP_SOURCE,
                as_of=typology.INCOME_GROUP_AS_OF,
            )
        )
    return rows


def _new_city(
    *,
    name: str,
    country: str,
    population: float | None,
    population_year: int | None,
    lon: float | None,
    lat: float | None,
    boundary: Any,
    geonameid: int | None,
    slug: str | None,
    admin1: str | None,
    population_source: str,
) -> City:
    info = typology.country_info(country)
    geojson, bbox, point = _boundary(boundary)
    if lon is None and point is not None:
        lon, lat = point
    city = City(
        slug=slug or slugify(name, info.iso3),
        name=name.strip(),
        country_iso3=info.iso3,
        country_m49=info.m49,
        country_name=info.name,
        sdg_region=info.sdg_region or None,
        sdg_subregion=info.sdg_subregion or None,
        admin1=admin1,
        population=population,
        population_year=population_year,
        lon=lon,
        lat=lat,
        boundary_geojson=geojson,
        bbox=bbox,
        geonameid=geonameid,
    )
    city.typologies = _typologies(info, population, population_year, population_source)
    return city


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(City.id).where(City.slug == slug)) is not None


def create_city(
    session: Session,
    *,
    name: str,
    country: str,
    population: float | None = None,
    population_year: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    boundary: Any = None,
    geonameid: int | None = None,
    slug: str | None = None,
    admin1: str | None = None,
    population_source: str = "",
) -> City:
    """Store a new city with its country facts and typology rows (source and as-of date).

    ``country`` is an ISO alpha-3 or M49 code; ``boundary`` a GeoJSON geometry (dict or
    text) or a shapely polygon in EPSG:4326. Raises :class:`ConflictError` when the slug
    is taken.
    """
    if not name.strip():
        raise ValidationError(
            "a city needs a name",
            [Finding("name is empty", column="name", fix="give the city's name")],
        )
    problems = city_field_problems(
        population=population, population_year=population_year, lon=lon, lat=lat, slug=slug
    )
    if problems:
        raise ValidationError(
            f"city {name.strip()!r} not added",
            [
                Finding(msg, column=fld, value=None if v is None else str(v), fix=fix)
                for fld, msg, fix, v in problems
            ],
        )
    city = _new_city(
        name=name,
        country=country,
        population=population,
        population_year=population_year,
        lon=lon,
        lat=lat,
        boundary=boundary,
        geonameid=geonameid,
        slug=slug,
        admin1=admin1,
        population_source=population_source,
    )
    if _slug_taken(session, city.slug):
        raise ConflictError(
            f"a city with slug {city.slug!r} exists already; give another slug "
            "(e.g. --slug with the state's name) or use the existing city"
        )
    session.add(city)
    session.flush()
    return city


def add_city_from_gazetteer(
    session: Session, query_or_geonameid: str | int, *, country: str | None = None
) -> City:
    """Store the best gazetteer match for a name (or a GeoNames id) with population and centre."""
    entry: GazetteerEntry | None
    if isinstance(query_or_geonameid, int) or str(query_or_geonameid).strip().isdigit():
        entry = get_gazetteer_entry(int(query_or_geonameid))
        if entry is None:
            raise NotFoundError(f"no GeoNames city with id {query_or_geonameid}")
    else:
        found = search_gazetteer(str(query_or_geonameid), limit=5, country=country)
        if not found:
            where = f" in {country}" if country else ""
            raise NotFoundError(
                f"no gazetteer city matches {query_or_geonameid!r}{where}; try "
                "`sdgcities cities search`, or add it with its population and coordinates"
            )
        entry = found[0]
    return create_city(
        session,
        name=entry.name,
        country=entry.country_iso3,
        population=entry.population,
        lon=entry.lon,
        lat=entry.lat,
        geonameid=entry.geonameid,
        admin1=entry.admin1 or None,
        population_source=GAZETTEER_SOURCE,
    )


def import_cities(session: Session, path: str | Path) -> list[City]:
    """Import cities from CSV, GeoJSON or GeoPackage — all of them, or none.

    Every problem is reported at once (file, row, column, problem, fix) in a
    :class:`ValidationError`, and nothing is added to the session then.
    """
    parsed = read_city_file(path)
    findings = list(parsed.findings)
    planned: list[tuple[CityRow, str]] = []
    seen: dict[str, int] = {}
    for row in parsed.rows:
        slug = row.slug or slugify(row.name, row.country)
        if slug in seen:
            findings.append(
                Finding(
                    f"same city as row {seen[slug]} (slug {slug!r})",
                    file=parsed.name,
                    row=row.row,
                    column="name",
                    value=row.name,
                    fix="remove the duplicate or give a distinct slug",
                )
            )
            continue
        seen[slug] = row.row
        planned.append((row, slug))
    if seen:
        taken = set(session.scalars(select(City.slug).where(City.slug.in_(list(seen)))))
        for row, slug in planned:
            if slug in taken:
                findings.append(
                    Finding(
                        f"a city with slug {slug!r} is already stored",
                        file=parsed.name,
                        row=row.row,
                        column="slug" if row.slug else "name",
                        value=slug,
                        fix="remove the row, or give a distinct slug column",
                    )
                )
    if findings:
        findings.sort(key=lambda f: f.row or 0)
        raise ValidationError(
            f"{parsed.name}: {len(findings)} problem(s) in {parsed.rows_read} row(s); "
            "nothing imported",
            findings,
        )
    cities = [
        _new_city(
            name=r.name,
            country=r.country,
            population=r.population,
            population_year=r.population_year,
            lon=r.lon,
            lat=r.lat,
            boundary=r.boundary,
            geonameid=r.geonameid,
            slug=slug,
            admin1=r.admin1,
            population_source=f"{parsed.name} row {r.row}",
        )
        for r, slug in planned
    ]
    session.add_all(cities)
    session.add(
        ImportBatch(
            kind="cities",
            file_name=parsed.name,
            sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            rows_read=parsed.rows_read,
            rows_inserted=len(cities),
        )
    )
    session.flush()
    return cities


def filter_choices() -> dict[str, list[str]]:
    """The values ``list_cities`` filters accept: SDG regions and sub-regions, size classes,
    World Bank income groups (from the shipped country table and the UN DESA classes)."""
    countries = typology.all_countries()
    regions = {c.sdg_region for c in countries} | {c.sdg_subregion for c in countries}
    return {
        "region": sorted(r for r in regions if r),
        "size_class": [code for code, *_rest in typology.SIZE_CLASSES],
        "income_group": sorted({c.income_group for c in countries if c.income_group}),
    }


def check_filter(kind: str, value: str) -> str:
    """``value`` as the known ``kind`` value (case-insensitive); ValidationError naming the
    accepted values (and the closest) otherwise."""
    choices = filter_choices()[kind]
    by_fold = {c.casefold(): c for c in choices}
    found = by_fold.get(" ".join(value.split()).casefold())
    if found is not None:
        return found
    close = difflib.get_close_matches(value.casefold(), list(by_fold), n=2, cutoff=0.7)
    hint = f"did you mean {' or '.join(repr(by_fold[c]) for c in close)}? " if close else ""
    raise ValidationError(
        f"unknown {kind.replace('_', ' ')} {value!r}",
        [
            Finding(
                f"not a known {kind.replace('_', ' ')}",
                column=kind,
                value=value,
                fix=f"{hint}one of: {', '.join(choices)}",
            )
        ],
    )


def _filtered(
    stmt: Select[Any],
    *,
    search: str | None = None,
    region: str | None = None,
    size_class: str | None = None,
    income_group: str | None = None,
    country: str | None = None,
) -> Select[Any]:
    if search and search.strip():
        s = search.strip().lower()
        stmt = stmt.where(
            # autoescape: a "%" or "_" typed in the search box is a character, not a wildcard
            or_(
                func.lower(City.name).contains(s, autoescape=True),
                City.slug.contains(slugify(s), autoescape=True),
            )
        )
    if region:
        r = region.strip().lower()
        stmt = stmt.where(
            or_(func.lower(City.sdg_region) == r, func.lower(City.sdg_subregion) == r)
        )
    for kind, value in (("size_class", size_class), ("income_group", income_group)):
        if value:
            stmt = stmt.where(
                exists().where(
                    CityTypology.city_id == City.id,
                    CityTypology.kind == kind,
                    func.lower(CityTypology.value) == value.strip().lower(),
                )
            )
    if country:
        stmt = stmt.where(City.country_iso3 == typology.country_info(country).iso3)
    return stmt


def list_cities(
    session: Session,
    *,
    search: str | None = None,
    region: str | None = None,
    size_class: str | None = None,
    income_group: str | None = None,
    country: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[City]:
    """Cities by name, filtered; ``region`` matches the SDG region or sub-region."""
    stmt = _listed(
        select(City).options(selectinload(City.typologies)),
        limit=limit,
        offset=offset,
        search=search,
        region=region,
        size_class=size_class,
        income_group=income_group,
        country=country,
    )
    return list(session.scalars(stmt))


def _listed(stmt: Select[Any], *, limit: int | None, offset: int, **filters: Any) -> Select[Any]:
    """``stmt`` filtered (:func:`_filtered`), by name, one page of it."""
    stmt = _filtered(stmt, **filters).order_by(City.name, City.id).offset(offset)
    return stmt if limit is None else stmt.limit(limit)


class CitySummary(NamedTuple):
    """A city as lists show it: a row of :func:`city_summaries` (no boundary)."""

    id: int
    slug: str
    name: str
    country_iso3: str | None
    country_name: str | None
    sdg_region: str | None
    sdg_subregion: str | None
    admin1: str | None
    population: float | None
    population_year: int | None
    lon: float | None
    lat: float | None
    bbox: list[Any] | None
    typology: dict[str, str]


def city_summaries(
    session: Session, *, limit: int | None = None, offset: int = 0, **filters: str | None
) -> list[CitySummary]:
    """:func:`list_cities` as :class:`CitySummary` rows, same filters, same order.

    Two statements of plain driver rows (the page's cities, then their typologies)
    instead of ORM cities with their boundaries and typology objects: a fraction of the
    cost for a list.
    """
    columns = [getattr(City, name) for name in CitySummary._fields[:-1]]
    stmt = _listed(select(*columns), limit=limit, offset=offset, **filters)
    rows = raw_rows(session, stmt)
    kinds: dict[int, dict[str, str]] = {int(r[0]): {} for r in rows}
    if kinds:
        found = raw_rows(
            session,
            select(CityTypology.city_id, CityTypology.kind, CityTypology.value)
            .where(CityTypology.city_id.in_(list(kinds)))
            .order_by(CityTypology.city_id, CityTypology.kind),
        )
        for city_id, kind, value in found:
            kinds[int(city_id)][str(kind)] = str(value)
    out = []
    for r in rows:
        bbox = json.loads(r[12]) if isinstance(r[12], str) else r[12]  # JSON text on SQLite
        out.append(CitySummary._make((*r[:12], bbox, kinds[int(r[0])])))
    return out


def count_cities(
    session: Session,
    *,
    search: str | None = None,
    region: str | None = None,
    size_class: str | None = None,
    income_group: str | None = None,
    country: str | None = None,
) -> int:
    """How many cities :func:`list_cities` would return without a limit."""
    stmt = _filtered(
        select(func.count(City.id)),
        search=search,
        region=region,
        size_class=size_class,
        income_group=income_group,
        country=country,
    )
    return int(session.scalar(stmt) or 0)


#: the largest id a store row can have (PostgreSQL INTEGER)
MAX_ID = 2_147_483_647


def _named(session: Session, text: str) -> list[City]:
    """Cities named ``text``: exactly, else case-folded (``ŁÓDŹ`` → Łódź), else without accents.

    SQL ``lower()`` folds only ASCII in SQLite, so names are compared in Python.
    """
    exact = list(session.scalars(select(City).where(City.name == text)))
    if exact:
        return exact
    rows = session.execute(select(City.id, City.name)).all()
    for fold in (str.casefold, normalise):
        wanted = fold(text)
        ids = [cid for cid, name in rows if wanted and fold(name) == wanted]
        if ids:
            return list(session.scalars(select(City).where(City.id.in_(ids)).order_by(City.id)))
    return []


_BY_SLUG = select(City).where(City.slug == bindparam("slug"))  # built once: every page asks


def get_city(session: Session, key: str | int) -> City:
    """A city by id, slug or name (exact, case-folded, then accent-blind); suggestions if none."""
    text = str(key).strip()
    # an id beyond the store's integers (2**31 - 1 on PostgreSQL) names no city
    if (
        (isinstance(key, int) or (text.isascii() and text.isdigit()))
        and len(text) <= 10
        and int(text) <= MAX_ID
    ):
        found = session.get(City, int(text))
        if found is not None:
            return found
    found = session.scalar(_BY_SLUG, {"slug": text})
    if found is not None:
        return found
    named = _named(session, text)
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        slugs = ", ".join(c.slug for c in named)
        raise NotFoundError(f"several cities are named {text!r} ({slugs}); give the slug")
    names = dict(session.execute(select(City.slug, City.name)).tuples().all())
    choices = {slug: slug for slug in names}
    for slug in list(choices):
        choices[slug.rsplit("-", 1)[0]] = slug
    close = difflib.get_close_matches(slugify(text), list(choices), n=5, cutoff=0.6)
    hint = [f"{names[s]!r} ({s})" for s in sorted({choices[c] for c in close})]
    more = f"; did you mean {', '.join(hint)}?" if hint else ""
    raise NotFoundError(f"no city {text!r}{more} (see `sdgcities cities list`)")


def city_typology(city: City) -> dict[str, str]:
    """The city's typology as ``{kind: value}`` (size_class, sdg_region, income_group …)."""
    return {t.kind: t.value for t in sorted(city.typologies, key=lambda t: t.kind)}
