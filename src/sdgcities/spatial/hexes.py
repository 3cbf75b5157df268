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

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

__all__ = ["distance_label", "hex_layer", "most_underserved", "write_layer"]


def hex_layer(
    points: gpd.GeoDataFrame,
    covered: np.ndarray,
    distance_m: np.ndarray,
    *,
    resolution: int = 9,
    limit_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Aggregate population ``points`` (EPSG:4326) to H3 cells of ``resolution``.

    >>> import shapely
    >>> pts = gpd.GeoDataFrame({"population": [10.0, 30.0]},
    ...     geometry=shapely.points([-51.2, -51.2], [-30.05, -30.05]), crs="EPSG:4326")
    >>> hx = hex_layer(pts, np.array([True, False]), np.array([100.0, 700.0]))
    >>> hx[["population", "population_covered", "share", "distance_m"]].values.tolist()
    [[40.0, 10.0, 25.0, 550.0]]

    ``limit_m`` (the distance search limit) is stored in ``attrs["limit_m"]``.
    """
    if not 0 <= resolution <= 15:
        raise ValueError(f"h3 resolution must be 0–15, got {resolution}")
    pts = points.to_crs("EPSG:4326")
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    cells = [h3.latlng_to_cell(la, lo, resolution) for la, lo in zip(lat, lon, strict=True)]
    pop = pts["population"].to_numpy(dtype=float)
    dist = np.asarray(distance_m, dtype=float)
    fin = np.isfinite(dist)
    df = pd.DataFrame(
        {
            "h3": cells,
            "population": pop,
            "population_covered": np.where(covered, pop, 0.0),
            "_wd": np.where(fin, dist, 0.0) * pop,
            "_w": np.where(fin, pop, 0.0),
            "_dmin": np.where(fin, dist, np.nan),
            "_n": fin.astype(int),
            "_beyond": np.where(fin, 0.0, pop),
        }
    )
    g = df.groupby("h3", sort=True).agg(
        population=("population", "sum"),
        population_covered=("population_covered", "sum"),
        _wd=("_wd", "sum"),
        _w=("_w", "sum"),
        distance_min_m=("_dmin", "min"),
        _n=("_n", "sum"),
        population_beyond_limit=("_beyond", "sum"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        g["share"] = np.where(
            g["population"] > 0, 100 * g["population_covered"] / g["population"], np.nan
        )
        mean_d = np.where(g["_w"] > 0, g["_wd"] / g["_w"], g["distance_min_m"])
    g["distance_m"] = np.where(g["_n"] > 0, mean_d, np.nan)
    g["uncovered"] = g["population"] - g["population_covered"]
    g = g.drop(columns=["_wd", "_w", "_n"]).reset_index()
    geoms = [shapely.Polygon([(lo, la) for la, lo in h3.cell_to_boundary(c)]) for c in g["h3"]]
    cols = [
        "h3",
        "population",
        "population_covered",
        "share",
        "uncovered",
        "distance_m",
        "distance_min_m",
        "population_beyond_limit",
    ]
    out = gpd.GeoDataFrame(g[cols], geometry=geoms, crs="EPSG:4326")
    out.attrs["limit_m"] = limit_m
    return out


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


def most_underserved(hexes: gpd.GeoDataFrame, n: int = 10) -> gpd.GeoDataFrame:
    """The ``n`` cells with the most people not covered (ties: larger distance first)."""
    un = hexes["population"] - hexes["population_covered"]
    ranked = hexes.assign(uncovered=un).sort_values(
        ["uncovered", "distance_m"], ascending=[False, False], na_position="first"
    )
    ranked = ranked.loc[ranked["uncovered"] > 0].head(n).reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked.attrs["limit_m"] = hexes.attrs.get("limit_m")
    return ranked


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
