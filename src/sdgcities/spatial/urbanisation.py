"""City delineation: Degree of Urbanisation (stage I grid classes, stage II area class).

Source: Eurostat (2021), *Applying the Degree of Urbanisation — A methodological manual to
define cities, towns and rural areas for international comparisons* (the method endorsed
by the UN Statistical Commission in 2020, "A recommendation on the method to delineate
cities, urban and rural areas for international statistical comparisons"); GHSL GHS-SMOD.

Stage 1 classifies 1 km² population grid cells:

* **urban centre** (code 30): cells with ≥ 1,500 inh/km², grouped with 4-connectivity
  (shared edges only), in clusters of ≥ 50,000 inhabitants; then edges smoothed with the
  majority rule (a cell with ≥ 5 of its 8 neighbours in the centre joins it, repeated until
  nothing changes) and gaps < 15 km² filled;
* **urban cluster** (code 20): cells with ≥ 300 inh/km², grouped with 8-connectivity
  (diagonals count), in clusters of ≥ 5,000 inhabitants, not already urban centre;
* **rural grid cell** (code 10): every other cell with data; ``0`` marks nodata cells.

Stage II classifies a spatial unit (the city's boundary) after the whole grid is
classified: the boundary is overlaid on the classified grid (never the other way round,
so urban centres are not cut), and the unit is a **city** when ≥ 50 % of its population
lives in urban centres, a **rural area** when ≥ 50 % lives in rural grid cells, else a
**town or semi-dense area** (:func:`unit_class`). UN city-size classes come from
:mod:`sdgcities.cities.typology` (one definition).

Codes follow GHS-SMOD level 1 (30/20/10), higher = more urban. (Eurostat's 1/2/3 codes
classify local administrative units, in the opposite order, and are not used here.)

Simplified / not implemented, on purpose:

* the optional built-up criterion (cells with ≥ 50 % built-up also count as dense for urban
  centres, 2021 manual) needs a built-up grid and is not applied;
* the majority rule counts neighbours in the union of all urban centres (two centres that
  would touch through a smoothed cell merge into one);
* the "gap" filling fills holes of the (smoothed) urban centres whose area is < 15 km²
  (holes are 4-connected runs of non-centre cells not reaching the grid edge).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
from pyproj import CRS
from scipy import ndimage

from sdgcities.cities.typology import size_class, size_class_label
from sdgcities.errors import SpatialInputError
from sdgcities.spatial import _raster
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

METHOD_VERSION = "degurba-2021.2"

URBAN_CENTRE = 30
URBAN_CLUSTER = 20
RURAL = 10
NO_DATA = 0

CLASS_LABELS: dict[int, str] = {
    URBAN_CENTRE: "urban centre",
    URBAN_CLUSTER: "urban cluster",
    RURAL: "rural grid cell",
    NO_DATA: "no data",
}

#: Mollweide (World), the equal-area CRS of the GHSL grids.
EQUAL_AREA_CRS = CRS.from_user_input("ESRI:54009")

_FOUR = ndimage.generate_binary_structure(2, 1)
_EIGHT = ndimage.generate_binary_structure(2, 2)


def _clusters(
    mask: np.ndarray, pop: np.ndarray, structure: np.ndarray, min_pop: float
) -> np.ndarray:
    """Boolean mask of the connected components of ``mask`` holding ≥ ``min_pop``."""
    labels, n = ndimage.label(mask, structure=structure)
    if n == 0:
        return np.zeros_like(mask, dtype=bool)
    sums = ndimage.sum_labels(pop, labels, index=np.arange(1, n + 1))
    keep = np.concatenate([[False], np.asarray(sums) >= min_pop])
    return np.asarray(keep[labels])


def _majority_smooth(centre: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Add cells with ≥ 5 of 8 neighbours in ``centre``, iteratively until stable."""
    kernel = np.ones((3, 3), dtype=int)
    kernel[1, 1] = 0
    out = centre.copy()
    for _ in range(10_000):
        n = ndimage.convolve(out.astype(int), kernel, mode="constant", cval=0)
        add = (n >= 5) & ~out & valid
        if not add.any():
            break
        out |= add
    return out


def _fill_gaps(centre: np.ndarray, max_hole_cells: float) -> np.ndarray:
    """Fill holes (enclosed non-centre areas) smaller than ``max_hole_cells`` cells."""
    filled = ndimage.binary_fill_holes(centre, structure=_FOUR)
    holes = filled & ~centre
    labels, n = ndimage.label(holes, structure=_FOUR)
    if n == 0:
        return centre
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, n + 1))
    small = np.concatenate([[False], np.asarray(sizes) < max_hole_cells])
    return np.asarray(centre | small[labels])


def degree_of_urbanisation(
    pop_grid: np.ndarray,
    *,
    cell_area_km2: float = 1.0,
    centre_density: float = 1500.0,
    centre_min_population: float = 50_000.0,
    cluster_density: float = 300.0,
    cluster_min_population: float = 5_000.0,
    max_gap_km2: float = 15.0,
    smooth: bool = True,
) -> np.ndarray:
    """Degree of Urbanisation stage 1 class of every cell of a population grid.

    Urban centre (30): density ≥ 1,500 inh/km², 4-connected, cluster ≥ 50,000 inh, majority
    smoothing (≥ 5 of 8 neighbours, iterated) and gaps < 15 km² filled. Urban cluster (20):
    density ≥ 300 inh/km², 8-connected, cluster ≥ 5,000 inh, not urban centre. Rural (10):
    the rest; 0 where ``pop_grid`` is NaN. ``pop_grid`` holds inhabitants per cell of
    ``cell_area_km2`` (the method is defined on 1 km² cells).

    Source: Eurostat (2021) Applying the Degree of Urbanisation, methodological manual,
    ch. 2 (UN Statistical Commission 2020 recommendation); GHS-SMOD level 1 codes.

    >>> import numpy as np
    >>> g = np.array([[30000, 30000, 0], [0, 500, 0], [0, 0, 5000]])
    >>> degree_of_urbanisation(g).tolist()
    [[30, 30, 10], [10, 20, 10], [10, 10, 20]]
    """
    pop = np.asarray(pop_grid, dtype="float64")
    if pop.ndim != 2:
        raise ValueError(f"pop_grid must be 2-D, got shape {pop.shape}")
    if cell_area_km2 <= 0:
        raise ValueError("cell_area_km2 must be > 0")
    valid = np.isfinite(pop)
    if np.any(pop[valid] < 0):
        raise ValueError("pop_grid has negative population counts")
    p = np.where(valid, pop, 0.0)
    density = p / cell_area_km2

    centre = _clusters(density >= centre_density, p, _FOUR, centre_min_population)
    if smooth and centre.any():
        centre = _majority_smooth(centre, valid)
        centre = _fill_gaps(centre, max_gap_km2 / cell_area_km2) & valid
    cluster = _clusters(density >= cluster_density, p, _EIGHT, cluster_min_population)

    out = np.full(pop.shape, RURAL, dtype=np.int16)
    out[cluster] = URBAN_CLUSTER
    out[centre] = URBAN_CENTRE
    out[~valid] = NO_DATA
    return out


def _to_one_km(grid: _raster.Grid, resolution_m: float) -> tuple[_raster.Grid, str]:
    """Population summed onto a ``resolution_m`` grid in a metric CRS.

    A projected metric grid whose cell size divides ``resolution_m`` is block-summed on
    blocks aligned to whole multiples of ``resolution_m`` (exact); anything else is warped
    to Mollweide (ESRI:54009) with GDAL ``sum`` resampling and rescaled to conserve the total.
    """
    crs = grid.crs
    rx, ry = grid.resolution
    unit = crs.axis_info[0].unit_conversion_factor if crs.is_projected and crs.axis_info else 0.0
    if crs.is_projected and unit == 1.0 and math.isclose(rx, ry):
        if math.isclose(rx, resolution_m):
            return grid, "as given"
        factor = resolution_m / rx
        t = grid.transform
        if math.isclose(factor, round(factor)) and round(factor) >= 1:
            f = round(factor)
            x0 = math.floor(t.c / resolution_m) * resolution_m
            y0 = math.ceil(t.f / resolution_m) * resolution_m
            col_pad = (t.c - x0) / rx
            row_pad = (y0 - t.f) / ry
            if math.isclose(col_pad, round(col_pad)) and math.isclose(row_pad, round(row_pad)):
                summed = _raster.block_sum(
                    grid.values, f, row_pad=round(row_pad), col_pad=round(col_pad)
                )
                from affine import Affine

                tr = Affine(resolution_m, 0.0, x0, 0.0, -resolution_m, y0)
                return _raster.Grid(summed, tr, crs, grid.path), f"block sum {f}×{f}"
    return _raster.reproject_sum(grid, EQUAL_AREA_CRS, resolution_m), "warped to Mollweide (sum)"


def _crs_name(crs: CRS) -> str:
    auth = crs.to_authority(min_confidence=20)
    return ":".join(auth) if auth else crs.name


#: Degree of Urbanisation stage II class of a spatial unit (a city's boundary).
CITY = "city"
TOWN = "town or semi-dense area"
RURAL_AREA = "rural area"
#: the stage II rule as stored with every class (Eurostat 2021 manual, §2.3 / ch. 3)
STAGE_II_RULE = (
    "city: ≥ 50 % of the unit's population in urban centres; town or semi-dense area: "
    "< 50 % in urban centres and < 50 % in rural grid cells; rural area: ≥ 50 % in rural "
    "grid cells (Eurostat 2021, Applying the Degree of Urbanisation, level 1 of local units)"
)


def unit_class(shares: dict[str, float]) -> str:
    """Stage II class of a spatial unit from its population shares (%) per grid class.

    ``city`` when ≥ 50 % of its population lives in urban-centre cells; ``rural area``
    when ≥ 50 % lives in rural grid cells; otherwise ``town or semi-dense area``.
    Source: Eurostat (2021), Applying the Degree of Urbanisation, classification of
    local units (level 1); see :data:`STAGE_II_RULE`.

    >>> unit_class({"urban centre": 50.0, "urban cluster": 30.0, "rural grid cell": 20.0})
    'city'
    >>> unit_class({"urban centre": 49.0, "urban cluster": 2.0, "rural grid cell": 49.0})
    'town or semi-dense area'
    >>> unit_class({"urban centre": 10.0, "urban cluster": 40.0, "rural grid cell": 50.0})
    'rural area'
    """
    if shares.get(CLASS_LABELS[URBAN_CENTRE], 0.0) >= 50.0:
        return CITY
    if shares.get(CLASS_LABELS[RURAL], 0.0) >= 50.0:
        return RURAL_AREA
    return TOWN


def _read_population_grid(path: _raster.PathLike) -> _raster.Grid:
    grid = _raster.read_grid(path)
    _raster.require_data(grid, "population raster")
    finite = grid.values[np.isfinite(grid.values)]
    if finite.size and float(finite.min()) < 0:
        raise SpatialInputError(
            path,
            f"band 1 has {int((finite < 0).sum())} negative population cells "
            f"(minimum {float(finite.min()):g})",
            "set the raster's nodata value so negative fill values are masked",
        )
    if float(finite.sum()) <= 0:
        raise SpatialInputError(
            path, "band 1 holds no population (every cell is 0)", "pass a population raster"
        )
    return grid


def _overlay(
    classes: np.ndarray, pop: np.ndarray, km: _raster.Grid, aoi: _raster.BoundaryLike
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage fraction of each 1 km cell inside ``aoi`` (exact, exactextract)."""
    zones = _raster.dissolve(_raster.boundary_to_crs(aoi, km.crs, what="boundary"))
    _raster.check_overlap(tuple(zones.total_bounds), km.bounds, km.path)
    ids = _raster.Grid(
        np.arange(classes.size, dtype="float64").reshape(classes.shape),
        km.transform,
        km.crs,
        km.path,
    )
    res = _raster.exact_extract_quiet(
        _raster.numpy_source(ids, name="cell"), zones, ["values", "coverage"], output="pandas"
    ).iloc[0]
    cover = np.zeros(classes.shape, dtype="float64")
    cells = np.asarray(res["values"], dtype="float64")
    ok = np.isfinite(cells)
    cover.flat[cells[ok].astype(np.int64)] = np.asarray(res["coverage"], dtype="float64")[ok]
    return cover, pop * cover


def urban_extent(
    pop_raster_path: _raster.PathLike,
    *,
    aoi: _raster.BoundaryLike | None = None,
    resolution_m: float = 1000.0,
) -> tuple[gpd.GeoDataFrame, IndicatorResult]:
    """Degree of Urbanisation of a population raster, and of the area ``aoi`` on it.

    Official order (Eurostat 2021 manual): the **whole** population grid is summed onto a
    1 km grid in a metric CRS (see :func:`_to_one_km`) and classified with
    :func:`degree_of_urbanisation`; only then is the boundary overlaid, so urban centres
    are never cut at the boundary. Each 1 km cell counts for the boundary with the exact
    fraction of it inside (exactextract; population assumed uniform within a cell).

    The area's stage II class follows :func:`unit_class` on its population shares per
    grid class (≥ 50 % in urban centres = city; ≥ 50 % in rural cells = rural area; else
    town or semi-dense area); ``details["class_label"]`` holds it and
    ``details["class_rule"]`` the rule (:data:`STAGE_II_RULE`).

    Returns the urban centres as whole polygons (columns ``centre_id``, ``population``,
    ``area_km2``, ``dou_class`` = 30, ``size_class`` =
    :func:`sdgcities.cities.typology.size_class`, ``population_in_boundary``) — with a
    boundary, only the centres it touches — and an :class:`IndicatorResult` (indicator
    ``"degree_of_urbanisation"``): ``value`` = area (km²) of those whole urban centres,
    ``population_total`` = population in the area, ``disaggregation`` = the area's
    population share (%) per grid class.
    """
    grid = _read_population_grid(pop_raster_path)
    km, how = _to_one_km(grid, resolution_m)
    area_km2 = float(_raster.cell_area_km2(km.transform, km.crs, km.shape)[0, 0])
    # grid cells outside the source raster are 0 after summing: count them as data
    classes = degree_of_urbanisation(km.values, cell_area_km2=area_km2)
    pop = np.nan_to_num(km.values, nan=0.0)
    if aoi is not None:
        cover, pop_in = _overlay(classes, pop, km, aoi)
    else:
        cover, pop_in = np.ones(classes.shape), pop

    labels, n = ndimage.label(classes == URBAN_CENTRE, structure=_EIGHT)
    records: list[dict[str, Any]] = []
    geoms = []
    from shapely.geometry import shape
    from shapely.ops import unary_union

    for k in range(1, n + 1):
        m = labels == k
        inside = float(pop_in[m].sum())
        if aoi is not None and not (cover[m] > 0).any():
            continue
        shapes = [
            s
            for s, v in rasterio.features.shapes(m.astype("uint8"), mask=m, transform=km.transform)
            if v == 1
        ]
        geoms.append(unary_union([shape(s) for s in shapes]))
        cpop = float(pop[m].sum())
        records.append(
            {
                "centre_id": k,
                "population": cpop,
                "area_km2": float(m.sum()) * area_km2,
                "dou_class": URBAN_CENTRE,
                "size_class": size_class(cpop),
                "population_in_boundary": inside,
            }
        )
    columns = ["centre_id", "population", "area_km2", "dou_class", "size_class"]
    columns.append("population_in_boundary")
    centres = gpd.GeoDataFrame(records, geometry=geoms, crs=km.crs, columns=columns)
    if not centres.empty:
        centres = centres.sort_values(
            ["population_in_boundary", "population"], ascending=False
        ).reset_index(drop=True)

    total = float(pop_in.sum())
    if total <= 0:
        raise SpatialInputError(
            pop_raster_path,
            "no population inside the boundary",
            "check that the boundary lies over populated cells and its CRS is right",
        )
    per_class: dict[str, dict[str, float]] = {}
    disagg: dict[str, float] = {}
    for code in (URBAN_CENTRE, URBAN_CLUSTER, RURAL):
        sel = classes == code
        name = CLASS_LABELS[code]
        per_class[name] = {
            "population": float(pop_in[sel].sum()),
            "area_km2": float(cover[sel].sum()) * area_km2,
            "cells": int((cover[sel] > 0).sum()),
        }
        disagg[name] = 100.0 * float(pop_in[sel].sum()) / total
    label = unit_class(disagg)
    details: dict[str, Any] = {
        "classes": per_class,
        "aggregation": how,
        "grid_crs": _crs_name(km.crs),
        "urban_centres": len(centres),
        "class_label": label,
        "class_rule": STAGE_II_RULE,
        "order": "whole grid classified, then boundary overlaid" if aoi is not None else
        "whole grid classified (no boundary)",
        "grid_population": float(pop.sum()),
    }  # fmt: skip
    notes: list[str] = []
    if not math.isclose(area_km2, 1.0, rel_tol=1e-3):
        notes.append(f"grid cells are {area_km2:.3f} km², not 1 km²")
    if centres.empty:
        notes.append("no urban centre (≥ 1,500 inh/km², ≥ 50,000 inhabitants) in this area")
    else:
        top = centres.iloc[0]
        details["largest_centre"] = {
            "population": float(top["population"]),
            "population_in_boundary": float(top["population_in_boundary"]),
            "area_km2": float(top["area_km2"]),
            "size_class": str(top["size_class"]),
            "size_class_label": size_class_label(str(top["size_class"])),
        }
    result = IndicatorResult(
        indicator="degree_of_urbanisation",
        value=float(centres["area_km2"].sum()) if not centres.empty else 0.0,
        unit="km²",
        method_version=METHOD_VERSION,
        parameters={
            "centre_density_inh_km2": 1500,
            "centre_min_population": 50_000,
            "centre_connectivity": 4,
            "cluster_density_inh_km2": 300,
            "cluster_min_population": 5_000,
            "cluster_connectivity": 8,
            "max_gap_km2": 15,
            "majority_rule": "≥5 of 8 neighbours, iterated",
            "built_up_criterion": False,
            "resolution_m": resolution_m,
            "codes": {str(k): v for k, v in CLASS_LABELS.items()},
            "order": "classify the whole grid, then overlay the boundary",
            "boundary_overlay": "exact cell coverage fractions (exactextract)",
            "stage_ii_rule": STAGE_II_RULE,
        },
        population_total=total,
        disaggregation=disagg,
        details=details,
        warnings=notes,
    )
    return centres, result
