"""The request limit of ``sdgcities serve`` (``SDGCITIES_WEB_THREADS``), A/B in one run.

Builds the generated 1,000-city store of ``bench_web`` (GENERATED benchmark data), starts
two servers over it as users run them (``sdgcities serve --workers 2``, page caches off):
by default one with the default limit, 2 requests computing at once per worker, and one
with 8, the default before it. Then 50 clients load the city pages of both in turn, back
to back and with 0.5–1.5 s think time, twice: p50/p95 latency, throughput and the
server's CPU per request.

Run: ``.venv/bin/python bench/bench_serve_limit.py`` (``--limits 2,64`` compares other
limits; 64 is more than anyio's 40 threads, i.e. no limit at all).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from tests.browser._browser import free_port  # noqa: E402

import bench_web  # noqa: E402

LIMITS = (2, 8)


def _limits() -> tuple[int, ...]:
    if "--limits" in sys.argv:
        return tuple(int(x) for x in sys.argv[sys.argv.index("--limits") + 1].split(","))
    return LIMITS


def _start(url: str, root: Path, limit: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SDGCITIES_DATA_DIR=str(root),
        SDGCITIES_PAGE_CACHE="off",
        SDGCITIES_WEB_THREADS=str(limit),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdgcities", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/", timeout=2)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _cpu(proc: subprocess.Popen[bytes]) -> float:
    kids = psutil.Process(proc.pid).children(recursive=True)
    return sum(k.cpu_times().user + k.cpu_times().system for k in kids)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sdgcities-bench-limit-") as tmp:
        root = Path(tmp)
        print("building the store: 1000 generated cities × 100 indicators × 10 years")
        url, _hex = bench_web.build_store(root / "store.db", 1000, 100, 10, 1000)
        servers = {limit: _start(url, root, limit) for limit in _limits()}
        try:
            paths = [f"/cities/generated-city-{k:04d}" for k in range(2, 40)]
            for _proc, base in servers.values():  # every worker warm
                asyncio.run(bench_web.load(base, paths, 16, 10))
            print(f"\n{'round':>5} {'think s':>7} {'limit':>5} {'p50 ms':>7} {'p95 ms':>7}", end="")
            print(f" {'req/s':>6} {'cpu ms':>6} {'errors':>6}")
            for rnd in (1, 2):
                for think in (0.0, 1.0):
                    for limit, (proc, base) in servers.items():
                        c0, t0 = _cpu(proc), time.perf_counter()
                        lat, err = asyncio.run(bench_web.load(base, paths, 50, 20, think))
                        wall = time.perf_counter() - t0
                        cpu_ms = (_cpu(proc) - c0) / len(lat) * 1000
                        print(
                            f"{rnd:>5} {think:>7.1f} {limit:>5} {bench_web.pct(lat, 50):>7.0f} "
                            f"{bench_web.pct(lat, 95):>7.0f} {len(lat) / wall:>6.1f} "
                            f"{cpu_ms:>6.1f} {err:>6}"
                        )
        finally:
            for proc, _base in servers.values():
                proc.terminate()
                proc.wait(timeout=60)
    print("\nlimit = SDGCITIES_WEB_THREADS (2 is the default; 64 would be more than anyio's")
    print("  40 threads, i.e. no limit); cpu ms = the workers' CPU time per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
