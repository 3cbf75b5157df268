"""A profile per neighbourhood, its gaps, and the deprivation ranking (programme 1).

Per neighbourhood ``n`` with population points ``i ∈ n`` of weight ``P_i``:

* ``population = Σ P_i``; ``area_km2`` its land area (UTM); ``density = population /
  area_km2``;
* each access indicator the city has — 11.2.1 (``transit_access``) and 11.7.1 b
  (``open_space_access``) — population-weighted from the engine's hex results:
  ``100 · Σ P_i · s_h(i) / Σ P_i`` with ``s_h`` the covered share of the H3 cell that
  holds point ``i`` (exact when a cell's points are all covered or all not, as for
  population given per H3 cell);
* ``pm25`` — population-weighted mean of the PM2.5 raster at the points
  ``Σ P_i · PM_i / Σ P_i`` (11.6.2's weighting), when the kit has one;
* ``built_up_density`` — percent of the land area under OSM building footprints;
* ``<service>_15min`` / ``_30min`` — percent of the population within 15 / 30 minutes'
  walk (4.8 km/h) of the service (:mod:`.reach`);
* with informal settlements (a file, or OSM ``residential=informal`` areas):
  ``population_in_settlements = Σ P_i`` over the points inside a settlement polygon,
  ``population_outside_settlements`` the rest, and ``settlement_share`` their percent —
  per neighbourhood and for the city, where it is the proxy of SDG 11.1.1 *from mapped
  settlements* (:mod:`.settlements`), not the household-survey value.

Gaps: ``gap_city_<x> = x_n − x_city`` (the city value over all points, same formula) and,
with targets, ``gap_target_<x> = x_n − target_x``; negative means worse for "higher is
better" indicators, positive means worse for PM2.5.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from sdgcities.errors import Finding, SpatialInputError, ValidationError
from sdgcities.profiling.areas import Neighbourhoods, assign_points, metric_crs
from sdgcities.profiling.deprivation import (
    DEFAULT_DIMENSIONS,
    DEFAULT_K,
    DeprivationResult,
    Dimension,
    alkire_foster,
)
from sdgcities.profiling.reach import MINUTES, WALK_SPEED_KMH, ServiceReach

#: profile column of each access indicator code
ACCESS_COLUMNS = {"11.2.1": "transit_access", "11.7.1b": "open_space_access"}
#: what a target's ``indicator`` may name, and the profile column it sets
TARGET_ALIASES = {**ACCESS_COLUMNS, "11.6.2": "pm25"}
LOWER_IS_BETTER = {"pm25"}
#: count columns of a population layer read as service locations
SERVICE_COUNT_COLUMNS = ("schools", "jobs", "healthcare")


@dataclass
class PointData:
    """Everything a profile aggregates, per population point (EPSG:4326)."""

    lon: np.ndarray
    lat: np.ndarray
    weights: dict[str, np.ndarray]  # "population" and any group columns
    access: dict[str, np.ndarray] = field(default_factory=dict)  # column -> covered share 0..1
    reach: ServiceReach | None = None
    pm25: np.ndarray | None = None


@dataclass
class Profile:
    table: gpd.GeoDataFrame  # one row per neighbourhood
    city: dict[str, Any]
    deprivation: DeprivationResult | None
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    slum_proxy: dict[str, Any] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        rows = pd.DataFrame(self.table.drop(columns="geometry")).to_dict("records")
        return {
            "kind": "neighbourhood_profile",
            "city": self.city,
            "sdg_11_1_1_from_mapped_settlements": self.slum_proxy,
            "population_total": self.city.get("population"),
            "neighbourhoods": rows,
            "deprivation": None if self.deprivation is None else self.deprivation.summary(),
            "provenance": self.provenance,
            "warnings": self.warnings,
            "timings": self.timings,
        }


def indicator_values(
    pts: PointData, mask: np.ndarray, weight: str = "population"
) -> dict[str, Any]:
    """The profile's indicators over the points in ``mask``, weighted by ``weight``."""
    w = pts.weights[weight][mask]
    tot = float(w.sum())
    out: dict[str, Any] = {weight: tot}

    def share(x: np.ndarray) -> float | None:
        return None if tot <= 0 else round(100.0 * float((w * x[mask]).sum()) / tot, 4)

    for col, cov in pts.access.items():
        out[col] = share(np.nan_to_num(cov))
    if pts.pm25 is not None:
        v = pts.pm25[mask]
        ok = np.isfinite(v) & (w > 0)
        out["pm25"] = round(float((w[ok] * v[ok]).sum() / w[ok].sum()), 4) if ok.any() else None
    if pts.reach is not None:
        for s in pts.reach.distance_m:
            for m in pts.reach.minutes:
                out[f"{s}_{m}min"] = share(pts.reach.within(s, m).astype(float))
    return out


def profile_table(
    nb: Neighbourhoods,
    pts: PointData,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    targets: dict[str, float] | None = None,
    dimensions: list[Dimension] | tuple[Dimension, ...] = DEFAULT_DIMENSIONS,
    k: float = DEFAULT_K,
) -> tuple[gpd.GeoDataFrame, dict[str, Any], DeprivationResult | None, list[str]]:
    """Aggregate point data to neighbourhoods (pure); see the module docstring."""
    areas = nb.areas.reset_index(drop=True)
    warnings: list[str] = []
    where = assign_points(areas, pts.lon, pts.lat)
    crs = metric_crs(areas)
    land = areas.geometry.to_crs(crs).area.to_numpy()
    rows = []
    for i in range(len(areas)):
        vals = indicator_values(pts, where == i)
        vals["area_km2"] = round(land[i] / 1e6, 6)
        vals["density_per_km2"] = round(vals["population"] / max(land[i] / 1e6, 1e-12), 3)
        rows.append(vals)
    table = pd.DataFrame(rows)
    city = indicator_values(pts, np.ones(len(pts.lon), dtype=bool))
    outside = float(pts.weights["population"][where < 0].sum())
    city["population_outside_neighbourhoods"] = outside
    if outside > 0:
        warnings.append(
            f"{outside:,.0f} people ({100 * outside / max(city['population'], 1e-9):.1f} %) "
            "live outside every neighbourhood; they count in the city values only"
        )
    city["area_km2"] = round(float(land.sum()) / 1e6, 6)
    city["density_per_km2"] = round(city["population"] / max(city["area_km2"], 1e-12), 3)
    if buildings is not None and not buildings.empty:
        built = footprint_area_by_area(
            buildings.to_crs(crs).geometry.values, areas.geometry.to_crs(crs).values
        )
        table["built_up_density"] = [
            round(100 * float(built[i]) / max(land[i], 1e-9), 4) for i in range(len(areas))
        ]
        city["built_up_density"] = round(100 * float(built.sum()) / max(float(land.sum()), 1e-9), 4)
    indicators = [c for c in table.columns if c not in ("population", "area_km2")]
    for c in indicators:
        if city.get(c) is not None:
            table[f"gap_city_{c}"] = table[c] - city[c]
    for name, target in (targets or {}).items():
        col = TARGET_ALIASES.get(name, name)
        if col in table.columns:
            table[f"gap_target_{col}"] = table[col] - float(target)
        else:
            warnings.append(f"target for {name!r} ignored: the profile has no {col!r} column")
    dep: DeprivationResult | None = None
    dims = [d for d in dimensions if d.column in table.columns]
    peopled = table["population"] > 0  # a neighbourhood without people is not ranked
    if dims and peopled.any():
        dep = alkire_foster(table.loc[peopled], dims, k=k)
        table = table.join(dep.scores.add_prefix("af_"))
        dep.dimensions_dropped = [
            d.column for d in dimensions if d.column not in table.columns
        ] + dep.dimensions_dropped
    out = gpd.GeoDataFrame(
        pd.concat([areas[["area_id", "name"]], table], axis=1),
        geometry=areas.geometry.values,
        crs="EPSG:4326",
    )
    return out, city, dep, warnings


def footprint_area_by_area(footprints: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Σ footprint area inside each polygon (m², metric CRS): a footprint within one
    polygon counts whole, one across a border by its intersection with each."""
    out = np.zeros(len(polygons))
    if len(footprints) == 0:
        return out
    fp = np.asarray(footprints, dtype=object).copy()
    bad = ~shapely.is_valid(fp)
    if bad.any():  # make_valid returns a valid geometry unchanged: repair only the others
        fp[bad] = shapely.make_valid(fp[bad])
    polys = np.asarray(polygons, dtype=object).copy()
    shapely.prepare(polys)  # the predicates below test many footprints against each polygon
    bi, ai = shapely.STRtree(polys).query(fp)  # envelopes; exact tests next
    whole = shapely.contains(polys[ai], fp[bi])  # = footprint within polygon
    part = np.where(whole, shapely.area(fp[bi]), 0.0)
    cut = np.flatnonzero(~whole)
    cut = cut[shapely.intersects(polys[ai[cut]], fp[bi[cut]])]
    if len(cut):
        part[cut] = shapely.area(shapely.intersection(fp[bi[cut]], polys[ai[cut]]))
    np.add.at(out, ai, part)
    return out


def read_targets(path: str | Path) -> dict[str, float]:
    """Targets as a CSV of ``indicator,target`` rows (indicator: a profile column or a code
    such as ``11.2.1``); each bad row is named."""
    p = Path(path)
    if not p.is_file():
        raise SpatialInputError(p, "targets file not found", "check the path")
    out: dict[str, float] = {}
    findings = []
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"indicator", "target"} <= set(reader.fieldnames):
            raise SpatialInputError(
                p,
                f"header {reader.fieldnames} lacks indicator,target",
                "write a header line `indicator,target`",
            )
        for n, row in enumerate(reader, 2):
            try:
                out[str(row["indicator"]).strip()] = float(row["target"])
            except (TypeError, ValueError):
                findings.append(
                    Finding(
                        "target is not a number",
                        file=str(p),
                        row=n,
                        column="target",
                        value=str(row["target"]),
                        fix="write a number, e.g. 90",
                    )
                )
    if findings:
        raise ValidationError(f"{p}: {len(findings)} bad target(s)", findings)
    return out


def hex_shares(hexes: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, res: int) -> np.ndarray:
    """Covered share (0..1) of the hex holding each point (NaN outside the layer)."""
    share = dict(zip(hexes["h3"], np.asarray(hexes["share"], dtype=float) / 100.0, strict=True))
    cells = [h3.latlng_to_cell(la, lo, res) for lo, la in zip(lon, lat, strict=True)]
    return np.array([share.get(c, np.nan) for c in cells], dtype=float)


def sample_raster(path: str | Path, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Values of band 1 at points (nearest cell; NaN outside or nodata)."""
    from pyproj import Transformer

    from sdgcities.spatial._raster import open_raster, read_band

    with open_raster(path) as ds:
        vals = read_band(ds)
        tr = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True)
        x, y = tr.transform(lon, lat)
        inv = ~ds.transform
        c, r = inv * (np.asarray(x), np.asarray(y))
    c = np.floor(c).astype(np.int64)
    r = np.floor(r).astype(np.int64)
    ok = (r >= 0) & (r < vals.shape[0]) & (c >= 0) & (c < vals.shape[1])
    out = np.full(len(lon), np.nan)
    out[ok] = vals[r[ok], c[ok]]
    return out


def _count_columns(path: Path | None) -> gpd.GeoDataFrame | None:
    """The population layer's service count columns as points, when it has them."""
    if path is None or path.suffix.lower() not in (".csv", ".gpkg", ".geojson", ".parquet"):
        return None
    from sdgcities.spatial.population import population_from_frame

    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path)
    else:
        from sdgcities.spatial._vector import read_vector

        df = read_vector(path, what="population layer")
    cols = [c for c in SERVICE_COUNT_COLUMNS if c in df.columns]
    if not cols:
        return None
    renamed = df.rename(columns={c: f"pop_{c}" for c in cols})
    pop = population_from_frame(renamed, source=str(path))
    return pop.points.rename(columns={f"pop_{c}": c for c in cols})


@contextmanager
def _snaps_once(graph: Any) -> Iterator[None]:
    """Within the block, ``graph.snap_points`` snaps a given set of points once.

    11.2.1, 11.7.1 b and the service reach each snap the same population points to the
    same walk graph (an STRtree nearest query, the costliest step after parsing); the
    result depends only on the coordinates and the rule, so the later calls reuse the
    first one's. The graph is left as it was after the block."""
    plain = graph.snap_points
    memo: dict[tuple[Any, ...], Any] = {}

    def snap_points(x: np.ndarray, y: np.ndarray, **kw: Any) -> Any:
        xa, ya = np.ascontiguousarray(x), np.ascontiguousarray(y)
        key = (xa.shape, xa.tobytes(), ya.tobytes(), tuple(sorted(kw.items())))
        if key not in memo:
            memo[key] = plain(x, y, **kw)
        return memo[key]

    graph.snap_points = snap_points
    try:
        yield
    finally:
        del graph.snap_points


def points_from_kit(
    kit: Any,
    params: dict[str, Any],
    *,
    services: bool = True,
    extras: Any = None,
    minutes: tuple[int, ...] = MINUTES,
    speed_kmh: float = WALK_SPEED_KMH,
) -> tuple[PointData, Any, dict[str, Any], list[str], dict[str, float]]:
    """Run the kit's access indicators and service reach once; per-point data for profiles.

    Returns (points, engine context, provenance, warnings, timings)."""
    from sdgcities.spatial.builtin import _context

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ctx, _ = _context(kit, params)
    timings["parse_and_graph"] = round(time.perf_counter() - t0, 3)
    with _snaps_once(ctx.graph):
        return _points(kit, params, ctx, services, extras, minutes, speed_kmh, timings)


def _points(
    kit: Any,
    params: dict[str, Any],
    ctx: Any,
    services: bool,
    extras: Any,
    minutes: tuple[int, ...],
    speed_kmh: float,
    timings: dict[str, float],
) -> tuple[PointData, Any, dict[str, Any], list[str], dict[str, float]]:
    from sdgcities.profiling.reach import service_reach, services_from_counts
    from sdgcities.spatial._access import snap_population
    from sdgcities.spatial.builtin import open_space, transit_access

    pop = ctx.population.clip(ctx.boundary)
    pts = pop.points
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    data = PointData(lon, lat, {"population": pts["population"].to_numpy(dtype=float)})
    for c in pop.groups:
        data.weights[c] = pts[c].to_numpy(dtype=float)
    warnings: list[str] = []
    prov: dict[str, Any] = {
        "indicators": {},
        "population_is_estimate": pop.is_estimate,
        "population_source": Path(pop.source).name,
    }
    t1 = time.perf_counter()
    for fn in (transit_access, open_space):
        defaults = {"h3_resolution": 9}
        for res in fn(kit, {**defaults, **params}):
            col = ACCESS_COLUMNS.get(res.indicator)
            if col is None or res.hexes is None or not len(res.hexes):
                continue
            resol = int(params.get("h3_resolution", 9))
            data.access[col] = hex_shares(res.hexes, lon, lat, resol)
            prov["indicators"][col] = {
                "code": res.indicator,
                "value": res.value,
                "method_version": res.method_version,
            }
            warnings += [f"{res.indicator}: {w}" for w in res.warnings]
    timings["access_indicators"] = round(time.perf_counter() - t1, 3)
    if services:
        t2 = time.perf_counter()
        locs: dict[str, gpd.GeoDataFrame] = {}
        counts = _count_columns(kit.population)
        if counts is not None:
            cols = [c for c in SERVICE_COUNT_COLUMNS if c in counts.columns]
            locs.update(services_from_counts(counts, cols))
            prov["services_from"] = f"population layer columns {', '.join(cols)}"
        elif extras is not None and not extras.services.empty:
            for s, g in extras.services.groupby("service"):
                locs[str(s)] = g[["geometry"]]
            prov["services_from"] = "OSM tags (sdgcities.profiling.osmextra.SERVICE_TAGS)"
        if locs:
            snapped = snap_population(ctx.graph, pop)
            data.reach = service_reach(
                ctx.graph, snapped, locs, minutes=minutes, speed_kmh=speed_kmh
            )
            prov["service_locations"] = data.reach.locations
            prov["walk"] = {
                "speed_kmh": speed_kmh,
                "minutes": list(minutes),
                "rule": "network walk to the nearest location; one multi-source "
                "Dijkstra per service",
            }
        else:
            warnings.append(
                "no service locations (no schools/jobs/healthcare columns and no "
                "OSM service tags): walking access to services left out"
            )
        timings["services"] = round(time.perf_counter() - t2, 3)
    if kit.pm25 is not None:
        data.pm25 = sample_raster(kit.pm25, lon, lat)
        prov["pm25"] = Path(kit.pm25).name
    return data, ctx, prov, warnings, timings


def neighbourhood_profiles(
    kit: Any,
    *,
    neighbourhoods: str | Path | None = None,
    h3_resolution: int | None = None,
    admin_level: str | None = None,
    targets: dict[str, float] | None = None,
    dimensions: list[Dimension] | None = None,
    k: float = DEFAULT_K,
    strict: bool = False,
    params: dict[str, Any] | None = None,
    progress: Any = None,
    settlements: str | Path | None = None,
) -> Profile:
    """Profiles of a kit's neighbourhoods (file, OSM places/admin areas, or H3 cells);
    ``settlements`` a polygon file of informal settlements (default: OSM's, if mapped)."""
    from sdgcities.profiling import areas as ar
    from sdgcities.profiling.osmextra import read_osm_extras

    if kit.osm is None:
        raise SpatialInputError(
            kit.root or "<kit>",
            "neighbourhood profiles need an OSM extract",
            "pass --osm city.osm.pbf",
        )
    t0 = time.perf_counter()
    p = dict(params or {})
    step = progress or (lambda _msg: None)
    step("walk network and population")
    from sdgcities.spatial.builtin import _context

    ctx, _ = _context(kit, p)
    t_ctx = time.perf_counter() - t0
    have_buildings = ctx.osm.buildings is not None and not ctx.osm.buildings.empty
    step("services, places and buildings from the extract")
    t1 = time.perf_counter()
    extras = read_osm_extras(kit.osm, buildings=not have_buildings)
    if have_buildings:
        extras.buildings = ctx.osm.buildings
    t_ex = time.perf_counter() - t1
    pts, ctx, prov, warnings, timings = points_from_kit(kit, p, extras=extras)
    timings["osm_extras"] = round(t_ex, 3)
    timings["parse_and_graph"] = round(t_ctx, 3)
    boundary = ctx.boundary
    bbox = tuple(ctx.osm.bounds())
    if neighbourhoods is not None and str(neighbourhoods) not in ("osm", "osm-admin"):
        nb = ar.from_file(neighbourhoods, boundary=boundary, strict=strict)
    elif h3_resolution is not None:
        import shapely

        nb = ar.from_h3(
            gpd.GeoDataFrame(geometry=shapely.points(pts.lon, pts.lat), crs="EPSG:4326"),
            h3_resolution,
            boundary=boundary,
        )
    else:
        nb = ar.from_osm(
            kit.osm,
            boundary=boundary,
            bbox=bbox,
            admin_level=admin_level,
            extras=extras,
            strict=strict,
        )
    step("neighbourhoods, profiles, gaps and deprivation ranking")
    t3 = time.perf_counter()
    table, city, dep, more = profile_table(
        nb,
        pts,
        buildings=extras.buildings,
        targets=targets,
        dimensions=dimensions or DEFAULT_DIMENSIONS,
        k=k,
    )
    proxy = _settlement_columns(table, city, nb, pts, settlements, extras)
    if proxy is not None:
        prov["sdg_11_1_1_proxy"] = {k: proxy[k] for k in ("kind", "method", "source")}
        prov["settlements"] = proxy["settlements_from"]
    prov = {
        **prov,
        "neighbourhoods": nb.provenance,
        "targets": targets or {},
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
    timings["profiles"] = round(time.perf_counter() - t3, 3)
    timings["total"] = round(time.perf_counter() - t0, 3)
    return Profile(table, city, dep, prov, nb.warnings + warnings + more, timings, proxy)


def _settlement_columns(
    table: gpd.GeoDataFrame,
    city: dict[str, Any],
    nb: Neighbourhoods,
    pts: PointData,
    settlements: str | Path | None,
    extras: Any,
) -> dict[str, Any] | None:
    """Add the population inside/outside settlements to ``table`` and ``city`` (in place);
    the 11.1.1 proxy, or None without settlements (see the module docstring)."""
    from sdgcities.profiling.settlements import load_settlements, points_inside, slum_proxy

    zones, source = load_settlements(settlements, extras)
    if zones is None:
        return None
    inside = points_inside(zones, pts.lon, pts.lat)
    w = pts.weights["population"]
    where = assign_points(nb.areas.reset_index(drop=True), pts.lon, pts.lat)
    n = len(table)
    tot = np.bincount(where[where >= 0], weights=w[where >= 0], minlength=n)
    ins = np.bincount(where[inside & (where >= 0)], weights=w[inside & (where >= 0)], minlength=n)
    table["population_in_settlements"] = ins
    table["population_outside_settlements"] = tot - ins
    table["settlement_share"] = np.where(tot > 0, 100 * ins / np.maximum(tot, 1e-12), np.nan)
    city_in, city_tot = float(w[inside].sum()), float(w.sum())
    city["population_in_settlements"] = city_in
    city["population_outside_settlements"] = city_tot - city_in
    city["settlement_share"] = round(100 * city_in / city_tot, 4) if city_tot > 0 else None
    return slum_proxy(city_in, city_tot, settlements_from=source)
