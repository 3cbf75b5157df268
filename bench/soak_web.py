"""Soak of the web platform: 50 clients for 10 minutes against a demo store, pages and API mixed.

Builds the demo store (``sdgcities demo --no-serve``: the real GeoNames cities of
500,000+ inhabitants and SDG 11 indicators computed from the real OSM extracts of Helsinki
and Kotka) in a temporary data folder, serves it with uvicorn (one worker) on loopback,
and runs ``--clients`` concurrent httpx clients for ``--seconds``. Each client picks its
next request at random from a mix of pages (home, city list, city pages and challenges,
indicators, compare, data) and API/OGC calls (cities, observations, scores, challenges,
OGC collections); half-way, ``sdgcities backup`` copies the store while the load runs.

Reported: requests, errors (status ≥ 500 or a failed connection: the target is none),
p50/p95/p99 latency per kind, throughput, the server's resident memory and the backup's
duration. No network beyond loopback.

Memory is measured so that start-up and first-visit costs (imports, compiled templates,
SQLAlchemy's statement cache, the page caches filling) do not count as growth: before
the load, every URL of the mix is visited once; the server's VmRSS is then sampled every
2 s. The *warm baseline* is the median of the samples in the 30 s after the warm-up
(``--warmup``, default 60 s, under full load); the *end* is the median of the samples of
the last 60 s; growth = end / baseline − 1 (target: ≤ 10 %). Medians, not single
samples, so one request's transient buffers do not decide the figure.

``--trace DIR`` loads ``bench/_soak_hook/sitecustomize.py`` into the server only (never
into the platform's code): from the start of the load, tracemalloc plus, every 20 s,
RSS, traced bytes and cache sizes in ``DIR/probe.jsonl`` and a snapshot; at the end the
largest growths between the warm snapshot and the last one are printed. Tracing slows
the server and adds its own memory: use it to find what grows, not for the figures.

The server's allocators are those ``create_app`` sets for every server
(``sdgcities.web._memory``: Arrow's system pool, 2 glibc arenas); ``--untuned`` gives it
the previous ones through the environment (mimalloc for Arrow, glibc's 8 arenas per
core) to compare.

Run: ``.venv/bin/python bench/soak_web.py`` (10 minutes; ``--seconds 180`` for a short
run). Timings depend on the machine's load; they are never a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser._browser import start_server, stop_server  # noqa: E402

#: the command of this virtualenv
SDGCITIES = [str(Path(sys.executable).with_name("sdgcities"))]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, SDGCITIES_DATA_DIR=str(data_dir), COLUMNS="120")
    env.pop("DATABASE_URL", None)
    return env


def build_store(data_dir: Path, min_population: int) -> None:
    """The demo store, made by the real ``sdgcities demo`` command."""
    subprocess.run(
        [*SDGCITIES, "demo", "--no-serve", "--min-population", str(min_population)],
        env=_env(data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _targets(base: str) -> list[tuple[str, str]]:
    """(kind, path) of the mix, with real slugs and codes read from the API."""
    with httpx.Client(base_url=base, timeout=30) as c:
        cities = c.get("/api/v1/cities", params={"limit": 200}).json()["items"]
        indicators = c.get("/api/v1/indicators", params={"limit": 100}).json()["items"]
        collections = c.get("/ogc/collections", params={"f": "json"}).json().get("collections", [])
    slugs = [x["slug"] for x in cities]
    measured = ["helsinki-fin", "kotka-fin"]
    codes = [x["code"] for x in indicators][:20]
    out: list[tuple[str, str]] = [("page", "/"), ("page", "/cities"), ("page", "/indicators")]
    out += [("page", f"/cities/{s}") for s in measured * 5 + random.sample(slugs, 10)]
    out += [("page", f"/cities/{s}/challenges") for s in measured]
    out += [("page", f"/indicators/{c}") for c in codes[:5]]
    out += [("page", "/compare?cities=helsinki-fin&cities=kotka-fin"), ("page", "/data")]
    out += [("api", "/api/v1/cities?limit=50"), ("api", "/api/v1/indicators")]
    out += [("api", f"/api/v1/cities/{s}") for s in random.sample(slugs, 5)]
    out += [("api", f"/api/v1/observations?city={s}") for s in measured]
    out += [("api", f"/api/v1/cities/{s}/scores") for s in measured]
    out += [("api", f"/api/v1/cities/{s}/challenges") for s in measured]
    out += [("ogc", "/ogc/collections?f=json")]
    out += [
        ("ogc", f"/ogc/collections/{c['id']}/items?f=json&limit=20&offset=0")
        for c in collections[:3]
    ]
    return out


async def _client(
    base: str,
    targets: list[tuple[str, str]],
    until: float,
    latencies: dict[str, list[float]],
    errors: list[str],
    statuses: dict[int, int],
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        while time.monotonic() < until:
            kind, path = random.choice(targets)
            t0 = time.perf_counter()
            try:
                r = await c.get(path)
            except httpx.HTTPError as err:
                errors.append(f"{path}: {type(err).__name__}")
                continue
            latencies.setdefault(kind, []).append(time.perf_counter() - t0)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code >= 500:
                errors.append(f"{path}: HTTP {r.status_code}")


async def _backup_midway(data_dir: Path, at: float, out: dict[str, float]) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *SDGCITIES, "backup", str(data_dir / "soak-backup.db"), env=_env(data_dir),
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out["backup_rc"] = float(await proc.wait())
    out["backup_s"] = time.perf_counter() - t0


async def _sample_rss(pid: int, until: float, samples: list[tuple[float, int]]) -> None:
    start = time.monotonic()
    while time.monotonic() < until:
        samples.append((time.monotonic() - start, _rss_kib(pid)))
        await asyncio.sleep(2)


async def _visit_all(base: str, targets: list[tuple[str, str]]) -> None:
    """Every URL of the mix once, before the load: first-visit costs are not growth."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        for _kind, path in targets:
            await c.get(path)


async def soak(
    base: str, pid: int, data_dir: Path, seconds: float, clients: int, trace: Path | None
) -> dict[str, object]:
    targets = _targets(base)
    await _visit_all(base, targets)
    if trace is not None:
        (trace / "load-started").write_text(str(time.time()))
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    statuses: dict[int, int] = {}
    rss: list[tuple[float, int]] = []
    backup: dict[str, float] = {}
    t0 = time.monotonic()
    until = t0 + seconds
    await asyncio.gather(
        _sample_rss(pid, until, rss),
        _backup_midway(data_dir, t0 + seconds / 2, backup),
        *(_client(base, targets, until, latencies, errors, statuses) for _ in range(clients)),
    )
    return {
        "elapsed": time.monotonic() - t0,
        "latencies": latencies,
        "errors": errors,
        "statuses": statuses,
        "rss": rss,
        "backup": backup,
        "targets": len(targets),
    }


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def memory_growth(
    rss: list[tuple[float, int]], warmup: float, elapsed: float
) -> tuple[float, float, float] | None:
    """(warm baseline KiB, end KiB, growth %) of ``(seconds, KiB)`` samples, or None.

    Baseline: median of the samples in ``[warmup, warmup + 30 s)``; end: median of the
    samples of the last 60 s (at least after the baseline window); growth in per cent.
    """
    base_end = warmup + 30.0
    base = [kib for t, kib in rss if warmup <= t < base_end]
    last = [kib for t, kib in rss if t >= max(base_end, elapsed - 60.0)]
    if not base or not last:
        return None
    first, end = statistics.median(base), statistics.median(last)
    return first, end, 100 * (end - first) / first


def _server(
    data_dir: Path, trace: Path | None, untuned: bool
) -> tuple[subprocess.Popen[bytes], str]:
    """The server of ``start_server``, with the optional probe (and previous allocators)."""
    extra: dict[str, str] = {}
    if untuned:  # the environment wins over sdgcities.web._memory
        extra["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
        extra["MALLOC_ARENA_MAX"] = str(8 * (os.cpu_count() or 1))
    if trace is not None:
        hook = str(REPO / "bench" / "_soak_hook")
        extra["PYTHONPATH"] = os.pathsep.join(filter(None, [hook, os.environ.get("PYTHONPATH")]))
        extra["SDGCITIES_SOAK_TRACE"] = str(trace)
        trace.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)  # start_server passes os.environ on; only the server sees these
    try:
        return start_server(f"sqlite:///{data_dir / 'sdgcities.db'}", data_dir)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _trace_report(trace: Path, warmup: float) -> None:
    """What grew in the server between the warm snapshot and the last one."""
    import json
    import tracemalloc

    probes = [json.loads(x) for x in (trace / "probe.jsonl").read_text().splitlines()]
    snaps = sorted(trace.glob("snap-*.pickle"))
    if len(probes) < 2 or len(snaps) < 2:
        print("  trace: too few probes (run longer than the warm-up plus 20 s)")
        return
    started = float((trace / "load-started").read_text())
    warm = next((p for p in probes if p["wall"] >= started + warmup), probes[0])
    end = probes[-1]
    print(
        f"  trace t={warm['t']}→{end['t']} s of load: RSS {warm['rss_kib'] / 1024:.0f}→"
        f"{end['rss_kib'] / 1024:.0f} MiB, traced by tracemalloc {warm['traced'] / 2**20:.1f}→"
        f"{end['traced'] / 2**20:.1f} MiB, caches {warm['caches']}→{end['caches']}"
    )
    first = tracemalloc.Snapshot.load(str(trace / f"snap-{warm['t']:05d}.pickle"))
    last = tracemalloc.Snapshot.load(str(snaps[-1]))
    for stat in last.compare_to(first, "traceback")[:8]:
        ours = [f for f in stat.traceback if "sdgcities" in f.filename]
        where = [stat.traceback[-1], *ours[-1:]]
        text = " ← ".join(f"{f.filename.split('/')[-1]}:{f.lineno}" for f in where)
        print(f"    {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+7d} blocks  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--min-population", type=int, default=500_000)
    parser.add_argument(
        "--warmup", type=float, default=60, help="seconds of load before the memory baseline"
    )
    parser.add_argument(
        "--untuned",
        action="store_true",
        help="the allocators before the fix (mimalloc for Arrow, 8 glibc arenas per core)",
    )
    parser.add_argument(
        "--trace", type=Path, default=None, help="folder for the server's tracemalloc probe"
    )
    args = parser.parse_args()
    if args.seconds < args.warmup + 60:
        parser.error(f"--seconds must be at least --warmup + 60 ({args.warmup + 60:.0f})")
    if args.trace is not None and args.trace.exists() and any(args.trace.iterdir()):
        parser.error(f"--trace {args.trace}: the folder is not empty; give a new one")
    with tempfile.TemporaryDirectory(prefix="sdgcities-soak-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        build_store(data_dir, args.min_population)
        print(f"demo store built in {time.perf_counter() - t0:.0f} s")
        proc, base = _server(data_dir, args.trace, args.untuned)
        signal.signal(signal.SIGTERM, _interrupted)  # stop the server on `kill` too
        try:
            result = asyncio.run(
                soak(base, proc.pid, data_dir, args.seconds, args.clients, args.trace)
            )
        finally:
            stop_server(proc)
    lat: dict[str, list[float]] = result["latencies"]  # type: ignore[assignment]
    errors: list[str] = result["errors"]  # type: ignore[assignment]
    rss: list[tuple[float, int]] = result["rss"]  # type: ignore[assignment]
    total = sum(len(v) for v in lat.values())
    elapsed = float(result["elapsed"])  # type: ignore[arg-type]
    print(
        f"{args.clients} clients × {elapsed:.0f} s over {result['targets']} URLs: {total} requests"
        f" ({total / elapsed:.1f}/s), {len(errors)} errors, statuses {result['statuses']}"
    )
    for kind, values in sorted(lat.items()):
        ms = [v * 1000 for v in values]
        print(
            f"  {kind:5} n={len(ms):6}  p50 {_pct(ms, 50):7.1f} ms  p95 {_pct(ms, 95):7.1f} ms"
            f"  p99 {_pct(ms, 99):7.1f} ms"
        )
    growth = memory_growth(rss, args.warmup, elapsed)
    if growth is not None:
        first, last, pct = growth
        print(
            f"  server RSS warm baseline {first / 1024:.0f} MiB (median of"
            f" {args.warmup:.0f}–{args.warmup + 30:.0f} s) → end {last / 1024:.0f} MiB (median"
            f" of the last 60 s): {pct:+.1f} % (target ≤ +10 %), peak"
            f" {max(k for _t, k in rss) / 1024:.0f} MiB, allocators"
            f" {'untuned' if args.untuned else 'of create_app'}"
        )
        marks = [f"{t:.0f}s {kib / 1024:.0f}" for t, kib in rss[:: max(1, len(rss) // 12)]]
        print("  RSS MiB over time: " + ", ".join(marks))
    backup = result["backup"]
    if backup:
        print(
            f"  backup during the load: {backup['backup_s']:.1f} s, exit {backup['backup_rc']:.0f}"
        )
    for line in sorted(set(errors))[:20]:
        print(f"  error: {line}")
    if args.trace is not None:
        _trace_report(args.trace, args.warmup)


if __name__ == "__main__":
    main()
