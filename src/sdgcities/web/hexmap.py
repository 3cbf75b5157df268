"""GeoJSON of a hex layer: H3 cells turned into polygons with ``h3`` (server side).

The JSON text is written directly (no intermediate dicts) because a city may have
50,000 cells; coordinates are rounded to 5 decimals (≈ 1 m). The layer's ``bbox`` is the
extent of the hexagons' boundaries (not of their centres, which would clip the outer
ring). :func:`layer_extent` says what area a layer — and the value computed with it —
covers; :func:`layer_outline_geojson` is its outline, drawn as context on the map.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import h3
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.store.db import raw_rows
from sdgcities.store.models import HexCell, HexLayer, SpatialRun


def _num(x: float | None) -> str:
    if x is None or x != x:  # NaN
        return "null"
    return repr(round(float(x), 4))


def layer_geojson(session: Session, layer: HexLayer) -> bytes:
    """The cells of ``layer`` as a GeoJSON FeatureCollection (UTF-8 bytes).

    Properties: ``share`` (0–1, population with access), ``population``, ``covered``
    (population with access) and ``distance_m``; the collection has a ``bbox``.
    """
    rows = _cell_rows(session, layer)
    parts: list[str] = []
    west = south = 180.0
    east = north = -180.0
    for cell, share, pop, covered, dist in rows:
        ring = h3.cell_to_boundary(cell)
        coords = ",".join(f"[{lng:.5f},{lat:.5f}]" for lat, lng in ring)
        first = ring[0]
        for lat, lng in ring:
            west, east = min(west, lng), max(east, lng)
            south, north = min(south, lat), max(north, lat)
        parts.append(
            '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[['
            f'{coords},[{first[1]:.5f},{first[0]:.5f}]]]}},"properties":{{"h3":"{cell}",'
            f'"share":{_num(share)},"population":{_num(pop)},"covered":{_num(covered)},'
            f'"distance_m":{_num(dist)}}}}}'
        )
    head = {
        "type": "FeatureCollection",
        "name": layer.name,
        "indicator": layer.indicator_code,
        "resolution": layer.resolution,
        "population_is_estimate": layer.population_is_estimate,
        "attribution": layer.attribution,
    }
    if rows:
        head["bbox"] = [round(west, 5), round(south, 5), round(east, 5), round(north, 5)]
    text = json.dumps(head)[:-1] + ',"features":[' + ",".join(parts) + "]}"
    return text.encode()


#: coordinates of :func:`layer_cells_json` are integers of this many per degree (≈ 1 m)
CELL_SCALE = 100_000


def layer_cells_json(session: Session, layer: HexLayer) -> bytes:
    """The cells of ``layer`` for the city page's map: compact columnar JSON (UTF-8 bytes).

    The map needs the same numbers as :func:`layer_geojson` (boundaries rounded to
    5 decimals, the four values, the extent) and none of GeoJSON's per-feature text,
    which is five times the size and slower to write, send and parse. Keys:

    * ``count``: cells; ``vertices``: boundary vertices of each cell (6; 5 for a
      pentagon; more where a cell crosses an icosahedron edge), the ring not closed;
    * ``coords``: per vertex ``lon, lat`` as integers of 1/``scale`` degree; a cell's
      first vertex is absolute, each further vertex the difference from the one before
      (small numbers, short text);
    * ``h3``, ``share``, ``population``, ``covered``, ``distance_m``: a list each, in
      cell order (``null`` where unknown);
    * ``bbox`` (``[west, south, east, north]`` of the boundaries) and the layer's
      ``name``, ``indicator``, ``resolution``, ``population_is_estimate``, ``attribution``.
    """
    import numpy as np

    rows = _cell_rows(session, layer)
    rings = [h3.cell_to_boundary(r[0]) for r in rows]
    counts = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    latlng = np.array([v for ring in rings for v in ring], dtype=np.float64).reshape(-1, 2)
    quantised = np.rint(latlng[:, ::-1] * CELL_SCALE).astype(np.int64)  # lon, lat
    deltas = quantised.copy()
    deltas[1:] -= quantised[:-1]
    starts = np.cumsum(counts) - counts
    deltas[starts] = quantised[starts]
    head: dict[str, object] = {
        "name": layer.name,
        "indicator": layer.indicator_code,
        "resolution": layer.resolution,
        "population_is_estimate": layer.population_is_estimate,
        "attribution": layer.attribution,
        "scale": CELL_SCALE,
        "count": len(rows),
    }
    if rows:
        lo, hi = quantised.min(axis=0) / CELL_SCALE, quantised.max(axis=0) / CELL_SCALE
        head["bbox"] = [round(float(v), 5) for v in (lo[0], lo[1], hi[0], hi[1])]

    def values(i: int) -> str:  # as layer_geojson's _num: Python's round, null for NaN
        col = (r[i] for r in rows)
        return json.dumps(
            [None if v is None or v != v else round(float(v), 4) for v in col], separators=SEP
        )

    parts = [
        json.dumps(head)[:-1],
        f'"vertices":{json.dumps(counts.tolist(), separators=SEP)}',
        f'"coords":{json.dumps(deltas.ravel().tolist(), separators=SEP)}',
        f'"h3":{json.dumps([r[0] for r in rows], separators=SEP)}',
        *(f'"{key}":{values(i)}' for i, key in _CELL_VALUES),
    ]
    return (",".join(parts) + "}").encode()


def _cell_rows(session: Session, layer: HexLayer) -> list[tuple[Any, ...]]:
    """(h3, share, population, covered, distance_m) of every cell of ``layer``."""
    return raw_rows(  # plain columns: no per-row processing of 50,000 rows
        session,
        select(
            HexCell.h3,
            HexCell.share,
            HexCell.population,
            HexCell.population_covered,
            HexCell.distance_m,
        ).where(HexCell.layer_id == layer.id),
    )


#: compact JSON: no spaces after separators
SEP = (",", ":")

#: the value columns of :func:`layer_cells_json`: (position in its query's row, key)
_CELL_VALUES = ((1, "share"), (2, "population"), (3, "covered"), (4, "distance_m"))


#: mean Earth radius (IUGG), metres — for the extent's width and height
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LayerExtent:
    """The area a hex layer covers: its bounds, size and the number of hexagons."""

    west: float
    south: float
    east: float
    north: float
    width_km: float
    height_km: float
    area_km2: float
    cells: int

    @property
    def bbox(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


def bbox_size_km(bbox: list[float]) -> tuple[float, float]:
    """East–west (along the middle latitude) and north–south size of a lon/lat bbox, km."""
    west, south, east, north = bbox
    mid = math.radians((south + north) / 2)
    width = math.radians(east - west) * math.cos(mid) * EARTH_RADIUS_M / 1000
    height = math.radians(north - south) * EARTH_RADIUS_M / 1000
    return width, height


def extent_of_cells(cells: list[str]) -> LayerExtent | None:
    """Bounds of the cells' boundaries, their east–west and north–south size and area.

    Width is measured along the middle latitude, height along a meridian (spherical
    Earth, ``R = 6,371.0088 km``); the area is the sum of the exact H3 cell areas
    (``h3.cell_area``). None for no cells.

    >>> e = extent_of_cells([h3.latlng_to_cell(60.17, 24.94, 9)])
    >>> round(e.area_km2, 3), e.cells
    (0.081, 1)
    """
    if not cells:
        return None
    west = south = math.inf
    east = north = -math.inf
    area = 0.0
    for cell in cells:
        for lat, lng in h3.cell_to_boundary(cell):
            west, east = min(west, lng), max(east, lng)
            south, north = min(south, lat), max(north, lat)
        area += h3.cell_area(cell, "km^2")
    width, height = bbox_size_km([west, south, east, north])
    return LayerExtent(
        round(west, 5), round(south, 5), round(east, 5), round(north, 5),
        width, height, area, len(cells),
    )  # fmt: skip


def _cells(session: Session, layer: HexLayer) -> list[str]:
    return list(session.scalars(select(HexCell.h3).where(HexCell.layer_id == layer.id)))


def layer_extent(session: Session, layer: HexLayer) -> LayerExtent | None:
    """The area ``layer`` covers (see :func:`extent_of_cells`)."""
    return extent_of_cells(_cells(session, layer))


def layer_outline_geojson(session: Session, layer: HexLayer) -> bytes:
    """The outline of the layer's hexagons (``h3.cells_to_geo``) as a GeoJSON Feature."""
    cells = _cells(session, layer)
    feature: dict[str, object] = {
        "type": "Feature",
        "properties": {"layer": layer.name, "kind": "hex layer outline"},
        "geometry": None,
    }
    if cells:
        geo = h3.cells_to_geo(cells)
        feature["geometry"] = {"type": geo["type"], "coordinates": _round(geo["coordinates"])}
    return json.dumps(feature, separators=(",", ":")).encode()


def _round(coords: object) -> object:
    if isinstance(coords, list | tuple):
        if coords and isinstance(coords[0], float | int):
            return [round(float(c), 5) for c in coords]
        return [_round(c) for c in coords]
    return coords


def run_details(session: Session, layer: HexLayer) -> dict[str, object]:
    """The ``details`` of the spatial result the layer came from (empty when unknown)."""
    if layer.run_id is None:
        return {}
    run = session.get(SpatialRun, layer.run_id)
    results = (run.result or {}).get("results", []) if run is not None else []
    for res in results:
        if isinstance(res, dict) and res.get("indicator") == layer.indicator_code:
            details = res.get("details") or {}
            return details if isinstance(details, dict) else {}
    return {}


def extract_bbox_of(session: Session, layer: HexLayer) -> list[float] | None:
    """``[west, south, east, north]`` of the OSM extract the layer was computed from."""
    bbox = run_details(session, layer).get("extract_bbox")
    if isinstance(bbox, list) and len(bbox) == 4:
        return [float(v) for v in bbox]
    return None


def layer_streets_geojson(session: Session, layer: HexLayer) -> bytes | None:
    """The streets of the layer's extract (``sdgcities.spatial.context``) as a Feature."""
    details = run_details(session, layer)
    lines = details.get("streets")
    if not isinstance(lines, list) or not lines:
        return None
    feature = {
        "type": "Feature",
        "properties": {
            "kind": "streets of the extract",
            "complete": bool(details.get("streets_complete", True)),
            "attribution": "© OpenStreetMap contributors, ODbL 1.0",
        },
        "geometry": {"type": "MultiLineString", "coordinates": lines},
    }
    return json.dumps(feature, separators=(",", ":")).encode()
