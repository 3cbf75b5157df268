"""H3 hex layers of an access indicator: who is covered, where the gaps are.

Population points are binned into H3 cells (h3 v4, default resolution 9 ≈ 0.1 km²).
Per cell: ``population``, ``population_covered``, ``share`` (percent), ``uncovered``
(people not covered), and ``distance_m`` — the *population-weighted mean* network
distance of the cell's points to the nearest stop / open space (points beyond the search
limit are left out of the mean; NaN when none is within it) — plus ``distance_min_m``
and ``population_beyond_limit``, the people whose nearest stop / open space is farther
than the search limit (or cut off from it). Where that is above 0 the mean is a lower
bound; :func:`distance_label` renders it as "> …" and never as a number that looks
measured.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import h3
import numpy as np
import shapely

from sdgcities.spatial._features import Features

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

__all__ = ["distance_label", "hex_features", "hex_layer", "most_underserved", "write_layer"]


def hex_layer(
    points: gpd.GeoDataFrame | Features,
    covered: np.ndarray,
    distance_m: np.ndarray,
    *,
    resolution: int = 9,
    limit_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Aggregate population ``points`` (EPSG:4326) to H3 cells of ``resolution``.

    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"population": [10.0, 30.0]},
    ...     geometry=shapely.points([-51.2, -51.2], [-30.05, -30.05]), crs="EPSG:4326")
    >>> hx = hex_layer(pts, np.array([True, False]), np.array([100.0, 700.0]))
    >>> hx[["population", "population_covered", "share", "distance_m"]].values.tolist()
    [[40.0, 10.0, 25.0, 550.0]]

    ``limit_m`` (the distance search limit) is stored in ``attrs["limit_m"]``.
    """
    return hex_features(
        points, covered, distance_m, resolution=resolution, limit_m=limit_m
    ).to_geodataframe()


_HEX_COLUMNS = (
    "h3",
    "population",
    "population_covered",
    "share",
    "uncovered",
    "distance_m",
    "distance_min_m",
    "population_beyond_limit",
)


def hex_features(
    points: gpd.GeoDataFrame | Features,
    covered: np.ndarray,
    distance_m: np.ndarray,
    *,
    resolution: int = 9,
    limit_m: float | None = None,
) -> Features:
    """:func:`hex_layer` as :class:`~sdgcities.spatial._features.Features` (no geopandas).

    Cells in the order of their H3 index; per cell ``population = Σ p``,
    ``population_covered = Σ p·covered``, ``share = 100 · covered / population``,
    ``distance_m = Σ p·d / Σ p`` over the points with a measured distance ``d`` (their
    minimum when they weigh 0; NaN when none has one), ``distance_min_m = min d`` and
    ``population_beyond_limit = Σ p`` over the points without one.

    >>> pts = Features(shapely.points([-51.2, -51.2], [-30.05, -30.05]),
    ...                {"population": np.array([10.0, 30.0])})
    >>> hx = hex_features(pts, np.array([True, False]), np.array([100.0, np.inf]))
    >>> [hx[c].tolist() for c in ("population", "share", "distance_m", "population_beyond_limit")]
    [[40.0], [25.0], [100.0], [30.0]]
    """
    if not 0 <= resolution <= 15:
        raise ValueError(f"h3 resolution must be 0–15, got {resolution}")
    f = points if isinstance(points, Features) else Features.from_geodataframe(points)
    lon, lat = f.xy()
    cells = np.array(
        [h3.latlng_to_cell(la, lo, resolution) for la, lo in zip(lat, lon, strict=True)],
        dtype=object,
    )
    pop = np.asarray(f["population"], dtype=float)
    dist = np.asarray(distance_m, dtype=float)
    fin = np.isfinite(dist)
    cell, group = np.unique(cells, return_inverse=True) if len(cells) else (cells, cells)
    group = np.asarray(group, dtype=np.int64).reshape(-1)
    n = len(cell)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=weights, minlength=n)

    population = total(pop)
    population_covered = total(np.where(covered, pop, 0.0))
    weighted = total(np.where(fin, dist, 0.0) * pop)
    weight = total(np.where(fin, pop, 0.0))
    measured = np.bincount(group, weights=fin.astype(float), minlength=n)
    d_min = np.full(n, np.inf)
    np.minimum.at(d_min, group[fin], dist[fin])
    d_min[measured == 0] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(population > 0, 100 * population_covered / population, np.nan)
        mean_d = np.where(weight > 0, weighted / weight, d_min)
    columns = {
        "h3": cell.astype(object),
        "population": population,
        "population_covered": population_covered,
        "share": share,
        "uncovered": population - population_covered,
        "distance_m": np.where(measured > 0, mean_d, np.nan),
        "distance_min_m": d_min,
        "population_beyond_limit": total(np.where(fin, 0.0, pop)),
    }
    return Features(_cell_polygons(cell), columns, {"limit_m": limit_m})


def _cell_polygons(cells: np.ndarray) -> np.ndarray:
    """Each H3 cell's outline (lon/lat), one vectorised call when all are hexagons."""
    rings = [h3.cell_to_boundary(c) for c in cells]
    if rings and all(len(r) == 6 for r in rings):
        return np.asarray(shapely.polygons(np.asarray(rings)[:, :, ::-1]), dtype=object)
    return np.array(
        [shapely.Polygon([(lo, la) for la, lo in r]) for r in rings] or [], dtype=object
    ).reshape(-1)


def distance_label(row: dict[str, object], limit_m: float | None = None) -> str:
    """A hex's distance for people to read: "420", "> 380" when some of its people are
    beyond the search limit, "> 3,000" when all are, "—" when unknown (never "nan").

    >>> distance_label({"distance_m": 420.4, "population_beyond_limit": 0.0})
    '420'
    >>> distance_label({"distance_m": 380.0, "population_beyond_limit": 5.0})
    '> 380'
    >>> distance_label({"distance_m": float("nan"), "population_beyond_limit": 5.0}, 3000)
    '> 3,000'
    >>> distance_label({"distance_m": None})
    '—'
    """
    d = row.get("distance_m")
    b = row.get("population_beyond_limit")
    beyond = float(b) if isinstance(b, int | float) and np.isfinite(b) else 0.0
    if isinstance(d, int | float) and np.isfinite(d):
        return f"> {d:,.0f}" if beyond > 0 else f"{d:,.0f}"
    if beyond > 0 and limit_m is not None:
        return f"> {limit_m:,.0f}"
    return "—"


def most_underserved(
    hexes: gpd.GeoDataFrame | Features, n: int = 10
) -> gpd.GeoDataFrame | Features:
    """The ``n`` cells with the most people not covered (ties: larger distance first),
    numbered by ``rank``; a GeoDataFrame for a GeoDataFrame, Features for Features."""
    f = hexes if isinstance(hexes, Features) else Features.from_geodataframe(hexes)
    un = np.asarray(f["population"], dtype=float) - np.asarray(f["population_covered"], dtype=float)
    dist = np.asarray(f["distance_m"], dtype=float)
    # descending, NaN first, as pandas' sort_values(ascending=False, na_position="first")
    order = np.lexsort((-np.nan_to_num(dist, nan=np.inf), ~np.isnan(dist),
                        -np.nan_to_num(un, nan=np.inf), ~np.isnan(un)))  # fmt: skip
    order = order[un[order] > 0][:n]
    top = f.take(order)
    top.columns = {"rank": np.arange(1, len(order) + 1), **top.columns, "uncovered": un[order]}
    top.attrs = {"limit_m": f.attrs.get("limit_m")}
    return top if isinstance(hexes, Features) else top.to_geodataframe()


def write_layer(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``gdf`` as GeoPackage (.gpkg), GeoParquet (.parquet/.geoparquet) or GeoJSON.

    OpenStreetMap-derived layers must carry the attribution "© OpenStreetMap
    contributors, ODbL 1.0" wherever they are shown.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".gpkg":
        gdf.to_file(p, driver="GPKG", layer=p.stem)
    elif ext in {".parquet", ".geoparquet"}:
        gdf.to_parquet(p)
    elif ext in {".geojson", ".json"}:
        gdf.to_crs("EPSG:4326").to_file(p, driver="GeoJSON")
    else:
        raise ValueError(f"{p}: unknown layer format {ext!r}; use .gpkg, .parquet or .geojson")
    return p
