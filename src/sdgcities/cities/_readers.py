"""Reading city files (CSV, GeoJSON, GeoPackage) into validated rows with all findings."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdgcities.errors import Finding, InputFileError

ALIASES = {
    "name": ("name", "city", "city_name"),
    "country": ("country", "country_iso3", "iso3", "country_code", "country_m49", "m49"),
    "population": ("population", "pop"),
    "population_year": ("population_year", "year", "pop_year"),
    "lon": ("lon", "lng", "longitude", "x"),
    "lat": ("lat", "latitude", "y"),
    "slug": ("slug",),
    "geonameid": ("geonameid", "geoname_id"),
    "admin1": ("admin1", "state", "province"),
    "boundary_wkt": ("boundary_wkt", "wkt"),
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg")


@dataclass
class CityRow:
    """One validated row of a city file."""

    row: int
    name: str
    country: str
    population: float | None = None
    population_year: int | None = None
    lon: float | None = None
    lat: float | None = None
    slug: str | None = None
    geonameid: int | None = None
    admin1: str | None = None
    boundary: dict[str, Any] | None = None  # GeoJSON geometry in EPSG:4326


@dataclass
class CityFile:
    name: str
    rows: list[CityRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0


#: the years a population figure may have
YEARS = (1800, 2100)


def city_field_problems(
    *,
    population: float | None,
    population_year: int | None,
    lon: float | None,
    lat: float | None,
    slug: str | None,
) -> list[tuple[str, str, str, Any]]:
    """The problems of a city's optional fields as ``(field, problem, fix, value)``.

    One rule for ``cities add`` and ``cities import``: population 0 or more, a year in
    1800…2100, WGS 84 degrees (longitude −180…180, latitude −90…90), both coordinates or
    neither, a slug of lower-case letters, digits and single dashes.
    """
    out: list[tuple[str, str, str, Any]] = []
    if population is not None and (math.isnan(population) or math.isinf(population)):
        out.append(("population", "not a finite number", "write a number", population))
    elif population is not None and population < 0:
        out.append(("population", "population is negative", "write 0 or more", population))
    if population_year is not None and not YEARS[0] <= population_year <= YEARS[1]:
        out.append(
            ("population_year", "year out of range", "write a year such as 2020", population_year)
        )
    swapped = "give WGS 84 degrees (EPSG:4326); are lon and lat swapped?"
    if lon is not None and not -180 <= lon <= 180:
        out.append(("lon", "longitude outside −180…180", swapped, lon))
    if lat is not None and not -90 <= lat <= 90:
        out.append(("lat", "latitude outside −90…90", swapped, lat))
    if (lon is None) != (lat is None):
        missing = "lat" if lat is None else "lon"
        out.append(
            (missing, "only one coordinate given", "give both lon and lat, or neither", None)
        )
    if slug is not None and not SLUG.match(slug):
        out.append(
            (
                "slug",
                "bad slug",
                "use lower-case letters, digits and single dashes, e.g. porto-alegre-bra",
                slug,
            )
        )
    return out


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return str(value).strip() == ""


class _RowChecker:
    def __init__(self, result: CityFile, columns: dict[str, str]) -> None:
        self.result = result
        self.columns = columns  # canonical field -> header as written

    def add(self, row: int, fld: str, message: str, fix: str, value: Any = None) -> None:
        self.result.findings.append(
            Finding(
                message=message,
                file=self.result.name,
                row=row,
                column=self.columns.get(fld, fld),
                value=None if value is None else str(value),
                fix=fix,
            )
        )

    def number(self, row: int, fld: str, raw: Any, *, integer: bool = False) -> float | None:
        if _blank(raw):
            return None
        text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
        try:
            value = float(text)
        except ValueError:
            self.add(row, fld, "not a number", "write digits only, with a dot for decimals", raw)
            return None
        if math.isnan(value) or math.isinf(value) or (integer and not value.is_integer()):
            self.add(
                row,
                fld,
                "not a whole number" if integer else "not a finite number",
                "write a whole number" if integer else "write a number",
                raw,
            )
            return None
        return value

    def check(self, row: int, raw: dict[str, Any], geometry: Any = None) -> None:
        from sdgcities.cities.typology import country_info
        from sdgcities.errors import NotFoundError

        ok = True
        name = "" if _blank(raw.get("name")) else str(raw["name"]).strip()
        if not name:
            self.add(row, "name", "missing city name", "write the city's name")
            ok = False
        country = "" if _blank(raw.get("country")) else str(raw["country"]).strip()
        if isinstance(raw.get("country"), float):
            country = str(int(raw["country"]))
        if not country:
            self.add(
                row,
                "country",
                "missing country",
                "write the ISO 3166 alpha-3 code (e.g. BRA) or the UN M49 code",
            )
            ok = False
        else:
            try:
                country = country_info(country).iso3
            except NotFoundError:
                self.add(
                    row,
                    "country",
                    "unknown country",
                    "write an ISO 3166 alpha-3 code (e.g. BRA) or a UN M49 code (e.g. 076)",
                    country,
                )
                ok = False
        population = self.number(row, "population", raw.get("population"))
        year_f = self.number(row, "population_year", raw.get("population_year"), integer=True)
        year = None if year_f is None else int(year_f)
        lon = self.number(row, "lon", raw.get("lon"))
        lat = self.number(row, "lat", raw.get("lat"))
        slug = None if _blank(raw.get("slug")) else str(raw["slug"]).strip()
        for fld, message, fix, value in city_field_problems(
            population=population, population_year=year, lon=lon, lat=lat, slug=slug
        ):
            self.add(row, fld, message, fix, raw.get(fld) if fld == "population" else value)
            ok = False
        if population is not None and population < 0:
            population = None
        if year is not None and not YEARS[0] <= year <= YEARS[1]:
            year = None
        gid = self.number(row, "geonameid", raw.get("geonameid"), integer=True)
        admin1 = None if _blank(raw.get("admin1")) else str(raw["admin1"]).strip()
        boundary = None
        if not _blank(raw.get("boundary_wkt")):
            geometry = self._wkt(row, str(raw["boundary_wkt"]))
            if geometry is None:
                ok = False
        if geometry is not None:
            boundary, point = self._geometry(row, geometry)
            if boundary is False:
                ok = False
                boundary = None
            elif point is not None and lon is None:
                lon, lat = point
        if ok and name and country:
            self.result.rows.append(
                CityRow(
                    row=row,
                    name=name,
                    country=country,
                    population=population,
                    population_year=year,
                    lon=lon,
                    lat=lat,
                    slug=slug,
                    geonameid=None if gid is None else int(gid),
                    admin1=admin1,
                    boundary=boundary if isinstance(boundary, dict) else None,
                )
            )

    def _wkt(self, row: int, text: str) -> Any:
        from shapely import wkt
        from shapely.errors import ShapelyError

        try:
            return wkt.loads(text)
        except (ShapelyError, ValueError):
            self.add(
                row,
                "boundary_wkt",
                "not valid WKT",
                "write e.g. POLYGON((lon lat, …)) in EPSG:4326",
                text[:40],
            )
            return None

    def _geometry(self, row: int, geom: Any) -> tuple[Any, tuple[float, float] | None]:
        from shapely.geometry import mapping

        if geom.is_empty:
            return None, None
        if geom.geom_type == "Point":
            return None, (float(geom.x), float(geom.y))
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            self.add(
                row,
                "geometry",
                f"a {geom.geom_type} cannot be a city boundary",
                "give a Polygon or MultiPolygon (or a Point for the centre)",
            )
            return False, None
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            self.add(
                row,
                "geometry",
                "coordinates are not longitude/latitude degrees",
                "set the layer's CRS or reproject it to EPSG:4326",
            )
            return False, None
        if not geom.is_valid:
            from shapely.validation import explain_validity

            self.add(
                row,
                "geometry",
                f"invalid polygon ({explain_validity(geom)})",
                "repair it (e.g. QGIS 'Fix geometries') and import again",
            )
            return False, None
        point = geom.representative_point()
        return dict(mapping(geom)), (float(point.x), float(point.y))


def _canonical_columns(header: list[str]) -> dict[str, str]:
    lower = {h.strip().lower(): h for h in header}
    out: dict[str, str] = {}
    for fld, names in ALIASES.items():
        for n in names:
            if n in lower:
                out[fld] = lower[n]
                break
    return out


def _require_columns(path: Path, columns: dict[str, str]) -> None:
    missing = [c for c in ("name", "country") if c not in columns]
    if missing:
        raise InputFileError(
            path,
            f"missing column(s) {', '.join(missing)}",
            "the header needs name and country (ISO alpha-3 or M49); optional: population, "
            "population_year, lon, lat, slug, geonameid, admin1",
        )


def _read_csv(path: Path, result: CityFile) -> None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not UTF-8 text", "save the CSV as UTF-8") from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = _canonical_columns(list(reader.fieldnames or []))
    _require_columns(path, columns)
    checker = _RowChecker(result, columns)
    for line, raw in enumerate(reader, start=2):
        if not any(not _blank(v) for v in raw.values()):
            continue
        result.rows_read += 1
        checker.check(line, {f: raw.get(h) for f, h in columns.items()})


def _read_spatial(path: Path, result: CityFile) -> None:
    import pyogrio
    from pyogrio.errors import DataSourceError
    from pyproj.exceptions import CRSError

    try:
        gdf = pyogrio.read_dataframe(path)
    except (DataSourceError, ValueError, json.JSONDecodeError) as exc:
        raise InputFileError(
            path, f"cannot read the layer ({exc})", "check that it is a GeoJSON or GeoPackage file"
        ) from exc
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs(4326)
        except (CRSError, ValueError) as exc:
            raise InputFileError(
                path, f"cannot reproject from {gdf.crs} ({exc})", "reproject the layer to EPSG:4326"
            ) from exc
    columns = _canonical_columns([c for c in gdf.columns if c != "geometry"])
    _require_columns(path, columns)
    checker = _RowChecker(result, columns)
    for i, (_, rec) in enumerate(gdf.iterrows(), start=1):
        result.rows_read += 1
        geom = rec.get("geometry")
        checker.check(
            i, {f: rec.get(h) for f, h in columns.items()}, None if geom is None else geom
        )


def read_city_file(path: str | Path) -> CityFile:
    """Parse and validate a city file; rows are CSV lines or feature numbers (1-based)."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "file not found", "check the path")
    result = CityFile(name=p.name)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        _read_csv(p, result)
    elif suffix in SPATIAL_SUFFIXES:
        _read_spatial(p, result)
    else:
        raise InputFileError(
            p, f"unsupported file type {suffix!r}", "give a .csv, .geojson or .gpkg file"
        )
    if result.rows_read == 0:
        raise InputFileError(p, "no cities in the file", "add one city per row")
    return result
