"""Population as weighted points: from rasters, vector grids, H3/point CSVs, or OSM buildings.

Every reader returns :class:`Population`: points in EPSG:4326 (raster cell centres, grid
cell representative points, H3 cell centres, or the given lon/lat) with a ``population``
column and any disaggregation columns.

Disaggregation convention: extra numeric columns named ``pop_<group>`` (e.g.
``pop_female``, ``pop_male``, ``pop_age_0_14``, ``pop_age_65_plus``) are counts of
people of that group at the point; indicators report a share per such column in
``IndicatorResult.disaggregation`` (key = column name).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._crs import reproject, utm_crs_for
from sdgcities.spatial._features import Features, LazyFrame, features_of

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

logger = logging.getLogger(__name__)

__all__ = [
    "NON_RESIDENTIAL_BUILDINGS",
    "Population",
    "estimate_population_from_buildings",
    "population_from_frame",
    "read_population",
]

_POP_NAMES = ("population", "pop", "pop_total", "total", "value", "inhabitants")
_H3_NAMES = ("h3", "h3_index", "hex", "hex_id", "h3_id", "id", "cell")
_LON_NAMES = ("lon", "lng", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")

#: building=* values not counted as homes when estimating population from buildings
NON_RESIDENTIAL_BUILDINGS = frozenset(
    {
        "commercial", "industrial", "retail", "warehouse", "office", "church", "cathedral",
        "chapel", "mosque", "temple", "synagogue", "school", "university", "college",
        "kindergarten", "hospital", "public", "civic", "government", "train_station",
        "transportation", "garage", "garages", "parking", "shed", "hut", "roof", "barn",
        "stable", "greenhouse", "service", "supermarket", "hotel", "kiosk", "toilets",
        "sports_hall", "stadium", "grandstand", "construction", "ruins", "bunker",
        "water_tower", "transformer_tower", "carport", "farm_auxiliary", "hangar",
    }
)  # fmt: skip


@dataclass
class Population:
    """Population points (EPSG:4326) with ``population`` and ``pop_*`` columns.

    ``points`` reads as a GeoDataFrame (built on first read when the reader left
    :class:`~sdgcities.spatial._features.Features`); :attr:`features` reads the same
    points without geopandas. Treat both as read-only.
    """

    points: gpd.GeoDataFrame = LazyFrame()
    source: str = "<population>"
    is_estimate: bool = False

    @property
    def features(self) -> Features:
        f = features_of(self, "points")
        if f is None:
            raise ValueError("a Population needs points")
        return f

    def weights(self) -> np.ndarray:
        """People per point."""
        return np.asarray(self.features["population"], dtype=float)

    @property
    def total(self) -> float:
        return float(self.weights().sum())

    @property
    def groups(self) -> list[str]:
        """The disaggregation columns (``pop_*``)."""
        return [c for c in self.features.columns if c.startswith("pop_")]

    def clip(self, boundary: gpd.GeoDataFrame | shapely.Geometry | None) -> Population:
        """Points inside ``boundary`` (a layer, or one geometry in EPSG:4326); raises when
        none is."""
        if boundary is None:
            return self
        geom = (
            boundary
            if isinstance(boundary, shapely.Geometry)
            else boundary.to_crs("EPSG:4326").union_all()
        )
        lon, lat = self.features.xy()
        inside = shapely.contains_xy(geom, lon, lat)
        if not inside.any() or self.weights()[inside].sum() <= 0:
            raise SpatialInputError(
                self.source,
                "no population inside the boundary (the boundary misses the population data)",
                "check that boundary and population cover the same city and that both CRS "
                "are declared correctly",
            )
        return Population(self.features.take(inside), self.source, self.is_estimate)


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def population_from_frame(
    df: pd.DataFrame | gpd.GeoDataFrame,
    *,
    column: str | None = None,
    source: str = "<frame>",
) -> Population:
    """Population points from a (Geo)DataFrame: geometry, H3 cells or lon/lat columns."""
    import geopandas as gpd
    import h3
    import pandas as pd

    cols = [str(c) for c in df.columns if c != "geometry"]
    col = column or _pick(cols, _POP_NAMES)
    if col is None or col not in df.columns:
        raise SpatialInputError(
            source,
            f"population column {column!r} not found"
            if column
            else (
                f"no population column (looked for {', '.join(_POP_NAMES)}; "
                f"found {', '.join(cols)})"
            ),
            "pass population_column= naming the column that holds people counts",
        )
    pop = pd.to_numeric(df[col], errors="coerce")
    if pop.isna().all():
        raise SpatialInputError(source, f"column {col!r} holds no numbers", "fix the column")
    check_population_values(df[col], pop, column=str(col), source=source)
    if isinstance(df, gpd.GeoDataFrame) and df.geometry is not None and df.crs is not None:
        g = df.geometry
        if not (g.geom_type == "Point").all():
            utm = utm_crs_for(*_center(g.to_crs("EPSG:4326")))
            g = g.to_crs(utm).representative_point()
        pts = g.to_crs("EPSG:4326")
        lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    elif isinstance(df, gpd.GeoDataFrame) and df.crs is None and "geometry" in df:
        raise SpatialInputError(source, "the layer has no CRS", "declare its CRS (e.g. EPSG:4326)")
    else:
        hcol = _pick(cols, _H3_NAMES)
        lon_c, lat_c = _pick(cols, _LON_NAMES), _pick(cols, _LAT_NAMES)
        if hcol is not None and df[hcol].astype(str).map(h3.is_valid_cell).all():
            ll = np.array([h3.cell_to_latlng(c) for c in df[hcol].astype(str)])
            lat, lon = ll[:, 0], ll[:, 1]
        elif lon_c is not None and lat_c is not None:
            lon = pd.to_numeric(df[lon_c], errors="coerce").to_numpy()
            lat = pd.to_numeric(df[lat_c], errors="coerce").to_numpy()
            _check_lonlat(df, lon, lat, lon_c, lat_c, source)
        else:
            raise SpatialInputError(
                source,
                "no location: need geometry, an H3 cell column (h3/id) or lon/lat columns",
                "add a column of H3 cells or lon and lat columns in EPSG:4326",
            )
    good = np.isfinite(lon) & np.isfinite(lat) & pop.notna().to_numpy()
    out = pd.DataFrame({"population": pop.to_numpy(dtype=float)})
    for c in cols:
        if c.startswith("pop_") and c != col:
            out[c] = pd.to_numeric(df[c], errors="coerce").fillna(0.0).to_numpy()
    gdf = gpd.GeoDataFrame(
        out.loc[good].reset_index(drop=True),
        geometry=shapely.points(lon[good], lat[good]),
        crs="EPSG:4326",
    )
    return Population(gdf, source)


def check_population_values(
    raw: pd.Series, numbers: pd.Series, *, column: str, source: str
) -> None:
    """Refuse population counts no method can mean, naming each offending row.

    A cell that is empty, not a number, NaN, infinite or negative is an error (never
    silently dropped, which would lower the total without a word); a column that sums
    to 0 is an error too (every share would divide by zero). ``row`` is the line a
    spreadsheet shows for a CSV (header = line 1) and the 1-based feature number for a
    vector layer.
    """
    from sdgcities.errors import Finding, ValidationError

    vals = numbers.to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (np.nan_to_num(vals, nan=0.0) < 0)
    offset = 2 if str(source).lower().endswith(".csv") else 1
    if bad.any():
        idx = np.flatnonzero(bad)
        findings = [
            Finding(
                "population is negative" if np.isfinite(vals[i]) else "population is not a number",
                file=str(source),
                row=int(i) + offset,
                column=column,
                value=str(raw.iloc[i]),
                fix="write a count of people ≥ 0 (0 for an empty cell)",
            )
            for i in idx[:200]
        ]
        raise ValidationError(
            f"{source}: {len(idx)} population value(s) in column {column!r} are not counts "
            "of people",
            findings,
        )
    if float(vals.sum()) <= 0:
        raise SpatialInputError(
            source,
            f"every population value in column {column!r} is 0, so no share can be computed",
            "pass the layer that holds the people counts (or the right population_column)",
        )


def _check_lonlat(
    df: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, lon_c: str, lat_c: str, source: str
) -> None:
    """Refuse points without a usable location (their people would vanish from the total)."""
    from sdgcities.errors import Finding, ValidationError

    offset = 2 if str(source).lower().endswith(".csv") else 1
    findings = []
    for col, vals, limit in ((lon_c, lon, 180.0), (lat_c, lat, 90.0)):
        bad = np.flatnonzero(~np.isfinite(vals) | (np.abs(np.nan_to_num(vals)) > limit))
        findings += [
            Finding(
                f"not a {'longitude' if limit == 180 else 'latitude'} in degrees (EPSG:4326)",
                file=str(source), row=int(i) + offset, column=col, value=str(df[col].iloc[i]),
                fix=f"write a number between -{limit:g} and {limit:g}",
            )
            for i in bad[:200]
        ]  # fmt: skip
    if findings:
        raise ValidationError(f"{source}: population points without a location", findings)


def _center(g: gpd.GeoSeries | np.ndarray) -> tuple[float, float]:
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(g, dtype=object))
    return (minx + maxx) / 2, (miny + maxy) / 2


def read_population(path: str | Path, *, column: str | None = None) -> Population:
    """Read a GeoTIFF, a vector grid (GeoPackage, GeoJSON, GeoParquet) or a CSV."""
    from sdgcities.errors import SdgCitiesError
    from sdgcities.spatial._vector import VECTOR_SUFFIXES, read_vector

    p = Path(path)
    if p.is_dir():
        raise SpatialInputError(
            p, "population is a folder, not a file", "pass the population file itself"
        )
    if not p.is_file():
        raise SpatialInputError(p, "population file not found", "check the path")
    ext = p.suffix.lower()
    try:
        if ext in {".tif", ".tiff"}:
            return _read_raster(p)
        if ext == ".csv":
            clean = _clean_h3_csv(p, column)
            if clean is not None:
                return clean
            import pandas as pd

            return population_from_frame(pd.read_csv(p), column=column, source=str(p))
        if ext in VECTOR_SUFFIXES:
            layer = read_vector(p, what="population layer")
            return population_from_frame(layer, column=column, source=str(p))
    except SdgCitiesError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError is one
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpatialInputError(
            p, f"cannot read population ({reason})", "check that it is a complete, valid file"
        ) from exc
    raise SpatialInputError(
        p, f"unknown population format {ext!r}", "use .tif, .gpkg, .geojson, .parquet or .csv"
    )


def _clean_h3_csv(p: Path, column: str | None) -> Population | None:
    """A CSV of H3 cells read without pandas, when it is clean; else ``None``.

    Clean: unique column names, a population column of numbers (no empty cell, none
    negative, not all 0), an H3 column whose every cell is valid, and ``pop_*`` columns
    of numbers. Then the people sit at the cells' centres, exactly as
    :func:`population_from_frame` places them. Anything else (including every input it
    would refuse) goes through :func:`population_from_frame`, which names what is wrong.
    """
    import h3
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from sdgcities.spatial._arrow import numbers, texts

    try:
        table = pcsv.read_csv(p)
    except (pa.ArrowException, OSError, ValueError):
        return None
    names = [str(n) for n in table.column_names]
    cols = [c for c in names if c != "geometry"]
    col = column or _pick(cols, _POP_NAMES)
    hcol = _pick(cols, _H3_NAMES)
    if len(set(names)) != len(names) or col not in names or hcol is None or not table.num_rows:
        return None

    def numeric(name: str) -> bool:
        t = table.schema.field(name).type
        return bool(pa.types.is_integer(t) or pa.types.is_floating(t))

    pop_cols = [c for c in cols if c.startswith("pop_") and c != col]
    if not numeric(str(col)) or table.column(col).null_count or not all(map(numeric, pop_cols)):
        return None
    pop = numbers(table.column(col)).astype(float)
    if not (np.isfinite(pop).all() and (pop >= 0).all() and pop.sum() > 0):
        return None
    if not pa.types.is_string(table.schema.field(hcol).type) or table.column(hcol).null_count:
        return None
    cells = texts(table.column(hcol))
    if not all(h3.is_valid_cell(c) for c in cells):
        return None
    ll = np.array([h3.cell_to_latlng(c) for c in cells])
    columns = {"population": pop}
    for c in pop_cols:
        columns[c] = numbers(table.column(c), null=0.0).astype(float)
    return Population(Features(shapely.points(ll[:, 1], ll[:, 0]), columns), str(p))


def _read_raster(p: Path) -> Population:
    import geopandas as gpd

    from sdgcities.spatial._raster import open_raster, read_band

    with open_raster(p) as src:
        band = np.ma.masked_invalid(read_band(src))
        transform, crs = src.transform, src.crs
    vals = band.filled(0.0)
    finite = np.isfinite(vals)
    if np.any(vals[finite] < 0):
        raise SpatialInputError(
            p,
            f"band 1 has {int((vals[finite] < 0).sum())} negative population cells "
            f"(minimum {float(vals[finite].min()):g})",
            "set the raster's nodata value so fill values are masked (gdal_edit -a_nodata)",
        )
    rows, cols = np.nonzero(finite & (vals > 0))
    if rows.size == 0:
        raise SpatialInputError(
            p, "band 1 holds no population (every cell is 0 or nodata)", "pass a population raster"
        )
    xs = transform.c + (cols + 0.5) * transform.a + (rows + 0.5) * transform.b
    ys = transform.f + (cols + 0.5) * transform.d + (rows + 0.5) * transform.e
    pts = gpd.GeoSeries(shapely.points(xs, ys), crs=crs).to_crs("EPSG:4326")
    gdf = gpd.GeoDataFrame({"population": vals[rows, cols]}, geometry=pts.values, crs="EPSG:4326")
    return Population(gdf, str(p))


def homes_floor_area(
    buildings: gpd.GeoDataFrame | Features,
    *,
    default_levels: float = 1.0,
    exclude: frozenset[str] = NON_RESIDENTIAL_BUILDINGS,
) -> tuple[Features, np.ndarray, np.ndarray, CRS]:
    """(the homes, their footprints in the local UTM zone, floor area m² = A·L, the zone).

    Homes are the buildings whose ``building`` value is not in ``exclude`` (all of them
    when none is); ``L`` is ``building:levels`` or ``default_levels``.
    """
    b = buildings if isinstance(buildings, Features) else Features.from_geodataframe(buildings)
    kind = b["building"]
    homes = np.fromiter((k not in exclude for k in kind), dtype=bool, count=len(kind))
    if homes.any():
        b = b.take(homes)
    utm = utm_crs_for(*_center(b.geometry))
    geom = reproject(b.geometry, "EPSG:4326", utm)
    levels = np.asarray(b["levels"], dtype=float)
    levels = np.where(np.isnan(levels), default_levels, levels)
    return b, geom, shapely.area(geom) * levels, utm


def estimate_population_from_buildings(
    buildings: gpd.GeoDataFrame | Features,
    total: float,
    *,
    default_levels: float = 1.0,
    exclude: frozenset[str] = NON_RESIDENTIAL_BUILDINGS,
) -> Population:
    """Spread a known ``total`` over buildings by floor area (footprint m² × levels).

    ``population_i = total · A_i·L_i / Σ A_j·L_j`` over buildings whose ``building`` value
    is not in ``exclude``; ``L`` is ``building:levels`` or ``default_levels``. Footprints
    are measured in the local UTM zone; each building's people sit at a point inside it
    (``shapely.point_on_surface``). The result is flagged ``is_estimate=True`` and must be
    reported as such.
    """
    if len(buildings) == 0:
        raise SpatialInputError(
            "<buildings>",
            "no buildings to estimate population from",
            "use an extract with building=* footprints or give a population layer",
        )
    if total <= 0:
        raise ValueError(f"total population must be > 0, got {total}")
    homes = homes_floor_area(buildings, default_levels=default_levels, exclude=exclude)
    return spread_over_floor_area(homes, total)


def spread_over_floor_area(
    homes: tuple[Features, np.ndarray, np.ndarray, CRS], total: float
) -> Population:
    """``total`` people over the floor area :func:`homes_floor_area` measured, each
    building's at a point inside it (``shapely.point_on_surface``), flagged an estimate."""
    _homes, geom, floor, utm = homes
    pop = total * floor / floor.sum()
    pts = reproject(shapely.point_on_surface(geom), utm, "EPSG:4326")
    return Population(
        Features(pts, {"population": pop}), "osm buildings (footprint × levels)", is_estimate=True
    )
