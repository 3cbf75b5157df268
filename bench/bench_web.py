"""Benchmark of the web platform under load (GENERATED benchmark data, not statistics).

Builds a SQLite store with 1,000 generated cities × 100 indicators × 10 years
(1,000,000 current observations; cities named "Generated city NNNN", values random)
and one city with a 50,000-cell hex layer, serves it with uvicorn in a subprocess, and
measures on loopback:

* the city page and the JSON API list endpoints, 50 concurrent clients (httpx async),
  a bounded number of requests each — p50/p95/p99 latency and errors;
* the hex map of the 50,000-cell city in Debian's Chromium (Playwright): time from the
  layer request (the page's compact ``cells.json``) to the drawn canvas, and from
  navigation start; compared with drawing the layer's GeoJSON download with Leaflet's own
  ``L.geoJSON`` layer (what a user would otherwise do).

Targets: city page p95 ≤ 150 ms, API lists p95 ≤ 100 ms, no errors, hex map ≤ 1 s.
Run: ``.venv/bin/python bench/bench_web.py`` (``--quick`` for a smaller store).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import h3
import httpx
import numpy as np
from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser._browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

from sdgcities.store.db import make_engine, migrate, transaction  # noqa: E402
from sdgcities.store.models import (  # noqa: E402
    City,
    CityTypology,
    HexCell,
    HexLayer,
    Indicator,
)

COUNTRIES = (
    "KEN",
    "UGA",
    "TZA",
    "ETH",
    "NGA",
    "GHA",
    "IND",
    "BGD",
    "BRA",
    "MEX",
    "COL",
    "FRA",
    "ESP",
    "DEU",
    "IDN",
    "PHL",
    "EGY",
    "MAR",
    "ZAF",
    "CHN",
)
GENERATED = "generated benchmark data"


def build_store(
    path: Path, n_cities: int, n_indicators: int, n_years: int, hex_cells: int
) -> tuple[str, str]:
    """Fill a fresh store; returns (database URL, slug of the city with the hex layer)."""
    from sdgcities.assessment.benchmarksets import get_benchmark_set
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.typology import country_info, size_class

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    rng = np.random.default_rng(2030)
    now = datetime.now(UTC)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        get_benchmark_set(s)
        have = list(s.scalars(select(Indicator).order_by(Indicator.code)))
        for i in range(max(0, n_indicators - len(have))):
            s.add(
                Indicator(
                    code=f"GEN.{i + 1:03d}",
                    name=f"Generated indicator {i + 1}",
                    framework="custom",
                    unit="%",
                    direction="higher",
                    owner="benchmark",
                    method_summary=GENERATED,
                    extra={},
                )
            )
        s.flush()
        inds = list(
            s.scalars(select(Indicator).order_by(Indicator.framework.desc(), Indicator.code))
        )[:n_indicators]
        infos = {iso: country_info(iso) for iso in COUNTRIES}
        city_rows, typ_rows = [], []
        for k in range(n_cities):
            info = infos[COUNTRIES[k % len(COUNTRIES)]]
            pop = float(int(10 ** rng.uniform(5, 7.3)))
            city_rows.append(
                {
                    "id": k + 1,
                    "slug": f"generated-city-{k + 1:04d}",
                    "name": f"Generated city {k + 1:04d}",
                    "country_iso3": info.iso3,
                    "country_m49": info.m49,
                    "country_name": info.name,
                    "sdg_region": info.sdg_region,
                    "sdg_subregion": info.sdg_subregion,
                    "population": pop,
                    "population_year": 2020,
                    "lon": float(rng.uniform(-120, 140)),
                    "lat": float(rng.uniform(-35, 55)),
                    "created_at": now,
                }
            )
            for kind, value in (
                ("size_class", size_class(pop)),
                ("sdg_region", info.sdg_region),
                ("income_group", info.income_group),
            ):
                if value:
                    typ_rows.append(
                        {
                            "city_id": k + 1,
                            "kind": kind,
                            "value": value,
                            "source": GENERATED,
                            "as_of": "2020",
                        }
                    )
        s.execute(insert(City), city_rows)
        s.execute(insert(CityTypology), typ_rows)
        ind_ids = [i.id for i in inds]
    years = list(range(2024 - n_years + 1, 2025))
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        sql = (
            "INSERT INTO observations (city_id, indicator_id, year, disaggregation, value, "
            "unit, source, version, is_current, is_public, status, created_at, created_by, "
            "reason) VALUES (?, ?, ?, '', ?, '%', ?, 1, 1, 1, 'published', ?, 'bench', '')"
        )
        for c in range(1, n_cities + 1):
            base = rng.uniform(5, 95, size=len(ind_ids))
            drift = rng.normal(0, 2, size=(len(years), len(ind_ids))).cumsum(axis=0)
            vals = np.clip(base + drift, 0, 100).round(2)
            cur.executemany(
                sql,
                [
                    (c, ind_ids[j], y, float(vals[t, j]), GENERATED, stamp)
                    for t, y in enumerate(years)
                    for j in range(len(ind_ids))
                ],
            )
        raw.commit()
    finally:
        raw.close()
    print(f"  observations inserted in {time.perf_counter() - t0:.1f} s")
    with transaction(engine) as s:
        city = s.get(City, 1)
        assert city is not None
        assert city.lat is not None
        assert city.lon is not None
        layer = HexLayer(
            city_id=city.id,
            indicator_code="11.2.1",
            resolution=9,
            name="Access to public transport (generated benchmark data)",
            attribution="generated",
        )
        s.add(layer)
        s.flush()
        k = 1
        while 3 * k * (k + 1) + 1 < hex_cells:
            k += 1
        cells = sorted(h3.grid_disk(h3.latlng_to_cell(city.lat, city.lon, 9), k))[:hex_cells]
        share = rng.random(len(cells))
        s.execute(
            insert(HexCell),
            [
                {
                    "layer_id": layer.id,
                    "h3": c,
                    "population": 1000.0,
                    "population_covered": 1000.0 * float(sh),
                    "share": float(sh),
                    "distance_m": 300.0,
                }
                for c, sh in zip(cells, share, strict=True)
            ],
        )
        slug = city.slug
    from sdgcities.assessment.stored import refresh_scores

    t0 = time.perf_counter()
    with transaction(engine) as s:  # what the imports would have done, once for all
        refresh_scores(s)
    print(f"  stored scores of {n_cities} cities computed in {time.perf_counter() - t0:.1f} s")
    engine.dispose()
    return url, slug


def import_one_city(url: str, root: Path, k: int) -> float:
    """A real import (the observations pipeline) of new values for one city; seconds."""
    from sdgcities.observations.importer import import_observations

    path = root / f"update-{k}.csv"
    rows = [f"generated-city-{k:04d},GEN.{j:03d},2024,{(j * 7) % 100}" for j in range(1, 11)]
    path.write_text("city,indicator,year,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    engine = make_engine(url)
    t0 = time.perf_counter()
    import_observations(engine, path, user="bench", reason="benchmark update")
    took = time.perf_counter() - t0
    engine.dispose()
    return took


async def load(
    base: str, paths: list[str], clients: int, per_client: int, think: float = 0.0
) -> tuple[list[float], int]:
    """``clients`` concurrent clients, each GETting ``per_client`` random paths in turn.

    ``think=0`` (default): back to back, each client sends its next request as soon as
    the last answer arrived — a saturation test, where latency is clients ÷ throughput.
    ``think > 0``: each client pauses a random 0.5–1.5 × ``think`` seconds after each
    answer, as a person reading a page does (a closed model with think time). The readers
    arrive over one think period (a ramp-up, as Locust's spawn rate or JMeter's ramp-up
    period give), not all in the same millisecond: with 50 clients starting at once, the
    first wave is 1/``per_client`` of the samples (above the 5 % tail at 20 requests
    each), so p95 measured that stampede instead of readers browsing.

    Each client has its own keep-alive connection (one ``httpx.AsyncClient`` each, as 50
    browsers would), which also keeps the load generator's own CPU cost low. The first
    request of each client opens its connection and is checked but not timed.
    """
    latencies: list[float] = []
    errors = 0

    async def one(seed: int) -> None:
        nonlocal errors
        rnd = random.Random(seed)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            if think > 0:
                await asyncio.sleep(rnd.uniform(0, think))  # arrives during the ramp-up
            r = await client.get(rnd.choice(paths))  # opens the connection; not timed
            errors += r.status_code != 200
            if think > 0:
                await asyncio.sleep(rnd.uniform(0.5 * think, 1.5 * think))  # reads it
            for _ in range(per_client):
                t = time.perf_counter()
                r = await client.get(rnd.choice(paths))
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1
                if think > 0:
                    await asyncio.sleep(rnd.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies, errors


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server process and its workers so far."""
    import psutil

    root = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def hex_render(base: str, slug: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    out: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        runs = []
        for _ in range(3):
            page.goto(f"{base}/cities/{slug}")
            page.wait_for_selector("#hex-map[data-ready='1']", timeout=60_000)
            runs.append(
                (
                    float(page.get_attribute("#hex-map", "data-render-ms") or "nan"),
                    float(page.evaluate("() => performance.now()")),
                    int(page.get_attribute("#hex-map", "data-cells") or 0),
                    page.get_attribute("#hex-map", "data-timing") or "",
                )
            )
        out["cells"] = runs[-1][2]
        out["timing"] = runs[-1][3]  # type: ignore[assignment]
        out["layer_ms"] = statistics.median(r[0] for r in runs)
        out["page_ms"] = statistics.median(r[1] for r in runs)
        url = page.evaluate("() => document.getElementById('layer-select').value")
        out["leaflet_geojson_ms"] = page.evaluate(
            """async (url) => {
                 const t0 = performance.now();
                 const fc = await (await fetch(url)).json();
                 const el = document.createElement('div');
                 el.style.cssText = 'width:1100px;height:450px';
                 document.body.appendChild(el);
                 const m = L.map(el, {preferCanvas: true});
                 const layer = L.geoJSON(fc, {style: () => ({weight: 0, fillOpacity: 0.8})});
                 layer.addTo(m); m.fitBounds(layer.getBounds());
                 await new Promise(r => requestAnimationFrame(() => r()));
                 return performance.now() - t0;
               }""",
            url,
        )
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 cities, 5 years")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn workers (1 leaves a core to the load generator here)",
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client and endpoint")
    parser.add_argument(
        "--page-cache",
        choices=("on", "off"),
        default="off",
        help="the per-process page caches (off: every page is computed; scores are stored)",
    )
    args = parser.parse_args()
    os.environ["SDGCITIES_PAGE_CACHE"] = args.page_cache
    n_cities, n_years = (100, 5) if args.quick else (1000, 10)
    with tempfile.TemporaryDirectory(prefix="sdgcities-bench-web-") as tmp:
        root = Path(tmp)
        print(
            f"building the store: {n_cities} generated cities × 100 indicators × "
            f"{n_years} years + a 50,000-hex layer (generated benchmark data)"
        )
        t0 = time.perf_counter()
        url, hex_slug = build_store(root / "store.db", n_cities, 100, n_years, 50_000)
        print(f"  store built in {time.perf_counter() - t0:.1f} s")
        proc, base = start_server(url, root, workers=args.workers)
        try:
            sample = [
                f"/cities/generated-city-{k:04d}"
                for k in random.Random(1).sample(range(2, n_cities + 1), 40)
            ]
            # warm-up: each worker computes the scores of all cities once, then each page
            t0 = time.perf_counter()
            with httpx.Client(base_url=base, timeout=300) as c:
                t1 = time.perf_counter()
                c.get(sample[0]).raise_for_status()
                cold_ms = (time.perf_counter() - t1) * 1000
                firsts = []
                for path in sample[1:11]:  # first views once the scores exist
                    t1 = time.perf_counter()
                    c.get(path).raise_for_status()
                    firsts.append((time.perf_counter() - t1) * 1000)
            print(f"  first city page after start: {cold_ms:.0f} ms")
            print(
                f"  first view of another city (page computed and rendered): median "
                f"{statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms"
            )
            # every worker warm (each new connection may reach another worker) before the
            # first view after an import is timed
            asyncio.run(load(base, sample, 8, 30))
            after = []
            for k in (sample_ids := [int(p.rsplit("-", 1)[1]) for p in sample[11:14]]):
                t_import = import_one_city(url, root, k)
                with httpx.Client(base_url=base, timeout=300) as c:
                    time.sleep(1.1)  # let any cached data version expire (cache on)
                    t1 = time.perf_counter()
                    c.get(f"/cities/generated-city-{k:04d}").raise_for_status()
                    after.append(((time.perf_counter() - t1) * 1000, t_import))
            first_after = max(a[0] for a in after)
            print(
                f"  import of 10 values of one city (stored scores refreshed in the same "
                f"transaction): median {statistics.median(a[1] for a in after):.2f} s; first "
                f"view of that city after it: max {first_after:.0f} ms (target ≤ 200 ms) "
                f"over {len(sample_ids)} imports"
            )
            with httpx.Client(base_url=base, timeout=120) as c:
                c.get(f"/cities/{hex_slug}")
                c.get(f"/cities/{hex_slug}/hexes/1/cells.json")  # what the page's map loads
                c.get(f"/cities/{hex_slug}/hexes/1.geojson")  # what Leaflet's L.geoJSON loads
            print(f"  warm-up done in {time.perf_counter() - t0:.1f} s")
            rows = []
            targets: dict[str, tuple[list[str], int, float]] = {
                "city page /cities/{slug}": (sample, 150, 0.0),
                "city page, users 1 s think": (sample, 150, 1.0),
                "API /api/v1/cities": (
                    ["/api/v1/cities?limit=50", "/api/v1/cities?limit=50&offset=500"],
                    100,
                    0.0,
                ),
                "API /api/v1/indicators": (["/api/v1/indicators"], 100, 0.0),
                "API /api/v1/observations": (
                    [
                        f"/api/v1/observations?city=generated-city-{k:04d}&limit=100"
                        for k in (2, 50, 99)
                    ],
                    100,
                    0.0,
                ),
            }
            ok = True
            for name, (paths, limit, think) in targets.items():
                misses = []
                with httpx.Client(base_url=base, timeout=300) as c:  # warm: one request a path
                    for path in paths:
                        t1 = time.perf_counter()
                        c.get(path).raise_for_status()
                        misses.append((time.perf_counter() - t1) * 1000)
                t0 = time.perf_counter()
                cpu0 = server_cpu(proc.pid)
                lat, err = asyncio.run(load(base, paths, args.clients, args.requests, think))
                wall = time.perf_counter() - t0
                cpu_ms = (server_cpu(proc.pid) - cpu0) / max(len(lat), 1) * 1000
                p95 = pct(lat, 95)
                passed = p95 <= limit and err == 0
                ok &= passed
                rows.append(
                    (
                        name,
                        len(lat),
                        err,
                        pct(lat, 50),
                        p95,
                        pct(lat, 99),
                        len(lat) / wall,
                        limit,
                        "yes" if passed else "NO",
                        max(misses),
                        cpu_ms,
                    )
                )
            render = hex_render(base, hex_slug) if Path(CHROMIUM).exists() else {}
        finally:
            stop_server(proc)
    print()
    print(
        f"{'endpoint (50 clients)':34} {'reqs':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>7} {'target':>7} {'met':>4} {'miss ms':>8} {'cpu ms':>7}"
    )
    for r in rows:
        print(
            f"{r[0]:34} {r[1]:6d} {r[2]:6d} {r[3]:8.1f} {r[4]:8.1f} {r[5]:8.1f} {r[6]:7.0f} "
            f"{r[7]:7d} {r[8]:>4} {r[9]:8.0f} {r[10]:7.1f}"
        )
    print(
        f"(page caches {args.page_cache}: with 'on', pages and anonymous API answers are served\n"
        " from the page cache once computed for the current data version; 'miss ms' is the\n"
        " slowest first request of a path. Rows without 'think' send requests back to\n"
        " back: latency there is clients ÷ throughput. 'users 1 s think': each client\n"
        " pauses 0.5–1.5 s after each page, as a reader does. 'cpu ms': the server's CPU\n"
        " time per request)"
    )
    print()
    if render:
        met = render["layer_ms"] <= 1000
        ok &= met
        print(
            f"hex map in Chromium: {render['cells']:.0f} cells drawn in "
            f"{render['layer_ms']:.0f} ms (request → canvas; target ≤ 1000 ms: "
            f"{'yes' if met else 'NO'}); page load → drawn {render['page_ms']:.0f} ms"
        )
        print(f"  last run, ms: {render['timing']}")
        print(
            f"  Leaflet's own L.geoJSON layer, same data: {render['leaflet_geojson_ms']:.0f} ms "
            f"(ratio {render['leaflet_geojson_ms'] / max(render['layer_ms'], 1):.1f}× slower)"
        )
    else:
        print("hex map in Chromium: skipped (no Chromium at " + CHROMIUM + ")")
    print(f"\nall targets met: {'yes' if ok else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
