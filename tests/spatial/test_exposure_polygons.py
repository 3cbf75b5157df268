"""Exposure to hazard polygons: hand cases, bad input, the real Helsinki DEM as polygons.

Hand layers are EPSG:3067 (metres).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from shapely.geometry import Point, box
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.errors import SpatialInputError
from sdgcities.profiling import exposure as ex_

runner = CliRunner(env={"COLUMNS": "200"})
CRS = "EPSG:3067"


def _zones(tmp_path: Path, crs: str | None = CRS) -> Path:
    """Two flood polygons: depth 0.3 m on x 0..100, depth 1.5 m on x 50..150 (they
    overlap on x 50..100, where the deeper class wins), y 0..100."""
    path = tmp_path / "flood.gpkg"
    gpd.GeoDataFrame(
        {"depth": [0.3, 1.5], "zone": ["shallow", "deep"]},
        geometry=[box(0, 0, 100, 100), box(50, 0, 150, 100)],
        crs=crs,
    ).to_file(path)
    return path


def _pop() -> gpd.GeoDataFrame:
    # A: x 0..100 (100 people), B: x 100..200 (40 people), C: a point at (120, 50), 10 people
    return gpd.GeoDataFrame(
        {"population": [100.0, 40.0, 10.0]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), Point(120, 50)],
        crs=CRS,
    )


def test_hand_case_depth_classes_overlap_points_and_buildings(tmp_path: Path) -> None:
    """Above 0.2 m with a break at 1 m.

    * class > 1 m = x 50..150 (the deep polygon, winning the overlap): A has half its
      area there (50 people), B half (20), the point C lies in it (10) → 80;
    * class 0.2–1 m = x 0..50 only (the rest of the shallow polygon): A's other half → 50;
    * buildings: one at x 10 (shallow), one at x 75 (overlap → deep), one at x 180 (dry).
    """
    rule = ex_.polygon_rule(below=None, above=0.2, units="m", classes=(1.0,))
    b = gpd.GeoDataFrame(
        geometry=[box(5, 5, 15, 15), box(70, 40, 80, 50), box(175, 40, 185, 50)], crs=CRS
    )
    r = ex_.exposure(_zones(tmp_path), rule, _pop(), buildings=b, hazard_field="depth")
    assert r.population_total == 150
    assert r.population_exposed == pytest.approx(130.0)
    assert r.population_unknown == 0
    assert [c["population_exposed"] for c in r.by_class] == pytest.approx([50.0, 80.0])
    assert [c["buildings_exposed"] for c in r.by_class] == [1, 1]
    assert r.buildings_exposed == 2
    assert r.provenance["hazard_kind"] == "polygons"
    assert r.provenance["hazard_field"] == "depth"
    # a higher threshold leaves only the deep polygon
    r2 = ex_.exposure(
        _zones(tmp_path),
        ex_.polygon_rule(below=None, above=1.0, units="m"),
        _pop(),
        hazard_field="depth",
    )
    assert r2.population_exposed == pytest.approx(80.0)


def test_inside_the_polygons_and_settlements(tmp_path: Path) -> None:
    """No field: everything inside x 0..150 is exposed: A 100 + B 20 + C 10 = 130.
    A settlement over x 0..50 holds 50 people of A, all exposed."""
    rule = ex_.polygon_rule(below=None, above=None, units=None)
    assert rule.mode == "inside"
    st = ex_.zones_from(
        gpd.GeoDataFrame({"name": ["Kibera"]}, geometry=[box(0, 0, 50, 100)], crs=CRS)
    )
    r = ex_.exposure(_zones(tmp_path), rule, _pop(), settlements=st)
    assert r.population_exposed == pytest.approx(130.0)
    assert r.informal is not None
    assert r.informal["inside"]["population"] == pytest.approx(50.0)
    assert r.informal["inside"]["population_exposed"] == pytest.approx(50.0)
    assert r.informal["outside"]["population_exposed"] == pytest.approx(80.0)
    assert r.settlements[0]["name"] == "Kibera"
    # 11.1.1 from mapped settlements: 50 of 150 people live inside → 33.33 %
    assert r.slum_proxy is not None
    assert r.slum_proxy["value"] == pytest.approx(100 * 50 / 150, abs=1e-4)
    assert "from mapped settlements" in r.slum_proxy["label"]
    assert r.provenance["sdg_11_1_1_proxy"]["kind"] == "proxy from mapped settlements"
    assert r.to_json_dict()["sdg_11_1_1_from_mapped_settlements"]["indicator"] == "11.1.1"


def test_bad_hazard_polygons_name_the_file_and_feature(tmp_path: Path) -> None:
    d = tmp_path / "nocrs"
    d.mkdir()
    gpd.GeoDataFrame({"depth": [1.0]}, geometry=[box(0, 0, 1, 1)]).to_file(d / "flood.shp")
    rule = ex_.polygon_rule(below=None, above=0.5, units="m")
    with pytest.raises(SpatialInputError, match=r"flood\.shp.*no coordinate reference"):
        ex_.exposure(d / "flood.shp", rule, _pop(), hazard_field="depth")
    with pytest.raises(SpatialInputError, match=r"no attribute 'depht' \(it has: depth, zone\)"):
        ex_.exposure(_zones(tmp_path), rule, _pop(), hazard_field="depht")
    with pytest.raises(SpatialInputError, match="need the attribute holding the value"):
        ex_.exposure(_zones(tmp_path), rule, _pop())
    bad = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame(
        {"depth": ["0.4", "deep"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=CRS
    ).to_file(bad)
    with pytest.raises(SpatialInputError, match=r"feature 2 has depth = 'deep', not a number"):
        ex_.exposure(bad, rule, _pop(), hazard_field="depth")


def test_cli_polygons(tmp_path: Path) -> None:
    pop = tmp_path / "pop.gpkg"
    _pop().iloc[:2].to_file(pop)
    out = tmp_path / "x.json"
    args = ["spatial", "exposure", "--hazard", str(_zones(tmp_path)), "--population", str(pop)]
    res = runner.invoke(
        app,
        [*args, "--hazard-field", "depth", "--above", "1", "--units", "m", "--return-period",
         "100", "--scenario", "SSP2-4.5 2050", "--json", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["population_exposed"] == pytest.approx(70.0)  # A 50 + B 20
    assert data["provenance"]["return_period"] == "100"
    assert data["provenance"]["scenario"] == "SSP2-4.5 2050"
    assert data["provenance"]["hazard_kind"] == "polygons"
    inside = runner.invoke(app, [*args, "--json", str(out)])
    assert inside.exit_code == 0, inside.output
    assert json.loads(out.read_text())["population_exposed"] == pytest.approx(120.0)
    wrong = runner.invoke(app, [*args, "--hazard-field", "nope", "--above", "1"])
    assert wrong.exit_code == 1
    assert "flood.gpkg" in wrong.output
    assert "Traceback" not in wrong.output


HELSINKI_DEM = "rasters/helsinki_lapinlahti_dem/elevation_model_2021.tif"


@pytest.mark.shared_data
def test_helsinki_dem_as_polygons_agrees_with_the_raster(shared_data: Path, tmp_path: Path) -> None:
    """The real Helsinki DEM's cells below 2 m, vectorised (rasterio.features.shapes)
    into a hazard-zone layer: people and buildings exposed to those polygons (areal
    intersection, point in polygon) must equal the raster path (exactextract, cell
    lookup) — two independent computations of the same exposure."""
    dem = shared_data / HELSINKI_DEM
    with rasterio.open(dem) as ds:
        z = ds.read(1, masked=True)
        t, crs = ds.transform, ds.crs
    low = (z.filled(np.inf) < 2.0).astype(np.uint8)
    shapes = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(low, transform=t) if v]
    assert shapes
    zones = gpd.GeoDataFrame({"low": [1] * len(shapes)}, geometry=shapes, crs=crs)
    pop = gpd.read_file(shared_data / "cities/helsinki/population_grid_250m_2020.gpkg")
    pop = pop[["population", "geometry"]]
    rr, cc = np.meshgrid(np.arange(2, z.shape[0] - 2, 7), np.arange(2, z.shape[1] - 2, 7))
    xs, ys = rasterio.transform.xy(t, rr.ravel(), cc.ravel())
    d = abs(t.a) * 0.2
    b = gpd.GeoDataFrame(
        geometry=[box(a - d, c - d, a + d, c + d) for a, c in zip(xs, ys, strict=True)], crs=crs
    )
    raster = ex_.exposure(dem, ex_.HazardRule("below", 2.0, "m"), pop, buildings=b)
    zp = tmp_path / "low.gpkg"
    zones.to_file(zp)
    inside = ex_.polygon_rule(below=None, above=None, units=None)
    poly = ex_.exposure(zp, inside, pop, buildings=b)
    assert raster.population_exposed > 0
    assert poly.population_exposed == pytest.approx(raster.population_exposed, rel=1e-3)
    assert poly.buildings_exposed == raster.buildings_exposed
    assert poly.population_total == raster.population_total


def test_cli_draft_layer_listed_then_published(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """``--city`` keeps a draft; ``profiles list`` shows it; ``profiles publish`` makes it
    public; an unknown id is exit 1 naming the stored ones."""
    from sdgcities.cities.service import create_city
    from sdgcities.profiling.models import ProfileLayer
    from sdgcities.store.db import init_store, transaction

    engine = init_store()
    with transaction(engine) as s:
        create_city(s, name="Testville", country="FIN")
    pop = tmp_path / "pop.gpkg"
    _pop().iloc[:2].to_file(pop)
    args = ["spatial", "exposure", "--hazard", str(_zones(tmp_path)), "--population", str(pop)]
    res = runner.invoke(app, [*args, "--city", "Testville"])
    assert res.exit_code == 0, res.output
    with transaction(engine) as s:
        layer = s.query(ProfileLayer).one()
        lid = layer.id
        assert not layer.is_published
    listed = runner.invoke(app, ["profiles", "list", "--city", "Testville"])
    assert listed.exit_code == 0, listed.output
    assert "draft" in listed.output
    assert "exposure" in listed.output
    pub = runner.invoke(app, ["profiles", "publish", str(lid)])
    assert pub.exit_code == 0, pub.output
    with transaction(engine) as s:
        assert s.get(ProfileLayer, lid).is_published  # type: ignore[union-attr]
    missing = runner.invoke(app, ["profiles", "publish", "999"])
    assert missing.exit_code == 1
    assert "no profile layer 999" in missing.output
    assert f"stored: {lid}" in missing.output
    assert "Traceback" not in missing.output


def test_spatial_run_with_a_polygon_hazard_in_the_kit(tmp_path: Path, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    """kit.yaml names hazard polygons and ``options.hazard_field``: `spatial run` keeps the
    exposure (A 50 + B 20 people above 1 m) as a draft layer."""
    import yaml

    from sdgcities.cities.service import create_city
    from sdgcities.profiling.models import ProfileLayer
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.runs import run_city
    from sdgcities.store.db import transaction

    kit = tmp_path / "kit"
    kit.mkdir()
    zones = _zones(kit)
    _pop().iloc[:2].to_file(kit / "population.geojson")
    options = {"hazard_field": "depth", "hazard_above": 1, "hazard_units": "m"}
    (kit / "kit.yaml").write_text(yaml.safe_dump({"hazard": zones.name, "options": options}))
    with transaction(sqlite_engine) as s:
        create_city(s, name="Testville", country="FIN")
    report = run_city(
        sqlite_engine, "Testville", discover_kit(kit), indicators=["hazard-exposure"], year=2024
    )
    assert report.computed == ["profile:exposure"], report.failed
    with transaction(sqlite_engine) as s:
        layer = s.query(ProfileLayer).one()
        assert layer.summary["population_exposed"] == pytest.approx(70.0)
        assert layer.provenance["hazard_kind"] == "polygons"


def test_a_kit_finds_hazard_polygons_by_name(tmp_path: Path) -> None:
    """``hazard*.gpkg`` in a kit folder is its hazard, as ``hazard*.tif`` is."""
    from sdgcities.spatial.kit import discover_kit

    kit = tmp_path / "kit"
    kit.mkdir()
    _zones(kit).rename(kit / "hazard_flood_rp100.gpkg")
    assert discover_kit(kit).hazard == kit / "hazard_flood_rp100.gpkg"
