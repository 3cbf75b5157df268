"""Initiatives under a programme: add and edit (checked field by field), their geometry
and the neighbourhoods it touches, and what concerns one city.

- **Fields**: a name; countries ISO 3166-1 alpha-3; places as written, linked to the
  store's cities of the same name (and country); cities given by slug or name, each one
  of the store's; partners from the shared registry (capacity building's providers, by
  id or exact name); status discussed | in_development | active | completed; ISO dates,
  the end on or after the start. Every problem is reported at once, naming the field;
  nothing is stored unless all are right.
- **Geometry**: a Point, Polygon or their Multi forms in EPSG:4326 (WGS 84 longitude,
  latitude), read from GeoJSON (RFC 7946: coordinates are WGS 84) or a GeoPackage layer
  in any CRS pyproj knows (reprojected); several features are joined into one
  multi-geometry (``shapely.union_all``); invalid polygons are refused, naming the feature
  (``shapely.is_valid_reason``).
- **Neighbourhoods**: for each of the initiative's cities, the features of its newest
  *published* neighbourhood profile layer (:class:`sdgcities.profiling.models.ProfileLayer`,
  kind ``neighbourhoods``) whose polygon intersects the geometry (a point on a boundary
  touches both sides). Published only, because an initiative's page is public.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from sdgcities.capacity.models import Provider
from sdgcities.errors import Finding, InputFileError, NotFoundError, ValidationError
from sdgcities.programmes import vocabulary as vocab
from sdgcities.programmes.models import (
    FundingCountry,
    FundingLine,
    Initiative,
    InitiativePlace,
    Programme,
)
from sdgcities.store.models import City, utcnow

GEOMETRY_TYPES = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
#: largest geometry file read (bytes) and largest stored geometry (vertices)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_VERTICES = 50_000


def _split(values: Sequence[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace("\n", ",").split(",")
    return [v.strip() for v in values if v and v.strip()]


def _check(
    session: Session,
    prog: Programme,
    *,
    name: str,
    countries: Sequence[str],
    places: Sequence[str],
    cities: Sequence[str],
    partners: Sequence[str | int],
    create_partners: bool,
    status: str,
    start: str | None,
    end: str | None,
) -> tuple[list[Finding], dict[str, Any]]:
    import pycountry

    findings: list[Finding] = []
    if not name.strip():
        findings.append(Finding("empty", column="name", fix="name the initiative"))
    elif len(name.strip()) > 500:
        findings.append(Finding("longer than 500 characters", column="name", fix="shorten it"))
    iso3 = [c.strip().upper() for c in countries if c.strip()]
    for c in iso3:
        if pycountry.countries.get(alpha_3=c) is None:
            findings.append(
                Finding(
                    "not an ISO 3166-1 alpha-3 code",
                    column="countries",
                    value=c,
                    fix="give e.g. KEN, VNM",
                )
            )
    if status not in vocab.INITIATIVE_STATUSES:
        findings.append(
            Finding(
                "unknown status",
                column="status",
                value=status,
                fix="use " + ", ".join(vocab.INITIATIVE_STATUSES),
            )
        )
    dates: dict[str, date | None] = {}
    for field_name, value in (("start", start), ("end", end)):
        try:
            dates[field_name] = date.fromisoformat(value.strip()) if value else None
        except ValueError:
            dates[field_name] = None
            findings.append(
                Finding("not a date", column=field_name, value=value, fix="give it as YYYY-MM-DD")
            )
    if dates["start"] and dates["end"] and dates["end"] < dates["start"]:
        findings.append(
            Finding(
                "ends before it starts",
                column="end",
                value=end,
                fix="give an end on or after the start",
            )
        )
    slugs: list[str] = []
    for key in cities:
        row = session.execute(
            select(City.slug, City.country_iso3).where(or_(City.slug == key, City.name == key))
        ).first()
        if row is None:
            findings.append(
                Finding(
                    "not one of the platform's cities",
                    column="cities",
                    value=key,
                    fix="give a city's slug or name as on its page, or write it under places",
                )
            )
        else:
            slugs.append(row[0])
    from sdgcities.programmes.service import _city_slugs, _provider

    slugs += [s for s in _city_slugs(session, places, iso3) if s not in slugs]
    partner_ids: list[int] = []
    kinds = {p["name"]: p["kind"] for p in vocab.partner_directory()}
    for ref in partners:
        text = str(ref).strip()
        if not text:
            continue
        by_id = text.isdigit() and len(text) < 10
        row_id = session.scalar(
            select(Provider.id).where(
                (Provider.id == int(text)) if by_id else (Provider.name == text)
            )
        )
        if row_id is None and create_partners and not text.isdigit():
            row_id = _provider(session, text, kinds).id
        if row_id is None:
            findings.append(
                Finding(
                    "not in the partner registry",
                    column="partners",
                    value=text,
                    fix="choose partners listed in the registry (add new ones there first)",
                )
            )
        elif row_id not in partner_ids:
            partner_ids.append(row_id)
    clean = {
        "name": name.strip(),
        "countries": list(dict.fromkeys(iso3)),
        "places": [p.strip() for p in places if p.strip()],
        "city_slugs": slugs,
        "partner_ids": partner_ids,
        "status": status,
        "start": dates["start"],
        "end": dates["end"],
    }
    return findings, clean


def add_initiative(
    session: Session,
    *,
    programme: str,
    name: str,
    countries: Sequence[str] = (),
    places: Sequence[str] = (),
    cities: Sequence[str] = (),
    partners: Sequence[str | int] = (),
    create_partners: bool = True,
    status: str = "discussed",
    start: str | None = None,
    end: str | None = None,
    description: str = "",
) -> Initiative:
    """Add an initiative after checking every field (see the module's rules).

    ``create_partners`` adds a partner named but not yet in the registry (the CLI's
    behaviour); the page and the API choose from the registry and refuse unknown ones.
    """
    from sdgcities.programmes.service import get_programme, sync_places

    prog = get_programme(session, programme, published_only=False)
    findings, clean = _check(
        session,
        prog,
        name=name,
        countries=countries,
        places=places,
        cities=cities,
        partners=partners,
        create_partners=create_partners,
        status=status,
        start=start,
        end=end,
    )
    if findings:
        raise ValidationError(f"the initiative for {prog.key} was not saved", findings)
    ini = Initiative(programme_id=prog.id, description=description.strip(), **clean)
    ini.updated_at = utcnow()
    session.add(ini)
    session.flush()
    sync_places(session, ini)
    session.flush()
    return ini


def get_initiative(
    session: Session, programme: str, initiative_id: int, *, published_only: bool = True
) -> tuple[Programme, Initiative]:
    from sdgcities.programmes.service import get_programme

    prog = get_programme(session, programme, published_only=published_only)
    ini = session.get(Initiative, initiative_id) if initiative_id < 2**31 else None
    if ini is None or ini.programme_id != prog.id:
        raise NotFoundError(
            f"no initiative {initiative_id} in {prog.key}; see /programmes/{prog.key}#initiatives"
        )
    return prog, ini


def update_initiative(
    session: Session,
    *,
    programme: str,
    initiative_id: int,
    name: str,
    countries: Sequence[str] = (),
    places: Sequence[str] = (),
    cities: Sequence[str] = (),
    partners: Sequence[str | int] = (),
    create_partners: bool = False,
    status: str = "discussed",
    start: str | None = None,
    end: str | None = None,
    description: str = "",
) -> Initiative:
    """Replace an initiative's fields (same checks as :func:`add_initiative`); its
    neighbourhoods are derived again when it has a geometry."""
    from sdgcities.programmes.service import sync_places

    prog, ini = get_initiative(session, programme, initiative_id, published_only=False)
    findings, clean = _check(
        session,
        prog,
        name=name,
        countries=countries,
        places=places,
        cities=cities,
        partners=partners,
        create_partners=create_partners,
        status=status,
        start=start,
        end=end,
    )
    if findings:
        raise ValidationError(f"initiative {initiative_id} was not saved", findings)
    for k, v in clean.items():
        setattr(ini, k, v)
    ini.description = description.strip()
    ini.updated_at = utcnow()
    if ini.geometry:
        ini.neighbourhoods = derive_neighbourhoods(session, ini.geometry, ini.city_slugs)
    session.flush()
    sync_places(session, ini)
    session.flush()
    return ini


# ---------------------------------------------------------------- geometry


def read_geometry(path: Path, *, name: str | None = None) -> tuple[dict[str, Any], str]:
    """The geometry of a GeoJSON or GeoPackage file as GeoJSON in EPSG:4326, and a note of
    its source (file and layer). Several features are joined into one."""
    import shapely
    from shapely.geometry import mapping

    label = name or path.name
    if not path.exists():
        raise InputFileError(label, "no such file", "give a GeoJSON or GeoPackage file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputFileError(label, "larger than 20 MB", "simplify the geometry first")
    suffix = Path(label).suffix.lower()
    if suffix not in (".geojson", ".json", ".gpkg"):
        raise InputFileError(
            label, f"a {suffix or 'nameless'} file", "give a .geojson, .json or .gpkg file"
        )
    try:
        import pyogrio

        frame = pyogrio.read_dataframe(path)
    except Exception as err:  # pyogrio raises its own DataSourceError and others
        raise InputFileError(
            label, f"not a readable GeoJSON or GeoPackage ({err})", "export it again as GeoJSON"
        ) from None
    if len(frame) == 0 or frame.geometry.isna().all():
        raise InputFileError(label, "no feature with a geometry", "draw a point or polygon")
    if frame.crs is None:
        if suffix == ".gpkg":
            raise InputFileError(
                label, "the layer has no coordinate reference system", "set its CRS, e.g. EPSG:4326"
            )
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geoms = []
    for i, geom in enumerate(frame.geometry, start=1):
        if geom is None or geom.is_empty:
            continue
        problem = _problem(geom)
        if problem:
            raise InputFileError(label, f"feature {i} {problem[0]}", problem[1])
        geoms.append(geom)
    if not geoms:
        raise InputFileError(label, "every feature is empty", "draw a point or polygon")
    merged = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    if shapely.get_num_coordinates(merged) > MAX_VERTICES:
        raise InputFileError(
            label, f"more than {MAX_VERTICES:,} vertices", "simplify the geometry first"
        )
    layer = ""
    if suffix == ".gpkg":
        layers = pyogrio.list_layers(path)
        layer = f", layer {layers[0][0]}" if len(layers) else ""
    out: dict[str, Any] = json.loads(json.dumps(mapping(merged)))  # tuples → lists
    return out, f"{label}{layer} ({len(geoms)} feature{'s' if len(geoms) > 1 else ''})"


#: the geometry source of a shape drawn on the initiative's map
DRAWN = "drawn on the map"


def read_drawn_geometry(text: str, *, field: str = "geometry") -> tuple[dict[str, Any], str]:
    """A geometry drawn on the map (GeoJSON text, EPSG:4326) as :func:`read_geometry`
    gives a file's: the same checks (points or polygons, valid, within longitude and
    latitude, at most :data:`MAX_VERTICES` vertices); errors name ``field``."""
    from shapely.geometry import mapping

    from sdgcities.planning.geometry import read_geometry as read_geojson

    geom = read_geojson(text, field=field)
    problem = _problem(geom)
    if problem:
        message = f"{field} {problem[0]}"
        raise ValidationError(message, [Finding(message, column=field, fix=problem[1])])
    out: dict[str, Any] = json.loads(json.dumps(mapping(geom)))  # tuples → lists
    return out, DRAWN


def _problem(geom: Any) -> tuple[str, str] | None:
    """What is wrong with a shapely geometry for an initiative (message, fix), if anything."""
    import shapely

    if geom.geom_type not in GEOMETRY_TYPES:
        return (
            f"is a {geom.geom_type}",
            "give points or polygons (a line has no area to touch neighbourhoods with)",
        )
    if not geom.is_valid:
        return (
            f"is not a valid geometry ({shapely.is_valid_reason(geom)})",
            "repair it, e.g. with QGIS's Fix geometries",
        )
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return (
            "lies outside longitude −180…180, latitude −90…90",
            "give coordinates in EPSG:4326 or a file that states its CRS",
        )
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        return f"has more than {MAX_VERTICES:,} vertices", "simplify the geometry first"
    return None


def check_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON geometry object (EPSG:4326) checked by the same rules as a file's."""
    from shapely.geometry import mapping, shape

    try:
        geom = shape(geometry)
    except Exception as err:  # shapely raises several kinds on malformed GeoJSON
        raise ValidationError(
            "the geometry was not saved",
            [
                Finding(
                    f"not a GeoJSON geometry ({err})",
                    column="geometry",
                    fix="send a GeoJSON Point or Polygon",
                )
            ],
        ) from None
    problem = None if not geom.is_empty else ("is empty", "send a point or polygon")
    problem = problem or _problem(geom)
    if problem:
        raise ValidationError(
            "the geometry was not saved",
            [Finding(f"the geometry {problem[0]}", column="geometry", fix=problem[1])],
        )
    out: dict[str, Any] = json.loads(json.dumps(mapping(geom)))
    return out


def derive_neighbourhoods(
    session: Session, geometry: dict[str, Any], city_slugs: Sequence[str]
) -> list[dict[str, Any]]:
    """The published neighbourhoods of ``city_slugs`` the geometry intersects."""
    from shapely.geometry import shape
    from shapely.strtree import STRtree

    from sdgcities.profiling.service import latest_layer

    geom = shape(geometry)
    out: list[dict[str, Any]] = []
    for slug in city_slugs:
        city_id = session.scalar(select(City.id).where(City.slug == slug))
        if city_id is None:
            continue
        layer = latest_layer(session, city_id, "neighbourhoods", drafts=False)
        if layer is None:
            continue
        feats = [f for f in layer.features.get("features", []) if f.get("geometry")]
        shapes = [shape(f["geometry"]) for f in feats]
        tree = STRtree(shapes)
        for i in sorted(int(j) for j in tree.query(geom, predicate="intersects")):
            props = feats[i].get("properties") or {}
            out.append(
                {
                    "city": slug,
                    "layer_id": layer.id,
                    "area_id": props.get("area_id"),
                    "name": props.get("name") or str(props.get("area_id", i)),
                }
            )
    return out


def set_geometry(
    session: Session,
    *,
    programme: str,
    initiative_id: int,
    geometry: dict[str, Any] | None,
    source: str = "",
) -> Initiative:
    """Store (or with ``None`` remove) an initiative's geometry and derive its
    neighbourhoods."""
    _, ini = get_initiative(session, programme, initiative_id, published_only=False)
    ini.geometry = geometry
    ini.geometry_source = source if geometry else ""
    ini.neighbourhoods = (
        derive_neighbourhoods(session, geometry, ini.city_slugs) if geometry else []
    )
    ini.updated_at = utcnow()
    session.flush()
    return ini


def feature_collection(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Initiatives (as :func:`sdgcities.programmes.service.list_initiatives` gives them)
    with a geometry, as a GeoJSON FeatureCollection."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": r["geometry"],
                "properties": {
                    "id": r["id"],
                    "name": r["name"],
                    "programme": r["programme"],
                    "status": r["status"],
                },
            }
            for r in rows
            if r.get("geometry")
        ],
    }


# ---------------------------------------------------------------- one city


def concerns_city(slug: Any, country: Any) -> ColumnElement[bool]:
    """SQL: could anything concern the city ``slug`` of ``country`` (ISO3; values or bound
    parameters): a place naming it or its country, or a funding line serving its country?
    False only when :func:`city_concerns` finds nothing."""
    place = exists().where(
        or_(
            (InitiativePlace.kind == "city") & (InitiativePlace.key == slug),
            (InitiativePlace.kind == "country") & (InitiativePlace.key == country),
        )
    )
    return or_(place, exists().where(FundingCountry.iso3 == country))


def city_concerns(
    session: Session, city: City, *, published_only: bool = True, limit: int = 20
) -> dict[str, Any]:
    """The initiatives and funding lines that concern ``city``: initiatives linked to it by
    slug or working in its country, and funding lines serving its country. Two indexed
    queries (``prog_initiative_places (kind, key)``, ``prog_funding_countries.iso3``)."""
    country = city.country_iso3 or ""
    q = (
        select(Initiative, Programme.key, Programme.title, InitiativePlace.kind)
        .join(InitiativePlace, InitiativePlace.initiative_id == Initiative.id)
        .join(Programme, Programme.id == Initiative.programme_id)
        .where(
            or_(
                (InitiativePlace.kind == "city") & (InitiativePlace.key == city.slug),
                (InitiativePlace.kind == "country") & (InitiativePlace.key == country),
            )
        )
        .order_by(Programme.number, Initiative.id)
        .limit(limit * 2)
    )
    if published_only:
        q = q.where(Programme.published.is_(True))
    initiatives: dict[int, dict[str, Any]] = {}
    for ini, key, title, kind in session.execute(q):
        row = initiatives.setdefault(
            ini.id,
            {
                "id": ini.id,
                "name": ini.name,
                "programme": key,
                "programme_title": title,
                "status": ini.status,
                "in_city": False,
                "geometry": ini.geometry,
                "neighbourhoods": [n for n in ini.neighbourhoods or [] if n["city"] == city.slug],
            },
        )
        row["in_city"] = row["in_city"] or kind == "city"
    rows = sorted(initiatives.values(), key=lambda r: not r["in_city"])[:limit]
    lq = (
        select(FundingLine, Programme.key)
        .join(FundingCountry, FundingCountry.funding_line_id == FundingLine.id)
        .join(Programme, Programme.id == FundingLine.programme_id)
        .where(FundingCountry.iso3 == country)
        .order_by(FundingLine.amount.desc(), FundingLine.id)
        .limit(limit)
    )
    if published_only:
        lq = lq.where(Programme.published.is_(True))
    lines = [
        {
            "id": f.id,
            "programme": key,
            "label": f.label,
            "status": f.status,
            "amount": float(f.amount),
            "currency": f.currency,
            "approximate": f.approximate,
            "paragraph": f.paragraph,
        }
        for f, key in (session.execute(lq) if country else [])
    ]
    return {"initiatives": rows, "funding_lines": lines}
