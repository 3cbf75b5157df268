"""Raster plumbing shared by the raster indicators (11.3.1, 11.6.2, Degree of Urbanisation).

Opening and validating rasters (missing, truncated, CRS-less files raise
:class:`~sdgcities.errors.SpatialInputError` naming the file, the problem and the fix),
nodata handling (nodata becomes NaN in float arrays), cell areas (exact for projected
CRSs, geodesic per row for geographic ones, with a warning), boundary reprojection and
overlap checks, grid compatibility, block aggregation and reprojection by sum, and
wrapping arrays for :mod:`exactextract`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.windows
from affine import Affine
from pyproj import CRS, Geod
from rasterio.enums import Resampling
from rasterio.warp import reproject
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._crs import warn_if_geographic

logger = logging.getLogger(__name__)

#: Anything that designates a boundary / area of interest (a path is read as a polygon layer).
BoundaryLike: TypeAlias = gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry | str | Path

PathLike: TypeAlias = str | Path

_EXACTEXTRACT_CRS_WARNING = "Spatial reference system of input features does not exactly match"


@dataclass
class Grid:
    """A band read into memory: float64 values with NaN for nodata, plus georeferencing."""

    values: np.ndarray
    transform: Affine
    crs: CRS
    path: str

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the grid."""
        return grid_bounds(self.transform, self.shape)

    @property
    def resolution(self) -> tuple[float, float]:
        return (abs(self.transform.a), abs(self.transform.e))


def grid_bounds(transform: Affine, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of a north-up grid."""
    rows, cols = shape
    x0, y0 = transform.c, transform.f
    x1 = x0 + transform.a * cols
    y1 = y0 + transform.e * rows
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def same_crs(a: CRS, b: CRS) -> bool:
    """Whether ``a`` and ``b`` are the same CRS, ignoring axis order and datum naming
    (a GeoTIFF's WKT names ETRS89 realisations differently from the EPSG database)."""
    if a.equals(b, ignore_axis_order=True):
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pa, pb = a.to_proj4(), b.to_proj4()
    return bool(pa) and pa == pb


@contextmanager
def open_raster(
    path: PathLike, *, expected_crs: CRS | str | None = None
) -> Iterator[rasterio.DatasetReader]:
    """Open ``path`` after checking it exists, is a raster, is north-up and has a CRS.

    When ``expected_crs`` is given and differs from the file's CRS, raise
    :class:`SpatialInputError` (callers that can reproject do so instead of passing it).
    """
    p = Path(path)
    if not p.exists():
        raise SpatialInputError(p, "raster file not found", "check the path and file name")
    try:
        ds = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise SpatialInputError(
            p,
            f"cannot be opened as a raster ({exc})",
            "pass a GeoTIFF (or another GDAL raster); re-download it if it is truncated",
        ) from exc
    try:
        if ds.crs is None:
            raise SpatialInputError(
                p,
                "raster has no coordinate reference system",
                "assign the CRS it was made in (e.g. `gdal_edit.py -a_srs EPSG:XXXX`)",
            )
        t = ds.transform
        if t.b != 0 or t.d != 0 or t.e >= 0:
            raise SpatialInputError(
                p,
                "raster is rotated or not north-up",
                "warp it to a north-up grid first (e.g. `gdalwarp`)",
            )
        if expected_crs is not None:
            exp = CRS.from_user_input(expected_crs)
            if not same_crs(CRS.from_user_input(ds.crs), exp):
                raise SpatialInputError(
                    p,
                    f"raster CRS is {ds.crs.to_string()!r}, expected {exp.to_string()!r}",
                    "reproject the raster to the expected CRS (e.g. `gdalwarp -t_srs`)",
                )
        yield ds
    finally:
        ds.close()


def read_band(
    ds: rasterio.DatasetReader,
    *,
    window: rasterio.windows.Window | None = None,
    band: int = 1,
) -> np.ndarray:
    """Read ``band`` as float64 with nodata (and non-finite values) set to NaN.

    A truncated or corrupt file raises :class:`SpatialInputError` here (GDAL often opens
    a truncated GeoTIFF's header fine and fails only when reading pixels).
    """
    try:
        raw = ds.read(band, window=window, masked=True)
    except (rasterio.errors.RasterioIOError, rasterio.errors.RasterioError) as exc:
        raise SpatialInputError(
            ds.name,
            f"pixels cannot be read, the file is truncated or corrupt ({exc})",
            "re-download or re-export the raster",
        ) from exc
    arr = np.ma.filled(raw.astype("float64"), np.nan)
    arr[~np.isfinite(arr)] = np.nan
    return np.asarray(arr)


def read_grid(
    path: PathLike,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    expected_crs: CRS | str | None = None,
) -> Grid:
    """Read band 1 of ``path`` (optionally only the window covering ``bounds``, in the
    raster's CRS, snapped outward to whole cells) into a :class:`Grid`."""
    with open_raster(path, expected_crs=expected_crs) as ds:
        window = None
        transform = ds.transform
        if bounds is not None:
            check_overlap(bounds, tuple(ds.bounds), path)
            inv = ~ds.transform
            c0, r0 = inv @ (bounds[0], bounds[3])
            c1, r1 = inv @ (bounds[2], bounds[1])
            col0 = max(0, math.floor(min(c0, c1) + 1e-9))
            row0 = max(0, math.floor(min(r0, r1) + 1e-9))
            col1 = min(ds.width, math.ceil(max(c0, c1) - 1e-9))
            row1 = min(ds.height, math.ceil(max(r0, r1) - 1e-9))
            window = rasterio.windows.Window(col0, row0, max(1, col1 - col0), max(1, row1 - row0))
            transform = ds.window_transform(window)
        values = read_band(ds, window=window)
        return Grid(values, transform, CRS.from_user_input(ds.crs), str(path))


def require_data(grid: Grid, what: str) -> None:
    """Raise when every cell of ``grid`` is nodata."""
    if grid.values.size == 0 or bool(np.all(np.isnan(grid.values))):
        raise SpatialInputError(
            grid.path,
            f"every cell of the {what} is nodata within the area asked for",
            "check the nodata value of the raster and that the boundary lies over data",
        )


def check_overlap(
    bounds: tuple[float, ...], raster_bounds: tuple[float, ...], path: PathLike
) -> None:
    """Raise :class:`SpatialInputError` when ``bounds`` misses ``raster_bounds``."""
    if (
        not box(*bounds).intersects(box(*raster_bounds))
        or box(*bounds).intersection(box(*raster_bounds)).area == 0
    ):
        raise SpatialInputError(
            path,
            f"the boundary {tuple(round(float(b), 3) for b in bounds)} does not overlap the raster "
            f"extent {tuple(round(float(b), 3) for b in raster_bounds)} (both in the raster's CRS)",
            "pass a boundary over the raster, or check the boundary's CRS is set correctly",
        )


def boundary_to_crs(
    boundary: BoundaryLike, crs: CRS, *, what: str = "boundary"
) -> gpd.GeoDataFrame:
    """A one-row-per-part GeoDataFrame of ``boundary`` in ``crs``.

    A bare shapely geometry is taken to be in ``crs`` already; a GeoDataFrame or
    GeoSeries without CRS raises (its coordinates cannot be placed); a path is read
    as a polygon layer (:func:`sdgcities.spatial._vector.read_polygons`).
    """
    if isinstance(boundary, str | Path):
        from sdgcities.spatial._vector import read_polygons

        boundary = read_polygons(boundary, what=what)
    if isinstance(boundary, BaseGeometry):
        gdf = gpd.GeoDataFrame(geometry=[boundary], crs=crs)
    elif isinstance(boundary, gpd.GeoSeries | gpd.GeoDataFrame):
        if boundary.crs is None:
            raise SpatialInputError(
                what,
                "has no CRS, so it cannot be matched to the raster",
                "set it, e.g. `gdf.set_crs('EPSG:4326')`",
            )
        gdf = gpd.GeoDataFrame(geometry=gpd.GeoSeries(boundary.geometry).to_crs(crs))
    else:
        raise TypeError(f"{what} must be a GeoDataFrame, GeoSeries or shapely geometry")
    gdf = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
    if gdf.empty:
        raise SpatialInputError(what, "is empty", "pass a non-empty polygon")
    return gdf.reset_index(drop=True)


def dissolve(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row holding the union of ``gdf``'s geometries."""
    return gpd.GeoDataFrame(geometry=[gdf.geometry.union_all()], crs=gdf.crs)


def cell_area_km2(transform: Affine, crs: CRS, shape: tuple[int, int]) -> np.ndarray:
    """Area of each cell in km², shaped ``(rows, 1)`` to broadcast over columns.

    Projected CRS: ``|a·e|`` × (linear unit in metres)². Geographic CRS: geodesic area of
    each row's cell on the CRS's ellipsoid (and a :class:`GeographicCRSWarning`).
    """
    rows = shape[0]
    if crs.is_geographic:
        warn_if_geographic(crs, "raster cell area")
        ellps = crs.ellipsoid
        geod = (
            Geod(a=ellps.semi_major_metre, rf=ellps.inverse_flattening)
            if ellps is not None and ellps.inverse_flattening
            else Geod(ellps="WGS84")
        )
        dx = abs(transform.a)
        out = np.empty((rows, 1))
        for r in range(rows):
            y0 = transform.f + transform.e * r
            y1 = y0 + transform.e
            area, _ = geod.polygon_area_perimeter([0.0, dx, dx, 0.0], [y0, y0, y1, y1])
            out[r, 0] = abs(area) / 1e6
        return out
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return np.full((rows, 1), abs(transform.a * transform.e) * unit * unit / 1e6)


def warn_area_distortion(crs: CRS, what: str) -> str | None:
    """A note (also warned) when ``crs`` is a Mercator-family projection, whose cell
    areas grow with latitude; ``None`` otherwise."""
    if crs.is_projected and crs.coordinate_operation is not None:
        method = crs.coordinate_operation.method_name.lower()
        if "mercator" in method and "transverse" not in method:
            note = (
                f"{what} is in {crs.name}, a Mercator projection: cell areas are inflated "
                "away from the equator; use an equal-area CRS (e.g. Mollweide ESRI:54009)"
            )
            warnings.warn(note, UserWarning, stacklevel=3)
            return note
    return None


def grids_compatible(a: Grid, b: Grid, *, tol: float = 1e-3) -> bool:
    """True when ``a`` and ``b`` share a CRS, one resolution is an integer multiple of the
    other and their origins align (what :func:`exactextract.exact_extract` needs to use
    one as weights for the other)."""
    if not same_crs(a.crs, b.crs):
        return False
    for ra, rb in zip(a.resolution, b.resolution, strict=True):
        small, big = min(ra, rb), max(ra, rb)
        ratio = big / small
        if abs(ratio - round(ratio)) > tol:
            return False
    small_res = min(*a.resolution, *b.resolution)
    for oa, ob, res in (
        (a.transform.c, b.transform.c, small_res),
        (a.transform.f, b.transform.f, small_res),
    ):
        off = (oa - ob) / res
        if abs(off - round(off)) > tol:
            return False
    return True


def numpy_source(grid: Grid, name: str | None = None) -> Any:
    """Wrap ``grid`` as an exactextract raster source (NaN = nodata)."""
    from exactextract.raster import NumPyRasterSource

    xmin, ymin, xmax, ymax = grid.bounds
    return NumPyRasterSource(
        grid.values,
        xmin,
        ymin,
        xmax,
        ymax,
        nodata=None,
        name=name,
        srs_wkt=grid.crs.to_wkt(),
    )


def exact_extract_quiet(*args: Any, **kwargs: Any) -> Any:
    """:func:`exactextract.exact_extract` without its "SRS does not exactly match" warning,
    which fires on equal CRSs written differently (callers reproject first)."""
    from exactextract import exact_extract

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_EXACTEXTRACT_CRS_WARNING)
        return exact_extract(*args, **kwargs)


def cell_polygons(grid: Grid, *, positive_only: bool = True) -> gpd.GeoDataFrame:
    """One square polygon per cell (column ``value``), by default only cells with value > 0."""
    vals = grid.values
    mask = np.isfinite(vals) & (vals > 0) if positive_only else np.isfinite(vals)
    rows, cols = np.nonzero(mask)
    t = grid.transform
    x0 = t.c + cols * t.a
    y0 = t.f + rows * t.e
    import shapely

    geoms = shapely.box(
        np.minimum(x0, x0 + t.a),
        np.minimum(y0, y0 + t.e),
        np.maximum(x0, x0 + t.a),
        np.maximum(y0, y0 + t.e),
    )
    return gpd.GeoDataFrame({"value": vals[rows, cols]}, geometry=geoms, crs=grid.crs)


def block_sum(values: np.ndarray, factor: int, *, row_pad: int = 0, col_pad: int = 0) -> np.ndarray:
    """Sum ``factor × factor`` blocks of ``values`` (NaN counts as 0; a block with no data
    at all is NaN), after padding
    ``row_pad`` rows on top and ``col_pad`` columns on the left (to align blocks to a
    coarser grid's origin) and padding the far edges up to a whole block."""
    v = np.nan_to_num(values, nan=0.0)
    rows = row_pad + v.shape[0]
    cols = col_pad + v.shape[1]
    out_rows = math.ceil(rows / factor)
    out_cols = math.ceil(cols / factor)
    padded = np.zeros((out_rows * factor, out_cols * factor))
    padded[row_pad : row_pad + v.shape[0], col_pad : col_pad + v.shape[1]] = v
    has = np.zeros(padded.shape, dtype=bool)
    has[row_pad : row_pad + v.shape[0], col_pad : col_pad + v.shape[1]] = np.isfinite(values)
    summed = padded.reshape(out_rows, factor, out_cols, factor).sum(axis=(1, 3))
    any_data = has.reshape(out_rows, factor, out_cols, factor).any(axis=(1, 3))
    return np.where(any_data, summed, np.nan)


def reproject_sum(grid: Grid, dst_crs: CRS, resolution: float) -> Grid:
    """Warp ``grid`` (a count such as population) to ``dst_crs`` at ``resolution`` with
    GDAL's ``sum`` resampling, then rescale so the total is conserved exactly."""
    from rasterio.warp import calculate_default_transform

    rows, cols = grid.shape
    xmin, ymin, xmax, ymax = grid.bounds
    dst_transform, width, height = calculate_default_transform(
        grid.crs, dst_crs, cols, rows, xmin, ymin, xmax, ymax, resolution=resolution
    )
    # snap the origin to whole multiples of the resolution, like GHSL's grids
    x0 = math.floor(dst_transform.c / resolution) * resolution
    y0 = math.ceil(dst_transform.f / resolution) * resolution
    width = int(width) + 2
    height = int(height) + 2
    dst_transform = Affine(resolution, 0.0, x0, 0.0, -resolution, y0)
    src = np.nan_to_num(grid.values, nan=0.0)
    dst = np.zeros((height, width))
    reproject(
        src,
        dst,
        src_transform=grid.transform,
        src_crs=grid.crs,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        resampling=Resampling.sum,
        src_nodata=None,
        dst_nodata=None,
    )
    total_src = float(src.sum())
    total_dst = float(dst.sum())
    if total_dst > 0:
        dst *= total_src / total_dst
    logger.debug("reproject_sum: source total %s, warped total %s", total_src, total_dst)
    return Grid(dst, dst_transform, dst_crs, grid.path)
