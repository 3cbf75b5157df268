"""Reading the vector inputs of the spatial indicators (boundaries, built-up polygons, grids).

Every failure raises :class:`~sdgcities.errors.SpatialInputError` naming the file, what
was wrong and how to fix it: a missing file, a folder where a file is expected, a file
GDAL cannot read (truncated, wrong format), an empty layer, a layer without CRS, or a
layer without polygons where polygons are needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
