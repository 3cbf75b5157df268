"""The compact cells of a hex layer (the city page's map) against h3 and the GeoJSON.

Cells near a resolution-9 pentagon: the pentagon (10 boundary vertices at this class III
resolution), cells crossing an icosahedron edge (7 and 8), ordinary hexagons (6); one cell
without a share, one without a distance. GENERATED TEST values.
"""

from __future__ import annotations

import json
from typing import Any

import h3
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sdgcities.store.db import transaction
from sdgcities.store.models import City, HexCell, HexLayer
from sdgcities.web.hexmap import CELL_SCALE, layer_cells_json, layer_geojson


def _cells() -> list[str]:
    pentagon = sorted(h3.get_pentagons(9))[0]
    near = sorted(h3.grid_disk(pentagon, 20))
    by_size: dict[int, str] = {}
    for cell in near:
        by_size.setdefault(len(h3.cell_to_boundary(cell)), cell)
    assert {6, 7, 8, 10} <= set(by_size), by_size
    return [by_size[10], by_size[7], by_size[8], by_size[6], *near[:20]]


def decode(body: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The rings of the compact format, as a reader of its docstring would decode them."""
    rings, k = [], 0
    coords, scale = body["coords"], body["scale"]
    for n in body["vertices"]:
        x, y, ring = 0, 0, []
        for j in range(n):
            dx, dy = coords[2 * k], coords[2 * k + 1]
            x, y = (dx, dy) if j == 0 else (x + dx, y + dy)
            ring.append((x / scale, y / scale))
            k += 1
        rings.append(ring)
    assert 2 * k == len(coords)
    return rings


def _new_layer(s: Session, name: str) -> HexLayer:
    """An empty layer of a new city."""
    city = City(slug=name.lower().replace(" ", "-"), name=name, country_iso3="KEN")
    s.add(city)
    s.flush()
    layer = HexLayer(city_id=city.id, indicator_code="11.2.1", name=f"{name} (test)")
    s.add(layer)
    s.flush()
    return layer


def test_cells_are_h3_boundaries_and_the_geojson_values(engine: Engine) -> None:
    cells = list(dict.fromkeys(_cells()))
    with transaction(engine) as s:
        layer = _new_layer(s, "Access")
        s.add_all(
            HexCell(
                layer_id=layer.id,
                h3=cell,
                population=2.83215 if i == 3 else 100.0 + i,  # a tie at the 5th decimal
                population_covered=50.0 + i / 3,
                share=None if i == 1 else (50.0 + i / 3) / (100.0 + i),
                distance_m=None if i == 2 else 123.456 * i,
            )
            for i, cell in enumerate(cells)
        )
    with transaction(engine) as s:
        stored = s.get(HexLayer, layer.id)
        assert stored is not None
        body = json.loads(layer_cells_json(s, stored))
        geo = json.loads(layer_geojson(s, stored))
    assert body["count"] == len(cells) == len(geo["features"])
    assert body["scale"] == CELL_SCALE
    rings = decode(body)
    for cell, ring, feature in zip(body["h3"], rings, geo["features"], strict=True):
        # h3 itself: every vertex, lon/lat, to the 5 decimals written (1/CELL_SCALE degree)
        expected = [(round(lng, 5), round(lat, 5)) for lat, lng in h3.cell_to_boundary(cell)]
        assert [(round(x, 5), round(y, 5)) for x, y in ring] == expected
        # the GeoJSON download of the same layer: its ring, unclosed, and its values
        assert feature["properties"]["h3"] == cell
        assert [tuple(p) for p in feature["geometry"]["coordinates"][0][:-1]] == [
            (round(x, 5), round(y, 5)) for x, y in ring
        ]
        i = body["h3"].index(cell)
        for key in ("share", "population", "covered", "distance_m"):
            assert body[key][i] == feature["properties"][key], key
    assert sorted(body["vertices"])[-1] == 10  # the pentagon
    assert body["share"].count(None) == 1
    assert body["distance_m"].count(None) == 1
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    assert (
        body["bbox"]
        == geo["bbox"]
        == [
            round(min(xs), 5),
            round(min(ys), 5),
            round(max(xs), 5),
            round(max(ys), 5),
        ]
    )
    assert body["name"] == "Access (test)"
    assert body["indicator"] == "11.2.1"


def test_an_empty_layer_has_no_cells_and_no_bbox(engine: Engine) -> None:
    with transaction(engine) as s:
        body = json.loads(layer_cells_json(s, _new_layer(s, "Empty")))
    assert body["count"] == 0
    assert body["vertices"] == body["coords"] == body["h3"] == body["share"] == []
    assert "bbox" not in body
