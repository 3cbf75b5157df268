"""Raster plumbing: opening/validation errors, nodata, cell areas, grids, aggregation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.transform import from_origin

from sdgcities.errors import SpatialInputError
from sdgcities.spatial import _raster
from sdgcities.spatial._crs import GeographicCRSWarning
from sdgcities.spatial.landuse import built_up_area_by_epoch
from tests.spatial._rasters import write_raster


def _write(
    path: Path,
    arr: np.ndarray,
    *,
    crs: str | None = "EPSG:3067",
    res: float = 100.0,
    nodata: float | None = -1,
) -> Path:
    return write_raster(path, arr, crs=crs, res=res, nodata=nodata)


def test_missing_and_not_a_raster(tmp_path: Path) -> None:
    with pytest.raises(SpatialInputError, match="not found"):
        _raster.read_grid(tmp_path / "nope.tif")
    bad = tmp_path / "bad.tif"
    bad.write_text("not a tiff")
    with pytest.raises(SpatialInputError, match="cannot be opened as a raster") as ei:
        _raster.read_grid(bad)
    assert ei.value.path == str(bad)
    assert ei.value.fix


def test_truncated_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = _write(tmp_path / "full.tif", rng.random((400, 400)).astype("float32"))
    data = p.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SpatialInputError, match="truncated"):
        _raster.read_grid(cut)


def test_no_crs_and_expected_crs(tmp_path: Path) -> None:
    p = _write(tmp_path / "nocrs.tif", np.ones((2, 2), dtype="float32"), crs=None)
    with pytest.raises(SpatialInputError, match="no coordinate reference system"):
        _raster.read_grid(p)
    q = _write(tmp_path / "a.tif", np.ones((2, 2), dtype="float32"))
    with pytest.raises(SpatialInputError, match="expected"):
        _raster.read_grid(q, expected_crs="EPSG:3879")
    assert _raster.read_grid(q, expected_crs="EPSG:3067").shape == (2, 2)


def test_nodata_becomes_nan_and_all_nodata_raises(tmp_path: Path) -> None:
    p = _write(tmp_path / "n.tif", np.array([[1, -1], [2, 3]], dtype="float32"))
    g = _raster.read_grid(p)
    assert np.isnan(g.values[0, 1])
    assert np.nansum(g.values) == 6
    e = _write(tmp_path / "e.tif", np.full((2, 2), -1, dtype="float32"))
    with pytest.raises(SpatialInputError, match="every cell"):
        _raster.require_data(_raster.read_grid(e), "test raster")


def test_window_read_snaps_outward(tmp_path: Path) -> None:
    p = _write(tmp_path / "w.tif", np.arange(16, dtype="float32").reshape(4, 4))
    g = _raster.read_grid(p, bounds=(150, 150, 250, 250))
    assert g.shape == (2, 2)
    assert g.values.tolist() == [[5, 6], [9, 10]]
    assert g.bounds == (100, 100, 300, 300)


def test_cell_area_projected_and_geographic() -> None:
    a = _raster.cell_area_km2(Affine(100, 0, 0, 0, -100, 0), CRS.from_epsg(3067), (3, 3))
    assert a.shape == (3, 1)
    assert a[0, 0] == pytest.approx(0.01)
    with pytest.warns(GeographicCRSWarning):
        g = _raster.cell_area_km2(Affine(1, 0, 0, 0, -1, 1), CRS.from_epsg(4326), (2, 1))
    # 1°×1° cell at the equator ≈ 12,308 km²; the one below it is the same by symmetry
    assert g[0, 0] == pytest.approx(12_308, rel=1e-3)
    assert g[1, 0] == pytest.approx(g[0, 0])


def test_geographic_built_up_raster_warns_but_measures(tmp_path: Path) -> None:
    p = tmp_path / "geo.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        height=1,
        width=2,
        count=1,
        dtype="uint16",
        crs="EPSG:4326",
        transform=from_origin(0, 60.01, 0.01, 0.01),
        nodata=65535,
    ) as dst:
        dst.write(np.array([[1990, 65535]], dtype="uint16"), 1)
    with pytest.warns(GeographicCRSWarning):
        areas = built_up_area_by_epoch(p)
    # 0.01° × 0.01° at 60° N ≈ 1.113 km × 0.557 km
    assert areas[1990] == pytest.approx(0.6207, rel=5e-3)


def test_mercator_warns(tmp_path: Path) -> None:
    assert _raster.warn_area_distortion(CRS.from_epsg(3067), "x") is None
    with pytest.warns(UserWarning, match="Mercator"):
        assert _raster.warn_area_distortion(CRS.from_epsg(3857), "x")


def test_grids_compatible() -> None:
    crs = CRS.from_epsg(3067)
    fine = _raster.Grid(np.zeros((4, 4)), Affine(100, 0, 0, 0, -100, 400), crs, "f")
    coarse = _raster.Grid(np.zeros((1, 1)), Affine(400, 0, 0, 0, -400, 400), crs, "c")
    shifted = _raster.Grid(np.zeros((1, 1)), Affine(400, 0, 50, 0, -400, 400), crs, "s")
    odd = _raster.Grid(np.zeros((1, 1)), Affine(150, 0, 0, 0, -150, 400), crs, "o")
    other = _raster.Grid(
        np.zeros((1, 1)), Affine(400, 0, 0, 0, -400, 400), CRS.from_epsg(3879), "x"
    )
    assert _raster.grids_compatible(fine, coarse)
    assert not _raster.grids_compatible(fine, shifted)
    assert not _raster.grids_compatible(fine, odd)
    assert not _raster.grids_compatible(fine, other)


def test_block_sum_with_padding_and_empty_blocks() -> None:
    v = np.array([[1.0, 2.0, 3.0], [4.0, np.nan, 6.0]])
    out = _raster.block_sum(v, 2, row_pad=1, col_pad=1)
    # padded grid 3×4 -> blocks 2×2: [[1], [2,3]], [[4],[nan,6]]
    assert out[0].tolist() == [1.0, 5.0]
    assert out[1].tolist() == [4.0, 6.0]
    assert np.isnan(_raster.block_sum(np.full((2, 2), np.nan), 2)[0, 0])


def test_reproject_sum_conserves_total() -> None:
    g = _raster.Grid(
        np.full((50, 50), 10.0), Affine(0.001, 0, 24.9, 0, -0.001, 60.2), CRS.from_epsg(4326), "g"
    )
    out = _raster.reproject_sum(g, CRS.from_user_input("ESRI:54009"), 1000.0)
    assert out.values.sum() == pytest.approx(25_000.0)
    assert out.resolution == (1000.0, 1000.0)
    assert out.transform.c % 1000 == 0
