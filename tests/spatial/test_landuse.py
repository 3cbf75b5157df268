"""SDG 11.3.1 (LCRPGR): hand cases, GHSL fingerprint, UCDB golden value."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from sdgcities.errors import SpatialInputError, ValidationError
from sdgcities.spatial.landuse import (
    built_up_area_by_epoch,
    land_consumption,
    land_consumption_from_files,
)
from tests.spatial._rasters import write_raster

EPOCHS_3X3 = np.array(
    [[1975, 1975, 1990], [1990, 2000, 65535], [2015, 65535, 65535]], dtype="uint16"
)


def _write(
    path: Path,
    arr: np.ndarray,
    *,
    res: float = 100.0,
    nodata: float = 65535,
    crs: str = "ESRI:54009",
    x0: float = 0.0,
    y0: float = 300.0,
) -> Path:
    return write_raster(path, arr, res=res, nodata=nodata, crs=crs, x0=x0, y0=y0)


# --- hand-computed cases -------------------------------------------------------------


def test_ln_formula_by_hand() -> None:
    # built-up doubles, population grows by e over 10 years
    r = land_consumption(10.0, 20.0, 1000.0, 1000.0 * math.e, 10)
    assert r.details["lcr"] == pytest.approx(math.log(2) / 10)
    assert r.details["pgr"] == pytest.approx(0.1)
    assert r.value == pytest.approx(math.log(2))
    assert r.parameters["formula"] == "ln"
    assert r.parameters["lcr_formula"] == "LCR = ln(Urb_t+n / Urb_t) / y"
    # 10 km² for 1000 people = 10,000 m² per person
    assert r.details["built_up_per_capita_m2_t"] == pytest.approx(10_000.0)
    assert r.details["built_up_per_capita_m2_tn"] == pytest.approx(20e6 / (1000 * math.e))
    assert r.unit == "ratio"
    assert r.undefined_reason is None


def test_relative_formula_by_hand() -> None:
    # Urb +50 % and Pop +25 % over 5 years: LCR 0.1, PGR 0.05, ratio 2
    r = land_consumption(10.0, 15.0, 100.0, 125.0, 5, formula="relative")
    assert r.details["lcr"] == pytest.approx(0.1)
    assert r.details["pgr"] == pytest.approx(0.05)
    assert r.value == pytest.approx(2.0)
    assert r.parameters["formula"] == "relative"
    assert "(Urb_t+n - Urb_t) / Urb_t" in r.parameters["lcr_formula"]


def test_pgr_zero_is_undefined_not_an_error() -> None:
    r = land_consumption(10.0, 12.0, 500.0, 500.0, 10)
    assert r.value is None
    assert r.undefined_reason is not None
    assert "PGR" in r.undefined_reason
    assert r.details["lcr"] == pytest.approx(math.log(1.2) / 10)


def test_negative_pgr_is_flagged() -> None:
    r = land_consumption(10.0, 12.0, 500.0, 400.0, 10)
    assert r.value is not None
    assert r.value < 0
    assert any("population declined" in w for w in r.warnings)


def test_invalid_numbers_list_every_problem() -> None:
    with pytest.raises(ValidationError) as ei:
        land_consumption(0.0, 12.0, -1.0, 400.0, 0)
    cols = {f.column for f in ei.value.findings}
    assert cols == {"urb_t", "pop_t", "years"}


def test_built_up_by_epoch_3x3(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.tif", EPOCHS_3X3)
    areas = built_up_area_by_epoch(p)
    # 100 m pixels = 0.01 km²; cumulative counts 2, 4, 5, 6
    assert areas == pytest.approx({1975: 0.02, 1990: 0.04, 2000: 0.05, 2015: 0.06})


def test_built_up_by_epoch_partial_aoi_uses_exact_coverage(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.tif", EPOCHS_3X3)
    # AOI covers the left column fully and half of the middle column (x 0..150)
    aoi = gpd.GeoDataFrame(geometry=[box(0, 0, 150, 300)], crs="ESRI:54009")
    areas = built_up_area_by_epoch(p, aoi=aoi)
    # left column: 1975, 1990, 2015 (full); middle: 1975, 2000 (half), nodata
    assert areas[1975] == pytest.approx(0.01 + 0.005)
    assert areas[1990] == pytest.approx(0.015 + 0.01)
    assert areas[2000] == pytest.approx(0.025 + 0.005)
    assert areas[2015] == pytest.approx(0.03 + 0.01)


def test_from_files_with_numbers_table_and_rasters(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.tif", EPOCHS_3X3)
    by_numbers = land_consumption_from_files(p, epochs=(1990, 2015), population=(100.0, 150.0))
    # Urb 1990 = 0.04 km², 2015 = 0.06 km²: LCR = ln(1.5)/25 = PGR -> ratio 1
    assert by_numbers.value == pytest.approx(1.0)
    assert by_numbers.parameters["epochs"] == [1990, 2015]
    table = pd.DataFrame({"year": [1990, 2015], "population": [100.0, 150.0]})
    assert land_consumption_from_files(p, epochs=(1990, 2015), population=table).value == (
        pytest.approx(1.0)
    )
    pop_t = _write(tmp_path / "p0.tif", np.full((3, 3), 10.0, dtype="float32"), nodata=-1)
    pop_tn = _write(tmp_path / "p1.tif", np.full((3, 3), 20.0, dtype="float32"), nodata=-1)
    r = land_consumption_from_files(p, epochs=(1990, 2015), population=(pop_t, pop_tn))
    assert r.details["population_t"] == pytest.approx(90.0)
    assert r.value == pytest.approx(math.log(1.5) / math.log(2.0))
    # epoch between two raster epochs takes the last one before it (1995 -> 1990)
    r2 = land_consumption_from_files(p, epochs=(1995, 2015), population=(100.0, 150.0))
    assert r2.details["built_up_km2_t"] == pytest.approx(0.04)


def test_bad_inputs_raise_spatial_input_error(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.tif", EPOCHS_3X3)
    far = gpd.GeoDataFrame(geometry=[box(1e6, 1e6, 1e6 + 10, 1e6 + 10)], crs="ESRI:54009")
    with pytest.raises(SpatialInputError, match="does not overlap"):
        built_up_area_by_epoch(p, aoi=far)
    empty = _write(tmp_path / "e.tif", np.full((3, 3), 65535, dtype="uint16"))
    with pytest.raises(SpatialInputError, match="nodata"):
        built_up_area_by_epoch(empty)
    with pytest.raises(SpatialInputError, match="no pixel was built up by 1970"):
        land_consumption_from_files(p, epochs=(1970, 2015), population=(1.0, 2.0))
    with pytest.raises(ValidationError):
        land_consumption_from_files(p, epochs=(2015, 1990), population=(1.0, 2.0))


# --- fingerprint on the real GHSL raster (Washington-Baltimore) ----------------------

GHSL = "rasters/ghsl_washington_baltimore"


@pytest.mark.shared_data
def test_ghsl_whole_raster_and_aoi_fingerprint(shared_data: Path) -> None:
    tif = shared_data / GHSL / "ghs_built_epochs_100m.tif"
    whole = built_up_area_by_epoch(tif)
    assert sorted(whole) == list(range(1975, 2031, 5))
    # pixel counts measured with numpy: 319,826 built by 1975; 461,929 by 2030 (× 0.01 km²)
    assert whole[1975] == pytest.approx(3198.26)
    assert whole[1990] == pytest.approx(3501.43)
    assert whole[2015] == pytest.approx(4194.38)
    assert whole[2030] == pytest.approx(4619.29)
    # the kit's AOI contains the whole raster, so clipping to it changes nothing
    aoi = gpd.read_file(shared_data / GHSL / "aoi.geojson")
    assert built_up_area_by_epoch(tif, aoi=aoi) == pytest.approx(whole)


@pytest.mark.shared_data
def test_ghsl_urban_extent_fingerprint(shared_data: Path) -> None:
    tif = shared_data / GHSL / "ghs_built_epochs_100m.tif"
    extents = gpd.read_file(shared_data / GHSL / "urban_extents.geojson")
    one = extents[extents["ID"] == 7652]  # largest extent lying inside the raster
    areas = built_up_area_by_epoch(tif, aoi=one)
    assert areas[1975] == pytest.approx(94.292, abs=0.01)
    assert areas[2015] == pytest.approx(129.797, abs=0.01)
    assert areas[2030] == pytest.approx(142.503, abs=0.01)
    r = land_consumption_from_files(
        tif, epochs=(1990, 2015), population=(300_000.0, 325_925.375), aoi=one
    )
    assert r.details["lcr"] == pytest.approx(math.log(129.797 / 102.434) / 25, rel=1e-4)
    assert r.details["built_up_per_capita_m2_tn"] == pytest.approx(
        129.797e6 / 325_925.375, rel=1e-4
    )


# --- golden: GHSL Urban Centre Database R2019A, Las Palmas ---------------------------


@pytest.mark.shared_data
def test_ucdb_las_palmas_golden(shared_data: Path) -> None:
    """The UCDB's SDG_LUE9015 is LCRPGR 1990-2015 from its own B90/B15 (built-up km²) and
    P90/P15 (population) columns with the 2021 ``ln`` formula: ln(B15/B90)/ln(P15/P90).
    The relative (older) formula gives a visibly different number (0.061), so this test
    also pins which formula the JRC used."""
    row = gpd.read_file(shared_data / "cities/las_palmas/ghs_ucdb_r2019a_urban_centre.gpkg")
    u = {k: float(row.iloc[0][k]) for k in ("B90", "B15", "P90", "P15", "SDG_LUE9015")}
    r = land_consumption(u["B90"], u["B15"], u["P90"], u["P15"], 25)
    assert r.value == pytest.approx(u["SDG_LUE9015"], rel=1e-4)
    assert r.value == pytest.approx(0.0714, abs=5e-5)
    rel = land_consumption(u["B90"], u["B15"], u["P90"], u["P15"], 25, formula="relative")
    assert rel.value == pytest.approx(0.0610, abs=5e-4)
    assert abs(rel.value - u["SDG_LUE9015"]) > 0.005
    # built-up per capita 2015: 24.98 km² / 443,141 people = 56.4 m²
    assert r.details["built_up_per_capita_m2_tn"] == pytest.approx(56.38, abs=0.01)


# --- what the built-up raster holds: recognised or refused ---------------------------


def test_a_value_that_is_no_epoch_never_counts_as_built(tmp_path: Path) -> None:
    arr = np.full((5, 5), 2000, dtype="uint16")
    arr[0, 0] = 1975
    arr[4, 4] = 1  # neither an epoch nor nodata (e.g. a stray class code)
    arr[4, 3] = 0  # never built
    p = _write(tmp_path / "e.tif", arr, y0=500)
    notes: list[str] = []
    # 1975 ×1, 2000 ×22 (100 m cells: 0.01 km² each); the "1" and the "0" are not built
    assert built_up_area_by_epoch(p, notes=notes) == pytest.approx({1975: 0.01, 2000: 0.23})
    assert notes == [
        "1 pixels hold values that are no GHSL epoch (1 …); they are not counted as built"
    ]


def test_ldsmt_class_raster_is_read_through_its_epochs(tmp_path: Path) -> None:
    from sdgcities.spatial.landuse import LDSMT_EPOCHS

    # 6 before 1975, 5 by 1990, 4 by 2000, 3 by 2014; 2 land never built, 1 water
    arr = np.array([[6, 6, 5], [4, 3, 2], [1, 2, 0]], dtype="uint8")
    p = _write(tmp_path / "ldsmt.tif", arr, nodata=0)
    assert LDSMT_EPOCHS == {6: 1975, 5: 1990, 4: 2000, 3: 2014}
    assert built_up_area_by_epoch(p) == pytest.approx(
        {1975: 0.02, 1990: 0.03, 2000: 0.04, 2014: 0.05}
    )


def test_surface_rasters_one_per_epoch(tmp_path: Path) -> None:
    from sdgcities.spatial.landuse import built_up_area_surface

    # m² built per 100 m cell (10,000 m²): ≥ 5,000 counts at the default 0.5
    t0 = np.array([[9000, 4000, 0], [6000, 0, 0], [0, 0, 0]], dtype="float32")
    t1 = np.array([[9000, 6000, 5000], [7000, 100, 0], [0, 0, 0]], dtype="float32")
    p0 = _write(tmp_path / "s2000.tif", t0, nodata=-1)
    p1 = _write(tmp_path / "s2020.tif", t1, nodata=-1)
    assert built_up_area_surface(p0) == pytest.approx(0.02)
    assert built_up_area_surface(p1) == pytest.approx(0.04)
    assert built_up_area_surface(p0, threshold=0.3) == pytest.approx(0.03)
    r = land_consumption_from_files([p0, p1], epochs=(2000, 2020), population=(100.0, 150.0))
    assert r.details["lcr"] == pytest.approx(math.log(2) / 20)
    assert r.parameters["built_up_source"] == {"raster": "surface", "threshold": 0.5}
    with pytest.raises(SpatialInputError, match=r"GHS-BUILT-S surface raster.*one epoch"):
        built_up_area_by_epoch(p0)


@pytest.mark.parametrize(
    ("arr", "message"),
    [
        (np.array([[30, 23], [11, 10]], dtype="uint8"), "GHS-SMOD settlement classes"),
        (np.array([[1, 1], [0, 1]], dtype="uint8"), "0/1 built-up mask"),
        (np.array([[50_000, 3], [0, 7]], dtype="float32"), r"neither GHSL epochs"),
    ],
)
def test_other_rasters_are_refused(tmp_path: Path, arr: np.ndarray, message: str) -> None:
    p = _write(tmp_path / "x.tif", arr, nodata=255 if arr.dtype == np.uint8 else -1, y0=200)
    with pytest.raises(SpatialInputError, match=message) as err:
        built_up_area_by_epoch(p)
    assert "x.tif" in str(err.value)


@pytest.mark.shared_data
def test_ghsl_urban_extent_against_supersampled_rasterio(shared_data: Path) -> None:
    """External reference for the fingerprint above: coverage fractions from
    ``rasterio.features.rasterize`` on a 10 × finer grid (10 m), block-summed to the
    100 m pixels — an independent way to weigh partly covered pixels."""
    import rasterio
    import rasterio.features
    from rasterio.transform import Affine

    tif = shared_data / GHSL / "ghs_built_epochs_100m.tif"
    extents = gpd.read_file(shared_data / GHSL / "urban_extents.geojson")
    one = extents[extents["ID"] == 7652]
    with rasterio.open(tif) as ds:
        geom = one.to_crs(ds.crs).geometry.iloc[0]
        inv = ~ds.transform
        c0, r0 = inv * (geom.bounds[0], geom.bounds[3])
        c1, r1 = inv * (geom.bounds[2], geom.bounds[1])
        window = rasterio.windows.Window(
            int(np.floor(c0)), int(np.floor(r0)),
            int(np.ceil(c1) - np.floor(c0)), int(np.ceil(r1) - np.floor(r0)),
        )  # fmt: skip
        arr = ds.read(1, window=window)
        t = ds.window_transform(window)
    k = 10
    fine = Affine(t.a / k, 0, t.c, 0, t.e / k, t.f)
    mask = rasterio.features.rasterize([(geom, 1)], out_shape=(arr.shape[0] * k, arr.shape[1] * k),
                                       transform=fine, dtype="uint8")  # fmt: skip
    frac = mask.reshape(arr.shape[0], k, arr.shape[1], k).sum(axis=(1, 3)) / (k * k)
    ours = built_up_area_by_epoch(tif, aoi=one)
    for epoch in (1975, 2015, 2030):
        ref = float((frac * ((arr <= epoch) & (arr != 65535))).sum()) * 0.01  # km² per pixel
        assert ours[epoch] == pytest.approx(ref, rel=2e-3), epoch
