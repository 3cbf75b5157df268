"""Map context stored with a spatial run: the extract's extent and a simplified street layer.

A value computed from an OpenStreetMap extract covers the extract, not necessarily the
whole city. So that a page can say which area a value covers and draw where it is (no
basemap is fetched from the network), each network indicator's result keeps in its
``details``:

* ``extract_bbox`` — ``[west, south, east, north]`` of the extract's highway nodes;
* ``streets`` — the extract's streets as GeoJSON ``MultiLineString`` coordinates (one
  two-point line per edge, 5 decimals ≈ 1 m), the most important classes first and
  cut at :data:`MAX_SEGMENTS` so a large city does not bloat the store
  (``streets_complete`` says whether every street is there).

Streets are © OpenStreetMap contributors (ODbL 1.0); whoever draws them credits that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sdgcities.spatial.osm import OsmData

#: highway classes drawn, most important first (OSM ``highway=*``)
STREET_CLASSES: tuple[tuple[str, ...], ...] = (
    ("motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"),
    ("secondary", "tertiary", "secondary_link", "tertiary_link"),
    ("residential", "unclassified", "living_street", "pedestrian", "service"),
)
#: at most this many segments are stored
MAX_SEGMENTS = 8_000


def extract_bbox(osm: OsmData) -> list[float] | None:
    """``[west, south, east, north]`` of the extract's highway nodes (None when empty)."""
    if len(osm.node_lon) == 0:
        return None
    return [round(v, 5) for v in osm.bounds()]


def street_segments(
    osm: OsmData, *, max_segments: int = MAX_SEGMENTS
) -> tuple[list[list[list[float]]], bool]:
    """The extract's street edges as two-point lines, and whether all classes fit.

    Classes of :data:`STREET_CLASSES` are added group by group while the total stays
    within ``max_segments`` (the first group is cut to fit when it alone is larger).

    >>> import geopandas as gpd
    >>> empty = gpd.GeoDataFrame()
    >>> osm = OsmData("x", np.array([0.0, 0.001, 0.002]), np.array([0.0, 0.0, 0.001]),
    ...               np.array([0, 1]), np.array([1, 2]), np.array([True, True]),
    ...               np.array(["primary", "footway"], dtype=object), np.array([np.nan] * 2),
    ...               empty, empty, empty)
    >>> street_segments(osm)
    ([[[0.0, 0.0], [0.001, 0.0]]], True)
    """
    lon = np.round(osm.node_lon.astype(float), 5)
    lat = np.round(osm.node_lat.astype(float), 5)
    highway = np.asarray(osm.edge_highway, dtype=object)
    chosen = np.zeros(len(highway), dtype=bool)
    complete = True
    for group in STREET_CLASSES:
        mask = np.isin(highway, list(group)) & ~chosen
        if chosen.sum() + mask.sum() > max_segments:
            if not chosen.any():
                mask[np.flatnonzero(mask)[max_segments:]] = False
                chosen |= mask
            complete = False
            break
        chosen |= mask
    idx = np.flatnonzero(chosen)
    u, v = osm.edge_u[idx], osm.edge_v[idx]
    lines = [
        [[float(lon[a]), float(lat[a])], [float(lon[b]), float(lat[b])]]
        for a, b in zip(u, v, strict=True)
    ]
    return lines, complete


def map_context(osm: OsmData) -> dict[str, Any]:
    """What a result's ``details`` keep for its map (see the module docstring)."""
    lines, complete = street_segments(osm)
    return {"extract_bbox": extract_bbox(osm), "streets": lines, "streets_complete": complete}
