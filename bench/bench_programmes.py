"""Benchmark of the programme portfolio (SYNTHETIC initiatives and funding lines).

Builds a SQLite store with the five flagship programmes of the demo (read from the
Executive Board report) plus 2,000 generated initiatives ("Generated initiative NNNN")
and 10,000 generated funding lines (random amounts, statuses, years and countries; they
are not data of any real programme), serves it with uvicorn in a subprocess and measures
on loopback:

* ``/programmes`` and ``/programmes/{key}``: 20 concurrent clients (httpx async, each on
  its own keep-alive connection as a browser keeps one; the request that opens it is not
  timed), a bounded number of requests each — p50/p95 latency and errors (target p95 ≤
  300 ms);
* the Board report PDF, timing the whole CLI process ``sdgcities report board --out
  FILE.pdf`` (target ≤ 15 s);
* the city page's programmes panel (:func:`sdgcities.programmes.initiatives.city_concerns`,
  two indexed queries) against reading every initiative and filtering its JSON lists of
  cities and countries in Python (what the panel would do without the index), as a ratio;
* the sums by programme, status, country and year: one SQL ``GROUP BY`` each (the
  service) against what a spreadsheet user would do — export the funding lines to CSV
  and sum them with pandas (read + group-by) — as a ratio in the same run.

Run: ``.venv/bin/python bench/bench_programmes.py`` (``--quick`` for fewer requests).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "bench"))

from tests.browser._browser import start_server, stop_server  # noqa: E402

from bench_web import load  # noqa: E402
from sdgcities.programmes import service  # noqa: E402
from sdgcities.programmes.demo import demo_line  # noqa: E402
from sdgcities.programmes.models import (  # noqa: E402
    FundingCountry,
    FundingLine,
    Initiative,
    Programme,
)
from sdgcities.programmes.vocabulary import FUNDING_STATUSES  # noqa: E402
from sdgcities.store.db import make_engine, migrate, transaction  # noqa: E402

N_INITIATIVES = 2_000
N_LINES = 10_000
COUNTRIES = ("KEN", "VNM", "PAK", "MEX", "BRA", "EGY", "NGA", "IND", "FJI", "MOZ")
CURRENCIES = ("USD", "USD", "USD", "EUR")


def build(url: str) -> list[str]:
    rng = random.Random(11)
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as s:
        demo_line(s)
        progs = list(s.execute(select(Programme.id, Programme.key)).all())
        s.execute(
            insert(Initiative),
            [
                {
                    "programme_id": progs[i % len(progs)][0],
                    "name": f"Generated initiative {i:04d}",
                    "countries": [rng.choice(COUNTRIES)],
                    "places": [],
                    "city_slugs": [],
                    "partner_ids": [],
                    "status": rng.choice(("discussed", "in_development", "active")),
                }
                for i in range(N_INITIATIVES)
            ],
        )
        first = (s.scalar(select(FundingLine.id).order_by(FundingLine.id.desc())) or 0) + 1
        s.execute(
            insert(FundingLine),
            [
                {
                    "id": first + i,
                    "programme_id": progs[i % len(progs)][0],
                    "label": f"Generated funding line {i:05d}",
                    "modality": rng.choice(("core", "earmarked")),
                    "amount": Decimal(rng.randrange(1_000, 5_000_000)),
                    "currency": rng.choice(CURRENCIES),
                    "status": rng.choice(FUNDING_STATUSES),
                    "year": rng.randrange(2020, 2026),
                    "source": "generated",
                }
                for i in range(N_LINES)
            ],
        )
        s.execute(
            insert(FundingCountry),
            [{"funding_line_id": first + i, "iso3": rng.choice(COUNTRIES)} for i in range(N_LINES)],
        )
        for ini in s.scalars(select(Initiative)):
            service.sync_places(s, ini)
    engine.dispose()
    return [k for _, k in progs]


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100)[int(q) - 1] * 1000 if len(xs) > 1 else xs[0] * 1000


def sums_ratio(url: str, root: Path) -> tuple[float, float]:
    """Seconds for the four SQL sums, and for CSV export + pandas sums of the same."""
    import pandas as pd

    engine = make_engine(url)
    with transaction(engine) as s:
        t0 = time.perf_counter()
        for by in ("programme", "status", "country", "year"):
            service.totals(s, by, published_only=False)  # type: ignore[arg-type]
        sql = time.perf_counter() - t0
        rows = service.funding_lines(s)
    csv = root / "lines.csv"
    frame = pd.DataFrame(rows)
    frame["countries"] = frame["countries"].map(" ".join)
    frame.to_csv(csv, index=False)
    t0 = time.perf_counter()
    df = pd.read_csv(csv)
    df.groupby(["programme", "currency"])["amount"].sum()
    df.groupby(["status", "currency"])["amount"].sum()
    df.groupby(["year", "currency"])["amount"].sum()
    exploded = df.assign(country=df["countries"].fillna("").str.split()).explode("country")
    exploded.groupby(["country", "currency"])["amount"].sum()
    spreadsheet = time.perf_counter() - t0
    engine.dispose()
    return sql, spreadsheet


def panel_ratio(url: str) -> tuple[float, float]:
    """Seconds per city for the indexed panel queries and for a Python scan (best of 5)."""
    from sdgcities.programmes.initiatives import city_concerns
    from sdgcities.store.models import City

    engine = make_engine(url)
    with transaction(engine) as s:
        city = City(slug="bench-city", name="Bench City", country_iso3=COUNTRIES[0])
        s.add(city)
        s.flush()

        def scan() -> int:
            rows = s.scalars(select(Initiative)).all()
            return sum(
                1 for i in rows if city.slug in i.city_slugs or city.country_iso3 in i.countries
            )

        best = {}
        for label, fn in (("index", lambda: city_concerns(s, city)), ("scan", scan)):
            times = []
            for _ in range(5):
                s.expire_all()
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            best[label] = min(times)
        s.rollback()
    engine.dispose()
    return best["index"], best["scan"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests per client")
    args = ap.parse_args()
    per_client = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'store.db'}"
        t0 = time.perf_counter()
        keys = build(url)
        print(
            f"store: 5 programmes, {N_INITIATIVES} initiatives, {N_LINES} funding lines "
            f"(synthetic) built in {time.perf_counter() - t0:.1f} s"
        )
        proc, base = start_server(url, root)
        try:
            for path in ["/programmes", "/", *(f"/programmes/{k}" for k in keys)]:
                httpx.get(base + path, timeout=60)  # warm up
            with httpx.Client(base_url=base, timeout=30) as one:
                for path in ("/", "/programmes", f"/programmes/{keys[2]}"):
                    serial = []
                    for _ in range(20):
                        t0 = time.perf_counter()
                        one.get(path)
                        serial.append(time.perf_counter() - t0)
                    print(f"one client, {path:28s} p50={pct(serial, 50):.0f} ms")
            for label, paths in (
                ("/ (core home page, baseline)", ["/"]),
                ("/programmes", ["/programmes"]),
                ("/programmes/{key}", [f"/programmes/{k}" for k in keys]),
            ):
                lat, errors = asyncio.run(load(base, paths, 20, per_client))
                times = [t / 1000 for t in lat]
                print(
                    f"{label:20s} n={len(times)} p50={pct(times, 50):.0f} ms "
                    f"p95={pct(times, 95):.0f} ms errors={errors} (target p95 ≤ 300 ms)"
                )
        finally:
            stop_server(proc)
        env = dict(os.environ, DATABASE_URL=url, SDGCITIES_DATA_DIR=str(root))
        cli = str(Path(sys.executable).with_name("sdgcities"))
        t0 = time.perf_counter()
        done = subprocess.run(
            [cli, "report", "board", "--out", str(root / "board.pdf")],
            env=env,
            check=False,
            capture_output=True,
        )
        took = time.perf_counter() - t0
        print(
            f"Board report PDF (whole CLI process): {took:.1f} s, exit {done.returncode}, "
            f"{(root / 'board.pdf').stat().st_size // 1024} KiB (target ≤ 15 s)"
        )
        index, scan = panel_ratio(url)
        print(
            f"city panel (initiatives + funding lines of one city): indexed {index * 1000:.1f} ms, "
            f"scan of every initiative {scan * 1000:.1f} ms — ratio {scan / index:.1f}×"
        )
        sql, sheet = sums_ratio(url, root)
        print(
            f"sums by programme/status/country/year: SQL {sql * 1000:.0f} ms, "
            f"CSV + pandas {sheet * 1000:.0f} ms — ratio {sheet / sql:.1f}×"
        )


if __name__ == "__main__":
    main()
