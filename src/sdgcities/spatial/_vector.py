"""Reading the vector inputs of the spatial indicators (boundaries, built-up polygons, grids).

Every failure raises :class:`~sdgcities.errors.SpatialInputError` naming the file, what
was wrong and how to fix it: a missing file, a folder where a file is expected, a file
GDAL cannot read (truncated, wrong format), an empty layer, a layer without CRS, or a
layer without polygons where polygons are needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from sdgcities.errors import SpatialInputError

if TYPE_CHECKING:
    import geopandas as gpd

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".fgb", ".shp")


def read_vector(path: str | Path, *, what: str = "layer") -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GeoPackage, GeoParquet, FlatGeobuf, Shapefile).

    Raises :class:`SpatialInputError` when the file is missing, is a folder, cannot be
    read, is empty or has no CRS.
    """
    import geopandas as gpd

    p = Path(path)
    if p.is_dir():
        raise SpatialInputError(
            p, f"{what} is a folder, not a file", f"pass the {what} file itself (.geojson/.gpkg)"
        )
    if not p.is_file():
        raise SpatialInputError(p, f"{what} file not found", "check the path and file name")
    ext = p.suffix.lower()
    if ext not in VECTOR_SUFFIXES:
        raise SpatialInputError(
            p,
            f"{what} has the unknown vector format {ext!r}",
            f"use one of {', '.join(VECTOR_SUFFIXES)}",
        )
    try:
        gdf = gpd.read_parquet(p) if ext in (".parquet", ".geoparquet") else gpd.read_file(p)
    except Exception as exc:  # GDAL/pyogrio/pyarrow raise many types on a broken file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpatialInputError(
            p,
            f"{what} cannot be read ({reason})",
            "check that it is a complete, valid file; re-download or re-export it",
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise SpatialInputError(p, f"{what} has no geometry column", "pass a vector layer")
    if gdf.empty:
        raise SpatialInputError(p, f"{what} has no features", "pass a layer with polygons")
    if gdf.crs is None:
        raise SpatialInputError(
            p, f"{what} has no coordinate reference system", "declare its CRS (e.g. EPSG:4326)"
        )
    return gdf


def read_polygons(path: str | Path, *, what: str = "boundary") -> gpd.GeoDataFrame:
    """Read a polygon layer (see :func:`read_vector`); refuse other geometry types."""
    gdf = read_vector(path, what=what)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    kinds = set(gdf.geometry.geom_type)
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise SpatialInputError(
            path,
            f"{what} must hold polygons, found {', '.join(sorted(kinds)) or 'no geometry'}",
            "pass the polygon(s) of the area",
        )
    return gdf.reset_index(drop=True)


def boundary_area(
    boundary: str | Path | gpd.GeoDataFrame | shapely.Geometry | None,
) -> shapely.Geometry | None:
    """The area of ``boundary`` (a file, a layer or a geometry) as one geometry, EPSG:4326.

    A GeoJSON file in WGS 84 (RFC 7946, or an old-style ``crs`` member naming CRS84 or
    EPSG:4326) is read without GDAL, by ``json`` and GEOS; any other file goes through
    :func:`read_boundary`.
    """
    if boundary is None or isinstance(boundary, shapely.Geometry):
        return boundary
    if isinstance(boundary, str | Path):
        area = _geojson_area(Path(boundary))
        if area is not None:
            return area
    layer = read_boundary(boundary)
    assert layer is not None
    return layer.to_crs("EPSG:4326").union_all()


def _geojson_area(p: Path) -> shapely.Geometry | None:
    """The union of a WGS 84 GeoJSON file's geometries; ``None`` when the file is not one
    (other suffix, another ``crs``, no geometry, unreadable): GDAL reads it then."""
    if p.suffix.lower() not in {".geojson", ".json"} or not p.is_file():
        return None
    try:
        doc = json.loads(p.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not _is_wgs84(doc.get("crs")):
        return None
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            return None
        items = [f.get("geometry") for f in features if isinstance(f, dict)]
    else:
        items = [doc.get("geometry") if kind == "Feature" else doc]
    try:
        geoms = [shapely.from_geojson(json.dumps(g)) for g in items if g]
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    return shapely.union_all(np.asarray(geoms, dtype=object))


#: names of WGS 84 longitude/latitude in an old-style GeoJSON ``crs`` member (GDAL writes
#: the first); GDAL reads coordinates of each as longitude, latitude
_WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
    }
)


def _is_wgs84(crs: object) -> bool:
    """Whether a GeoJSON ``crs`` member (absent in RFC 7946) names WGS 84 lon/lat."""
    if crs is None:
        return True
    if not isinstance(crs, dict) or crs.get("type") != "name":
        return False
    props = crs.get("properties")
    return isinstance(props, dict) and props.get("name") in _WGS84_NAMES


def read_boundary(boundary: str | Path | gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """A boundary layer as given, or read from its file (``None`` stays ``None``)."""
    if boundary is None:
        return None
    import geopandas as gpd

    if isinstance(boundary, gpd.GeoDataFrame):
        return boundary
    p = Path(boundary)
    if not p.is_file():
        raise SpatialInputError(p, "boundary file not found", "check the path")
    try:
        b = gpd.read_file(p)
    except (OSError, ValueError) as exc:
        raise SpatialInputError(p, f"cannot read boundary ({exc})", "check the file") from exc
    if b.empty or b.crs is None:
        raise SpatialInputError(p, "boundary is empty or has no CRS", "fix the boundary layer")
    return b
