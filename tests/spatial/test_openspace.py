"""SDG 11.7.1 a and b: hand-computed cases and a Las Palmas fingerprint."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from sdgcities.spatial.network import WalkGraph
from sdgcities.spatial.openspace import open_space_access, open_space_from_files
from sdgcities.spatial.population import Population

UTM = CRS.from_epsg(32628)
X0, Y0 = 450000.0, 3110000.0


def _g(geoms: list[shapely.Geometry], **cols: object) -> gpd.GeoDataFrame:
    moved = [shapely.affinity.translate(g, X0, Y0) for g in geoms]
    return gpd.GeoDataFrame(dict(cols), geometry=moved, crs=UTM).to_crs("EPSG:4326")


def test_open_space_access_line() -> None:
    x = np.array([0.0, 200.0, 400.0, 600.0, 800.0]) + X0
    g = WalkGraph(x, np.full(5, Y0), np.arange(4), np.arange(1, 5), UTM)
    park = _g([shapely.box(-50, 5, 0, 55)])  # 5 m north of the street, at its west end
    pts = _g(
        [shapely.Point(v, 0) for v in (0, 200, 390, 400, 800)], population=[1.0, 1.0, 1.0, 1.0, 6.0]
    )
    r = open_space_access(g, park, Population(pts, "<t>"))
    # entry at (0, 5) snaps 5 m to (0, 0): distances 5, 205, 395, 405, 805
    assert r.population_covered == 3
    assert r.value == pytest.approx(30.0)


@pytest.mark.shared_data
def test_las_palmas_fingerprint(shared_data: Path) -> None:
    d = shared_data / "cities" / "las_palmas"
    out = open_space_from_files(
        d / "osm.pbf", "buildings:443141", boundary=d / "boundary_municipality.geojson"
    )
    a, b = out["11.7.1a"], out["11.7.1b"]
    assert a.details["open_spaces"] == 994
    assert a.details["built_up_km2"] == pytest.approx(103.24, abs=0.05)
    assert a.value == pytest.approx(14.89, abs=0.5)
    assert b.population_is_estimate
    assert b.value == pytest.approx(86.54, abs=0.5)
    assert 0 < a.details["open_space_share"] < a.value
