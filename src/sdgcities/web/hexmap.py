"""GeoJSON of a hex layer: H3 cells turned into polygons with ``h3`` (server side).

The JSON text is written directly (no intermediate dicts) because a city may have
50,000 cells; coordinates are rounded to 5 decimals (≈ 1 m).
"""

from __future__ import annotations

import json

import h3
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.store.models import HexCell, HexLayer


def _num(x: float | None) -> str:
    if x is None or x != x:  # NaN
        return "null"
    return repr(round(float(x), 4))


def layer_geojson(session: Session, layer: HexLayer) -> bytes:
    """The cells of ``layer`` as a GeoJSON FeatureCollection (UTF-8 bytes).

    Properties: ``share`` (0–1, population with access), ``population``, ``covered``
    (population with access) and ``distance_m``; the collection has a ``bbox``.
    """
    rows = session.execute(
        select(
            HexCell.h3,
            HexCell.share,
            HexCell.population,
            HexCell.population_covered,
            HexCell.distance_m,
        ).where(HexCell.layer_id == layer.id)
    ).all()
    parts: list[str] = []
    west = south = 180.0
    east = north = -180.0
    for cell, share, pop, covered, dist in rows:
        ring = h3.cell_to_boundary(cell)
        coords = ",".join(f"[{lng:.5f},{lat:.5f}]" for lat, lng in ring)
        first = ring[0]
        clat, clng = h3.cell_to_latlng(cell)
        west, east = min(west, clng), max(east, clng)
        south, north = min(south, clat), max(north, clat)
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
