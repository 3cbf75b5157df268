"""A walk network as one sparse graph, snapping, and multi-source shortest paths.

The graph is undirected (pedestrians ignore ``oneway``); nodes are OSM nodes, edges are
straight segments between consecutive way nodes, weights are lengths in metres in the
city's UTM zone.

Snapping
--------
A point (stop, population point, open-space entry) is projected onto its nearest
*segment* (shapely ``STRtree.query_nearest``), not onto the nearest node: it sits at
fraction ``t`` of edge ``(u, v)`` of length ``L``, ``snap_m`` metres off the network.

Multi-source distances
----------------------
Every source is joined to a virtual *super-source* ``S`` by two edges, ``S→u`` of weight
``offset + snap_m + t·L`` and ``S→v`` of weight ``offset + snap_m + (1−t)·L``; a single
``scipy.sparse.csgraph.dijkstra`` run from ``S`` with ``limit=`` gives every node its
distance to the nearest source. ``offset`` lets one run serve sources with different
thresholds: covered ⇔ ``d_low ≤ 500`` or ``d_high ≤ 1000`` ⇔
``min(d_low + 500, d_high) ≤ 1000``, so low-capacity stops get ``offset = 500`` and the
run uses ``limit = 1000`` (see :mod:`sdgcities.spatial.transit`). Paths cannot shortcut
through ``S``: its distance is 0, so re-entering it never shortens a path.

A point's distance is ``snap_m + min(d[u] + t·L, d[v] + (1−t)·L)``, or the direct
distance along the edge when a source sits on the same edge. The snapping distance is
counted as walked (``include_snap=True``, the default): a hex centroid 80 m inside a
block is 80 m further from the stop than the street in front of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sdgcities.spatial._crs import utm_crs_for, warn_if_geographic
from sdgcities.spatial.osm import OsmData

logger = logging.getLogger(__name__)

__all__ = ["Snapped", "WalkGraph", "to_metric"]

_EPS = 1e-6  # csgraph needs strictly positive weights for explicit edges


def to_metric(lon: np.ndarray, lat: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Project EPSG:4326 ``lon``/``lat`` arrays to ``crs`` (metres)."""
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


@dataclass(frozen=True)
class Snapped:
    """Points projected onto the network: edge index, fraction along it, offset in metres.

    ``edge`` is -1 (and ``snap_m`` inf) for points farther than the snapping limit.
    """

    edge: np.ndarray
    t: np.ndarray
    snap_m: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.edge >= 0

    def subset(self, mask: np.ndarray) -> Snapped:
        return Snapped(self.edge[mask], self.t[mask], self.snap_m[mask])


class WalkGraph:
    """The walk network in metres, with a spatial index of its segments."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, crs: CRS
    ) -> None:
        warn_if_geographic(crs, "walk network coordinates")
        self.crs = crs
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        keep = u != v
        u, v = u[keep], v[keep]
        # one undirected edge per node pair (the shortest; all are straight so equal)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        key = lo * (len(self.x) + 1) + hi
        _, first = np.unique(key, return_index=True)
        self.u = lo[first]
        self.v = hi[first]
        self.length = np.hypot(self.x[self.u] - self.x[self.v], self.y[self.u] - self.y[self.v])
        self.n_nodes = len(self.x)
        self._segments = shapely.linestrings(
            np.stack(
                [
                    np.stack([self.x[self.u], self.y[self.u]], axis=1),
                    np.stack([self.x[self.v], self.y[self.v]], axis=1),
                ],
                axis=1,
            )
        )
        self._tree = shapely.STRtree(self._segments)
        self._kdtree: Any = None
        self._kd_nodes = np.empty(0, dtype=np.int64)

    @classmethod
    def from_osm(cls, osm: OsmData, *, crs: CRS | None = None) -> WalkGraph:
        """The walkable edges of ``osm`` in ``crs`` (default: the UTM zone of its centre)."""
        if crs is None:
            minx, miny, maxx, maxy = osm.bounds()
            crs = utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)
        x, y = to_metric(osm.node_lon, osm.node_lat, crs)
        w = osm.edge_walk
        return cls(x, y, osm.edge_u[w], osm.edge_v[w], crs)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    def snap(self, x: np.ndarray, y: np.ndarray, *, max_snap_m: float = np.inf) -> Snapped:
        """Project points (metres, graph CRS) onto their nearest segment."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        n = len(x)
        edge = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        snap = np.full(n, np.inf)
        if n == 0 or self.n_edges == 0:
            return Snapped(edge, t, snap)
        pts = shapely.points(x, y)
        md = None if not np.isfinite(max_snap_m) else float(max_snap_m)
        idx, dist = self._tree.query_nearest(pts, max_distance=md, return_distance=True)
        # ties give several matches per point: keep the first per point
        pi, first = np.unique(idx[0], return_index=True)
        ei = idx[1][first]
        ax, ay = self.x[self.u[ei]], self.y[self.u[ei]]
        bx, by = self.x[self.v[ei]], self.y[self.v[ei]]
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            tt = np.where(l2 > 0, ((x[pi] - ax) * dx + (y[pi] - ay) * dy) / l2, 0.0)
        edge[pi] = ei
        t[pi] = np.clip(tt, 0.0, 1.0)
        snap[pi] = dist[first]
        return Snapped(edge, t, snap)

    def snap_to_nodes(self, x: np.ndarray, y: np.ndarray, *, max_snap_m: float = np.inf) -> Snapped:
        """Snap points to their nearest network node (what OSMnx ``nearest_nodes`` does)."""
        from scipy.spatial import cKDTree

        if self._kdtree is None:
            self._kd_nodes = np.unique(np.concatenate([self.u, self.v]))
            self._kdtree = cKDTree(np.stack([self.x[self._kd_nodes], self.y[self._kd_nodes]], 1))
        dist, i = self._kdtree.query(np.stack([np.asarray(x, float), np.asarray(y, float)], 1))
        on = self.add_nodes_as_sources(self._kd_nodes[i])
        far = dist > max_snap_m
        edge = np.where(far, -1, on.edge)
        return Snapped(edge, on.t, np.where(far, np.inf, dist))

    def add_nodes_as_sources(self, nodes: np.ndarray) -> Snapped:
        """Sources sitting exactly on graph nodes (offset 0), e.g. nodes inside a park."""
        nodes = np.asarray(nodes, dtype=np.int64)
        # pick any incident edge of each node
        edge_of = np.full(self.n_nodes, -1, dtype=np.int64)
        edge_of[self.v] = np.arange(self.n_edges)
        edge_of[self.u] = np.arange(self.n_edges)
        e = edge_of[nodes]
        t = np.where(self.u[np.maximum(e, 0)] == nodes, 0.0, 1.0)
        ok = e >= 0
        return Snapped(e[ok], t[ok], np.zeros(int(ok.sum())))

    def snap_points(
        self, x: np.ndarray, y: np.ndarray, *, how: str = "segment", max_snap_m: float = np.inf
    ) -> Snapped:
        """:meth:`snap` (``how="segment"``) or :meth:`snap_to_nodes` (``how="node"``)."""
        if how == "segment":
            return self.snap(x, y, max_snap_m=max_snap_m)
        if how == "node":
            return self.snap_to_nodes(x, y, max_snap_m=max_snap_m)
        raise ValueError(f"snapping must be 'segment' or 'node', got {how!r}")

    def node_distances(
        self,
        sources: Snapped,
        *,
        offsets: np.ndarray | float = 0.0,
        limit: float = np.inf,
        include_snap: bool = True,
    ) -> np.ndarray:
        """Distance (m) from every node to its nearest source, ``inf`` beyond ``limit``.

        One Dijkstra run from a super-source joined to each source's edge ends with
        weight ``offset + snap + t·L`` / ``offset + snap + (1−t)·L``.
        """
        ok = sources.ok
        e = sources.edge[ok]
        off = np.broadcast_to(np.asarray(offsets, dtype=float), sources.edge.shape)[ok]
        if include_snap:
            off = off + sources.snap_m[ok]
        if len(e) == 0:
            return np.full(self.n_nodes, np.inf)
        length = self.length[e]
        s = self.n_nodes
        src_nodes = np.concatenate([self.u[e], self.v[e]])
        src_w = np.concatenate([off + sources.t[ok] * length, off + (1 - sources.t[ok]) * length])
        # keep the smallest weight per node (csr would sum duplicates)
        order = np.lexsort((src_w, src_nodes))
        src_nodes, src_w = src_nodes[order], src_w[order]
        first = np.concatenate([[True], src_nodes[1:] != src_nodes[:-1]])
        src_nodes, src_w = src_nodes[first], src_w[first]
        within = src_w <= limit
        rows = np.concatenate([self.u, np.full(int(within.sum()), s)])
        cols = np.concatenate([self.v, src_nodes[within]])
        w = np.maximum(np.concatenate([self.length, src_w[within]]), _EPS)
        g = csr_matrix((w, (rows, cols)), shape=(s + 1, s + 1))
        d = dijkstra(g, directed=False, indices=s, limit=limit)
        return np.asarray(d[:s])

    def point_distances(
        self,
        node_dist: np.ndarray,
        points: Snapped,
        *,
        sources: Snapped | None = None,
        offsets: np.ndarray | float = 0.0,
        include_snap: bool = True,
    ) -> np.ndarray:
        """Distance (m) of snapped ``points`` to their nearest source.

        ``node_dist`` comes from :meth:`node_distances`; pass the same ``sources`` and
        ``offsets`` so that a point on the same edge as a source gets the direct distance.
        """
        n = len(points.edge)
        out = np.full(n, np.inf)
        ok = points.ok
        e = points.edge[ok]
        length = self.length[e]
        via_u = node_dist[self.u[e]] + points.t[ok] * length
        via_v = node_dist[self.v[e]] + (1 - points.t[ok]) * length
        d = np.minimum(via_u, via_v)
        if sources is not None and sources.ok.any():
            sok = sources.ok
            off = np.broadcast_to(np.asarray(offsets, dtype=float), sources.edge.shape)[sok]
            if include_snap:
                off = off + sources.snap_m[sok]
            # every (point, source) pair on the same edge: the direct walk along it
            se = sources.edge[sok]
            order = np.argsort(se, kind="stable")
            lo = np.searchsorted(se[order], e, side="left")
            n_pairs = np.searchsorted(se[order], e, side="right") - lo
            if n_pairs.any():
                pt = np.repeat(np.arange(len(e)), n_pairs)
                first = np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
                src = order[np.repeat(lo, n_pairs) + np.arange(len(pt)) - first]
                direct = off[src] + np.abs(points.t[ok][pt] - sources.t[sok][src]) * length[pt]
                np.minimum.at(d, pt, direct)
        if include_snap:
            d = d + points.snap_m[ok]
        out[ok] = d
        return out
