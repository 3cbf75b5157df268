"""Chromium opens a neighbourhood profile, an exposure map and a group profile: features
drawn, a legend with class breaks, no errors.

The layers are computed here by the real functions: neighbourhood profiles of two
hand-made neighbourhoods in Nairobi, exposure of three population squares to a tiny
elevation raster written for the test, and the map layer of a hand-made group profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from sqlalchemy import select

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import seed
from tests.spatial._rasters import write_raster

pytestmark = pytest.mark.browser
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _layers(engine: Any, root: Path) -> None:
    from sdgcities.profiling import exposure as ex_
    from sdgcities.profiling.areas import Neighbourhoods
    from sdgcities.profiling.deprivation import Dimension
    from sdgcities.profiling.profile import PointData, profile_table
    from sdgcities.profiling.service import feature_collection, store_layer
    from sdgcities.store.models import City

    areas = gpd.GeoDataFrame(
        {"area_id": ["w", "e"], "name": ["Westlands", "Eastleigh"]},
        geometry=[box(36.80, -1.30, 36.82, -1.28), box(36.82, -1.30, 36.84, -1.28)],
        crs="EPSG:4326",
    )
    pts = PointData(
        np.array([36.81, 36.83]),
        np.array([-1.29, -1.29]),
        {"population": np.array([1000.0, 800.0])},
        access={"transit_access": np.array([0.9, 0.3])},
    )
    table, city_v, dep, _ = profile_table(
        Neighbourhoods(areas, {"source": "file"}), pts, dimensions=[Dimension("transit_access", 50)]
    )
    assert dep is not None
    dem = write_raster(
        root / "dem.tif",
        np.array([[1.0, 5.0], [0.5, 3.0]], dtype=np.float32),
        res=0.01,
        crs="EPSG:4326",
        x0=36.80,
        y0=-1.28,
    )
    pop = gpd.GeoDataFrame(
        {"population": [100.0, 50.0]},
        geometry=[box(36.80, -1.30, 36.81, -1.28), box(36.81, -1.30, 36.82, -1.28)],
        crs="EPSG:4326",
    )
    res = ex_.exposure(dem, ex_.HazardRule("below", 2.0, "m"), pop)
    cells = res.cells
    assert cells is not None
    share = 100 * cells["population_exposed"] / cells["population"]
    from sdgcities.profiling.groups import group_layer_features
    from tests.spatial.test_groups_web import group_profile_by_hand

    gp = group_profile_by_hand()
    with transaction(engine) as session:
        city = session.scalars(select(City).where(City.slug == "nairobi-ken")).one()
        summary = {"city": city_v, "deprivation": dep.summary()}
        store_layer(
            session,
            city,
            "neighbourhoods",
            feature_collection(table),
            summary,
            {"neighbourhoods": {"source": "file"}},
            published=True,
        )
        store_layer(
            session,
            city,
            "exposure",
            feature_collection(cells.assign(exposed_share=share)),
            res.to_json_dict(),
            {},
            published=True,
        )
        store_layer(
            session,
            city,
            "groups",
            feature_collection(group_layer_features(gp)),
            gp.to_json_dict(),
            gp.provenance,
            published=True,
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("profiling")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine, hex_rings=1)
    _layers(engine, root)
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.mark.parametrize(
    ("path", "map_id", "features"),
    [
        ("/cities/nairobi-ken/neighbourhoods", "nb-map", 2),
        ("/cities/nairobi-ken/exposure", "ex-map", 2),
        ("/cities/nairobi-ken/groups", "gp-map", 2),
    ],
)
def test_profile_maps_draw_their_features(
    server: str, chromium: Any, path: str, map_id: str, features: int, screenshots: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    left: list[str] = []

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        response = page.goto(server + path, wait_until="networkidle")
        assert response is not None
        assert response.status == 200
        page.wait_for_selector(f"#{map_id}[data-ready='1']", timeout=15_000)
        assert page.get_attribute(f"#{map_id}", "data-features") == str(features)
        drawn = page.locator(f"#{map_id} path.leaflet-interactive").count()
        assert drawn == features
        # the legend: a title, at least one class with its colour swatch
        legend = page.locator(f"#{map_id}-legend")
        assert int(legend.get_attribute("data-classes") or 0) >= 1
        assert legend.locator(".swatch").count() >= 1
        if map_id == "nb-map":
            assert "%" in legend.inner_text() or "score" in legend.inner_text().lower()
        if map_id == "gp-map":  # the group shares 25 % and 75 %, and the table of gaps
            assert "refugees" in legend.inner_text()
            assert "-40" in page.inner_text("#gp-gaps") or "−40" in page.inner_text("#gp-gaps")
        if map_id == "nb-map":  # the column chooser repaints the same features
            page.select_option("#nb-column", "transit_access")
            assert page.locator(f"#{map_id} path.leaflet-interactive").count() == features
            assert "Westlands" in page.inner_text("#nb-table")
        page.screenshot(path=str(screenshots / f"profiling_{map_id}.png"), full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()
    assert left == []
    assert errors == []
