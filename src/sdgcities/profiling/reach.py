"""Walking access to services on the engine's walk graph.

A person at population point ``i`` reaches a service within ``t`` minutes when the
network walking distance to the nearest service location is at most
``speed_kmh · 1000 / 60 · t`` metres — at the default **4.8 km/h** (80 m a minute, the
walking speed of the UN-Habitat/ITDP access methods), 15 minutes = 1,200 m and
30 minutes = 2,400 m.

For each service, **one** multi-source Dijkstra run with ``limit`` = the longest
threshold (:meth:`sdgcities.spatial.network.WalkGraph.node_distances`) gives every node
its distance to the nearest location; each point's distance is then read off its snapped
edge (:meth:`~sdgcities.spatial.network.WalkGraph.point_distances`). Snapping follows
11.2.1's default (nearest street segment, the walk to it counted). Nothing is computed
per neighbourhood or per group: those are weighted sums over the same per-point result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._access import points_xy
from sdgcities.spatial.network import Snapped, WalkGraph

WALK_SPEED_KMH = 4.8
MINUTES = (15, 30)
#: service locations farther than this from a walkable street are left out
MAX_SERVICE_SNAP_M = 200.0


def minutes_to_m(minutes: float, speed_kmh: float = WALK_SPEED_KMH) -> float:
    """Walking distance (m) covered in ``minutes`` at ``speed_kmh``.

    >>> minutes_to_m(15), minutes_to_m(30)
    (1200.0, 2400.0)
    """
    if not speed_kmh > 0:
        raise SpatialInputError(
            "<parameters>",
            f"walking speed {speed_kmh} km/h",
            "give a speed above 0 (default 4.8 km/h)",
        )
    return float(minutes) * speed_kmh * 1000.0 / 60.0


@dataclass
class ServiceReach:
    """Per population point: distance (m) to the nearest location of each service."""

    distance_m: dict[str, np.ndarray]
    locations: dict[str, int]
    dropped: dict[str, int]
    speed_kmh: float = WALK_SPEED_KMH
    minutes: tuple[int, ...] = MINUTES
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def within(self, service: str, minutes: float) -> np.ndarray:
        return self.distance_m[service] <= minutes_to_m(minutes, self.speed_kmh) + 1e-6


def service_reach(
    graph: WalkGraph,
    pop_snapped: Snapped,
    services: dict[str, gpd.GeoDataFrame],
    *,
    minutes: tuple[int, ...] = MINUTES,
    speed_kmh: float = WALK_SPEED_KMH,
) -> ServiceReach:
    """Distances of snapped population points to each service (one Dijkstra per service)."""
    t0 = time.perf_counter()
    limit = minutes_to_m(max(minutes), speed_kmh) + 1.0
    out: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for name, locs in services.items():
        if locs is None or locs.empty:
            continue
        x, y = points_xy(locs, graph)
        src = graph.snap(x, y, max_snap_m=MAX_SERVICE_SNAP_M)
        counts[name] = int(src.ok.sum())
        dropped[name] = int((~src.ok).sum())
        if not src.ok.any():
            out[name] = np.full(len(pop_snapped.edge), np.inf)
            continue
        nd = graph.node_distances(src, limit=limit)
        out[name] = graph.point_distances(nd, pop_snapped, sources=src)
    return ServiceReach(out, counts, dropped, speed_kmh, tuple(minutes), time.perf_counter() - t0)


def services_from_counts(
    points: gpd.GeoDataFrame, columns: list[str]
) -> dict[str, gpd.GeoDataFrame]:
    """Service locations from a layer's count columns (e.g. the Porto Alegre hexes'
    ``schools``, ``jobs``, ``healthcare``): every feature whose count is above 0."""
    out = {}
    for c in columns:
        v = np.asarray(points[c], dtype=float)
        out[c] = points.loc[np.nan_to_num(v) > 0, ["geometry"]]
    return out
