"""SDG 11.2.1 — share of population with convenient access to public transport.

Formula (UN SDG metadata 11.2.1; EC DG REGIO Working Paper WP 01/2020)::

    11.2.1 = 100 · Σ P_i [d_low(i) ≤ 500 m  or  d_high(i) ≤ 1000 m] / Σ P_i

``P_i`` is the population of point ``i`` (raster/grid cell or H3 centre), ``d_low`` /
``d_high`` its walking distance along the street network to the nearest low-capacity
(bus, tram, BRT) / high-capacity (rail, metro, ferry) stop. Distances come from ONE
multi-source Dijkstra run on the walk graph: low-capacity stops enter with an offset of
``high_capacity_m − low_capacity_m`` (500 m), high-capacity stops with 0, limit
``high_capacity_m`` — so ``min(d_low + 500, d_high) ≤ 1000`` decides (see
:mod:`sdgcities.spatial.network`).

Snapping rule (``snap``, ``count_access_walk``; stored with every value): by default
stops and population points are projected onto the nearest street *segment* and the
straight walk from the point to the street counts as walked. ``snap="node"`` moves them
to the nearest network *node* instead, as OSMnx users do with ``nearest_nodes``;
``count_access_walk=False`` leaves the off-street walk out. ``docs/methods.md`` shows
how much each choice moves the value on the real kits.

Frequency (optional, GTFS only): shares of the population whose best-served stop within
reach is of high (> 10 departures/h), medium (4–10) or low (< 4) frequency, 06:00–20:00
on a normal weekday, counted per station (:mod:`sdgcities.spatial.gtfs`). They add up
to the value, which they never change.

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
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._access import points_xy, snap_population, summarise
from sdgcities.spatial._features import Features, features_of, is_missing
from sdgcities.spatial._vector import boundary_area
from sdgcities.spatial.gtfs import NORMAL_WEEKDAY_RULE, read_gtfs_stop_features
from sdgcities.spatial.hexes import hex_features
from sdgcities.spatial.network import WalkGraph
from sdgcities.spatial.osm import OsmData, read_osm
from sdgcities.spatial.population import Population, population_from_frame, read_population
from sdgcities.spatial.result import IndicatorResult

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

__all__ = [
    "FREQUENCY_LEVELS",
    "METHOD_VERSION",
    "SNAP_RULES",
    "check_distances",
    "transit_access",
    "transit_access_from_files",
]

METHOD_VERSION = "1.1"  # 1.1: frequency never filters; departures per station
_FREQ_ORDER = {"low": 0, "medium": 1, "high": 2}
_TOL = 1e-3  # 1 mm: reprojection round-off at the thresholds


SNAP_RULES = ("segment", "node")
FREQUENCY_LEVELS = tuple(_FREQ_ORDER)
#: the longest walk a threshold may ask for: beyond it no "walk" is meant
MAX_WALK_M = 10_000.0


def _as_population(population: Population | gpd.GeoDataFrame) -> Population:
    if isinstance(population, Population):
        return population
    return population_from_frame(population, source="<population>")


def check_distances(**distances: float) -> None:
    """Refuse walk distances no method can mean: NaN, infinite, ≤ 0 or > 10 km.

    >>> check_distances(low_capacity_m=500, high_capacity_m=1000)
    >>> check_distances(low_capacity_m=-5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sdgcities.errors.SpatialInputError: <parameters>: low_capacity_m is -5 m, not a walk ...
    """
    for name, value in distances.items():
        v = float(value)
        if not np.isfinite(v) or v <= 0 or v > MAX_WALK_M:
            raise SpatialInputError(
                "<parameters>",
                f"{name} is {value:g} m, not a walk distance",
                f"give a distance in metres above 0 and at most {MAX_WALK_M:,.0f} (the "
                "official thresholds are 500 and 1000)",
            )
    low, high = distances.get("low_capacity_m"), distances.get("high_capacity_m")
    if low is not None and high is not None and high < low:
        raise SpatialInputError(
            "<parameters>",
            f"high_capacity_m ({high:g} m) is shorter than low_capacity_m ({low:g} m)",
            "rail, metro and ferry stops reach at least as far as bus stops (1000 ≥ 500)",
        )


def _check_population(pop: Population) -> None:
    """Every weight must be a finite count ≥ 0 and the total above 0 (else no share)."""
    w = pop.weights()
    bad = ~np.isfinite(w) | (np.nan_to_num(w) < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SpatialInputError(
            pop.source,
            f"{int(bad.sum())} population point(s) are not counts of people (point {i + 1}: "
            f"{w[i]!r})",
            "give every point a population ≥ 0",
        )
    if float(w.sum()) <= 0:
        raise SpatialInputError(
            pop.source,
            "the population adds up to 0 inside the area, so no share can be computed",
            "pass the layer (or population_column) that holds the people counts",
        )


def _snap_text(snap: str, count_access_walk: bool) -> str:
    where = "nearest street segment" if snap == "segment" else "nearest network node"
    walked = "counted" if count_access_walk else "not counted"
    return f"{where}; walk from a point or stop to the network {walked}"


def transit_access(
    network: WalkGraph,
    stops: gpd.GeoDataFrame | Features,
    population: Population | gpd.GeoDataFrame,
    *,
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    h3_resolution: int = 9,
    boundary: gpd.GeoDataFrame | shapely.Geometry | None = None,
    frequency: str | None = None,
    stop_source: str = "gtfs",
    max_stop_snap_m: float = 200.0,
    snap: str = "segment",
    count_access_walk: bool = True,
    nearest_limit_m: float = 3000.0,
) -> IndicatorResult:
    """SDG 11.2.1 from a walk graph, stops and population points (pure, no I/O).

    ``stops`` needs a ``capacity`` column (``low``/``high``). ``frequency`` (``"low"``,
    ``"medium"`` or ``"high"``) adds shares by service-frequency class to ``details``
    and never changes the headline value; it needs a ``frequency_class`` column (from
    :func:`sdgcities.spatial.gtfs.read_gtfs` with ``frequency=True``):

    * ``share_by_frequency[c]`` — share of the population whose best-served stop within
      the walk thresholds is of class ``c`` (high, medium, low); they add up to the value;
    * ``share_by_min_frequency[c]`` — share within reach of a stop of at least class ``c``.

    Stops farther than ``max_stop_snap_m`` from a walkable street (e.g. outside the
    extract) are dropped and counted in ``details``. ``snap`` is ``"segment"`` (default:
    the nearest street segment) or ``"node"`` (the nearest network node, as OSMnx users
    do with ``nearest_nodes``); ``count_access_walk`` counts the straight walk from the
    point (and the stop) to where it meets the network as walked. Both are stored in
    ``parameters``. Hex distances farther than ``nearest_limit_m`` are not measured: the
    hex layer's ``population_beyond_limit`` says how many people that concerns.
    """
    check_distances(
        low_capacity_m=low_capacity_m,
        high_capacity_m=high_capacity_m,
        nearest_limit_m=nearest_limit_m,
    )
    if snap not in SNAP_RULES:
        raise SpatialInputError(
            "<parameters>", f"snap {snap!r} is unknown", "use 'segment' or 'node'"
        )
    pop = _as_population(population).clip(boundary)
    _check_population(pop)
    st = stops if isinstance(stops, Features) else Features.from_geodataframe(stops)
    if "capacity" not in st:
        raise SpatialInputError("<stops>", "stops lack a 'capacity' column", "add low/high")
    if frequency is not None:
        if frequency not in _FREQ_ORDER:
            raise SpatialInputError(
                "<parameters>",
                f"frequency {frequency!r} is unknown",
                f"use one of {', '.join(_FREQ_ORDER)}",
            )
        if "frequency_class" not in st or is_missing(st["frequency_class"]).any():
            raise SpatialInputError(
                "<stops>",
                "shares by frequency need GTFS stops with a frequency_class",
                "read the feeds with frequency=True (OSM stops carry no timetable; use "
                "stop_source='gtfs')",
            )
    sx, sy = points_xy(st, network)
    s_snap = network.snap_points(sx, sy, how=snap, max_snap_m=max_stop_snap_m)
    n_used = int(s_snap.ok.sum())
    if n_used == 0:
        raise SpatialInputError(
            "<stops>",
            f"none of the {len(st)} stops lies within {max_stop_snap_m:g} m of the walk "
            "network (stops outside the OSM extract?)",
            "use stops and an OSM extract of the same city",
        )
    high = np.asarray(st["capacity"] == "high", dtype=bool)
    offsets = np.where(high, 0.0, high_capacity_m - low_capacity_m)

    t0 = time.perf_counter()
    notes: list[str] = []
    p_snap = snap_population(network, pop, notes, how=snap)

    def reach(mask: np.ndarray) -> np.ndarray:
        sub = s_snap.subset(mask)
        nd = network.node_distances(
            sub, offsets=offsets[mask], limit=high_capacity_m + _TOL, include_snap=count_access_walk
        )
        return network.point_distances(
            nd, p_snap, sources=sub, offsets=offsets[mask], include_snap=count_access_walk
        )

    every = np.ones(len(st), dtype=bool)
    covered = reach(every) <= high_capacity_m + _TOL
    near_node = network.node_distances(
        s_snap, limit=nearest_limit_m, include_snap=count_access_walk
    )
    near = network.point_distances(
        near_node, p_snap, sources=s_snap, include_snap=count_access_walk
    )
    near[near > nearest_limit_m] = np.inf
    t_dist = time.perf_counter() - t0

    value, total, cov, dis = summarise(pop, covered)
    hexes = hex_features(
        pop.features, covered, near, resolution=h3_resolution, limit_m=nearest_limit_m
    )
    beyond = float(hexes["population_beyond_limit"].sum())
    if beyond > 0:
        notes.append(
            f"{beyond:,.0f} people ({100 * beyond / total:.1f} %) are farther than "
            f"{nearest_limit_m:,.0f} m from any stop (or cut off from them): their hexes' "
            "distance is shown as beyond the search limit, not measured"
        )
    details: dict[str, Any] = {
        "stops_given": len(st),
        "stops_used": n_used,
        "stops_dropped_off_network": len(st) - n_used,
        "stops_low_capacity": int((~high & s_snap.ok).sum()),
        "stops_high_capacity": int((high & s_snap.ok).sum()),
        "graph_nodes": network.n_nodes,
        "graph_edges": network.n_edges,
        "population_points": len(pop.features),
        "population_snap_m_median": float(np.median(p_snap.snap_m)),
        "population_snap_m_p95": float(np.percentile(p_snap.snap_m, 95)),
        "population_beyond_nearest_limit": beyond,
        "crs": network.crs.to_string(),
        "distances_s": round(t_dist, 4),
    }
    if frequency is not None:
        weights = pop.weights()
        rank = np.array([_FREQ_ORDER.get(c, -1) for c in st["frequency_class"]])
        at_least: dict[str, float] = {}
        for cls, r in _FREQ_ORDER.items():
            mask = rank >= r
            if r == 0:
                hit = covered
            elif (mask & s_snap.ok).any():
                hit = reach(mask) <= high_capacity_m + _TOL
            else:
                hit = np.zeros(len(weights), dtype=bool)
            at_least[cls] = 100 * float(weights[hit].sum()) / total
        details["share_by_min_frequency"] = {k: round(v, 4) for k, v in at_least.items()}
        details["share_by_frequency"] = {
            "high": round(at_least["high"], 4),
            "medium": round(at_least["medium"] - at_least["high"], 4),
            "low": round(at_least["low"] - at_least["medium"], 4),
        }
        details["stops_by_frequency"] = {
            c: int((np.asarray(st["frequency_class"] == c, dtype=bool) & s_snap.ok).sum())
            for c in _FREQ_ORDER
        }
        if "service_date" in st:
            details["service_dates"] = _service_dates(st)
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
            "snap": snap,
            "count_access_walk": count_access_walk,
            "snapping": _snap_text(snap, count_access_walk),
            "max_stop_snap_m": max_stop_snap_m,
            "frequency": frequency,
            "frequency_window": "06:00-20:00, " + NORMAL_WEEKDAY_RULE if frequency else None,
            "frequency_classes": "high > 10, medium 4-10, low < 4 departures/hour per station"
            if frequency
            else None,
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


def _service_dates(stops: Features) -> dict[str, str] | list[str]:
    """Per feed (in name order), the first service date given; without feeds, every one."""
    dates = stops["service_date"]
    known = ~is_missing(dates)
    if "feed" not in stops:
        return sorted(set(dates[known]))
    feeds = stops["feed"]
    out: dict[str, str] = {}
    for i in np.flatnonzero(~is_missing(feeds)):
        f = str(feeds[i])
        if f not in out or (out[f] == "nan" and known[i]):
            out[f] = str(dates[i]) if known[i] else "nan"
    return dict(sorted(out.items()))


def transit_access_from_files(
    osm: str | Path,
    gtfs: Sequence[str | Path] | None,
    population: str | Path | Population | None,
    *,
    boundary: str | Path | gpd.GeoDataFrame | shapely.Geometry | None = None,
    population_column: str | None = None,
    stop_source: str = "gtfs",
    frequency: str | None = None,
    service_date: dt.date | None = None,
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    h3_resolution: int = 9,
    snap: str = "segment",
    count_access_walk: bool = True,
    floor_area_per_person: float | None = None,
    population_total: float | None = None,
) -> IndicatorResult:
    """11.2.1 from an .osm.pbf, GTFS feeds (or OSM stops) and a population file.

    ``stop_source`` is ``"gtfs"`` (stops of ``gtfs``), ``"osm"`` (PT stops of the extract)
    or ``"gtfs+osm"``. Without ``population`` the people are estimated from the extract's
    buildings (flagged as an estimate; ``population_total`` or ``floor_area_per_person``
    set the total). ``timings`` holds seconds for osm, gtfs, population, graph,
    distances and total. Distances and rules are checked before any file is read.
    """
    if stop_source not in {"gtfs", "osm", "gtfs+osm"}:
        raise SpatialInputError(
            "<parameters>",
            f"stop_source {stop_source!r} is unknown",
            "use 'gtfs', 'osm' or 'gtfs+osm'",
        )
    check_distances(low_capacity_m=low_capacity_m, high_capacity_m=high_capacity_m)
    if "gtfs" in stop_source and not gtfs:
        raise SpatialInputError(
            "<gtfs>",
            "stop_source includes gtfs but no feed given",
            "pass gtfs=[...] or stop_source='osm'",
        )
    if frequency is not None and "gtfs" not in stop_source:
        raise SpatialInputError(
            "<parameters>",
            "shares by frequency need GTFS timetables",
            "pass GTFS feeds (stop_source='gtfs'), or leave out frequency",
        )
    t0 = time.perf_counter()
    estimate = population is None
    data: OsmData = read_osm(osm, open_spaces=False, buildings=estimate)
    t_osm = time.perf_counter() - t0
    t1 = time.perf_counter()
    stops = read_stops(gtfs, data, stop_source, frequency=frequency is not None, date=service_date)
    t_gtfs = time.perf_counter() - t1
    t2 = time.perf_counter()
    params: dict[str, Any] = {
        "floor_area_per_person": floor_area_per_person,
        "population_total": population_total,
    }
    params = {k: v for k, v in params.items() if v is not None}
    if population is None:
        from sdgcities.spatial.builtin import estimate_population

        pop: Population = estimate_population(data, params)
    elif isinstance(population, Population):
        pop = population
    else:
        pop = read_population(population, column=population_column)
    bnd = boundary_area(boundary)
    t_pop = time.perf_counter() - t2
    t3 = time.perf_counter()
    graph = WalkGraph.from_osm(data)
    t_graph = time.perf_counter() - t3
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
        snap=snap,
        count_access_walk=count_access_walk,
    )
    if pop.is_estimate:
        from sdgcities.spatial.builtin import _note_estimate

        _note_estimate(res, pop, params)
    total = time.perf_counter() - t0
    res.timings = {
        "osm": round(t_osm, 4),
        "gtfs": round(t_gtfs, 4),
        "population": round(t_pop, 4),
        "parse": round(t_osm + t_gtfs + t_pop, 4),
        "graph": round(t_graph, 4),
        "distances": res.details.pop("distances_s"),
        "total": round(total, 4),
    }
    res.details["osm_counts"] = data.counts
    res.parameters["inputs"] = {
        "osm": Path(osm).name,
        "gtfs": [Path(g).name for g in (gtfs or [])],
        "population": pop.source
        if isinstance(population, Population) or population is None
        else Path(population).name,
    }
    return res


def read_stops(
    gtfs: Sequence[str | Path] | None,
    osm: OsmData,
    stop_source: str,
    *,
    frequency: bool = False,
    date: dt.date | None = None,
) -> Features:
    """The stops of ``stop_source``: the GTFS feeds' (``"gtfs"``), the extract's
    (``"osm"``) or both, one after the other (``"gtfs+osm"``)."""
    frames: list[Features] = []
    if "gtfs" in stop_source:
        frames.append(read_gtfs_stop_features(gtfs or [], frequency=frequency, date=date))
    if "osm" in stop_source:
        osm_stops = features_of(osm, "stops")
        if osm_stops is None:
            raise SpatialInputError("<osm>", "the extract was read without stops", "read it again")
        frames.append(osm_stops)
    return Features.concat(frames)
