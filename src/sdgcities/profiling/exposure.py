"""Exposure of people and buildings to a hazard raster or hazard polygons (programme 3, RISE-UP).

Rule: a hazard cell is *exposed* when its value is **below** a level (``--below``, e.g.
land less than 2 m above sea level on an elevation model: ``v < L``) or **above** a
threshold (``--above``, e.g. flood depth over 0.5 m, heat over 35 °C: ``v > V``). Optional
class breakpoints split the exposed range into classes (e.g. depth 0–0.5, 0.5–1, > 1 m).
Nodata cells are neither exposed nor safe: they are *unknown*.

People — exact zonal statistics (exactextract): each population feature (a polygon of a
grid or census layer, a population-raster cell, or an H3 cell) is overlaid on the class
raster; with ``f_c`` its area share in exposed class ``c`` (the coverage-weighted
fraction of its area over cells of class ``c``, exactextract's ``frac`` × the covered
share of its area), ``exposed = Σ_f P_f · Σ_c f_c`` — population is taken as evenly
spread inside its feature (areal weighting). ``population_unknown`` counts people whose
area has no hazard data (outside the raster or nodata).

Buildings — a building is exposed when the hazard value at a point inside its footprint
(``shapely.point_on_surface``, which, unlike the centroid, never falls outside an
L-shaped building) meets the rule.

Hazard polygons (a flood-extent or hazard-zone layer: .gpkg, .geojson, .shp …): with a
class/depth attribute (``--hazard-field depth``) the same below/above rule and classes
apply to each polygon's value; without one every polygon is hazard ("inside the
polygon"). Where polygons of different classes overlap, the more severe class wins (the
deeper for ``above``, the lower for ``below``), so no area counts twice. People: the
exposed share of a population polygon (a grid cell, a census area, a population-raster
cell) is the area of its intersection with the class's polygons over its own area —
exact areal weighting, computed in a metric CRS; this equals the exactextract coverage
fraction a raster cell would get. Population points and buildings (their
``point_on_surface``) are exposed when they lie in a hazard polygon (point in polygon).
Outside every polygon is not exposed (a polygon layer maps where the hazard is), so
``population_unknown`` is 0.

Zones (informal settlements, neighbourhoods): the population features are split by the
zones (areal weighting) before the zonal statistics; buildings go by their point.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sdgcities.errors import SpatialInputError

#: units a hazard raster may be in, and metres per unit for lengths
LENGTH_UNITS = {
    "m": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "cm": 0.01,
    "mm": 0.001,
    "ft": 0.3048,
    "foot": 0.3048,
    "feet": 0.3048,
}
OTHER_UNITS = {
    "degc",
    "°c",
    "celsius",
    "k",
    "kelvin",
    "index",
    "probability",
    "percent",
    "%",
    "1",
    "mm/day",
    "m/s",
}
_UNIT_TAGS = ("units", "UNITS", "unit", "UNIT", "unittype")
_NODATA_CLASS = 255


@dataclass(frozen=True)
class HazardRule:
    """``mode`` "below" or "above"; ``threshold`` in the raster's units; class breakpoints."""

    mode: str
    threshold: float
    units: str
    classes: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in ("below", "above", "inside"):
            raise SpatialInputError("<parameters>", f"rule {self.mode!r}", "use below or above")
        if self.mode == "inside":
            if self.classes:
                raise SpatialInputError(
                    "<parameters>",
                    "class breakpoints need a hazard value",
                    "give --hazard-field with --below or --above",
                )
            return
        if not math.isfinite(self.threshold):
            raise SpatialInputError(
                "<parameters>",
                "the threshold is not a number",
                "give --below METRES or --above VALUE",
            )
        for b in self.classes:
            inside = b < self.threshold if self.mode == "below" else b > self.threshold
            if not inside:
                raise SpatialInputError(
                    "<parameters>",
                    f"class breakpoint {b:g} lies outside the exposed range "
                    f"({'below' if self.mode == 'below' else 'above'} {self.threshold:g})",
                    "give breakpoints inside the exposed range, e.g. --classes 0.5,1",
                )

    @property
    def text(self) -> str:
        if self.mode == "inside":
            return "inside a hazard polygon"
        op = "<" if self.mode == "below" else ">"
        return f"hazard value {op} {self.threshold:g} {self.units}"

    def labels(self) -> list[str]:
        """One label per exposed class (1-based codes in :meth:`classify`)."""
        if self.mode == "inside":
            return ["inside a hazard polygon"]
        edges = sorted(self.classes)
        if self.mode == "below":
            lo = [-math.inf, *edges]
            hi = [*edges, self.threshold]
        else:
            lo = [self.threshold, *edges]
            hi = [*edges, math.inf]
        out = []
        for a, b in zip(lo, hi, strict=True):
            if a == -math.inf:
                out.append(f"< {b:g} {self.units}")
            elif b == math.inf:
                out.append(f"> {a:g} {self.units}")
            else:
                out.append(f"{a:g}–{b:g} {self.units}")
        return out

    def classify(self, values: np.ndarray) -> np.ndarray:
        """uint8 codes: 0 not exposed, 1..n exposed class, 255 unknown (NaN)."""
        v = np.asarray(values)
        finite = np.isfinite(v)
        if self.mode == "inside":
            return np.ones(v.shape, dtype=np.uint8)
        exposed = (v < self.threshold) if self.mode == "below" else (v > self.threshold)
        exposed &= finite
        codes = np.zeros(v.shape, dtype=np.uint8)
        if self.classes:
            cls = np.searchsorted(np.asarray(sorted(self.classes)), v, side="right") + 1
            codes[exposed] = cls[exposed].astype(np.uint8)
        else:
            codes[exposed] = 1
        codes[~finite] = _NODATA_CLASS
        return codes


def raster_units(path: str | Path, given: str | None) -> str:
    """The hazard raster's units: ``given`` (``--units``), else its metadata; an error
    naming the file when neither says, or the unit is not one sdgcities knows."""
    from sdgcities.spatial._raster import open_raster

    with open_raster(path) as ds:  # no CRS → SpatialInputError naming the file
        meta = (ds.units[0] if ds.units and ds.units[0] else None) or next(
            (v for t in (ds.tags(1), ds.tags()) for k, v in t.items() if k in _UNIT_TAGS), None
        )
    unit = (given or meta or "").strip()
    if not unit:
        raise SpatialInputError(
            path,
            "the hazard raster does not say its units (no band unit or UNITS tag)",
            "pass --units (m for elevation or flood depth, degC for heat, index …) or set "
            "them with `gdal_edit.py -units m`",
        )
    if unit.lower() not in LENGTH_UNITS and unit.lower() not in OTHER_UNITS:
        raise SpatialInputError(
            path,
            f"unknown hazard units {unit!r}",
            f"use one of {', '.join([*LENGTH_UNITS, 'degC', 'K', 'index', 'probability'])}",
        )
    return unit


def rule_for(
    path: str | Path,
    *,
    below: float | None,
    above: float | None,
    units: str | None,
    classes: tuple[float, ...] = (),
) -> HazardRule:
    """The rule of ``--below METRES`` (converted to the raster's length unit) or ``--above``."""
    if (below is None) == (above is None):
        raise SpatialInputError(
            "<parameters>",
            "give exactly one of --below and --above",
            "e.g. --below 2 (metres) or --above 0.5",
        )
    unit = raster_units(path, units)
    if below is not None:
        per = LENGTH_UNITS.get(unit.lower())
        if per is None:
            raise SpatialInputError(
                path,
                f"--below takes metres but the raster is in {unit!r}",
                "use --above for values that are not heights, or pass --units m",
            )
        return HazardRule("below", float(below) / per, unit, tuple(c / per for c in classes))
    return HazardRule("above", float(above), unit, classes)  # type: ignore[arg-type]


def polygon_rule(
    *,
    below: float | None,
    above: float | None,
    units: str | None,
    classes: tuple[float, ...] = (),
) -> HazardRule:
    """The rule for hazard polygons: "inside" without --below/--above; else the rule on
    the attribute, in ``units`` (metres by default for --below, as for rasters)."""
    if below is not None and above is not None:
        raise SpatialInputError(
            "<parameters>", "give at most one of --below and --above", "e.g. --above 0.5"
        )
    if below is None and above is None:
        return HazardRule("inside", 0.0, "", classes)
    unit = (units or ("m" if below is not None else "")).strip()
    if unit and unit.lower() not in LENGTH_UNITS and unit.lower() not in OTHER_UNITS:
        raise SpatialInputError(
            "<parameters>",
            f"unknown hazard units {unit!r}",
            f"use one of {', '.join([*LENGTH_UNITS, 'degC', 'K', 'index', 'probability'])}",
        )
    if below is not None:
        per = LENGTH_UNITS.get(unit.lower())
        if per is None:
            raise SpatialInputError(
                "<parameters>",
                f"--below takes metres but --units is {unit!r}",
                "use --above for values that are not heights",
            )
        return HazardRule("below", float(below) / per, unit, tuple(c / per for c in classes))
    return HazardRule("above", float(above), unit, classes)  # type: ignore[arg-type]


@dataclass
class ExposureResult:
    population_total: float
    population_exposed: float
    population_unknown: float
    buildings_total: int
    buildings_exposed: int
    by_class: list[dict[str, Any]]
    informal: dict[str, dict[str, float]] | None
    settlements: list[dict[str, Any]]
    neighbourhoods: list[dict[str, Any]]
    rule: HazardRule
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    buildings: gpd.GeoDataFrame | None = None  # per building: value, class (for layers)
    cells: gpd.GeoDataFrame | None = None  # per population feature: exposed
    slum_proxy: dict[str, Any] | None = None  # 11.1.1 from mapped settlements

    def to_json_dict(self) -> dict[str, Any]:
        tot = self.population_total
        return {
            "kind": "exposure",
            "hazard": {
                "rule": self.rule.text,
                "mode": self.rule.mode,
                "threshold": self.rule.threshold,
                "units": self.rule.units,
                "classes": list(self.rule.classes),
            },
            "population_total": tot,
            "population_exposed": self.population_exposed,
            "population_exposed_share": (100 * self.population_exposed / tot) if tot else None,
            "population_unknown": self.population_unknown,
            "buildings_total": self.buildings_total,
            "buildings_exposed": self.buildings_exposed,
            "by_class": self.by_class,
            "informal": self.informal,
            "sdg_11_1_1_from_mapped_settlements": self.slum_proxy,
            "settlements_ranked": self.settlements,
            "neighbourhoods": self.neighbourhoods,
            "provenance": self.provenance,
            "warnings": self.warnings,
            "timings": self.timings,
        }


# ---------------------------------------------------------------------------- reading


def _read_codes(path: str | Path, rule: HazardRule) -> tuple[np.ndarray, Any, Any]:
    """The class raster (uint8) of the whole hazard file, its transform and CRS."""
    import rasterio

    from sdgcities.spatial._raster import open_raster

    with open_raster(path) as ds:
        try:
            raw = ds.read(1, masked=True)
        except rasterio.errors.RasterioIOError as exc:
            raise SpatialInputError(
                path, f"pixels cannot be read ({exc})", "re-download or re-export the raster"
            ) from exc
        vals = np.ma.filled(raw.astype(np.float32, copy=False), np.nan)
        transform, crs = ds.transform, ds.crs
    codes = rule.classify(vals)
    del vals
    return codes, transform, crs


def building_points(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A point inside each footprint (points stay as they are)."""
    g = buildings.geometry
    if (g.geom_type == "Point").all():
        return buildings
    pts = shapely.point_on_surface(g.values)
    return buildings.assign(geometry=pts)


def classify_points(
    codes: np.ndarray, transform: Any, crs: Any, points: gpd.GeoDataFrame
) -> np.ndarray:
    """Class code of the hazard cell under each point (255 outside the raster)."""
    pts = points.to_crs(crs) if points.crs is not None and points.crs != crs else points
    x = shapely.get_x(pts.geometry.values)
    y = shapely.get_y(pts.geometry.values)
    inv = ~transform
    col = np.floor(inv.a * x + inv.b * y + inv.c).astype(np.int64)
    row = np.floor(inv.d * x + inv.e * y + inv.f).astype(np.int64)
    ok = (row >= 0) & (row < codes.shape[0]) & (col >= 0) & (col < codes.shape[1])
    out = np.full(len(x), _NODATA_CLASS, dtype=np.uint8)
    out[ok] = codes[row[ok], col[ok]]
    return out


def population_polygons(path: str | Path, column: str | None = None) -> gpd.GeoDataFrame:
    """Population as polygons with a ``population`` column: a raster's cells, a polygon
    layer as it is, H3 cells of a CSV; point layers as points (each exposed or not)."""
    from sdgcities.spatial._raster import cell_polygons, read_grid
    from sdgcities.spatial.population import read_population

    p = Path(path)
    if p.suffix.lower() in (".tif", ".tiff"):
        grid = read_grid(p)
        cells = cell_polygons(grid)
        return cells.rename(columns={"value": "population"})
    if p.suffix.lower() in (".gpkg", ".geojson", ".json", ".parquet", ".fgb", ".shp"):
        from sdgcities.spatial._vector import read_vector

        layer = read_vector(p, what="population layer")
        if set(layer.geometry.geom_type.dropna()) <= {"Polygon", "MultiPolygon"}:
            pop = read_population(p, column=column)  # validates the counts
            return gpd.GeoDataFrame(
                {"population": pop.points["population"].to_numpy()},
                geometry=layer.geometry.values,
                crs=layer.crs,
            )
    pop = read_population(p, column=column)
    if p.suffix.lower() == ".csv":
        import h3

        df = pd.read_csv(p)
        hcol = next(
            (c for c in df.columns if str(c).lower() in ("h3", "id", "hex", "h3_index")), None
        )
        if hcol is not None and df[hcol].astype(str).map(h3.is_valid_cell).all():
            geoms = [
                shapely.Polygon([(lo, la) for la, lo in h3.cell_to_boundary(str(c))])
                for c in df[hcol]
            ]
            return gpd.GeoDataFrame(
                {"population": pop.points["population"].to_numpy()}, geometry=geoms, crs="EPSG:4326"
            )
    return pop.points[["population", "geometry"]]


# ---------------------------------------------------------------------------- hazards

#: suffixes read as hazard polygons (anything else is a raster)
POLYGON_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".parquet", ".geoparquet")


def is_polygon_hazard(path: str | Path) -> bool:
    return Path(path).suffix.lower() in POLYGON_SUFFIXES


@dataclass
class RasterHazard:
    """The class raster (uint8 codes, see :meth:`HazardRule.classify`) of a hazard file."""

    codes: np.ndarray
    transform: Any
    crs: Any

    def classify_points(self, points: gpd.GeoDataFrame) -> np.ndarray:
        return classify_points(self.codes, self.transform, self.crs, points)

    def people(self, pop: gpd.GeoDataFrame, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
        return _people_exposed(self.codes, self.transform, self.crs, pop, n_classes)


@dataclass
class PolygonHazard:
    """Disjoint hazard polygons (``pieces``) with their exposed class code, metric CRS,
    the most severe first (see the module docstring)."""

    pieces: np.ndarray
    codes: np.ndarray
    crs: Any
    n_features: int
    n_exposed_features: int

    def classify_points(self, points: gpd.GeoDataFrame) -> np.ndarray:
        """Class code of the hazard polygon holding each point (0 outside every one)."""
        out = np.zeros(len(points), dtype=np.uint8)
        if not len(self.pieces) or not len(points):
            return out
        pts = points.to_crs(self.crs).geometry.values
        pi, qi = shapely.STRtree(self.pieces).query(pts, predicate="intersects")
        order = np.lexsort((qi, pi))  # on a shared border the more severe piece wins
        pi, qi = pi[order], qi[order]
        first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
        out[pi[first]] = self.codes[qi[first]]
        return out

    def people(self, pop: gpd.GeoDataFrame, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """Per feature: people per exposed class (area share in the class's polygons)."""
        feats = pop.to_crs(self.crs)
        people = feats["population"].to_numpy(dtype=float)
        by_class = np.zeros((len(feats), n_classes))
        is_pt = (feats.geometry.geom_type == "Point").to_numpy()
        if is_pt.any():
            c = self.classify_points(feats.loc[is_pt])
            idx = np.flatnonzero(is_pt)
            for k in range(1, n_classes + 1):
                by_class[idx, k - 1] = np.where(c == k, people[idx], 0.0)
        poly = np.flatnonzero(~is_pt)
        if len(poly) and len(self.pieces):
            geoms = shapely.make_valid(feats.geometry.values[poly])
            fi, qi = shapely.STRtree(self.pieces).query(geoms, predicate="intersects")
            inter = shapely.area(shapely.intersection(geoms[fi], self.pieces[qi]))
            acc = np.zeros((len(poly), n_classes))
            np.add.at(acc, (fi, self.codes[qi].astype(np.int64) - 1), inter)
            area = shapely.area(geoms)
            frac = np.divide(acc, area[:, None], out=np.zeros_like(acc), where=area[:, None] > 0)
            by_class[poly] = people[poly, None] * np.minimum(frac, 1.0)
        return by_class, np.zeros(len(feats))


def read_hazard_polygons(
    path: str | Path, rule: HazardRule, hazard_field: str | None
) -> PolygonHazard:
    """Hazard polygons classified by ``rule`` on ``hazard_field`` (or all of them, rule
    "inside"); errors name the file, the feature and the attribute."""
    from sdgcities.spatial._vector import read_polygons

    gdf = read_polygons(path, what="hazard layer")  # no CRS → an error naming the file
    if hazard_field is None:
        if rule.mode != "inside":
            raise SpatialInputError(
                path,
                "--below/--above on hazard polygons need the attribute holding the value",
                "pass --hazard-field (e.g. depth), or leave out --below/--above to count "
                "everything inside the polygons",
            )
        values = np.zeros(len(gdf))
    else:
        if hazard_field not in gdf.columns:
            have = ", ".join(str(c) for c in gdf.columns if c != "geometry") or "none"
            raise SpatialInputError(
                path,
                f"the hazard layer has no attribute {hazard_field!r} (it has: {have})",
                "pass --hazard-field with one of its attributes",
            )
        if rule.mode == "inside":
            raise SpatialInputError(
                "<parameters>",
                f"--hazard-field {hazard_field} needs a rule",
                "add --below METRES or --above VALUE",
            )
        raw = gdf[hazard_field]
        values_s = pd.to_numeric(raw, errors="coerce")
        bad = np.flatnonzero(values_s.isna().to_numpy())
        if len(bad):
            i = int(bad[0])
            raise SpatialInputError(
                path,
                f"feature {i + 1} has {hazard_field} = {raw.iloc[i]!r}, not a number "
                f"({len(bad)} feature(s) in all)",
                f"give every polygon a numeric {hazard_field}, or drop those without one",
            )
        values = values_s.to_numpy(dtype=float)
    codes = rule.classify(values)
    crs = gdf.crs if gdf.crs.is_projected else _metric(gdf)
    geoms = shapely.make_valid(gdf.to_crs(crs).geometry.values)
    n_classes = max(1, len(rule.classes) + 1)
    order = range(n_classes, 0, -1) if rule.mode == "above" else range(1, n_classes + 1)
    pieces: list[Any] = []
    piece_codes: list[int] = []
    taken = None
    for k in order:
        sel = geoms[codes == k]
        if not len(sel):
            continue
        part = shapely.union_all(sel)
        if taken is not None:
            part = shapely.difference(part, taken)
        taken = part if taken is None else shapely.union(taken, part)
        polys = [g for g in shapely.get_parts(part) if g.geom_type in ("Polygon", "MultiPolygon")]
        pieces += polys
        piece_codes += [k] * len(polys)
    return PolygonHazard(
        np.array(pieces, dtype=object),
        np.array(piece_codes, dtype=np.uint8),
        crs,
        len(gdf),
        int(((codes >= 1) & (codes != _NODATA_CLASS)).sum()),
    )


# ---------------------------------------------------------------------------- computing


def _people_exposed(
    codes: np.ndarray, transform: Any, crs: Any, pop: gpd.GeoDataFrame, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per feature: people per exposed class (n × n_classes) and people with unknown hazard."""
    from exactextract.raster import NumPyRasterSource

    from sdgcities.spatial._raster import exact_extract_quiet

    feats = pop.to_crs(crs)
    n = len(feats)
    people = feats["population"].to_numpy(dtype=float)
    by_class = np.zeros((n, n_classes))
    unknown = people.copy()
    is_pt = (feats.geometry.geom_type == "Point").to_numpy()
    if is_pt.any():
        c = classify_points(codes, transform, crs, feats.loc[is_pt])
        idx = np.flatnonzero(is_pt)
        for k in range(1, n_classes + 1):
            by_class[idx, k - 1] = np.where(c == k, people[idx], 0.0)
        unknown[idx] = np.where(c == _NODATA_CLASS, people[idx], 0.0)
    poly = np.flatnonzero(~is_pt)
    if len(poly) == 0:
        return by_class, unknown
    h, w = codes.shape
    xmin, ymax = transform.c, transform.f
    xmax, ymin = xmin + w * transform.a, ymax + h * transform.e
    src = NumPyRasterSource(
        codes, xmin, ymin, xmax, ymax, nodata=_NODATA_CLASS, srs_wkt=crs.to_wkt()
    )
    polys = gpd.GeoDataFrame(geometry=feats.geometry.values[poly], crs=crs)
    df = exact_extract_quiet(src, polys, ["unique", "frac", "count"], output="pandas")
    cell_area = abs(transform.a * transform.e)
    area = shapely.area(polys.geometry.values)  # in the raster CRS, as the cell area
    for j, (uniq, frac, count) in enumerate(
        zip(df["unique"], df["frac"], df["count"], strict=True)
    ):
        i = poly[j]
        known = min(1.0, float(count) * cell_area / area[j]) if area[j] > 0 else 0.0
        unknown[i] = people[i] * (1.0 - known)
        for u, f in zip(np.atleast_1d(uniq), np.atleast_1d(frac), strict=True):
            k = int(u)
            if 1 <= k <= n_classes:
                by_class[i, k - 1] = people[i] * known * float(f)
    return by_class, unknown


def _split_by_zones(pop: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Population features cut by zones (``zone`` column; NaN outside), people by area."""
    crs = pop.crs if pop.crs is not None and pop.crs.is_projected else _metric(pop)
    pm = pop.to_crs(crs).reset_index(drop=True)
    pts = pm.loc[pm.geometry.geom_type == "Point"]
    polys = pm.loc[pm.geometry.geom_type != "Point"].assign(_area=lambda d: d.geometry.area)
    z = zones[["zone", "geometry"]].to_crs(crs)
    parts = []
    if len(polys):
        cut = gpd.overlay(polys, z, how="identity", keep_geom_type=True)
        cut["population"] = cut["population"] * cut.geometry.area / cut["_area"]
        parts.append(cut.drop(columns="_area"))
    if len(pts):
        parts.append(gpd.sjoin(pts, z, how="left", predicate="within").drop(columns="index_right"))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)


def _metric(gdf: gpd.GeoDataFrame) -> Any:
    from sdgcities.profiling.areas import metric_crs

    return metric_crs(gdf)


def _zone_table(
    hz: RasterHazard | PolygonHazard,
    pop: gpd.GeoDataFrame,
    bcodes: np.ndarray | None,
    bpts: gpd.GeoDataFrame | None,
    zones: gpd.GeoDataFrame,
    n_classes: int,
) -> pd.DataFrame:
    pieces = _split_by_zones(pop, zones)
    byc, _unk = hz.people(pieces, n_classes)
    df = pd.DataFrame(
        {
            "zone": pieces["zone"].to_numpy(),
            "population": pieces["population"],
            "population_exposed": byc.sum(axis=1),
        }
    )
    df["zone"] = df["zone"].where(df["zone"].notna(), None)
    out = df.groupby("zone", dropna=False)[["population", "population_exposed"]].sum()
    if bpts is not None and bcodes is not None and len(bpts):
        bz = gpd.sjoin(
            bpts[["geometry"]].to_crs(zones.crs),
            zones[["zone", "geometry"]],
            how="left",
            predicate="within",
        )
        bz = bz[~bz.index.duplicated()]
        exp = (bcodes >= 1) & (bcodes != _NODATA_CLASS)
        bdf = pd.DataFrame({"zone": bz["zone"].to_numpy(), "b": 1, "be": exp.astype(int)})
        bagg = bdf.groupby("zone", dropna=False)[["b", "be"]].sum()
        out = out.join(
            bagg.rename(columns={"b": "buildings", "be": "buildings_exposed"}), how="outer"
        )
    return out.fillna(0.0).reset_index()


def exposure(
    hazard: str | Path,
    rule: HazardRule,
    population: gpd.GeoDataFrame | None,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    neighbourhoods: gpd.GeoDataFrame | None = None,
    keep_layers: bool = True,
    hazard_field: str | None = None,
    settlements_from: str = "settlement polygons",
) -> ExposureResult:
    """People and buildings exposed (see the module docstring).

    ``hazard`` is a raster, or a polygon layer (:data:`POLYGON_SUFFIXES`) whose
    ``hazard_field`` the rule reads (rule "inside" without one). ``settlements`` and
    ``neighbourhoods`` need columns ``zone`` (id) and ``name``.
    """
    t0 = time.perf_counter()
    warnings: list[str] = []
    hz: RasterHazard | PolygonHazard
    if is_polygon_hazard(hazard):
        hz = read_hazard_polygons(hazard, rule, hazard_field)
        if not len(hz.pieces):
            warnings.append(f"no hazard polygon meets the rule ({rule.text}): nothing is exposed")
    else:
        if rule.mode == "inside":
            raise SpatialInputError(
                hazard,
                "a hazard raster needs a rule",
                "give --below METRES or --above VALUE",
            )
        hz = RasterHazard(*_read_codes(hazard, rule))
        if not (hz.codes != _NODATA_CLASS).any():
            raise SpatialInputError(
                hazard, "every cell of the hazard raster is nodata", "check its nodata value"
            )
    crs = hz.crs
    t_read = time.perf_counter() - t0
    n_classes = max(1, len(rule.classes) + 1)
    labels = rule.labels()
    pop_tot = pop_exp = pop_unk = 0.0
    pop_by_class = np.zeros(n_classes)
    cells = None
    if population is not None and len(population):
        byc, unk = hz.people(population, n_classes)
        pop_tot = float(population["population"].sum())
        pop_by_class = byc.sum(axis=0)
        pop_exp = float(pop_by_class.sum())
        pop_unk = float(unk.sum())
        if pop_unk > 0.005 * pop_tot:
            warnings.append(
                f"{pop_unk:,.0f} people ({100 * pop_unk / pop_tot:.1f} %) live where the hazard "
                "raster has no data (outside it or nodata): neither exposed nor safe"
            )
        if keep_layers:
            cells = population.assign(population_exposed=byc.sum(axis=1), population_unknown=unk)
    t_pop = time.perf_counter() - t0 - t_read
    b_tot = b_exp = 0
    b_by_class = np.zeros(n_classes, dtype=np.int64)
    bcodes = bpts = blayer = None
    if buildings is not None and len(buildings):
        bpts = building_points(buildings)
        bcodes = hz.classify_points(bpts)
        b_tot = len(bpts)
        for k in range(1, n_classes + 1):
            b_by_class[k - 1] = int((bcodes == k).sum())
        b_exp = int(b_by_class.sum())
        b_unk = int((bcodes == _NODATA_CLASS).sum())
        if b_unk:
            warnings.append(f"{b_unk:,} buildings lie where the hazard raster has no data")
        if keep_layers and b_tot <= 200_000:
            blayer = bpts.assign(
                hazard_class=[
                    labels[c - 1]
                    if 1 <= c <= n_classes
                    else ("unknown" if c == _NODATA_CLASS else "not exposed")
                    for c in bcodes
                ]
            )
    t_b = time.perf_counter() - t0 - t_read - t_pop
    by_class = [
        {
            "class": labels[k],
            "population_exposed": float(pop_by_class[k]),
            "buildings_exposed": int(b_by_class[k]),
        }
        for k in range(n_classes)
    ]
    informal = None
    proxy = None
    ranked: list[dict[str, Any]] = []
    nbh: list[dict[str, Any]] = []
    if settlements is not None and len(settlements) and population is not None:
        st = _zone_table(hz, population, bcodes, bpts, settlements, n_classes)
        names = dict(zip(settlements["zone"], settlements["name"], strict=True))
        inside = st.loc[st["zone"].notna()]
        outside = st.loc[st["zone"].isna()]

        def _sum(d: pd.DataFrame) -> dict[str, float]:
            return {c: float(d[c].sum()) for c in d.columns if c != "zone"}

        informal = {"inside": _sum(inside), "outside": _sum(outside)}
        from sdgcities.profiling.settlements import slum_proxy

        proxy = slum_proxy(
            informal["inside"].get("population", 0.0),
            pop_tot,
            settlements_from=settlements_from,
        )
        rows: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()}
            for r in inside.assign(name=inside["zone"].map(names)).to_dict("records")
        ]
        for r in rows:
            r["population_exposed_share"] = (
                100 * r["population_exposed"] / r["population"] if r["population"] > 0 else None
            )
        ranked = sorted(
            rows, key=lambda r: (-r["population_exposed"], -(r["population_exposed_share"] or 0))
        )
        for i, r in enumerate(ranked, 1):
            r["rank"] = i
    if neighbourhoods is not None and len(neighbourhoods) and population is not None:
        nt = _zone_table(hz, population, bcodes, bpts, neighbourhoods, n_classes)
        names = dict(zip(neighbourhoods["zone"], neighbourhoods["name"], strict=True))
        nbh = [
            {str(k): v for k, v in r.items()}
            for r in nt.assign(name=nt["zone"].map(names)).to_dict("records")
        ]
    prov: dict[str, Any] = {
        "hazard": Path(hazard).name,
        "crs": str(crs),
        "rule": rule.text,
        "population_weighting": "exact zonal statistics (exactextract frac), population "
        "evenly spread inside each feature",
        "building_rule": "hazard value at a point inside the footprint (point_on_surface)",
    }
    if proxy is not None:
        prov["sdg_11_1_1_proxy"] = {k: proxy[k] for k in ("kind", "method", "source")}
        prov["settlements"] = settlements_from
    if isinstance(hz, PolygonHazard):
        prov.update(
            {
                "hazard_kind": "polygons",
                "hazard_field": hazard_field,
                "hazard_features": hz.n_features,
                "hazard_features_exposed": hz.n_exposed_features,
                "population_weighting": "area of each population feature inside the hazard "
                "polygons over its area (exact areal weighting, metric CRS); points by "
                "point in polygon; overlaps go to the more severe class",
                "building_rule": "a point inside the footprint (point_on_surface) lies in a "
                "hazard polygon",
            }
        )
    else:
        prov["hazard_kind"] = "raster"
    timings = {
        "read_hazard": round(t_read, 3),
        "population": round(t_pop, 3),
        "buildings": round(t_b, 3),
        "total": round(time.perf_counter() - t0, 3),
    }
    return ExposureResult(
        pop_tot,
        pop_exp,
        pop_unk,
        b_tot,
        b_exp,
        by_class,
        informal,
        ranked,
        nbh,
        rule,
        prov,
        warnings,
        timings,
        blayer,
        cells,
        proxy,
    )


def zones_from(gdf: gpd.GeoDataFrame, *, prefix: str = "") -> gpd.GeoDataFrame:
    """A zone layer (``zone``, ``name``) from polygons with an id/name column or none."""
    cols = {c.lower(): c for c in gdf.columns if c != "geometry"}
    idc = next((cols[c] for c in ("zone", "area_id", "id", "osm_id", "code") if c in cols), None)
    namec = next((cols[c] for c in ("name", "nombre", "nom") if c in cols), None)
    ids = gdf[idc].astype(str) if idc else pd.Series([str(i + 1) for i in range(len(gdf))])
    names = gdf[namec].fillna("").astype(str) if namec else ids
    return gpd.GeoDataFrame(
        {
            "zone": [prefix + i for i in ids],
            "name": [n or i for n, i in zip(names, ids, strict=True)],
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
