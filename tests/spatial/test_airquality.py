"""SDG 11.6.2 (population-weighted PM2.5): hand cases, Helsinki fingerprint.

There is no real PM2.5 raster in the data kits. The real-city tests put a PM2.5 field
*constructed for the test* (a constant equal to the UCDB's E_CPM2_T14 for Las Palmas,
14.50 µg/m³, and a linear gradient) over Helsinki's real 250 m population grid: they
check the plumbing on real geometry, not a real air-quality figure.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.airquality import air_quality, who_band
from tests.spatial._rasters import write_raster

PM = np.array([[10, 20, 30], [40, 50, 60], [70, 80, -9999]], dtype="float32")
POP = np.array([[1, 0, 2], [1, 1, 1], [0, 5, 3]], dtype="float32")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/helsinki_pop_250m"
HELSINKI_TIF = FIXTURE / "population_250m_epsg3879.tif"
UCDB_LAS_PALMAS_PM25_2014 = 14.5018


def _write(
    path: Path,
    arr: np.ndarray,
    *,
    res: float = 100.0,
    nodata: float = -9999,
    crs: str = "EPSG:3067",
    x0: float = 0.0,
    y0: float = 300.0,
) -> Path:
    return write_raster(path, arr, res=res, nodata=nodata, crs=crs, x0=x0, y0=y0)


def test_weighted_mean_same_grid_by_hand(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", PM)
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    r = air_quality(pm, pop)
    # Σ C·P over cells with PM = 10 + 60 + 40 + 50 + 60 + 400 = 620; Σ P there = 11
    assert r.value == pytest.approx(620 / 11)
    assert r.population_total == pytest.approx(14)
    assert r.population_covered == pytest.approx(11)
    assert r.details["method"] == "raster_weights"
    assert r.details["who_2021_band"] == "above IT-1"
    assert any("78.6 %" in w for w in r.warnings)


def test_boundary_clips_with_exact_fractions(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", PM)
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    # left two columns: Σ C·P = 10 + 0 + 40 + 50 + 0 + 400 = 500; Σ P = 8
    left = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 300)], crs="EPSG:3067")
    assert air_quality(pm, pop, boundary=left).value == pytest.approx(62.5)
    # half of column 0 only: every cell at half weight, so the mean is (10·1+40·1)/2 = 25
    half = box(0, 100, 50, 300)
    r = air_quality(pm, pop, boundary=half)
    assert r.value == pytest.approx(25.0)
    assert r.population_total == pytest.approx(1.0)


def test_coarse_pm_grid_nested(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", np.array([[12.0]], dtype="float32"), res=300)
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    r = air_quality(pm, pop)
    assert r.value == pytest.approx(12.0)
    assert r.details["method"] == "raster_weights"
    assert r.details["who_2021_band"] == "IT-3"


def test_incompatible_grids_use_population_cells_as_polygons(tmp_path: Path) -> None:
    # PM at 150 m over population at 100 m: each population cell's C is the exact
    # area-weighted PM over it: [[10,15,20],[20,25,30],[30,35,40]]
    pm = _write(tmp_path / "pm.tif", np.array([[10, 20], [30, 40]], dtype="float32"), res=150)
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    r = air_quality(pm, pop)
    # Σ C·P = 10 + 40 + 20 + 25 + 30 + 175 + 120 = 420; Σ P = 14
    assert r.value == pytest.approx(30.0)
    assert r.details["method"] == "population_cells_as_polygons"


def test_population_polygons(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", PM)
    polys = gpd.GeoDataFrame(
        {"people": [100.0, 300.0]},
        geometry=[box(0, 200, 100, 300), box(100, 100, 300, 200)],  # C = 10; C = 55
        crs="EPSG:3067",
    )
    r = air_quality(pm, polys, population_column="people")
    assert r.value == pytest.approx((10 * 100 + 55 * 300) / 400)
    assert r.details["method"] == "polygons"


def test_population_raster_in_other_crs_is_reprojected(tmp_path: Path) -> None:
    pm = _write(
        tmp_path / "pm.tif",
        np.full((20, 20), 7.0, dtype="float32"),
        res=1000,
        x0=380_000,
        y0=6_680_000,
    )
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1, crs="EPSG:3879", x0=25_495_000, y0=6_672_000)
    r = air_quality(pm, pop)
    assert r.value == pytest.approx(7.0)
    assert r.population_total == pytest.approx(14.0)
    assert r.details["method"] == "population_cells_as_polygons"


def test_who_bands() -> None:
    assert [who_band(v) for v in (3, 5, 7, 10, 12, 15, 20, 25, 30, 35, 36)] == [
        "AQG",
        "AQG",
        "IT-4",
        "IT-4",
        "IT-3",
        "IT-3",
        "IT-2",
        "IT-2",
        "IT-1",
        "IT-1",
        "above IT-1",
    ]


def test_bad_inputs(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", PM)
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    far = gpd.GeoDataFrame(geometry=[box(5e5, 5e5, 6e5, 6e5)], crs="EPSG:3067")
    with pytest.raises(SpatialInputError, match="does not overlap"):
        air_quality(pm, pop, boundary=far)
    empty = _write(tmp_path / "nd.tif", np.full((3, 3), -9999, dtype="float32"))
    with pytest.raises(SpatialInputError, match=r"every cell of the PM2\.5 raster is nodata"):
        air_quality(empty, pop)
    with pytest.raises(SpatialInputError, match="no column 'population'"):
        air_quality(pm, gpd.GeoDataFrame({"p": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:3067"))


@pytest.fixture
def helsinki_pm(tmp_path: Path) -> tuple[Path, Path]:
    """A constant and a gradient PM2.5 field on a 1 km EPSG:3879 grid over Helsinki
    (test constructions), aligned with the 250 m population fixture."""
    x0, y0, n = 25_494_000.0, 6_674_000.0, 5
    const = _write(
        tmp_path / "const.tif",
        np.full((n, n), UCDB_LAS_PALMAS_PM25_2014, dtype="float64"),
        res=1000,
        crs="EPSG:3879",
        x0=x0,
        y0=y0,
    )
    grad = np.tile(np.arange(n, dtype="float64") * 2.0 + 8.0, (n, 1))  # 8, 10, … by column
    gpath = _write(tmp_path / "grad.tif", grad, res=1000, crs="EPSG:3879", x0=x0, y0=y0)
    return const, gpath


def test_helsinki_constant_field(helsinki_pm: tuple[Path, Path]) -> None:
    const, _ = helsinki_pm
    r = air_quality(const, HELSINKI_TIF)
    assert r.value == pytest.approx(UCDB_LAS_PALMAS_PM25_2014)
    assert r.population_total == pytest.approx(71_724)
    assert r.details["who_2021_band"] == "IT-3"
    assert r.details["method"] == "raster_weights"


def test_helsinki_gradient_matches_numpy(helsinki_pm: tuple[Path, Path]) -> None:
    _, grad = helsinki_pm
    r = air_quality(grad, HELSINKI_TIF)
    with rasterio.open(HELSINKI_TIF) as ds:
        pop = ds.read(1, masked=True).filled(0).astype(float)
        col_x = ds.transform.c + (np.arange(ds.width) + 0.5) * ds.transform.a
    pm_col = 8.0 + 2.0 * np.floor((col_x - 25_494_000.0) / 1000.0)
    expected = float((pop * pm_col[None, :]).sum() / pop.sum())
    assert r.value == pytest.approx(expected)
    assert 9.0 < r.value < 14.0


@pytest.mark.shared_data
def test_helsinki_polygons_agree_with_raster(
    shared_data: Path, helsinki_pm: tuple[Path, Path]
) -> None:
    _, grad = helsinki_pm
    cells = gpd.read_file(shared_data / "cities/helsinki/population_grid_250m_2020.gpkg")
    by_polygons = air_quality(grad, cells)  # EPSG:4326 polygons, reprojected
    by_raster = air_quality(grad, HELSINKI_TIF)
    assert by_polygons.details["method"] == "polygons"
    assert by_polygons.population_total == pytest.approx(71_724)
    assert by_polygons.value == pytest.approx(by_raster.value, abs=1e-3)
