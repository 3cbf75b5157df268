"""SDG 11.6.2 — annual mean fine particulate matter (PM2.5), population-weighted.

Source: UN SDG metadata 11.6.2 (WHO custodian): the population-weighted annual mean
concentration over the city,

    PM2.5_city = Σ Cᵢ·Pᵢ / Σ Pᵢ

over cells ``i`` with concentration ``Cᵢ`` (µg/m³) and population ``Pᵢ``. The value is
compared with the WHO global air quality guidelines (2021): guideline 5 µg/m³, interim
targets IT-1 35, IT-2 25, IT-3 15, IT-4 10 µg/m³.

How the sum is taken (exact zonal statistics with :mod:`exactextract`):

* **Population raster on a grid compatible with the PM2.5 grid** (same CRS, one
  resolution an integer multiple of the other, aligned origins — e.g. PM2.5 at 1 km and
  population at 100 m): ``exact_extract(pm25, boundary, "weighted_mean", weights=pop)``;
  each cell counts with the exact fraction of it inside the boundary. Population cells
  whose PM2.5 is nodata drop out of both sums (``population_covered`` says how many
  people had a PM2.5 value).
* **Population raster on any other grid / CRS**: population cells with people become
  square polygons, are reprojected to the PM2.5 CRS and handled as below.
* **Population polygons** (census blocks, grid cells as vectors): ``Cᵢ`` is the exact
  area-weighted mean PM2.5 over polygon ``i`` (``exact_extract(pm25, polygons, "mean")``)
  and ``Pᵢ`` its population, scaled by the share of its area inside the boundary
  (uniform density within a polygon is assumed).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import box

from sdgcities.errors import SpatialInputError
from sdgcities.spatial import _raster
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

METHOD_VERSION = "11.6.2-2021.1"

#: WHO global air quality guidelines 2021, annual mean PM2.5 (µg/m³).
WHO_2021_GUIDELINE = 5.0
WHO_2021_INTERIM_TARGETS: dict[str, float] = {
    "IT-1": 35.0,
    "IT-2": 25.0,
    "IT-3": 15.0,
    "IT-4": 10.0,
}


def who_band(pm25: float) -> str:
    """The strictest WHO 2021 level an annual mean PM2.5 meets.

    ``"AQG"`` (≤ 5 µg/m³, the guideline), ``"IT-4"`` (≤ 10), ``"IT-3"`` (≤ 15),
    ``"IT-2"`` (≤ 25), ``"IT-1"`` (≤ 35), or ``"above IT-1"``.

    >>> who_band(14.5), who_band(5.0), who_band(40)
    ('IT-3', 'AQG', 'above IT-1')
    """
    if pm25 <= WHO_2021_GUIDELINE:
        return "AQG"
    for name in ("IT-4", "IT-3", "IT-2", "IT-1"):
        if pm25 <= WHO_2021_INTERIM_TARGETS[name]:
            return name
    return "above IT-1"


def _who_details(value: float) -> dict[str, Any]:
    return {
        "who_2021_band": who_band(value),
        "meets_who_2021_guideline": value <= WHO_2021_GUIDELINE,
        "who_2021_guideline_ugm3": WHO_2021_GUIDELINE,
        "who_2021_interim_targets_ugm3": dict(WHO_2021_INTERIM_TARGETS),
        "exceedance_factor": value / WHO_2021_GUIDELINE,
    }


def air_quality(
    pm25_raster: _raster.PathLike,
    population: _raster.PathLike | gpd.GeoDataFrame,
    *,
    boundary: _raster.BoundaryLike | None = None,
    population_column: str = "population",
) -> IndicatorResult:
    """SDG 11.6.2: population-weighted annual mean PM2.5 ``Σ Cᵢ·Pᵢ / Σ Pᵢ`` (µg/m³).

    ``pm25_raster``: annual mean PM2.5 raster (µg/m³). ``population``: a population raster
    path, or a GeoDataFrame of polygons with ``population_column``. ``boundary``: the city
    (GeoDataFrame/GeoSeries with CRS, or a shapely geometry in the PM2.5 raster's CRS);
    without it, the whole population layer counts. Exact zonal statistics (exactextract):
    see the module docstring for the three paths. ``details`` holds the WHO 2021 band the
    value meets (guideline 5 µg/m³; interim targets IT-1..IT-4 = 35/25/15/10).

    Source: UN SDG metadata 11.6.2 (WHO); WHO global air quality guidelines (2021).
    """
    with _raster.open_raster(pm25_raster) as ds:
        pm_crs = CRS.from_user_input(ds.crs)
        pm_bounds = tuple(ds.bounds)
    zones = (
        _raster.dissolve(_raster.boundary_to_crs(boundary, pm_crs, what="boundary"))
        if boundary is not None
        else None
    )
    if zones is not None:
        _raster.check_overlap(tuple(zones.total_bounds), pm_bounds, pm25_raster)

    notes: list[str] = []
    if isinstance(population, gpd.GeoDataFrame):
        weighted, pop_total, pop_covered = _by_polygons(
            pm25_raster, pm_crs, population, population_column, zones
        )
        method = "polygons"
    else:
        weighted, pop_total, pop_covered, method = _by_population_raster(
            pm25_raster, pm_crs, population, zones
        )
    if pop_total <= 0:
        raise SpatialInputError(
            str(population) if not isinstance(population, gpd.GeoDataFrame) else "population",
            "no population within the boundary",
            "check the population layer covers the boundary and its nodata value",
        )
    value: float | None = None
    undefined: str | None = None
    details: dict[str, Any] = {"method": method}
    if pop_covered <= 0 or weighted is None or not math.isfinite(weighted):
        undefined = "no populated cell has a PM2.5 value (PM2.5 raster is nodata where people live)"
    else:
        value = float(weighted)
        details.update(_who_details(value))
        share = pop_covered / pop_total
        details["population_share_with_pm25"] = share
        if share < 0.99:
            notes.append(
                f"only {100 * share:.1f} % of the population lies on cells with a PM2.5 value"
            )
    return IndicatorResult(
        indicator="11.6.2",
        value=value,
        unit="µg/m³",
        method_version=METHOD_VERSION,
        parameters={
            "formula": "sum(C_i * P_i) / sum(P_i)",
            "zonal_statistics": "exactextract (exact cell coverage fractions)",
            "weighting": method,
            "boundary": boundary is not None,
            "who_guideline_edition": 2021,
        },
        population_total=float(pop_total),
        population_covered=float(pop_covered),
        undefined_reason=undefined,
        details=details,
        warnings=notes,
    )


def _refuse_negative(grid: _raster.Grid, what: str) -> None:
    """A negative concentration or count is no measurement: refuse it, naming the band."""
    vals = grid.values[np.isfinite(grid.values)]
    neg = vals < 0
    if neg.any():
        raise SpatialInputError(
            grid.path,
            f"band 1 has {int(neg.sum())} cells with a negative {what} (minimum "
            f"{float(vals.min()):g}); no {what.split(' (')[0]} can be negative",
            "set the raster's nodata value so fill values are masked (gdal_edit -a_nodata), "
            "or fix the cells",
        )


def _pad_to(grid: _raster.Grid, bounds: tuple[float, float, float, float]) -> _raster.Grid:
    """``grid`` extended with zeros (on its own cell lattice) to cover ``bounds``."""
    from affine import Affine

    rx, ry = grid.resolution
    x0, y0, x1, y1 = grid.bounds
    left = max(0, math.ceil((x0 - bounds[0]) / rx - 1e-6))
    right = max(0, math.ceil((bounds[2] - x1) / rx - 1e-6))
    top = max(0, math.ceil((bounds[3] - y1) / ry - 1e-6))
    bottom = max(0, math.ceil((y0 - bounds[1]) / ry - 1e-6))
    if not (left or right or top or bottom):
        return grid
    values = np.pad(grid.values, ((top, bottom), (left, right)), constant_values=0.0)
    t = grid.transform
    moved = Affine(t.a, 0.0, t.c - left * rx, 0.0, t.e, t.f + top * ry)
    return _raster.Grid(values, moved, grid.crs, grid.path)


def _by_population_raster(
    pm25_raster: _raster.PathLike,
    pm_crs: CRS,
    pop_path: _raster.PathLike,
    zones: gpd.GeoDataFrame | None,
) -> tuple[float | None, float, float, str]:
    with _raster.open_raster(pop_path) as ds:
        pop_crs = CRS.from_user_input(ds.crs)
        pop_bounds = tuple(ds.bounds)
    if zones is not None:
        pop_zones = zones.to_crs(pop_crs)
        _raster.check_overlap(tuple(pop_zones.total_bounds), pop_bounds, pop_path)
        pop = _raster.read_grid(pop_path, bounds=tuple(pop_zones.total_bounds))
    else:
        pop = _raster.read_grid(pop_path)
    _raster.require_data(pop, "population raster")
    if pop_crs.is_geographic:
        logger.debug("population raster %s is geographic; counts need no areas", pop_path)

    pm = _raster.read_grid(
        pm25_raster,
        bounds=tuple(gpd.GeoSeries([box(*pop.bounds)], crs=pop_crs).to_crs(pm_crs).total_bounds)
        if zones is None
        else tuple(zones.total_bounds),
    )
    _raster.require_data(pm, "PM2.5 raster")
    _refuse_negative(pm, "PM2.5 concentration (µg/m³)")
    _refuse_negative(pop, "population count")

    if _raster.grids_compatible(pm, pop):
        if zones is None:
            xmin, ymin, xmax, ymax = pop.bounds
            zones = gpd.GeoDataFrame(geometry=[box(xmin, ymin, xmax, ymax)], crs=pm_crs)
        # exactextract turns a weighted mean NaN when any weight is nodata or outside the
        # weights' extent: no data = 0 people, and the grid padded over the PM2.5 window
        pop0 = _pad_to(
            _raster.Grid(np.nan_to_num(pop.values, nan=0.0), pop.transform, pop.crs, pop.path),
            pm.bounds,
        )
        pop_src = _raster.numpy_source(pop0, name="population")
        pm_src = _raster.numpy_source(pm, name="pm25")
        valid = _raster.Grid(
            np.where(np.isfinite(pm.values), 1.0, np.nan), pm.transform, pm.crs, pm.path
        )
        # one pass: PM2.5 weighted mean, population on cells with PM2.5, population total
        res = _raster.exact_extract_quiet(
            [pm_src, _raster.numpy_source(valid, name="valid"), pop_src],
            zones,
            ["weighted_mean", "weighted_sum", "sum"],
            weights=pop_src,
            output="pandas",
        ).iloc[0]
        wm = float(res["pm25_population_weighted_mean"])
        return (
            wm if math.isfinite(wm) else None,
            float(res["population_sum"]),
            float(np.nan_to_num(res["valid_population_weighted_sum"])),
            "raster_weights",
        )
    cells = _raster.cell_polygons(pop).rename(columns={"value": "population"})
    if cells.empty:
        return None, 0.0, 0.0, "population_cells_as_polygons"
    if not _raster.same_crs(pop_crs, pm_crs):
        # densify so cell edges stay true after reprojection
        cells["geometry"] = cells.geometry.segmentize(max(pop.resolution) / 4)
    weighted, total, covered = _by_polygons(pm25_raster, pm_crs, cells, "population", zones, pm=pm)
    return weighted, total, covered, "population_cells_as_polygons"


def _by_polygons(
    pm25_raster: _raster.PathLike,
    pm_crs: CRS,
    polygons: gpd.GeoDataFrame,
    column: str,
    zones: gpd.GeoDataFrame | None,
    *,
    pm: _raster.Grid | None = None,
) -> tuple[float | None, float, float]:
    if column not in polygons.columns:
        raise SpatialInputError(
            "population",
            f"population layer has no column {column!r} (columns: {list(polygons.columns)})",
            "pass population_column= naming the population count column",
        )
    if polygons.crs is None:
        raise SpatialInputError(
            "population", "population layer has no CRS", "set it with `gdf.set_crs(...)`"
        )
    from sdgcities.spatial.population import check_population_values

    numbers = pd.to_numeric(polygons[column], errors="coerce")
    check_population_values(polygons[column], numbers, column=column, source="population")
    polys = polygons[["geometry"]].assign(**{column: numbers}).to_crs(pm_crs)
    polys = polys[polys[column] > 0]
    pops = polys[column].to_numpy(dtype="float64")
    if zones is not None:
        area = polys.geometry.area.to_numpy()
        inside = polys.geometry.intersection(zones.geometry.iloc[0]).area.to_numpy()
        share = np.divide(inside, area, out=np.zeros_like(area), where=area > 0)
        pops = pops * share
        keep = pops > 0
        polys, pops = polys[keep], pops[keep]
    if polys.empty:
        return None, 0.0, 0.0
    if pm is None:
        pm = _raster.read_grid(pm25_raster, bounds=tuple(polys.total_bounds))
        _raster.require_data(pm, "PM2.5 raster")
        _refuse_negative(pm, "PM2.5 concentration (µg/m³)")
    res = _raster.exact_extract_quiet(
        _raster.numpy_source(pm, name="pm25"),
        polys.reset_index(drop=True)[["geometry"]],
        ["mean"],
        output="pandas",
    )
    conc = res["mean"].to_numpy(dtype="float64")
    ok = np.isfinite(conc)
    covered = float(pops[ok].sum())
    total = float(pops.sum())
    if covered <= 0:
        return None, total, 0.0
    return float((conc[ok] * pops[ok]).sum() / covered), total, covered
