"""Benchmark: neighbourhood profiles on Las Palmas, and exposure of 1,000,000 buildings.

Usage::

    python bench/bench_profiling.py [DATA_DIR] [--skip-exposure] [--skip-profiles]

1. ``sdgcities spatial neighbourhoods`` on the real Las Palmas kit (OSM place
   neighbourhoods, 11.2.1 with GTFS, 11.7.1 b, 15/30-minute walks to schools, health care
   and food shops), the whole command in a fresh subprocess: wall time and peak RSS.
   Target ≤ 5 s. Ratio: the service-reach step (one scipy Dijkstra per service with a
   super-source) against what a user of OSMnx/networkx would write —
   ``networkx.multi_source_dijkstra_path_length`` with the same cutoff per service, on
   the same graph (timed in this process).
2. Exposure: a SYNTHETIC 10,000 × 10,000 float32 hazard raster (10 m cells, EPSG:3067)
   and 1,000,000 SYNTHETIC building footprints (6 m squares at seeded random places),
   ``sdgcities.profiling.exposure.exposure`` in a fresh subprocess: wall time and peak
   RSS. Targets ≤ 30 s, ≤ 2 GB. Ratio: the plain rasterio loop a user would otherwise
   write (``DatasetReader.sample`` over the footprints' centroids), same run, timed on
   the first 100,000 buildings and scaled ×10 (stated in the output).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SDG = str(Path(sys.executable).parent / "sdgcities")


def _data_dir() -> Path:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args:
        return Path(args[0])
    env = os.environ.get("SDGCITIES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


CPU: dict[str, float] = {}


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of the child, output) of a subprocess; its CPU seconds
    (user + system, less sensitive to a loaded machine) in ``CPU["last"]``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = r0.ru_maxrss
    t0 = time.perf_counter()
    # a user's install keeps compiled bytecode; this machine's PYTHONDONTWRITEBYTECODE would
    # make every command recompile the sources (~3 s), so the child may write it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = r1.ru_maxrss
    CPU["last"] = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return wall, max(peak, before) / 1024, out.stdout


def bench_profiles(data: Path, tmp: Path) -> dict[str, object]:
    kit = data / "cities" / "las_palmas"
    out = tmp / "lp.json"
    # warm the bytecode cache once so the figure is the command, not the first compile
    _run([SDG, "spatial", "neighbourhoods", "--kit", str(kit), "--h3", "6"])
    wall, rss, _ = _run([SDG, "spatial", "neighbourhoods", "--kit", str(kit), "--json", str(out)])
    prof = json.loads(out.read_text())
    # ratio of the reach step against networkx on the same graph
    import networkx as nx
    import numpy as np

    from sdgcities.profiling.osmextra import read_osm_extras
    from sdgcities.profiling.reach import minutes_to_m, service_reach
    from sdgcities.spatial._access import points_xy, snap_population
    from sdgcities.spatial.builtin import _context
    from sdgcities.spatial.kit import discover_kit

    k = discover_kit(kit)
    ctx, _ = _context(k, {})
    pop = ctx.population.clip(ctx.boundary)
    snapped = snap_population(ctx.graph, pop)
    ex = read_osm_extras(k.osm, buildings=False)
    locs = {str(s): g[["geometry"]] for s, g in ex.services.groupby("service")}
    t0 = time.perf_counter()
    reach = service_reach(ctx.graph, snapped, locs)
    ours = time.perf_counter() - t0
    g = ctx.graph
    t1 = time.perf_counter()
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(g.u.tolist(), g.v.tolist(), g.length.tolist(), strict=True))
    build = time.perf_counter() - t1
    limit = minutes_to_m(30)
    t2 = time.perf_counter()
    for locations in locs.values():
        x, y = points_xy(locations, g)
        src = g.snap(x, y, max_snap_m=200.0)
        nodes = set(g.u[src.edge[src.ok]].tolist())  # nearest end of each snapped edge
        d = nx.multi_source_dijkstra_path_length(graph, nodes, cutoff=limit)
        nd = np.full(g.n_nodes, np.inf)
        nd[list(d)] = list(d.values())
        g.point_distances(nd, snapped)
    nxs = time.perf_counter() - t2
    return {
        "command_wall_s": round(wall, 2),
        "command_cpu_s": round(CPU["last"], 2),
        "command_peak_rss_mb": round(rss),
        "target_s": 5.0,
        "inside_command_s": prof["timings"],
        "neighbourhoods": len(prof["neighbourhoods"]),
        "services": reach.locations,
        "reach_ours_s": round(ours, 3),
        "reach_networkx_s": round(nxs, 3),
        "networkx_graph_build_s": round(build, 3),
        "reach_ratio": round(nxs / ours, 1),
    }


_EXPOSURE_CHILD = r"""
import json, sys, time
import geopandas as gpd, numpy as np, shapely
from sdgcities.profiling.exposure import HazardRule, exposure
t0 = time.perf_counter()
xy = np.load(sys.argv[2])
b = gpd.GeoDataFrame(geometry=shapely.box(xy[:, 0] - 3, xy[:, 1] - 3, xy[:, 0] + 3,
                                          xy[:, 1] + 3), crs="EPSG:3067")
t1 = time.perf_counter()
r = exposure(sys.argv[1], HazardRule("below", 2.0, "m"), None, buildings=b, keep_layers=False)
t2 = time.perf_counter()
print(json.dumps({"buildings_exposed": r.buildings_exposed, "buildings_total": r.buildings_total,
                  "build_footprints_s": t1 - t0, "exposure_s": t2 - t1, "timings": r.timings}))
"""


def bench_exposure(tmp: Path) -> dict[str, object]:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    n, size, res = 1_000_000, 10_000, 10.0
    hz = tmp / "hazard.tif"
    rng = np.random.default_rng(42)
    t0 = time.perf_counter()
    with rasterio.open(hz, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:3067", tiled=True,
                       transform=from_origin(0, size * res, res, res)) as dst:  # fmt: skip
        ramp = np.linspace(0, 10, size, dtype=np.float32)
        for row in range(0, size, 1000):
            block = ramp[None, :] + rng.normal(0, 1, (1000, size)).astype(np.float32)
            dst.write(block, 1, window=rasterio.windows.Window(0, row, size, 1000))
    make = time.perf_counter() - t0
    xy = rng.uniform(5, size * res - 5, (n, 2))
    pts = tmp / "xy.npy"
    np.save(pts, xy)
    wall, rss, out = _run([sys.executable, "-c", _EXPOSURE_CHILD, str(hz), str(pts)])
    child = json.loads(out.strip().splitlines()[-1])
    # baseline: rasterio's sample loop over 100,000 centroids, scaled ×10
    sub = 100_000
    t1 = time.perf_counter()
    with rasterio.open(hz) as ds:
        vals = np.fromiter((v[0] for v in ds.sample(map(tuple, xy[:sub]))), dtype=float, count=sub)
    base = (time.perf_counter() - t1) * (n / sub)
    ours_exp = child["buildings_exposed"]
    base_exposed = int((vals < 2.0).sum())
    return {
        "raster": f"{size} x {size} float32 (synthetic), made in {make:.1f} s",
        "buildings": n,
        "buildings_exposed": ours_exp,
        "wall_s_subprocess": round(wall, 2),
        "cpu_s_subprocess": round(CPU["last"], 2),
        "exposure_s": round(child["exposure_s"], 2),
        "build_footprints_s": round(child["build_footprints_s"], 2),
        "peak_rss_mb": round(rss),
        "targets": "<= 30 s, <= 2048 MB",
        "rasterio_sample_s_scaled": round(base, 1),
        "ratio_vs_rasterio_sample": round(base / child["exposure_s"], 1),
        "exposed_share_ours_all": ours_exp / n,
        "exposed_share_rasterio_first_100k": base_exposed / sub,
        "inside_exposure_s": child["timings"],
    }


def main() -> None:
    data = _data_dir()
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "--skip-profiles" not in sys.argv:
            out["neighbourhood_profiles_las_palmas"] = bench_profiles(data, tmp)
            print(json.dumps(out, indent=2), flush=True)
        if "--skip-exposure" not in sys.argv:
            out["exposure_1M_buildings"] = bench_exposure(tmp)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
