"""Informal settlements in the neighbourhood profiles and the 11.1.1 proxy (hand cases)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from sdgcities.profiling import areas as ar
from sdgcities.profiling.profile import PointData, _settlement_columns, profile_table
from sdgcities.profiling.settlements import PROXY_LABEL, load_settlements, slum_proxy

W = box(0.0, 0.0, 0.01, 0.01)
E = box(0.01, 0.0, 0.02, 0.01)


class _Extras:
    """The one attribute of :class:`~sdgcities.profiling.osmextra.OsmExtras` used here."""

    def __init__(self, informal: gpd.GeoDataFrame) -> None:
        self.informal = informal


def test_people_inside_settlements_per_neighbourhood_and_the_proxy() -> None:
    """W holds p0 (100 people, inside the settlement) and p1 (300, outside); E holds p2
    (200, inside a second settlement) and p3 (50, outside). City: 300 of 650 inside →
    46.15 %; W 100/400 = 25 %, E 200/250 = 80 %."""
    nb = ar.Neighbourhoods(
        gpd.GeoDataFrame(
            {"area_id": ["w", "e"], "name": ["W", "E"]}, geometry=[W, E], crs="EPSG:4326"
        ),
        {},
    )
    pts = PointData(
        lon=np.array([0.002, 0.008, 0.015, 0.019]),
        lat=np.full(4, 0.005),
        weights={"population": np.array([100.0, 300.0, 200.0, 50.0])},
    )
    informal = gpd.GeoDataFrame(
        {"osm_id": [1, 2], "name": ["Vila A", None]},
        geometry=[box(0.001, 0.001, 0.003, 0.009), box(0.014, 0.001, 0.016, 0.009)],
        crs="EPSG:4326",
    )
    table, city, _dep, _w = profile_table(nb, pts, dimensions=[])
    proxy = _settlement_columns(table, city, nb, pts, None, _Extras(informal))
    assert proxy is not None
    assert table["population_in_settlements"].tolist() == [100.0, 200.0]
    assert table["population_outside_settlements"].tolist() == [300.0, 50.0]
    assert table["settlement_share"].tolist() == pytest.approx([25.0, 80.0])
    assert city["settlement_share"] == pytest.approx(100 * 300 / 650, abs=1e-4)
    assert proxy["value"] == pytest.approx(46.1538, abs=1e-4)
    assert proxy["indicator"] == "11.1.1"
    assert "from mapped settlements" in proxy["label"]
    assert proxy["label"] == PROXY_LABEL
    assert "household-survey" in proxy["label"]
    assert "UN-Habitat" in proxy["source"]
    assert proxy["settlements_from"].startswith("OSM")


def test_no_settlements_adds_nothing() -> None:
    assert load_settlements(None, None) == (None, "")
    empty = gpd.GeoDataFrame({"osm_id": [], "name": []}, geometry=[], crs="EPSG:4326")
    assert load_settlements(None, _Extras(empty)) == (None, "")
    assert slum_proxy(0.0, 0.0, settlements_from="x")["value"] is None
