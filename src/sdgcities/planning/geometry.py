"""Spatial priorities of a plan: GeoJSON geometries checked with shapely (pure rules).

A spatial priority must be a valid Polygon or MultiPolygon (or a Point / LineString,
e.g. a corridor) in EPSG:4326 — longitude, latitude in degrees (RFC 7946) — that lies
inside or overlaps the city. "The city" is, by the first rule that can be applied:

1. ``boundary`` — the city's stored boundary polygon;
2. ``hex extent`` — the union of the cells of the city's hex layers;
3. ``bounding box`` — the city's stored bounding box;
4. ``centre buffer`` — a 0.5° square around the gazetteer centre.

The rule used is stored with the geometry and shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from sdgcities.errors import Finding, ValidationError

GEOMETRY_TYPES = ("Polygon", "MultiPolygon", "Point", "LineString", "MultiLineString")
#: CRS names a GeoJSON ``crs`` member may carry that mean longitude/latitude WGS 84
WGS84_NAMES = ("EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326")
CENTRE_BUFFER_DEG = 0.5


def _fail(message: str, field: str, fix: str, value: str | None = None) -> ValidationError:
    return ValidationError(message, [Finding(message, column=field, value=value, fix=fix)])


def read_geometry(data: Any, *, field: str = "geometry") -> BaseGeometry:
    """A shapely geometry from GeoJSON (a geometry, a Feature or a one-feature collection).

    Raises :class:`ValidationError` naming ``field`` for anything else, for coordinates
    outside longitude/latitude ranges (another CRS) and for invalid geometry.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as err:
            raise _fail(f"{field} is not JSON: {err}", field, "give a GeoJSON geometry") from err
    if not isinstance(data, dict):
        raise _fail(f"{field} is not a GeoJSON object", field, "give a GeoJSON geometry")
    crs = data.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
        if name not in WGS84_NAMES:
            raise _fail(
                f"{field} is in CRS {name or crs!r}, not EPSG:4326",
                field,
                "reproject to longitude/latitude (EPSG:4326) before uploading",
                name,
            )
    if data.get("type") == "FeatureCollection":
        feats = data.get("features") or []
        if len(feats) != 1:
            raise _fail(
                f"{field} holds {len(feats)} features, not one",
                field,
                "upload one feature per spatial priority",
            )
        data = feats[0]
    if data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise _fail(
            f"{field} is a {kind}, not one of {', '.join(GEOMETRY_TYPES)}",
            field,
            "draw a polygon or upload a GeoJSON polygon",
            str(kind),
        )
    try:
        geom = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError) as err:
        raise _fail(f"{field} cannot be read: {err}", field, "check the coordinates") from err
    if geom.is_empty:
        raise _fail(f"{field} is empty", field, "draw at least three points")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise _fail(
            f"{field} has coordinates outside longitude −180…180 / latitude −90…90 "
            f"(bounds {minx:g}, {miny:g}, {maxx:g}, {maxy:g}): it is not in EPSG:4326",
            field,
            "reproject to longitude/latitude (EPSG:4326), longitude first",
        )
    if not geom.is_valid:
        raise _fail(
            f"{field} is not a valid geometry: {explain_validity(geom)}",
            field,
            "redraw the shape without crossing edges",
        )
    return geom


def city_extent(
    *,
    boundary_geojson: str | None,
    hex_cells: Sequence[str],
    bbox: Sequence[float] | None,
    centre: tuple[float, float] | None,
) -> tuple[BaseGeometry | None, str]:
    """The city's extent and the rule that gave it (see the module docstring)."""
    if boundary_geojson:
        try:
            return shape(json.loads(boundary_geojson)), "boundary"
        except (ValueError, TypeError, AttributeError):
            pass
    if hex_cells:
        import h3

        polys = []
        for cell in hex_cells:
            ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
            polys.append(shapely.Polygon(ring))
        return shapely.union_all(polys), "hex extent"
    if bbox and len(bbox) == 4:
        return box(*[float(v) for v in bbox]), "bounding box"
    if centre is not None:
        lon, lat = centre
        d = CENTRE_BUFFER_DEG
        return box(lon - d, lat - d, lon + d, lat + d), "centre buffer"
    return None, ""


def check_in_city(geom: BaseGeometry, extent: BaseGeometry | None, rule: str, *, field: str) -> str:
    """``rule`` when ``geom`` is inside or overlaps ``extent``, else a ValidationError."""
    if extent is None:
        raise _fail(
            f"{field} cannot be placed: the city has no boundary, hex layer, bounding box "
            "or centre to check it against",
            field,
            "add the city's boundary (sdgcities cities import) first",
        )
    if not geom.intersects(extent):
        raise _fail(
            f"{field} lies outside the city (checked against its {rule})",
            field,
            "draw the priority inside or across the city's " + rule,
        )
    return rule


def as_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """The geometry as a GeoJSON dict (coordinates rounded to 7 decimals, ~1 cm)."""
    return dict(mapping(shapely.set_precision(geom, 1e-7)))
