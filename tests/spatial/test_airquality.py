"""SDG 11.6.2 (population-weighted PM2.5): hand cases, Helsinki fingerprint.

There is no real PM2.5 raster in the data kits. The real-city tests put PM2.5 fields
*constructed for the test* (a ridge with a slope, re-gridded to another CRS and origin;
a linear gradient) over Helsinki's real 250 m population grid and compare the result
with an independent cell-by-cell computation (rasterio, numpy, shapely intersections)
— on fields where the population-weighted mean differs from the plain mean.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from shapely.geometry import box

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.airquality import air_quality, who_band
from tests.spatial._rasters import write_raster

PM = np.array([[10, 20, 30], [40, 50, 60], [70, 80, -9999]], dtype="float32")
POP = np.array([[1, 0, 2], [1, 1, 1], [0, 5, 3]], dtype="float32")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/helsinki_pop_250m"
HELSINKI_TIF = FIXTURE / "population_250m_epsg3879.tif"


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
    """A ridge and a gradient PM2.5 field on 1 km EPSG:3879 grids over Helsinki (test
    constructions), aligned with the 250 m population fixture."""
    x0, y0, n = 25_494_000.0, 6_674_000.0, 5
    ridge = np.array([[6.0, 9.0, 30.0, 9.0, 6.0]] * n, dtype="float64")
    rpath = _write(tmp_path / "ridge.tif", ridge, res=1000, crs="EPSG:3879", x0=x0, y0=y0)
    grad = np.tile(np.arange(n, dtype="float64") * 2.0 + 8.0, (n, 1))  # 8, 10, … by column
    gpath = _write(tmp_path / "grad.tif", grad, res=1000, crs="EPSG:3879", x0=x0, y0=y0)
    return rpath, gpath


def _independent_weighted_mean(
    pm_path: Path, pop_path: Path, boundary: shapely.Geometry | None = None
) -> tuple[float, float]:
    """Σ Cᵢ·Pᵢ / Σ Pᵢ computed cell by cell with rasterio, numpy and shapely only: each
    population cell is a polygon (densified, reprojected to the PM2.5 CRS); Cᵢ is the
    area-weighted mean of the PM2.5 cells it overlaps (exact shapely intersections); Pᵢ
    is scaled by the share of the cell inside ``boundary`` (in the PM2.5 CRS). Returns
    (population-weighted mean, plain mean of the PM2.5 cells the population touches)."""
    from pyproj import Transformer

    with rasterio.open(pm_path) as ds:
        pm = ds.read(1).astype(float)
        pt, pm_crs = ds.transform, ds.crs
    with rasterio.open(pop_path) as ds:
        pop = ds.read(1, masked=True).filled(0).astype(float)
        qt, pop_crs = ds.transform, ds.crs
    to_pm = Transformer.from_crs(pop_crs, pm_crs, always_xy=True)
    pm_cells = []
    for r in range(pm.shape[0]):
        for c in range(pm.shape[1]):
            x0, y0 = pt.c + c * pt.a, pt.f + r * pt.e
            pm_cells.append((shapely.box(x0, y0 + pt.e, x0 + pt.a, y0), pm[r, c]))
    num = den = 0.0
    touched: set[int] = set()
    for r, c in zip(*np.nonzero(pop > 0), strict=True):
        x0, y1 = qt.c + c * qt.a, qt.f + r * qt.e
        cell = shapely.segmentize(shapely.box(x0, y1 + qt.e, x0 + qt.a, y1), 10.0)
        cell = shapely.transform(cell, lambda xy: np.column_stack(to_pm.transform(*xy.T)))
        p = pop[r, c]
        if boundary is not None:
            p *= shapely.intersection(cell, boundary).area / cell.area
            if p <= 0:
                continue
        parts = [(k, shapely.intersection(cell, g).area, v) for k, (g, v) in enumerate(pm_cells)]
        parts = [(k, a, v) for k, a, v in parts if a > 0]
        conc = sum(a * v for _, a, v in parts) / sum(a for _, a, _ in parts)
        touched.update(k for k, _, _ in parts)
        num += conc * p
        den += p
    plain = float(np.mean([pm_cells[k][1] for k in touched]))
    return num / den, plain


def test_helsinki_ridge_weighted_mean_is_not_the_plain_mean(
    helsinki_pm: tuple[Path, Path], tmp_path: Path
) -> None:
    """A non-uniform field, on a grid that shares neither CRS nor origin with the
    population: the result must match an independent cell-by-cell computation and
    differ from the unweighted mean a wrong implementation would return."""
    from rasterio.warp import Resampling, reproject

    ridge, _ = helsinki_pm
    # the ridge re-gridded to 400 m cells in EPSG:3067 (ETRS-TM35FIN), origin off-grid
    with rasterio.open(ridge) as ds:
        src, st, scrs = ds.read(1), ds.transform, ds.crs
    dst = np.zeros((16, 16), dtype="float64")
    from rasterio.transform import from_origin

    dt = from_origin(383_130.0, 6_674_270.0, 400.0, 400.0)
    reproject(src, dst, src_transform=st, src_crs=scrs, dst_transform=dt,
              dst_crs="EPSG:3067", resampling=Resampling.nearest)  # fmt: skip
    dst = dst + np.linspace(0.0, 3.0, 16)[:, None]  # and a north–south slope
    pm_path = _write(tmp_path / "pm3067.tif", dst, res=400, crs="EPSG:3067",
                     x0=383_130.0, y0=6_674_270.0)  # fmt: skip
    r = air_quality(pm_path, HELSINKI_TIF)
    assert r.details["method"] == "population_cells_as_polygons"
    expected, plain = _independent_weighted_mean(pm_path, HELSINKI_TIF)
    assert r.value == pytest.approx(expected, rel=1e-3)
    assert abs(expected - plain) > 0.5  # the weighting matters on this field
    assert r.value != pytest.approx(plain, rel=1e-2)
    assert r.population_total == pytest.approx(71_724, rel=1e-6)

    # a boundary cutting cells: each population cell counts with its share inside
    with rasterio.open(HELSINKI_TIF) as ds:
        b = ds.bounds
    cut = shapely.box(b.left + 700, b.bottom + 450, b.right - 300, b.top - 900)  # EPSG:3879
    cut_pm = gpd.GeoSeries([shapely.segmentize(cut, 10.0)], crs="EPSG:3879").to_crs("EPSG:3067")
    clipped = air_quality(pm_path, HELSINKI_TIF, boundary=gpd.GeoDataFrame(geometry=cut_pm))
    expected_cut, _ = _independent_weighted_mean(pm_path, HELSINKI_TIF, cut_pm.iloc[0])
    assert clipped.value == pytest.approx(expected_cut, rel=1e-3)
    assert clipped.value != pytest.approx(r.value, rel=1e-3)


def test_negative_concentration_is_refused(tmp_path: Path) -> None:
    pm = _write(tmp_path / "pm.tif", np.full((3, 3), -5.0, dtype="float32"))
    pop = _write(tmp_path / "pop.tif", POP, nodata=-1)
    with pytest.raises(
        SpatialInputError, match=r"pm\.tif.*band 1 has 9 cells with a negative PM2\.5"
    ):
        air_quality(pm, pop)


def test_nan_or_text_population_is_refused_naming_rows(tmp_path: Path) -> None:
    from sdgcities.errors import ValidationError

    pm = _write(tmp_path / "pm.tif", PM)
    polys = gpd.GeoDataFrame(
        {"population": ["100", None, "many"]},
        geometry=[box(0, 200, 100, 300), box(100, 100, 300, 200), box(0, 0, 100, 100)],
        crs="EPSG:3067",
    )
    with pytest.raises(ValidationError) as err:
        air_quality(pm, polys)
    assert [(f.row, f.column) for f in err.value.findings] == [(2, "population"), (3, "population")]
    zeros = polys.assign(population=[0, 0, 0])
    with pytest.raises(SpatialInputError, match="every population value"):
        air_quality(pm, zeros)


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


def test_boundary_beyond_the_population_extent(helsinki_pm: tuple[Path, Path]) -> None:
    """A boundary reaching past the population raster's edge (no people there): the
    weights are padded with zeros instead of turning the mean undefined. Reference:
    numpy over cell centres (the boundary follows whole 250 m cells)."""
    _, grad = helsinki_pm
    x0, y0 = 25_494_000.0, 6_674_000.0
    b = gpd.GeoDataFrame(geometry=[box(x0, y0 - 2000, x0 + 3000, y0)], crs="EPSG:3879")
    r = air_quality(grad, HELSINKI_TIF, boundary=b)
    with rasterio.open(HELSINKI_TIF) as ds:
        pop = ds.read(1, masked=True).filled(0).astype(float)
        t = ds.transform
    xs = t.c + (np.arange(pop.shape[1]) + 0.5) * t.a
    ys = t.f + (np.arange(pop.shape[0]) + 0.5) * t.e
    gx, gy = np.meshgrid(xs, ys)
    inside = (gx < x0 + 3000) & (gy > y0 - 2000)
    pm = 8.0 + 2.0 * np.floor((gx - x0) / 1000.0)
    assert r.value == pytest.approx(float((pop * pm * inside).sum() / (pop * inside).sum()))
    assert r.population_covered == pytest.approx(float((pop * inside).sum()))
