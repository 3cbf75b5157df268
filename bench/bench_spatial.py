"""Benchmark: all spatial indicators for one city, and Dask throughput with 1 vs 2 workers.

Usage::

    python bench/bench_spatial.py [DATA_DIR] [--tasks N]

``DATA_DIR`` defaults to ``$SDGCITIES_SHARED_DATA`` or ``shared/data`` beside the
repository. Kits are
assembled in a temporary folder from the real Porto Alegre and Las Palmas files (Las
Palmas' population is spread over its OSM buildings, scaled to the GHSL UCDB 2015
total of 443,141 and flagged as an estimate; its UCDB urban centre is the built-up area
of 11.7.1 (a); Porto Alegre's kit has no built-up area, so its 11.7.1 (a) is undefined).

3. 11.7.1 (a) on Las Palmas: the street area with its double-counting rules against the
   plain length × width sum a user would otherwise compute (same parsed extract), time
   ratio and both values.

1. Each city: every indicator its kit allows, end to end from the files, in a fresh
   subprocess (time and peak RSS). Targets: ≤ 6 s, ≤ 1.5 GB.
2. Throughput: N (default 12) city tasks (alternating the two cities) on a Dask
   LocalCluster with one worker, then with two (one thread each), pure compute as
   ``sdgcities batch`` runs it.
   Target: two workers ≥ 1.7× the throughput of one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    args = [a for a in sys.argv[1:] if not a.startswith("--") and not a.isdigit()]
    if args:
        return Path(args[0])
    env = os.environ.get("SDGCITIES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def make_kits(data: Path, root: Path) -> dict[str, Path]:
    pa, lp = data / "cities" / "porto_alegre", data / "cities" / "las_palmas"
    kits = {"porto_alegre": root / "porto_alegre", "las_palmas": root / "las_palmas"}
    for k in kits.values():
        k.mkdir(parents=True, exist_ok=True)
    for name in ("osm.pbf", "gtfs_eptc_bus.zip", "gtfs_trensurb_rail.zip"):
        (kits["porto_alegre"] / name).symlink_to(pa / name)
    (kits["porto_alegre"] / "population_h3_res9.csv").symlink_to(pa / "population_h3_res9.csv")
    for name in ("osm.pbf", "gtfs_guaguas_bus.zip", "boundary_municipality.geojson",
                 "ghs_ucdb_r2019a_urban_centre.gpkg"):  # fmt: skip
        (kits["las_palmas"] / name).symlink_to(lp / name)
    (kits["las_palmas"] / "kit.yaml").write_text(
        yaml.safe_dump({"options": {"population_total": 443141}})
    )
    return kits


_ONE_CITY = """
import json, resource, sys, time
t0 = time.perf_counter()
from sdgcities.spatial.kit import discover_kit
from sdgcities.spatial.runs import compute_planned, plan_runs
t_import = time.perf_counter() - t0
kit = discover_kit(sys.argv[1])
planned, skipped = plan_runs(kit)
t1 = time.perf_counter()
results, failed = compute_planned(kit, planned)
secs = time.perf_counter() - t1
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
vals = {r.indicator: r.value for rs in results.values() for r in rs}
timings = {r.indicator: r.timings for rs in results.values() for r in rs}
print(json.dumps({"seconds": secs, "import_s": t_import, "rss_mb": rss, "values": vals,
                  "failed": failed, "skipped": skipped, "timings": timings}))
"""


def one_city(kit: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _ONE_CITY, str(kit)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _warm() -> None:
    import importlib

    for mod in ("builtin", "transit", "openspace", "osm", "gtfs", "network", "population",
                "hexes", "landuse", "airquality", "urbanisation"):  # fmt: skip
        importlib.import_module(f"sdgcities.spatial.{mod}")


def throughput(kits: list[Path], n_workers: int) -> float:
    from dask.distributed import Client, LocalCluster

    from sdgcities.batch.run import WORKER_ENV, compute_city_task
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.runs import plan_runs

    work = []
    for k in kits:
        kit = discover_kit(k)
        work.append((kit, plan_runs(kit)[0]))
    with (
        LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                     dashboard_address=None, host="127.0.0.1", env=WORKER_ENV) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        # warm each worker (imports) so that start-up is not counted
        client.run(_warm)
        t0 = time.perf_counter()
        futs = [client.submit(compute_city_task, kit, planned, pure=False)
                for kit, planned in work]  # fmt: skip
        client.gather(futs)
        secs = time.perf_counter() - t0
    return len(work) / secs


def main() -> int:
    data = _data_dir()
    if not (data / "cities" / "porto_alegre").is_dir():
        print(f"real data kits not found at {data}; nothing to measure")
        return 0
    n_tasks = next((int(a) for a in sys.argv[1:] if a.isdigit()), 12)
    with tempfile.TemporaryDirectory() as tmp:
        kits = make_kits(data, Path(tmp))
        print("== all indicators for one city, end to end from the files (fresh process)")
        print(f"{'city':<14} {'seconds':>8} {'peak MB':>8}  values")
        for name, kit in kits.items():
            r = one_city(kit)
            vals = ", ".join(
                f"{k}={'undefined' if v is None else f'{v:.2f}'}"
                for k, v in r["values"].items()  # type: ignore[union-attr]
            )
            print(f"{name:<14} {r['seconds']:>8.2f} {r['rss_mb']:>8.0f}  {vals}")
            for ind, t in r["timings"].items():  # type: ignore[union-attr]
                print(f"{'':<14} {ind:>10}: " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items()))
            if r["failed"]:
                print(f"{'':<14} failed: {r['failed']}")
        print(f"\n== Dask throughput, {n_tasks} city tasks (alternating the two cities)")
        order = [kits["porto_alegre"], kits["las_palmas"]] * (n_tasks // 2)
        one = throughput(order, 1)
        two = throughput(order, 2)
        print(f"1 worker : {one:.3f} cities/s")
        print(f"2 workers: {two:.3f} cities/s")
        print(f"speed-up : {two / one:.2f}× (target ≥ 1.7×)")
    street_rules(data / "cities" / "las_palmas")
    return 0


def street_rules(lp: Path) -> None:
    """11.7.1 (a) with the street rules vs the plain length × width sum (same extract)."""
    import dataclasses

    from sdgcities.spatial.openspace import built_up_area, open_space_share
    from sdgcities.spatial.osm import read_osm

    osm = read_osm(lp / "osm.pbf")
    plain = dataclasses.replace(osm, edge_street=None)
    area, info = built_up_area(polygon=lp / "ghs_ucdb_r2019a_urban_centre.gpkg")
    rows = []
    for label, data in (("with rules", osm), ("plain sum", plain)):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            r = open_space_share(data, area, built_up_source=info)
            times.append(time.perf_counter() - t0)
        rows.append((label, sorted(times)[1], r.value, r.details["street_km2"]))
    print("\n== 11.7.1 (a) Las Palmas, GHSL urban centre: street rules vs plain sum")
    for label, secs, value, km2 in rows:
        print(f"{label:<11} {secs:>7.3f} s  value {value:.2f} %  streets {km2:.2f} km²")
    print(f"time ratio (rules / plain): {rows[0][1] / rows[1][1]:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
