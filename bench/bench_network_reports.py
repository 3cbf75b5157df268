"""Benchmark: the global reports over 1,000 cities × 100 indicators × 10 years.

GENERATED benchmark data, not statistics: ``bench_web.build_store`` fills a SQLite store
with 1,000 generated cities × 100 indicators × 10 years (1,000,000 published values) and
their stored scores; this script adds generated onboarding records (expressions of
interest for 80 % of the cities over 2021–2025, agreements for half of those, urban labs
and hub assignments for some). The store is served by uvicorn on loopback and each report
page is requested by 20 concurrent clients (httpx async, each on its own keep-alive
connection as a browser keeps one; the request that opens it is not timed), 15 times each.

Figures: the first request after start (cold: every report's SQL aggregates computed
at once, what each request would cost without the cache) and, per page, its first render
and p50/p95 of the concurrent requests (served from the page cache keyed by the data
version) — target p95 ≤ 300 ms. The ratio cold / p95 shows what the cache buys.

Run: ``.venv/bin/python bench/bench_network_reports.py [n_cities] [requests_per_client]``
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.browser._browser import start_server, stop_server  # noqa: E402

from bench_web import build_store, load  # noqa: E402
from sdgcities.network.models import OnboardingRecord, UrbanLab, UrbanLabCity  # noqa: E402
from sdgcities.network.reports import GROUP_KINDS  # noqa: E402
from sdgcities.store.db import make_engine, transaction  # noqa: E402
from sdgcities.store.models import Hub, HubCity  # noqa: E402

CLIENTS = 20
PAGES = [
    "/network/reports",
    "/network/reports/funnel",
    *(f"/network/reports/stage-by-{k}" for k in GROUP_KINDS),
    "/network/reports/coverage",
    *(f"/network/reports/scores-by-{k}" for k in GROUP_KINDS),
    "/network/reports/onboarding-time",
    "/network/reports/coverage.csv",
]


def onboard(url: str, n_cities: int) -> None:
    rng = np.random.default_rng(79)
    engine = make_engine(url)
    start = date(2021, 1, 1)
    with transaction(engine) as s:
        lab = UrbanLab(
            slug="generated-lab",
            name="Generated lab",
            kind="national",
            country_iso3="KEN",
            host_institution="generated",
            established_on=start,
        )
        hub = Hub(slug="generated-hub", name="Generated hub", kind="regional")
        s.add_all([lab, hub])
        s.flush()
        records, labs, hubs = [], [], []
        for cid in range(1, n_cities + 1):
            if rng.random() > 0.8:
                continue
            eoi = start + timedelta(days=int(rng.integers(0, 5 * 365)))
            records.append({"city_id": cid, "step": "expression_of_interest", "on": eoi})
            if rng.random() < 0.5:
                agr = eoi + timedelta(days=int(rng.integers(10, 200)))
                records.append(
                    {"city_id": cid, "step": "agreement", "on": agr, "authority": "generated"}
                )
                if rng.random() < 0.5:
                    labs.append(
                        {"lab_id": lab.id, "city_id": cid, "since": agr + timedelta(days=30)}
                    )
                    hubs.append({"hub_id": hub.id, "city_id": cid})
        s.execute(insert(OnboardingRecord), records)
        s.execute(insert(UrbanLabCity), labs)
        s.execute(insert(HubCity), hubs)
    engine.dispose()


def main() -> int:
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    per_client = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    root = Path(tempfile.mkdtemp(prefix="bench-network-reports-"))
    print(f"building the store: {n_cities} cities × 100 indicators × 10 years …")
    url, _slug = build_store(root / "store.db", n_cities, 100, 10, 7)
    onboard(url, n_cities)
    proc, base = start_server(url, root)
    try:
        cold_all = 0.0
        with httpx.Client(timeout=120, trust_env=False) as client:
            for path in PAGES:
                t0 = time.perf_counter()
                r = client.get(base + path)
                cold = time.perf_counter() - t0
                assert r.status_code == 200, (path, r.status_code)
                cold_all = cold_all or cold

                lat, errors = asyncio.run(load(base, [path], CLIENTS, per_client))
                assert errors == 0, (path, errors)
                times = sorted(t / 1000 for t in lat)
                p50 = statistics.median(times)
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                print(
                    f"{path:42s} first {cold * 1000:7.0f} ms · p50 {p50 * 1000:6.0f} ms · "
                    f"p95 {p95 * 1000:6.0f} ms ({len(times)} requests, {CLIENTS} clients) · "
                    f"cold/p95 {cold_all / p95:5.1f}×"
                )
    finally:
        stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
