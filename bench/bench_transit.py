"""Benchmark SDG 11.2.1: sdgcities vs the OSMnx + networkx path a typical user writes.

Usage::

    python bench/bench_transit.py [DATA_DIR]

``DATA_DIR`` defaults to ``$SDGCITIES_SHARED_DATA`` or ``shared/data`` beside the
repository.
For each city it measures, in the same run:

* sdgcities ``transit_access_from_files`` end to end (parse, graph, distances, total),
  peak memory in a fresh subprocess (``ru_maxrss``);
* OSMnx + networkx: the extract converted to .osm XML with the same walk filter (OSMnx
  reads XML, not PBF), ``ox.graph_from_xml``, ``ox.project_graph``, nearest nodes for
  stops and population points, one ``single_source_dijkstra_path_length`` per stop with
  cutoff 500 m (low capacity) or 1000 m (high capacity), union of reached nodes.

The two methods are compared with the same snapping rule (points snapped, snap distance
not counted; stops farther than 200 m from the network dropped); sdgcities' default
(snap distance counted, segment snapping) is shown as well. Exits 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    if len(sys.argv) > 1 and not sys.argv[1].startswith("--"):
        return Path(sys.argv[1])
    env = os.environ.get("SDGCITIES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _cities(d: Path) -> dict[str, dict[str, object]]:
    pa = d / "cities" / "porto_alegre"
    lp = d / "cities" / "las_palmas"
    return {
        "porto_alegre": {
            "osm": str(pa / "osm.pbf"),
            "gtfs": [str(pa / "gtfs_eptc_bus.zip"), str(pa / "gtfs_trensurb_rail.zip")],
            "population": str(pa / "population_h3_res9.csv"),
            "boundary": None,
        },
        "las_palmas": {
            "osm": str(lp / "osm.pbf"),
            "gtfs": [str(lp / "gtfs_guaguas_bus.zip")],
            "population": "buildings:443141",  # GHSL UCDB P15, spread over OSM buildings
            "boundary": str(lp / "boundary_municipality.geojson"),
        },
    }


def _population(spec: str, osm: str):  # type: ignore[no-untyped-def]
    from sdgcities.spatial.osm import read_osm
    from sdgcities.spatial.population import estimate_population_from_buildings, read_population

    if spec.startswith("buildings:"):
        return estimate_population_from_buildings(
            read_osm(osm, buildings=True, open_spaces=False).buildings, float(spec.split(":")[1])
        )
    return read_population(spec)


def run_sdgcities(
    city: dict[str, object], include_snap: bool = True, snapping: str = "segment"
) -> dict[str, object]:
    from sdgcities.spatial.transit import transit_access_from_files

    pop = _population(str(city["population"]), str(city["osm"]))
    src = pop.source if pop.is_estimate else city["population"]
    r = transit_access_from_files(
        str(city["osm"]),
        list(city["gtfs"]),  # type: ignore[call-overload]
        pop if pop.is_estimate else src,
        boundary=city["boundary"],
        count_access_walk=include_snap,  # type: ignore[arg-type]
        snap=snapping,
    )
    return {"value": r.value, "timings": r.timings, "details": r.details}


def _subprocess_peak(name: str) -> dict[str, object]:
    here = str(Path(__file__).parent)
    code = (
        f"import json,resource,sys; sys.path.insert(0, {here!r});"
        f"import bench_transit as b; c=b._cities(b._data_dir())[{name!r}];"
        "out=b.run_sdgcities(c); out['maxrss_mb']=resource.getrusage(resource.RUSAGE_SELF)"
        ".ru_maxrss/1024; print(json.dumps({k: out[k] for k in ('value','timings','maxrss_mb')}))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _write_walk_xml(pbf: str, out: Path) -> None:
    """Walkable ways and their nodes as .osm XML; refs to nodes missing from the extract
    are dropped (OSMnx refuses edges without nodes)."""
    import osmium

    from sdgcities.spatial.osm import is_walkable

    present = {n.id for n in osmium.FileProcessor(pbf, osmium.osm.NODE)}
    keep_nodes: set[int] = set()
    ways: dict[int, list[int]] = {}
    for w in osmium.FileProcessor(pbf).with_filter(osmium.filter.KeyFilter("highway")):
        if w.is_way() and is_walkable(dict(w.tags)):
            refs = [n.ref for n in w.nodes if n.ref in present]
            if len(refs) >= 2:
                ways[w.id] = refs
                keep_nodes.update(refs)
    writer = osmium.SimpleWriter(str(out), overwrite=True)
    try:
        for o in osmium.FileProcessor(pbf):
            if o.is_node() and o.id in keep_nodes:
                writer.add(o)
            elif o.is_way() and o.id in ways:
                writer.add_way(o.replace(nodes=ways[o.id]))
    finally:
        writer.close()


def run_osmnx(city: dict[str, object], simplify: bool = True) -> dict[str, object]:
    import networkx as nx
    import osmnx as ox
    import shapely

    from sdgcities.spatial.gtfs import read_gtfs_feeds

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "walk.osm"
        _write_walk_xml(str(city["osm"]), xml)
        t_xml = time.perf_counter() - t0
        t1 = time.perf_counter()
        g = ox.graph_from_xml(xml, simplify=simplify, retain_all=True)
    g = ox.project_graph(g)
    gu = ox.convert.to_undirected(g)
    t_graph = time.perf_counter() - t1
    t2 = time.perf_counter()
    stops = read_gtfs_feeds(list(city["gtfs"])).to_crs(g.graph["crs"])  # type: ignore[call-overload]
    pop = _population(str(city["population"]), str(city["osm"]))
    pts = pop.points
    if city["boundary"]:
        import geopandas as gpd

        b = gpd.read_file(str(city["boundary"])).to_crs("EPSG:4326").union_all()
        pts = pts.loc[shapely.contains_xy(b, pts.geometry.x, pts.geometry.y)]
    pts = pts.to_crs(g.graph["crs"])
    t_inputs = time.perf_counter() - t2
    t3 = time.perf_counter()
    s_nodes, s_dist = ox.distance.nearest_nodes(
        g, stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy(), return_dist=True
    )
    reached: set[int] = set()
    for node, dist, cap in zip(s_nodes, s_dist, stops["capacity"], strict=True):
        if dist > 200:
            continue
        cutoff = 1000 if cap == "high" else 500
        reached.update(
            nx.single_source_dijkstra_path_length(gu, node, cutoff=cutoff, weight="length")
        )
    p_nodes = ox.distance.nearest_nodes(g, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    pop_v = pts["population"].to_numpy(dtype=float)
    cov = np.array([n in reached for n in p_nodes])
    t_dist = time.perf_counter() - t3
    return {
        "value": 100 * pop_v[cov].sum() / pop_v.sum(),
        "timings": {
            "xml": t_xml,
            "graph": t_graph,
            "inputs": t_inputs,
            "distances": t_dist,
            "total": time.perf_counter() - t0,
        },
        "nodes": g.number_of_nodes(),
    }


def main() -> int:
    data = _data_dir()
    if not data.is_dir():
        print(f"data folder {data} not found; set SDGCITIES_SHARED_DATA")
        return 0
    rows = []
    for name, city in _cities(data).items():
        run_sdgcities(city)  # warm-up (imports, caches)
        t = time.perf_counter()
        ours = run_sdgcities(city)
        ours_t = time.perf_counter() - t
        same = run_sdgcities(city, include_snap=False, snapping="node")
        peak = _subprocess_peak(name)
        ref = run_osmnx(city)
        full = run_osmnx(city, simplify=False)
        rows.append((name, ours, ours_t, same, peak, ref, full))
    print("SDG 11.2.1 — sdgcities vs OSMnx + networkx (same run)")
    hdr = (
        f"{'city':<13} {'default %':>9} {'node-rule %':>11} {'osmnx full %':>12} "
        f"{'diff pp':>7} {'osmnx simpl %':>13} {'parse s':>7} {'graph s':>7} {'dist s':>7} "
        f"{'total s':>7} {'osmnx s':>8} {'ratio':>6} {'peak MB':>8}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, ours, _ours_t, same, peak, ref, full in rows:
        tm = ours["timings"]
        rt = ref["timings"]
        ratio = rt["total"] / tm["total"]
        print(
            f"{name:<13} {ours['value']:9.2f} {same['value']:11.2f} {full['value']:12.2f} "
            f"{same['value'] - full['value']:7.2f} {ref['value']:13.2f} {tm['parse']:7.3f} "
            f"{tm['graph']:7.3f} {tm['distances']:7.3f} {tm['total']:7.3f} {rt['total']:8.2f} "
            f"{ratio:6.1f} {peak['maxrss_mb']:8.0f}"
        )
    print()
    for name, _o, _t, _s, _p, ref, full in rows:
        for label, r in (("simplified", ref), ("unsimplified", full)):
            rt = r["timings"]
            print(
                f"{name}: osmnx {label} — xml {rt['xml']:.2f} s, graph {rt['graph']:.2f} s, "
                f"inputs {rt['inputs']:.2f} s, per-stop dijkstra {rt['distances']:.2f} s, "
                f"total {rt['total']:.2f} s; {r['nodes']} nodes"
            )
    print("default = sdgcities defaults (segment snapping, snap distance walked)")
    print("node-rule = sdgcities with snapping='node', include_snap=False: the OSMnx rule;")
    print("  diff pp = node-rule − OSMnx on the unsimplified graph (same nodes)")
    print("ratio = OSMnx simplified total (incl. XML conversion) / sdgcities default total")
    print("peak MB = ru_maxrss of a fresh subprocess running sdgcities for that city")
    return 0


if __name__ == "__main__":
    sys.exit(main())
