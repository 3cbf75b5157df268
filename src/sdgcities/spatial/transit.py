"""SDG 11.2.1 — share of population with convenient access to public transport.

Formula (UN SDG metadata 11.2.1; EC DG REGIO Working Paper WP 01/2020)::

    11.2.1 = 100 · Σ P_i [d_low(i) ≤ 500 m  or  d_high(i) ≤ 1000 m] / Σ P_i

``P_i`` is the population of point ``i`` (raster/grid cell or H3 centre), ``d_low`` /
``d_high`` its walking distance along the street network to the nearest low-capacity
(bus, tram, BRT) / high-capacity (rail, metro, ferry) stop. Distances come from ONE
multi-source Dijkstra run on the walk graph: low-capacity stops enter with an offset of
``high_capacity_m − low_capacity_m`` (500 m), high-capacity stops with 0, limit
``high_capacity_m`` — so ``min(d_low + 500, d_high) ≤ 1000`` decides (see
:mod:`sdgcities.spatial.network`). Stops and points are snapped onto the nearest street
segment; both snapping distances count as walked.

The hex layer's ``distance_m`` is the distance to the nearest stop of either class (a
second run, limited to ``nearest_limit_m``).

Example on the Porto Alegre kit (r5r sample data), GTFS bus + rail stops::

    >>> r = transit_access_from_files("osm.pbf", ["gtfs_eptc_bus.zip",
    ...     "gtfs_trensurb_rail.zip"], "population_h3_res9.csv")  # doctest: +SKIP
    >>> round(r.value)  # doctest: +SKIP
    91
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._access import points_xy, snap_population, summarise
from sdgcities.spatial.gtfs import read_gtfs_feeds
from sdgcities.spatial.hexes import hex_layer
from sdgcities.spatial.network import WalkGraph
from sdgcities.spatial.osm import OsmData, read_osm
from sdgcities.spatial.population import Population, population_from_frame, read_population
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

__all__ = ["METHOD_VERSION", "transit_access", "transit_access_from_files"]

METHOD_VERSION = "1.0"
_FREQ_ORDER = {"low": 0, "medium": 1, "high": 2}


def _as_population(population: Population | gpd.GeoDataFrame) -> Population:
    if isinstance(population, Population):
        return population
    return population_from_frame(population, source="<population>")


def transit_access(
    network: WalkGraph,
    stops: gpd.GeoDataFrame,
    population: Population | gpd.GeoDataFrame,
    *,
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    h3_resolution: int = 9,
    boundary: gpd.GeoDataFrame | None = None,
    frequency: str | None = None,
    stop_source: str = "gtfs",
    max_stop_snap_m: float = 200.0,
    include_snap: bool = True,
    snapping: str = "segment",
    nearest_limit_m: float = 3000.0,
) -> IndicatorResult:
    """SDG 11.2.1 from a walk graph, stops and population points (pure, no I/O).

    ``stops`` needs a ``capacity`` column (``low``/``high``) and, with ``frequency``
    (``"low"``, ``"medium"`` or ``"high"``: keep stops of at least that class), a
    ``frequency_class`` column (from :func:`sdgcities.spatial.gtfs.read_gtfs` with
    ``frequency=True``). Stops farther than ``max_stop_snap_m`` from a walkable street
    (e.g. outside the extract) are dropped and counted in ``details``. ``snapping`` is
    ``"segment"`` (default: nearest street segment) or ``"node"`` (nearest network node,
    as OSMnx users do with ``nearest_nodes``); ``include_snap`` counts the snap distance
    as walked.
    """
    if high_capacity_m < low_capacity_m:
        raise ValueError("high_capacity_m must be ≥ low_capacity_m")
    pop = _as_population(population).clip(boundary)
    if "capacity" not in stops.columns:
        raise SpatialInputError("<stops>", "stops lack a 'capacity' column", "add low/high")
    st = stops
    if frequency is not None:
        if frequency not in _FREQ_ORDER:
            raise ValueError(f"frequency must be one of {list(_FREQ_ORDER)}, got {frequency!r}")
        if "frequency_class" not in st.columns:
            raise SpatialInputError(
                "<stops>",
                "a frequency filter needs GTFS stops with frequency_class",
                "read the feeds with frequency=True (OSM stops carry no timetable)",
            )
        keep = st["frequency_class"].map(_FREQ_ORDER) >= _FREQ_ORDER[frequency]
        st = st.loc[keep.to_numpy()]
    sx, sy = points_xy(st, network)
    s_snap = network.snap_points(sx, sy, how=snapping, max_snap_m=max_stop_snap_m)
    n_used = int(s_snap.ok.sum())
    if n_used == 0:
        raise SpatialInputError(
            "<stops>",
            f"none of the {len(st)} stops lies within {max_stop_snap_m:g} m of the walk "
            "network (stops outside the OSM extract?)",
            "use stops and an OSM extract of the same city",
        )
    high = st["capacity"].to_numpy() == "high"
    offsets = np.where(high, 0.0, high_capacity_m - low_capacity_m)

    t0 = time.perf_counter()
    node_d = network.node_distances(
        s_snap, offsets=offsets, limit=high_capacity_m, include_snap=include_snap
    )
    notes: list[str] = []
    p_snap = snap_population(network, pop, notes, how=snapping)
    eq_d = network.point_distances(
        node_d, p_snap, sources=s_snap, offsets=offsets, include_snap=include_snap
    )
    covered = eq_d <= high_capacity_m + 1e-3  # 1 mm: reprojection round-off
    near_node = network.node_distances(s_snap, limit=nearest_limit_m, include_snap=include_snap)
    near = network.point_distances(near_node, p_snap, sources=s_snap, include_snap=include_snap)
    near[near > nearest_limit_m] = np.inf
    t_dist = time.perf_counter() - t0

    value, total, cov, dis = summarise(pop, covered)
    hexes = hex_layer(pop.points, covered, near, resolution=h3_resolution)
    details: dict[str, Any] = {
        "stops_given": len(stops),
        "stops_after_frequency_filter": len(st),
        "stops_used": n_used,
        "stops_dropped_off_network": len(st) - n_used,
        "stops_low_capacity": int((~high & s_snap.ok).sum()),
        "stops_high_capacity": int((high & s_snap.ok).sum()),
        "graph_nodes": network.n_nodes,
        "graph_edges": network.n_edges,
        "population_points": len(pop.points),
        "population_snap_m_median": float(np.median(p_snap.snap_m)),
        "population_snap_m_p95": float(np.percentile(p_snap.snap_m, 95)),
        "crs": network.crs.to_string(),
        "distances_s": round(t_dist, 4),
    }
    if "frequency_class" in stops.columns and frequency is None:
        details["share_by_min_frequency"] = _shares_by_frequency(
            network,
            stops,
            pop,
            p_snap,
            low_capacity_m,
            high_capacity_m,
            max_stop_snap_m,
            include_snap,
            snapping,
        )
    return IndicatorResult(
        indicator="11.2.1",
        value=value,
        unit="%",
        method_version=METHOD_VERSION,
        parameters={
            "low_capacity_m": low_capacity_m,
            "high_capacity_m": high_capacity_m,
            "distance": "network",
            "network_type": "walk (pyrosm 'walking' filter, undirected)",
            "stop_source": stop_source,
            "snapping": "nearest street segment; snap distance counted as walked"
            if include_snap
            else "nearest street segment; snap distance not counted",
            "max_stop_snap_m": max_stop_snap_m,
            "frequency_filter": frequency,
            "frequency_window": "06:00-20:00 normal weekday" if frequency else None,
            "h3_resolution": h3_resolution,
            "hex_distance": "population-weighted mean network distance to nearest stop",
            "nearest_limit_m": nearest_limit_m,
            "method_version": METHOD_VERSION,
        },
        population_total=total,
        population_covered=cov,
        population_is_estimate=pop.is_estimate,
        disaggregation=dis,
        warnings=notes,
        details=details,
        hexes=hexes,
    )


def _shares_by_frequency(
    network: WalkGraph,
    stops: gpd.GeoDataFrame,
    pop: Population,
    p_snap: Any,
    low_m: float,
    high_m: float,
    max_snap: float,
    include_snap: bool,
    snapping: str,
) -> dict[str, float]:
    out: dict[str, float] = {}
    weights = pop.points["population"].to_numpy(dtype=float)
    for cls, rank in _FREQ_ORDER.items():
        st = stops.loc[(stops["frequency_class"].map(_FREQ_ORDER) >= rank).to_numpy()]
        if st.empty:
            out[cls] = 0.0
            continue
        sx, sy = points_xy(st, network)
        sn = network.snap_points(sx, sy, how=snapping, max_snap_m=max_snap)
        off = np.where(st["capacity"].to_numpy() == "high", 0.0, high_m - low_m)
        nd = network.node_distances(sn, offsets=off, limit=high_m, include_snap=include_snap)
        d = network.point_distances(nd, p_snap, sources=sn, offsets=off, include_snap=include_snap)
        out[cls] = round(100 * float(weights[d <= high_m + 1e-3].sum()) / float(weights.sum()), 4)
    return out


def transit_access_from_files(
    osm: str | Path,
    gtfs: Sequence[str | Path] | None,
    population: str | Path | Population,
    *,
    boundary: str | Path | gpd.GeoDataFrame | None = None,
    population_column: str | None = None,
    stop_source: str = "gtfs",
    frequency: str | None = None,
    service_date: dt.date | None = None,
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    h3_resolution: int = 9,
    include_snap: bool = True,
    snapping: str = "segment",
) -> IndicatorResult:
    """11.2.1 from an .osm.pbf, GTFS feeds (or OSM stops) and a population file.

    ``stop_source`` is ``"gtfs"`` (stops of ``gtfs``), ``"osm"`` (PT stops of the extract)
    or ``"gtfs+osm"``. ``timings`` holds seconds for parse, graph, distances, total.
    """
    if stop_source not in {"gtfs", "osm", "gtfs+osm"}:
        raise ValueError(f"stop_source must be 'gtfs', 'osm' or 'gtfs+osm', got {stop_source!r}")
    t0 = time.perf_counter()
    data: OsmData = read_osm(osm, open_spaces=False)
    frames = []
    if "gtfs" in stop_source:
        if not gtfs:
            raise SpatialInputError(
                "<gtfs>",
                "stop_source includes gtfs but no feed given",
                "pass gtfs=[...] or stop_source='osm'",
            )
        frames.append(read_gtfs_feeds(gtfs, frequency=frequency is not None, date=service_date))
    if "osm" in stop_source:
        frames.append(data.stops)
    stops = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    pop = (
        population
        if isinstance(population, Population)
        else read_population(population, column=population_column)
    )
    bnd = _read_boundary(boundary)
    t_parse = time.perf_counter() - t0
    t1 = time.perf_counter()
    graph = WalkGraph.from_osm(data)
    t_graph = time.perf_counter() - t1
    res = transit_access(
        graph,
        stops,
        pop,
        low_capacity_m=low_capacity_m,
        high_capacity_m=high_capacity_m,
        h3_resolution=h3_resolution,
        boundary=bnd,
        frequency=frequency,
        stop_source=stop_source,
        include_snap=include_snap,
        snapping=snapping,
    )
    total = time.perf_counter() - t0
    res.timings = {
        "parse": round(t_parse, 4),
        "graph": round(t_graph, 4),
        "distances": res.details.pop("distances_s"),
        "total": round(total, 4),
    }
    res.details["osm_counts"] = data.counts
    res.parameters["inputs"] = {
        "osm": Path(osm).name,
        "gtfs": [Path(g).name for g in (gtfs or [])],
        "population": pop.source if isinstance(population, Population) else Path(population).name,
    }
    return res


def _read_boundary(boundary: str | Path | gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if boundary is None or isinstance(boundary, gpd.GeoDataFrame):
        return boundary
    p = Path(boundary)
    if not p.is_file():
        raise SpatialInputError(p, "boundary file not found", "check the path")
    try:
        b = gpd.read_file(p)
    except (OSError, ValueError) as exc:
        raise SpatialInputError(p, f"cannot read boundary ({exc})", "check the file") from exc
    if b.empty or b.crs is None:
        raise SpatialInputError(p, "boundary is empty or has no CRS", "fix the boundary layer")
    return b
