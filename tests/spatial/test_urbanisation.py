"""Degree of Urbanisation stage 1 and UN city-size classes: hand grids, Helsinki fingerprint."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.urbanisation import (
    NO_DATA,
    RURAL,
    URBAN_CENTRE,
    URBAN_CLUSTER,
    degree_of_urbanisation,
    urban_extent,
)
from tests.spatial._rasters import write_raster

HELSINKI_TIF = (
    Path(__file__).resolve().parents[1] / "fixtures/helsinki_pop_250m/population_250m_epsg3879.tif"
)
C, U, R = URBAN_CENTRE, URBAN_CLUSTER, RURAL


def test_four_vs_eight_connectivity() -> None:
    # two dense cells touching only at a corner: not one urban centre (4-connectivity),
    # but one urban cluster (8-connectivity)
    g = np.array([[30_000, 0], [0, 30_000]], dtype=float)
    assert degree_of_urbanisation(g).tolist() == [[U, R], [R, U]]
    # the same cells sharing an edge form a centre of 60,000
    g2 = np.array([[30_000, 30_000], [0, 0]], dtype=float)
    assert degree_of_urbanisation(g2).tolist() == [[C, C], [R, R]]


def test_cluster_thresholds() -> None:
    # 300 inh/km² cells, diagonal chain of 17 cells = 5,100 ≥ 5,000: urban cluster
    g = np.zeros((17, 17))
    np.fill_diagonal(g, 300.0)
    out = degree_of_urbanisation(g)
    assert (out[np.eye(17, dtype=bool)] == U).all()
    assert (out[~np.eye(17, dtype=bool)] == R).all()
    # 16 cells = 4,800 < 5,000: rural; 299 inh/km² is below the density threshold
    assert (degree_of_urbanisation(g[:16, :16]) == R).all()
    g3 = np.full((5, 5), 299.0)
    assert (degree_of_urbanisation(g3) == R).all()


def test_majority_rule_and_gap_filling() -> None:
    g = np.full((7, 7), 2_000.0)
    g[3, 3] = 0.0  # an empty 1 km² hole in the middle: filled (< 15 km²)
    g[0, 0] = 100.0  # a sparse corner: only 3 neighbours, never ≥ 5 of 8
    out = degree_of_urbanisation(g)
    assert out[3, 3] == C
    # 47 cells × 2,000 = 94,000 ≥ 50,000: the rest is one urban centre
    assert (out == C).sum() == 48
    assert out[0, 0] == R  # 100 inh/km² < 300 and only 3 neighbours: stays rural
    raw = degree_of_urbanisation(g, smooth=False)
    assert raw[3, 3] == R  # 0 inh/km², not filled without smoothing
    assert (raw == C).sum() == 47


def test_large_gap_is_not_filled() -> None:
    g = np.full((9, 9), 2_000.0)
    g[2:7, 2:7] = 0.0  # a 25 km² hole (≥ 15 km²) stays out of the centre
    out = degree_of_urbanisation(g)
    assert (out[3:6, 3:6] == R).all()
    assert (out == C).sum() == 81 - 25 + 4  # the hole's 4 corners join by majority (5 of 8)


def test_majority_rule_adds_notched_edge_cell() -> None:
    g = np.zeros((5, 5))
    g[1:4, 1:4] = 7_000.0
    g[2, 1] = 0.0  # notch on the west edge: 5 of its 8 neighbours are centre cells
    out = degree_of_urbanisation(g)  # 8 × 7,000 = 56,000 ≥ 50,000
    assert out[2, 1] == C
    assert degree_of_urbanisation(g, smooth=False)[2, 1] == R


def test_small_dense_cluster_is_not_a_centre() -> None:
    g = np.zeros((4, 4))
    g[1:3, 1:3] = 12_000.0  # 48,000 < 50,000
    out = degree_of_urbanisation(g)
    assert (out[1:3, 1:3] == U).all()
    assert (out == C).sum() == 0


def test_nodata_cells_and_cell_area() -> None:
    g = np.array([[np.nan, 400.0], [100.0, 0.0]])
    out = degree_of_urbanisation(g, cell_area_km2=0.01)  # 400 people in 1 ha = 40,000/km²
    assert out[0, 0] == NO_DATA
    assert out[0, 1] == R  # dense but only 400 people in total
    with pytest.raises(ValueError, match="negative"):
        degree_of_urbanisation(np.array([[-1.0]]))


def test_city_size_classes_have_one_definition() -> None:
    """The Degree of Urbanisation labels centres with the typology's UN size classes."""
    from sdgcities.cities import typology
    from sdgcities.spatial import urbanisation

    cases = {
        0: "under-300k",
        299_999: "under-300k",
        300_000: "300k-500k",
        443_141: "300k-500k",
        500_000: "500k-1m",
        999_999: "500k-1m",
        1_000_000: "1m-5m",
        5_000_000: "5m-10m",
        9_999_999: "5m-10m",
        10_000_000: "10m-plus",
        37e6: "10m-plus",
    }
    assert {k: typology.size_class(k) for k in cases} == cases
    assert not hasattr(urbanisation, "CITY_SIZE_CLASSES")
    assert urbanisation.size_class is typology.size_class
    assert typology.size_class(float("nan")) is None


def test_urban_extent_helsinki_fixture() -> None:
    """Real HSY 2020 population (250 m, EPSG:3879) block-summed onto the 1 km grid."""
    centres, r = urban_extent(HELSINKI_TIF)
    assert r.details["aggregation"] == "block sum 4×4"
    assert r.details["grid_crs"] == "EPSG:3879"
    assert r.population_total == pytest.approx(71_724)
    cls = r.details["classes"]
    # measured: 10 centre cells (71,335 people), 1 cluster cell (389), 1 nodata block
    assert cls["urban centre"]["cells"] == 10
    assert cls["urban centre"]["population"] == pytest.approx(71_335)
    assert cls["urban cluster"]["population"] == pytest.approx(389)
    assert r.value == pytest.approx(10.0)
    assert len(centres) == 1
    assert centres.loc[0, "size_class"] == "under-300k"
    assert centres.geometry.iloc[0].area == pytest.approx(10e6)
    assert r.disaggregation["urban centre"] == pytest.approx(100 * 71_335 / 71_724)


def test_urban_extent_geographic_raster_is_warped(tmp_path: Path) -> None:
    # ~0.01° cells over Helsinki with 3,000 people each: warped to Mollweide 1 km by sum
    arr = np.full((10, 20), 3_000.0, dtype="float32")
    p = tmp_path / "geo.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        height=10,
        width=20,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(24.8, 60.25, 0.01, 0.01),
        nodata=-1,
    ) as dst:
        dst.write(arr, 1)
    centres, r = urban_extent(p)
    assert r.details["aggregation"] == "warped to Mollweide (sum)"
    assert r.population_total == pytest.approx(600_000, rel=1e-6)
    assert len(centres) == 1
    assert centres.loc[0, "size_class"] in {"300k-500k", "500k-1m"}


def test_urban_extent_bad_input(tmp_path: Path) -> None:
    p = tmp_path / "nd.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        crs="EPSG:3067",
        transform=from_origin(0, 2000, 1000, 1000),
        nodata=-1,
    ) as dst:
        dst.write(np.full((2, 2), -1, dtype="float32"), 1)
    with pytest.raises(SpatialInputError, match="nodata"):
        urban_extent(p)


# --- classify the whole grid, then overlay the boundary; stage II by population share ---

X0, Y0 = 4_000_000.0, 3_000_000.0  # EPSG:3035, whole kilometres


def _km(col0: float, row0: float, col1: float, row1: float) -> gpd.GeoDataFrame:
    """A boundary from grid columns/rows (row 0 at the top) in EPSG:3035."""
    return gpd.GeoDataFrame(
        geometry=[box(X0 + col0 * 1000, Y0 - row1 * 1000, X0 + col1 * 1000, Y0 - row0 * 1000)],
        crs="EPSG:3035",
    )


@pytest.fixture
def three_cell_centre(tmp_path: Path) -> Path:
    grid = np.array(
        [[0, 0, 0, 0, 0], [20_000, 20_000, 20_000, 100, 100], [0, 0, 0, 0, 0]], dtype="float32"
    )
    return write_raster(tmp_path / "pop.tif", grid, res=1000, nodata=-1, crs="EPSG:3035",
                        x0=X0, y0=Y0)  # fmt: skip


def test_boundary_does_not_cut_the_urban_centre(three_cell_centre: Path) -> None:
    # only the first centre cell is inside: clipped first, its 20,000 people would be no
    # urban centre (< 50,000); classified first, they live in a 60,000-people centre
    centres, r = urban_extent(three_cell_centre, aoi=_km(0, 1, 1, 2))
    assert r.population_total == pytest.approx(20_000)
    assert r.disaggregation["urban centre"] == pytest.approx(100.0)
    assert r.details["class_label"] == "city"
    assert r.details["class_rule"].startswith("city: ≥ 50 %")
    assert r.parameters["order"] == "classify the whole grid, then overlay the boundary"
    assert len(centres) == 1
    assert centres.loc[0, "population"] == pytest.approx(60_000)
    assert centres.loc[0, "population_in_boundary"] == pytest.approx(20_000)
    assert centres.loc[0, "area_km2"] == pytest.approx(3.0)
    assert r.value == pytest.approx(3.0)  # the whole centre's area


def test_stage_ii_class_by_population_share(three_cell_centre: Path) -> None:
    # half of a centre cell (10,000) + two rural cells (200): 98 % in the centre → city
    _c, r = urban_extent(three_cell_centre, aoi=_km(2.5, 1, 5, 2))
    assert r.population_total == pytest.approx(10_200)
    assert r.disaggregation["urban centre"] == pytest.approx(100 * 10_000 / 10_200)
    assert r.details["class_label"] == "city"
    # the two rural cells alone: a rural area, although a centre is next door
    centres, r = urban_extent(three_cell_centre, aoi=_km(3, 1, 5, 2))
    assert r.details["class_label"] == "rural area"
    assert centres.empty


def test_unit_class_thresholds() -> None:
    from sdgcities.spatial.urbanisation import unit_class

    assert unit_class({"urban centre": 50.0, "rural grid cell": 50.0}) == "city"
    assert unit_class({"urban centre": 49.9, "rural grid cell": 50.0}) == "rural area"
    assert unit_class({"urban centre": 49.9, "urban cluster": 0.2, "rural grid cell": 49.9}) == (
        "town or semi-dense area"
    )


def test_town_from_an_urban_cluster(tmp_path: Path) -> None:
    grid = np.full((4, 4), 400.0, dtype="float32")  # 6,400 people at 400/km²: a cluster
    p = write_raster(tmp_path / "t.tif", grid, res=1000, nodata=-1, crs="EPSG:3035",
                     x0=X0, y0=Y0)  # fmt: skip
    _c, r = urban_extent(p, aoi=_km(0, 0, 4, 4))
    assert r.disaggregation["urban cluster"] == pytest.approx(100.0)
    assert r.details["class_label"] == "town or semi-dense area"


def test_helsinki_with_a_boundary_keeps_the_whole_centre() -> None:
    """Real HSY population: a boundary over two 1 km cells still reports the 10 km² centre."""
    import rasterio as rio

    with rio.open(HELSINKI_TIF) as ds:
        b = ds.bounds
    x0 = np.ceil(b.left / 1000) * 1000
    y0 = np.floor(b.top / 1000) * 1000
    small = gpd.GeoDataFrame(geometry=[box(x0, y0 - 1000, x0 + 2000, y0)], crs="EPSG:3879")
    centres, r = urban_extent(HELSINKI_TIF, aoi=small)
    assert len(centres) == 1
    assert centres.loc[0, "area_km2"] == pytest.approx(10.0)
    assert centres.loc[0, "population"] == pytest.approx(71_335)
    assert r.details["class_label"] == "city"
    assert r.population_total < 71_335


def test_helsinki_fixture_against_a_hand_rolled_classification() -> None:
    """External reference for the Helsinki fingerprint: the 4 × 4 block sum done with a
    numpy reshape and the urban centre found by a plain-Python flood fill (4-neighbours,
    ≥ 1,500 inh/km², ≥ 50,000 people) — no scipy, no sdgcities code."""
    with rasterio.open(HELSINKI_TIF) as ds:
        pop = ds.read(1, masked=True).filled(0).astype(float)
        t = ds.transform
    # pad to whole 1 km blocks aligned on multiples of 1,000 m (the GHSL grid)
    col_pad = round((t.c - np.floor(t.c / 1000) * 1000) / 250)
    row_pad = round((np.ceil(t.f / 1000) * 1000 - t.f) / 250)
    rows = -(-(pop.shape[0] + row_pad) // 4) * 4
    cols = -(-(pop.shape[1] + col_pad) // 4) * 4
    padded = np.zeros((rows, cols))
    padded[row_pad : row_pad + pop.shape[0], col_pad : col_pad + pop.shape[1]] = pop
    km = padded.reshape(rows // 4, 4, cols // 4, 4).sum(axis=(1, 3))
    dense = {(r, c) for r in range(km.shape[0]) for c in range(km.shape[1]) if km[r, c] >= 1500}
    seen: set[tuple[int, int]] = set()
    centres = []
    for start in sorted(dense):
        if start in seen:
            continue
        stack, group = [start], []
        seen.add(start)
        while stack:
            r, c = stack.pop()
            group.append((r, c))
            for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nb in dense and nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
        people = sum(km[g] for g in group)
        if people >= 50_000:
            centres.append((len(group), people))
    centres_ours, r = urban_extent(HELSINKI_TIF)
    assert [
        (round(a), p)
        for a, p in zip(centres_ours["area_km2"], centres_ours["population"], strict=True)
    ] == [(n, pytest.approx(p)) for n, p in centres]
    assert r.population_total == pytest.approx(float(km.sum()))
