"""SDG 11.7.1 — open public space: (a) share of built-up area, (b) population within 400 m.

(a) UN SDG metadata 11.7.1::

    11.7.1a = 100 · (A_open_public_space + A_streets) / A_built_up

* ``A_open_public_space``: union of the OSM open public spaces
  (:data:`sdgcities.spatial.osm.OPEN_SPACE_TAGS`: parks, public gardens, playgrounds,
  commons, recreation grounds, dog parks, village greens, squares, pedestrian areas,
  beaches; not ``access=private|no``) inside the built-up area.
* ``A_streets``: Σ centre-line length × width × rule weight over highway segments whose
  midpoint lies in the built-up area. Width: the way's ``width`` tag when it parses as
  metres, else :data:`STREET_WIDTHS_M` by ``highway`` class (an sdgcities assumption:
  total right-of-way, 3–3.5 m lanes as in common road design guides plus sidewalks of
  about 2 m on urban streets; overridable with ``street_widths=``). The weight removes
  double counting (:mod:`sdgcities.spatial._streets`, after the UN-Habitat Global Public
  Space Programme method): separately mapped sidewalks and crossings, tunnels and private
  service roads count 0, each carriageway of a dual road ½, paths inside a mapped open
  public space 0 (that land is open space already).
* ``A_built_up``: the city's built-up area (:func:`built_up_area`): a polygon the user
  passes (e.g. the GHSL urban centre), GHSL built-up pixels, or the Degree of
  Urbanisation's urban centre; the administrative boundary only as a recorded fallback
  (it overstates the built-up area); never the extract's bounding box.

(b) UN SDG metadata 11.7.1::

    11.7.1b = 100 · Σ P_i [d(i) ≤ 400 m] / Σ P_i

``d`` is the walking distance along the network to the nearest open-space *entry*. Entries
are the polygon boundary, densified every ``entry_spacing_m`` (25 m) and snapped onto
the nearest street segment when that is within ``max_entry_snap_m`` (30 m; the snap is
counted as walked), plus every network node inside an open space (distance 0).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._access import snap_population, summarise
from sdgcities.spatial._crs import utm_crs_for
from sdgcities.spatial._vector import read_boundary
from sdgcities.spatial.hexes import hex_layer
from sdgcities.spatial.network import Snapped, WalkGraph, to_metric
from sdgcities.spatial.osm import OsmData, read_osm
from sdgcities.spatial.population import Population, population_from_frame, read_population
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

__all__ = [
    "METHOD_VERSION",
    "STREET_WIDTHS_M",
    "open_space",
    "open_space_access",
    "open_space_from_files",
    "open_space_share",
]

METHOD_VERSION = "1.1"

#: Assumed street width (m, carriageway + sidewalks) by OSM ``highway`` class.
STREET_WIDTHS_M: dict[str, float] = {
    "motorway": 25.0, "trunk": 20.0, "primary": 17.0, "secondary": 15.0, "tertiary": 12.0,
    "motorway_link": 7.0, "trunk_link": 7.0, "primary_link": 7.0, "secondary_link": 7.0,
    "tertiary_link": 7.0, "unclassified": 9.0, "residential": 9.0, "living_street": 6.0,
    "road": 8.0, "service": 5.0, "pedestrian": 6.0, "busway": 7.0, "track": 4.0,
    "footway": 2.0, "cycleway": 2.0, "path": 1.5, "steps": 2.0, "bridleway": 2.0,
    "corridor": 2.0,
}  # fmt: skip
_DEFAULT_WIDTH = 5.0


def _metric_union(gdf: gpd.GeoDataFrame, crs: Any) -> shapely.Geometry:
    if gdf.crs is None:
        raise SpatialInputError("<layer>", "layer has no CRS", "declare its CRS")
    return shapely.make_valid(gdf.to_crs(crs).union_all())


def open_space_share(
    osm: OsmData,
    built_up: gpd.GeoDataFrame | None,
    *,
    street_widths: dict[str, float] | None = None,
    open_spaces: gpd.GeoDataFrame | None = None,
    built_up_source: dict[str, Any] | None = None,
) -> IndicatorResult:
    """11.7.1 (a): percent of the built-up area that is open public space or street.

    ``100 · (A_open ∪ ∩ A_built + A_streets) / A_built`` (UN SDG metadata 11.7.1). Street
    area is Σ length × width × weight over the highway edges whose midpoint lies in the
    built-up area, the weight given by each way's rule (:mod:`._streets`: separately
    mapped sidewalks, tunnels and private service roads 0, each carriageway of a dual
    road ½, paths inside a mapped open space 0 — that land counts once, as open space).
    ``built_up=None`` (no built-up area known) gives ``value=None`` with the reason;
    ``built_up_source`` (what the polygon is, whether it is a fallback) is stored with
    the value.
    """
    from sdgcities.spatial._streets import PATH_CLASSES, RULE_WEIGHTS

    widths = {**STREET_WIDTHS_M, **(street_widths or {})}
    source = dict(built_up_source or {"source": "given polygon(s)", "fallback": False})
    params: dict[str, Any] = {
        "open_space_source": "osm",
        "street_area": "centre-line length x width x rule weight (width tag, else class table)",
        "street_rules": dict(RULE_WEIGHTS),
        "street_widths_m": widths,
        "built_up_area": source,
        "method_version": METHOD_VERSION,
    }
    if built_up is None:
        return IndicatorResult(
            indicator="11.7.1a",
            value=None,
            unit="%",
            method_version=METHOD_VERSION,
            parameters=params,
            undefined_reason=(
                "no built-up area: give --built-up-area POLYGON (e.g. the GHSL urban centre), "
                "a GHSL built-up raster, a population raster (for the Degree of "
                "Urbanisation's urban centre) or at least a boundary; the extract's "
                "bounding box is never used"
            ),
        )
    area_geo = built_up.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = area_geo.total_bounds
    crs = utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)
    area = _metric_union(built_up, crs)
    if float(area.area) <= 0:
        raise SpatialInputError("<built_up>", "built-up area is empty", "pass polygon(s)")
    x, y = to_metric(osm.node_lon, osm.node_lat, crs)
    # only the part of the built-up area the extract covers can be measured
    extent = shapely.box(float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    full = float(area.area)
    area = shapely.intersection(area, extent)
    a_built = float(area.area)
    warnings = [str(source["note"])] if source.get("note") else []
    if a_built <= 0:
        raise SpatialInputError(
            osm.path, "the built-up area lies outside the OSM extract",
            "use an extract that covers the city's built-up area",
        )  # fmt: skip
    outside = 1.0 - a_built / full
    if outside > 0.01:
        source["clipped_to_extract"] = round(outside, 4)
        warnings.append(
            f"{100 * outside:.1f} % of the built-up area ({(full - a_built) / 1e6:.2f} km²) lies "
            "outside the OSM extract and is left out; use a larger extract to measure it all"
        )
    u, v = osm.edge_u, osm.edge_v
    mx, my = (x[u] + x[v]) / 2, (y[u] + y[v]) / 2
    inside = shapely.contains_xy(area, mx, my)
    if not inside.any():
        raise SpatialInputError(
            osm.path,
            "no street of the extract lies inside the built-up area/boundary",
            "check that the boundary and the OSM extract cover the same city",
        )
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    w_class = np.array([widths.get(h, _DEFAULT_WIDTH) for h in osm.edge_highway], dtype=float)
    width = np.where(np.isfinite(osm.edge_width), osm.edge_width, w_class)
    rules = (
        np.asarray(osm.edge_street, dtype=object)
        if osm.edge_street is not None
        else np.full(len(u), "street", dtype=object)
    ).copy()
    os_layer = osm.open_spaces if open_spaces is None else open_spaces
    a_open = 0.0
    if not os_layer.empty:
        open_union = _metric_union(os_layer, crs)
        a_open = float(shapely.intersection(open_union, area).area)
        is_path = np.isin(osm.edge_highway.astype(str), list(PATH_CLASSES))
        cand = np.flatnonzero(is_path & inside & (rules != "tunnel"))
        if cand.size:
            shapely.prepare(open_union)
            in_os = shapely.contains_xy(open_union, mx[cand], my[cand])
            rules[cand[in_os]] = "in_open_space"
    weight = np.array([RULE_WEIGHTS.get(str(r), 1.0) for r in rules], dtype=float)
    raw = length * width
    a_streets = float((raw * weight)[inside].sum())
    by_rule = {
        str(r): {
            "edges": int(((rules == r) & inside).sum()),
            "km2_before_rule": float(raw[(rules == r) & inside].sum()) / 1e6,
        }
        for r in RULE_WEIGHTS
    }
    value = 100.0 * (a_open + a_streets) / a_built
    return IndicatorResult(
        indicator="11.7.1a",
        value=value,
        unit="%",
        method_version=METHOD_VERSION,
        parameters=params,
        warnings=warnings,
        details={
            "built_up_km2": a_built / 1e6,
            "built_up_source": source.get("source"),
            "open_space_km2": a_open / 1e6,
            "street_km2": a_streets / 1e6,
            "street_km2_without_rules": float(raw[inside].sum()) / 1e6,
            "street_rules": by_rule,
            "open_space_share": 100 * a_open / a_built,
            "street_share": 100 * a_streets / a_built,
            "open_spaces": len(os_layer),
            "street_segments_inside": int(inside.sum()),
            "crs": crs.to_string(),
        },
    )


def built_up_area(
    *,
    polygon: str | Path | gpd.GeoDataFrame | None = None,
    built_up_raster: str | Path | None = None,
    population_raster: str | Path | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    surface_threshold: float = 0.5,
) -> tuple[gpd.GeoDataFrame | None, dict[str, Any]]:
    """The denominator of 11.7.1 (a) — the city's built-up area — and how it was found.

    In this order (UN SDG metadata 11.7.1: the built-up area of the city, delineated by
    the Degree of Urbanisation):

    1. ``polygon`` — a built-up area the user passes (e.g. the GHSL UCDB urban centre);
    2. ``built_up_raster`` — GHSL built-up pixels at the latest epoch ≤ ``year`` (a
       GHS-BUILT-S surface raster: cells ≥ ``surface_threshold`` built), within the
       boundary when one is given;
    3. ``population_raster`` — the Degree of Urbanisation's urban centre(s) touching the
       boundary (whole, not cut at it), or the largest one without a boundary;
    4. ``boundary`` — the administrative boundary, a **fallback** that overstates the
       built-up area and so understates the share;
    5. nothing — ``(None, …)``: 11.7.1 (a) is then undefined (never the extract's box).

    The returned mapping (``source``, ``fallback``, ``note`` …) is stored with the value.
    """
    from sdgcities.spatial._vector import read_polygons

    if polygon is not None:
        gdf = polygon if isinstance(polygon, gpd.GeoDataFrame) else read_polygons(
            polygon, what="built-up area"
        )  # fmt: skip
        name = "<frame>" if isinstance(polygon, gpd.GeoDataFrame) else Path(polygon).name
        return gdf, {"source": "given built-up area polygon", "file": name, "fallback": False}
    if built_up_raster is not None:
        return _built_up_from_raster(built_up_raster, boundary, year, surface_threshold)
    if population_raster is not None and Path(population_raster).suffix.lower() in (
        ".tif",
        ".tiff",
    ):
        from sdgcities.spatial.urbanisation import urban_extent

        centres, _res = urban_extent(population_raster, aoi=boundary)
        if not centres.empty:
            chosen = centres if boundary is not None else centres.iloc[[0]]
            info = {
                "source": "urban centre(s) of the Degree of Urbanisation (whole grid "
                "classified, not cut at the boundary)",
                "file": Path(population_raster).name,
                "urban_centres": len(chosen),
                "fallback": False,
            }
            return gpd.GeoDataFrame(geometry=chosen.geometry.values, crs=centres.crs), info
    if boundary is not None:
        return boundary, {
            "source": "administrative boundary",
            "fallback": True,
            "note": "No built-up area known: the administrative boundary stands in for it, "
            "which overstates the built-up area and understates 11.7.1 (a); pass "
            "--built-up-area (e.g. the GHSL urban centre) for the official denominator.",
        }
    return None, {"source": None, "fallback": True}


def _built_up_from_raster(
    path: str | Path, boundary: gpd.GeoDataFrame | None, year: int | None, threshold: float
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    import rasterio.features
    from pyproj import CRS
    from shapely.geometry import shape

    from sdgcities.spatial import _raster
    from sdgcities.spatial.landuse import GHSL_EPOCHS, LDSMT_EPOCHS, recognise_built_raster

    with _raster.open_raster(path) as ds:
        crs = CRS.from_user_input(ds.crs)
    zones = (
        _raster.dissolve(_raster.boundary_to_crs(boundary, crs)) if boundary is not None else None
    )
    grid = _raster.read_grid(path, bounds=tuple(zones.total_bounds) if zones is not None else None)
    _raster.require_data(grid, "built-up raster")
    cell_m2 = float(_raster.cell_area_km2(grid.transform, grid.crs, grid.shape).mean()) * 1e6
    kind = recognise_built_raster(grid.values, cell_m2, path)
    vals = np.nan_to_num(grid.values, nan=0.0)
    info: dict[str, Any] = {"source": "GHSL built-up raster", "file": Path(path).name,
                            "raster": kind, "fallback": False}  # fmt: skip
    if kind == "surface":
        mask = vals >= threshold * cell_m2
        info["threshold"] = threshold
    else:
        if kind == "ldsmt":
            table = np.array([LDSMT_EPOCHS.get(c, 0) for c in range(7)])
            vals = table[np.clip(vals.astype(np.int64), 0, 6)].astype(float)
        present = sorted(int(e) for e in np.unique(vals) if int(e) in GHSL_EPOCHS or
                         int(e) in LDSMT_EPOCHS.values())  # fmt: skip
        usable = [e for e in present if year is None or e <= year] or present[:1]
        epoch = max(usable)
        mask = (vals > 0) & (vals <= epoch) & np.isin(vals, present)
        info["epoch"] = epoch
    if not mask.any():
        raise SpatialInputError(path, "no built-up pixel in the area", "check the raster")
    geoms = [
        shape(g)
        for g, v in rasterio.features.shapes(
            mask.astype("uint8"), mask=mask, transform=grid.transform
        )
        if v == 1
    ]
    union = shapely.union_all(geoms)
    if zones is not None:
        union = shapely.intersection(union, zones.geometry.iloc[0])
    return gpd.GeoDataFrame(geometry=[union], crs=crs), info


def _entries(
    graph: WalkGraph, open_spaces: gpd.GeoDataFrame, spacing_m: float, max_snap_m: float
) -> tuple[Snapped, int]:
    polys = open_spaces.to_crs(graph.crs).geometry.to_numpy()
    polys = polys[~shapely.is_empty(polys)]
    rings = shapely.segmentize(shapely.boundary(polys), spacing_m)
    coords = shapely.get_coordinates(rings)
    border = graph.snap(coords[:, 0], coords[:, 1], max_snap_m=max_snap_m)
    border = border.subset(border.ok)
    tree = shapely.STRtree(polys)
    idx = tree.query(shapely.points(graph.x, graph.y), predicate="within")
    inner_nodes = np.unique(idx[0])
    inner = graph.add_nodes_as_sources(inner_nodes)
    both = Snapped(
        np.concatenate([border.edge, inner.edge]),
        np.concatenate([border.t, inner.t]),
        np.concatenate([border.snap_m, inner.snap_m]),
    )
    return both, len(inner_nodes)


def open_space_access(
    network: WalkGraph,
    open_spaces: gpd.GeoDataFrame,
    population: Population | gpd.GeoDataFrame,
    *,
    walk_m: float = 400.0,
    h3_resolution: int = 9,
    boundary: gpd.GeoDataFrame | None = None,
    entry_spacing_m: float = 25.0,
    max_entry_snap_m: float = 30.0,
    min_area_m2: float = 0.0,
    nearest_limit_m: float = 3000.0,
) -> IndicatorResult:
    """11.7.1 (b): percent of the population within ``walk_m`` walk of an open public space."""
    pop = (
        population
        if isinstance(population, Population)
        else population_from_frame(population, source="<population>")
    ).clip(boundary)
    os_m = open_spaces.to_crs(network.crs)
    os_m = os_m.loc[os_m.geometry.area >= min_area_m2]
    if os_m.empty:
        raise SpatialInputError(
            "<open_spaces>",
            "no open public space given",
            "use an extract with parks/squares (leisure=park, ...)",
        )
    t0 = time.perf_counter()
    src, n_inner = _entries(network, os_m, entry_spacing_m, max_entry_snap_m)
    if len(src.edge) == 0:
        raise SpatialInputError(
            "<open_spaces>",
            "no open space touches the walk network",
            "check that open spaces and network cover the same city",
        )
    notes: list[str] = []
    p_snap = snap_population(network, pop, notes)
    nd = network.node_distances(src, limit=nearest_limit_m)
    d = network.point_distances(nd, p_snap, sources=src)
    d[d > nearest_limit_m] = np.inf
    covered = d <= walk_m + 1e-3  # 1 mm: reprojection round-off
    t_dist = time.perf_counter() - t0
    value, total, cov, dis = summarise(pop, covered)
    return IndicatorResult(
        indicator="11.7.1b",
        value=value,
        unit="%",
        method_version=METHOD_VERSION,
        parameters={
            "walk_m": walk_m,
            "distance": "network",
            "network_type": "walk (pyrosm 'walking' filter, undirected)",
            "entries": f"boundary every {entry_spacing_m:g} m snapped within "
            f"{max_entry_snap_m:g} m + network nodes inside",
            "snapping": "nearest street segment; snap distance counted as walked",
            "min_area_m2": min_area_m2,
            "h3_resolution": h3_resolution,
            "hex_distance": "population-weighted mean network distance to nearest open space",
            "method_version": METHOD_VERSION,
        },
        population_total=total,
        population_covered=cov,
        population_is_estimate=pop.is_estimate,
        disaggregation=dis,
        warnings=notes,
        details={
            "open_spaces": len(os_m),
            "entry_points": len(src.edge),
            "nodes_inside_open_spaces": n_inner,
            "population_points": len(pop.points),
            "graph_nodes": network.n_nodes,
            "distances_s": round(t_dist, 4),
        },
        hexes=hex_layer(pop.points, covered, d, resolution=h3_resolution),
    )


def open_space(
    osm: OsmData,
    population: Population | gpd.GeoDataFrame,
    *,
    built_up: gpd.GeoDataFrame | None,
    built_up_source: dict[str, Any] | None = None,
    graph: WalkGraph | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    walk_m: float = 400.0,
    h3_resolution: int = 9,
) -> dict[str, IndicatorResult]:
    """Both parts of 11.7.1: ``{"11.7.1a": ..., "11.7.1b": ...}``."""
    g = graph or WalkGraph.from_osm(osm)
    return {
        "11.7.1a": open_space_share(osm, built_up, built_up_source=built_up_source),
        "11.7.1b": open_space_access(
            g,
            osm.open_spaces,
            population,
            walk_m=walk_m,
            h3_resolution=h3_resolution,
            boundary=boundary,
        ),
    }


def open_space_from_files(
    osm: str | Path,
    population: str | Path | Population,
    *,
    boundary: str | Path | gpd.GeoDataFrame,
    built_up: str | Path | gpd.GeoDataFrame | None = None,
    population_column: str | None = None,
    walk_m: float = 400.0,
    h3_resolution: int = 9,
) -> dict[str, IndicatorResult]:
    """11.7.1 a and b from files; without ``built_up``, ``boundary`` stands in for the
    built-up area (a fallback recorded with the value, see :func:`built_up_area`).

    ``population="buildings:<total>"`` estimates population from the extract's buildings
    scaled to ``<total>`` (flagged ``population_is_estimate``).
    """
    from sdgcities.spatial.population import estimate_population_from_buildings

    t0 = time.perf_counter()
    est_total: float | None = None
    if isinstance(population, str) and population.startswith("buildings:"):
        est_total = float(population.split(":", 1)[1])
    data = read_osm(osm, buildings=est_total is not None, open_spaces=True)
    if est_total is not None:
        pop = estimate_population_from_buildings(data.buildings, est_total)
    elif isinstance(population, Population):
        pop = population
    else:
        pop = read_population(population, column=population_column)
    bnd = read_boundary(boundary)
    assert bnd is not None
    bu, bu_source = built_up_area(polygon=built_up, boundary=bnd)
    t_parse = time.perf_counter() - t0
    t1 = time.perf_counter()
    g = WalkGraph.from_osm(data)
    t_graph = time.perf_counter() - t1
    out = open_space(
        data,
        pop,
        built_up=bu,
        built_up_source=bu_source,
        graph=g,
        boundary=bnd,
        walk_m=walk_m,
        h3_resolution=h3_resolution,
    )
    total = time.perf_counter() - t0
    for r in out.values():
        r.timings = {
            "parse": round(t_parse, 4),
            "graph": round(t_graph, 4),
            "distances": r.details.pop("distances_s", 0.0),
            "total": round(total, 4),
        }
        r.details["osm_counts"] = data.counts
    return out
