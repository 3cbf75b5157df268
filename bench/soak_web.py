"""Soak of the web platform: 50 clients for 10 minutes against a demo store, pages and API mixed.

Builds the demo store (``sdgcities demo --no-serve``: the real GeoNames cities of
500,000+ inhabitants and SDG 11 indicators computed from the real OSM extracts of Helsinki
and Kotka) in a temporary data folder, serves it with uvicorn (one worker) on loopback,
and runs ``--clients`` concurrent httpx clients for ``--seconds``. Each client picks its
next request at random from a mix of pages (home, city list, city pages and challenges,
indicators, compare, data) and API/OGC calls (cities, observations, scores, challenges,
OGC collections); half-way, ``sdgcities backup`` copies the store while the load runs.

Reported: requests, errors (status ≥ 500 or a failed connection: the target is none),
p50/p95/p99 latency per kind, throughput, the server's resident memory (VmRSS) after
warm-up and at the end (target: growth ≤ 10 %), and the backup's duration. No network
beyond loopback. Run: ``.venv/bin/python bench/soak_web.py`` (``--seconds 60`` for a
short run). Timings depend on the machine's load; they are never a pass/fail test.
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


async def soak(
    base: str, pid: int, data_dir: Path, seconds: float, clients: int
) -> dict[str, object]:
    targets = _targets(base)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--min-population", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdgcities-soak-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        build_store(data_dir, args.min_population)
        print(f"demo store built in {time.perf_counter() - t0:.0f} s")
        proc, base = start_server(f"sqlite:///{data_dir / 'sdgcities.db'}", data_dir)
        signal.signal(signal.SIGTERM, _interrupted)  # stop the server on `kill` too
        try:
            result = asyncio.run(soak(base, proc.pid, data_dir, args.seconds, args.clients))
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
    warm = [kib for t, kib in rss if t >= min(60.0, elapsed / 5)]
    if warm:
        first = statistics.median(warm[: max(1, len(warm) // 10)])
        last = statistics.median(warm[-max(1, len(warm) // 10) :])
        growth = 100 * (last - first) / first
        print(
            f"  server RSS after warm-up {first / 1024:.0f} MiB → end {last / 1024:.0f} MiB "
            f"({growth:+.1f} %; target ≤ +10 %), peak {max(k for _t, k in rss) / 1024:.0f} MiB"
        )
    backup = result["backup"]
    if backup:
        print(
            f"  backup during the load: {backup['backup_s']:.1f} s, exit {backup['backup_rc']:.0f}"
        )
    for line in sorted(set(errors))[:20]:
        print(f"  error: {line}")


if __name__ == "__main__":
    main()
