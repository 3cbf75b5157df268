"""Benchmark SDG 11.2.1 as a user runs it: whole processes, sdgcities vs OSMnx, same loop.

Usage::

    python bench/bench_transit_cli.py [DATA_DIR] [--runs 3]

``DATA_DIR`` defaults to ``$SDGCITIES_SHARED_DATA`` or ``shared/data`` beside the
repository. For each city, in the same loop, each run starts fresh processes of:

* ``sdgcities spatial transit-access`` (the installed command, JSON written to a scratch
  file) — imports, OSM, GTFS, population, graph, distances, hex layer, output;
* the OSMnx + networkx script a typical user writes (``bench_transit.run_osmnx``:
  walk-filtered XML, ``graph_from_xml``, projected, nearest nodes, one Dijkstra per
  stop), including its own imports;
* ``python -c "import sdgcities.cli"`` (what every command pays before working).

The median of the runs is reported, wall clock and CPU time (user + system: on a shared
machine the wall clock includes waiting for a core), and the ratio OSMnx / sdgcities of
the medians. Each command runs once untimed first, with ``PYTHONDONTWRITEBYTECODE``
dropped from the environment: the runs timed are a user's second run, bytecode cached
(as after ``pip install``, or ``make setup``, which compiles it), files in the page cache.
In one process it also times the OSM read (``read_osm`` without open spaces) against a
bare pyosmium pass over every object of the same file, and the GTFS read. The in-process
breakdown of both methods stays in ``bench/bench_transit.py``. Exits 0; timings are
figures to read, never pass/fail.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_transit  # noqa: E402


def _runs() -> int:
    if "--runs" in sys.argv:
        return max(1, int(sys.argv[sys.argv.index("--runs") + 1]))
    return 3


def _cli_args(city: dict[str, object], out: Path) -> list[str]:
    exe = Path(sys.executable).with_name("sdgcities")
    args = [str(exe), "spatial", "transit-access", "--osm", str(city["osm"])]
    for g in city["gtfs"]:  # type: ignore[attr-defined]
        args += ["--gtfs", str(g)]
    pop = str(city["population"])
    if pop.startswith("buildings:"):
        args += ["--population-total", pop.split(":")[1]]
    else:
        args += ["--population", pop]
    if city["boundary"]:
        args += ["--boundary", str(city["boundary"])]
    return [*args, "--json", str(out)]


def _env() -> dict[str, str]:
    """The user's environment: bytecode cached (``PYTHONDONTWRITEBYTECODE`` dropped)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "COLUMNS": "120"}


def _timed(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of ``args`` as a fresh process.

    On a shared machine the wall clock includes waiting for a core; the CPU time does not.
    """
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=_env())
    wall = time.perf_counter() - t
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime


def _median(runs: list[tuple[float, float]], i: int) -> float:
    return statistics.median(r[i] for r in runs)


def _osmnx_args(name: str) -> list[str]:
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_transit as b; "
        f"b.run_osmnx(b._cities(b._data_dir())[{name!r}])"
    )
    return [sys.executable, "-c", code]


_READ_RUNS = 5  # in-process reads: the median of this many


def _reads(city: dict[str, object]) -> dict[str, float]:
    import osmium

    from sdgcities.spatial.gtfs import read_gtfs_feeds
    from sdgcities.spatial.osm import read_osm

    osm = str(city["osm"])
    read_osm(osm, open_spaces=False)  # warm the page cache and imports
    bares, ours, gtfss = [], [], []
    n = 0
    for _ in range(_READ_RUNS):  # alternated, so that a busy moment hits both alike
        t = time.perf_counter()
        n = sum(1 for _ in osmium.FileProcessor(osm))
        bares.append(time.perf_counter() - t)
        t = time.perf_counter()
        read_osm(osm, open_spaces=False)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        read_gtfs_feeds(list(city["gtfs"]))  # type: ignore[call-overload]
        gtfss.append(time.perf_counter() - t)
    bare, ours_s, gtfs = (statistics.median(x) for x in (bares, ours, gtfss))
    return {"objects": n, "bare": bare, "read_osm": ours_s, "gtfs": gtfs}


def main() -> int:
    data = bench_transit._data_dir()
    if not data.is_dir():
        print(f"data folder {data} not found; set SDGCITIES_SHARED_DATA")
        return 0
    os.environ["SDGCITIES_SHARED_DATA"] = str(data)
    runs = _runs()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        for name, city in bench_transit._cities(data).items():
            ours: list[tuple[float, float]] = []
            ref: list[tuple[float, float]] = []
            imp: list[tuple[float, float]] = []
            # one untimed run of each first: bytecode written and files in the page cache,
            # as on a user's second run (and pip-installed packages ship compiled)
            for args in (_cli_args(city, out), _osmnx_args(name)):
                _timed(args)
            for _ in range(runs):
                ours.append(_timed(_cli_args(city, out)))
                ref.append(_timed(_osmnx_args(name)))
                imp.append(_timed([sys.executable, "-c", "import sdgcities.cli"]))
            value = json.loads(out.read_text())["value"]
            rows.append((name, value, ours, ref, imp, _reads(city)))
    print(f"SDG 11.2.1 — whole processes, median of {runs} runs (same loop)")
    print("wall-clock seconds, CPU seconds (user + system) in brackets")
    hdr = (
        f"{'city':<13} {'value %':>8} {'sdgcities s':>13} {'osmnx s':>14} {'ratio':>11} "
        f"{'import s':>8} {'osm read s':>10} {'bare pass s':>11} {'osm/bare':>8} {'gtfs s':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, value, ours, ref, imp, rd in rows:
        o, r = _median(ours, 0), _median(ref, 0)
        oc, rc = _median(ours, 1), _median(ref, 1)
        print(
            f"{name:<13} {value:8.2f} {f'{o:.2f} ({oc:.2f})':>13} {f'{r:.2f} ({rc:.2f})':>14} "
            f"{f'{r / o:.1f} ({rc / oc:.1f})':>11} {_median(imp, 0):8.2f} "
            f"{rd['read_osm']:10.3f} {rd['bare']:11.3f} "
            f"{rd['read_osm'] / rd['bare']:8.2f} {rd['gtfs']:7.3f}"
        )
    print()
    print("sdgcities s = `sdgcities spatial transit-access … --json` as a fresh process")
    print("osmnx s = the OSMnx + networkx script (simplified graph) as a fresh process")
    print("ratio = osmnx s / sdgcities s; import s = `python -c 'import sdgcities.cli'`")
    print("osm read = read_osm(open_spaces=False); bare pass = iterating every object of the")
    print(
        f"  file with osmium.FileProcessor (in one process, after a warm-up read; median of"
        f" {_READ_RUNS}, alternated)"
    )
    for name, _v, ours, ref, _i, _d in rows:
        mine, theirs = [round(x[0], 2) for x in ours], [round(x[0], 2) for x in ref]
        print(f"{name}: sdgcities runs {mine}, osmnx runs {theirs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
