"""Benchmark: the global hub pulls 100,000 values from a partner instance (target ≤ 30 s).

GENERATED benchmark data, not statistics: the partner's store holds 1,000 generated
cities × 10 indicators × 10 years (100,000 published values, ``bench_web.build_store``).
The partner is served by uvicorn on loopback; the hub is a fresh store. Timed:

* ``sdgcities network pull URL --token T`` — the whole CLI process (start-up, 20 pages
  of 5,000, city matching/creation, provenance, stored-score refresh);
* the naive way, on a sample of 300 values and extrapolated: one API request per value
  (``GET /api/v1/observations/{id}``) and one ``record_value`` per value into another
  fresh hub store — what a script over the public API does.

``--format sdmx`` times ``sdgcities network pull URL --token T --format sdmx`` instead:
the partner writes its SDMX-ML 2.1 data and structure messages (``sdmx1``), the hub
reads them with ``sdmx1`` and stores them through the same path. The JSON feed's pull is
timed in the same run for the ratio.

Run: ``.venv/bin/python bench/bench_network_pull.py [n_cities] [--format sdmx]``
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.browser._browser import start_server, stop_server  # noqa: E402

from bench_web import build_store  # noqa: E402
from sdgcities.store.db import make_engine, migrate, transaction  # noqa: E402
from sdgcities.store.models import Observation  # noqa: E402

SAMPLE = 300


def fresh_hub(path: Path) -> str:
    from sdgcities.catalogue.registry import sync_builtin_catalogue

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    engine.dispose()
    return url


def token_for(url: str) -> str:
    from sdgcities.accounts.tokens import issue_token
    from sdgcities.accounts.users import create_user

    engine = make_engine(url)
    with transaction(engine) as s:
        create_user(s, email="hub@bench.example", password="correct horse battery")
        token, _ = issue_token(s, "hub@bench.example", name="bench")
    engine.dispose()
    return token


def naive(base: str, hub_url: str, ids: list[int]) -> float:
    from sdgcities.cities.service import create_city, get_city
    from sdgcities.errors import NotFoundError
    from sdgcities.observations.service import record_value

    engine = make_engine(hub_url)
    t0 = time.perf_counter()
    with httpx.Client(timeout=30, trust_env=False) as client:
        for oid in ids:
            v = client.get(f"{base}/api/v1/observations/{oid}").json()
            with transaction(engine) as s:
                try:
                    city = get_city(s, v["city_slug"])
                except NotFoundError:
                    city = create_city(s, name=v["city"], country="KEN", slug=v["city_slug"])
                record_value(
                    s,
                    city_id=city.id,
                    indicator_code=v["indicator"],
                    year=v["year"],
                    value=v["value"],
                    source=v["source"],
                )
    engine.dispose()
    return time.perf_counter() - t0


def run_pull(base: str, token: str, hub_url: str, data_dir: Path, fmt: str) -> tuple[float, str]:
    """One whole ``sdgcities network pull`` process: (wall seconds, its output)."""
    env = dict(os.environ, DATABASE_URL=hub_url, SDGCITIES_DATA_DIR=str(data_dir))
    cli = str(Path(sys.executable).parent / "sdgcities")
    t0 = time.perf_counter()
    done = subprocess.run(
        [cli, "network", "pull", base, "--token", token, "--format", fmt],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"the {fmt} pull failed: {done.stdout.strip() or done.stderr.strip()}")
    return took, done.stdout.strip()


def count(url: str) -> int:
    engine = make_engine(url)
    with transaction(engine) as s:
        n = int(s.scalar(select(func.count()).select_from(Observation)) or 0)
    engine.dispose()
    return n


def main_sdmx(n_cities: int) -> int:
    root = Path(tempfile.mkdtemp(prefix="bench-network-pull-sdmx-"))
    (root / "partner").mkdir()
    print(f"building the partner store: {n_cities} cities × 10 indicators × 10 years …")
    partner_url, _slug = build_store(root / "partner" / "store.db", n_cities, 10, 10, 7)
    token = token_for(partner_url)
    sdmx_hub, json_hub = fresh_hub(root / "sdmx.db"), fresh_hub(root / "json.db")
    proc, base = start_server(partner_url, root / "partner")
    try:
        sdmx_s, out = run_pull(base, token, sdmx_hub, root / "d1", "sdmx")
        print(out)
        json_s, _ = run_pull(base, token, json_hub, root / "d2", "json")
    finally:
        stop_server(proc)
    n, n_json = count(sdmx_hub), count(json_hub)
    print(
        f"network pull --format sdmx (whole CLI process, partner export included): {n:,} "
        f"values in {sdmx_s:.1f} s ({n / sdmx_s:,.0f} values/s; target ≤ 30 s for 100,000)"
    )
    print(f"network pull (JSON feed), same run: {n_json:,} values in {json_s:.1f} s")
    print(f"ratio sdmx / json: {sdmx_s / json_s:.1f}× (a shared machine: wall times)")
    return 0 if n == n_json else 1


def main() -> int:
    args = [a for a in sys.argv[1:] if a not in ("--format", "sdmx", "json")]
    n_cities = int(args[0]) if args else 1000
    if "--format" in sys.argv and "sdmx" in sys.argv:
        return main_sdmx(n_cities)
    root = Path(tempfile.mkdtemp(prefix="bench-network-pull-"))
    (root / "partner").mkdir()
    print(f"building the partner store: {n_cities} cities × 10 indicators × 10 years …")
    partner_url, _slug = build_store(root / "partner" / "store.db", n_cities, 10, 10, 7)
    token = token_for(partner_url)
    hub_url = fresh_hub(root / "hub.db")
    naive_url = fresh_hub(root / "naive.db")
    proc, base = start_server(partner_url, root / "partner")
    try:
        env = dict(os.environ, DATABASE_URL=hub_url, SDGCITIES_DATA_DIR=str(root / "hubdata"))
        t0 = time.perf_counter()
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "sdgcities"),
                "network",
                "pull",
                base,
                "--token",
                token,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        pull_s = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = usage.ru_utime + usage.ru_stime
        print(done.stdout.strip() or done.stderr.strip())
        if done.returncode != 0:
            return 1
        engine = make_engine(hub_url)
        with transaction(engine) as s:
            n = int(s.scalar(select(func.count()).select_from(Observation)) or 0)
        engine.dispose()
        pe = make_engine(partner_url)
        with transaction(pe) as s:
            ids = list(s.scalars(select(Observation.id).order_by(Observation.id).limit(SAMPLE)))
        pe.dispose()
        naive_s = naive(base, naive_url, ids)
        per_value = naive_s / len(ids)
        extrapolated = per_value * n
        print(
            f"network pull (whole CLI process): {n:,} values in {pull_s:.1f} s "
            f"({n / pull_s:,.0f} values/s; target ≤ 30 s for 100,000); CPU time of the "
            f"CLI process {cpu_s:.1f} s (a shared machine: wall time includes waiting)"
        )
        print(
            f"naive, one request + one record per value: {per_value * 1000:.1f} ms/value on "
            f"{len(ids)} values → {extrapolated:,.0f} s for {n:,} (extrapolated)"
        )
        print(f"ratio naive / pull: {extrapolated / pull_s:,.0f}×")
    finally:
        stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
