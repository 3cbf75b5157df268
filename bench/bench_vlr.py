"""Benchmark: ``sdgcities vlr CITY --out DRAFT.pdf`` for a city with 200 indicators.

The city gets 200 indicators — every indicator of the built-in catalogue (the real SDG 11
and UMF codes: 47 today) and, for the rest, city-added custom indicators
(``KIS.001`` …, framework ``custom``, as a city adds its own) — with SYNTHETIC values
over 10 years (2015–2024, a seeded random walk, stated as synthetic in each value's
source), a hex layer and a revenue diagnostic, in a fresh SQLite store. The whole
``sdgcities vlr`` process is timed (interpreter, imports, store, scores, charts,
WeasyPrint). The reference, in the same run, is what a user would otherwise do with the
same HTML: print it to PDF in Chromium (Playwright ``page.pdf``, Debian's Chromium),
timing the browser's load and print only. Target: ≤ 10 s for the whole process.

    python bench/bench_vlr.py [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 10.0
N_INDICATORS = 200
YEARS = range(2015, 2025)


def build_store(folder: Path) -> str:
    """A store with one city and 200 indicators × 10 years of synthetic values."""
    import h3
    from sqlalchemy import insert, select

    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.revenue.models import RevenueDiagnostic, RevenueStream
    from sdgcities.store.db import make_engine, migrate, transaction
    from sdgcities.store.models import HexCell, HexLayer, Indicator, Observation

    url = f"sqlite:///{folder / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(2030)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        city = create_city(s, name="Kisumu", country="KEN", population=600_000)
        inds = list(s.execute(select(Indicator.id, Indicator.unit).order_by(Indicator.code)))
        for i in range(N_INDICATORS - len(inds)):
            custom = Indicator(
                code=f"KIS.{i + 1:03d}", name=f"Kisumu local indicator {i + 1} (synthetic)",
                framework="custom", unit="%", owner="kisumu-ken",
            )  # fmt: skip
            s.add(custom)
            s.flush()
            inds.append((custom.id, custom.unit))
        rows = []
        for ind_id, unit in inds[:N_INDICATORS]:
            v = rng.uniform(5, 95)
            for year in YEARS:
                v = max(0.0, v + rng.gauss(0, 3))
                rows.append(
                    {
                        "city_id": city.id, "indicator_id": ind_id, "year": year,
                        "disaggregation": "", "value": round(v, 2), "unit": unit or None,
                        "source": "synthetic benchmark data", "version": 1,
                        "is_current": True, "status": "published", "is_public": True,
                        "created_by": "bench",
                    }
                )  # fmt: skip
        s.execute(insert(Observation), rows)
        layer = HexLayer(city_id=city.id, indicator_code="11.2.1", name="synthetic access")
        s.add(layer)
        s.flush()
        for cell in sorted(h3.grid_disk(h3.latlng_to_cell(-0.09, 34.77, 8), 8)):
            s.add(HexCell(layer_id=layer.id, h3=cell, population=100.0, share=rng.random()))
        d = RevenueDiagnostic(city_id=city.id, year=2024, currency="KES", is_published=True)
        d.streams.append(
            RevenueStream(
                position=0, stream="Property rates", estimated=90_000, registered=60_000,
                compliant=30_000, average_bill=4_000.0, achievable_bill=5_500.0,
            )
        )  # fmt: skip
        s.add(d)
        slug = city.slug
    engine.dispose()
    return f"{url}|{slug}"


def time_cli(url: str, slug: str, out: Path, folder: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``sdgcities vlr`` process.

    Bytecode is cached in ``folder/pycache`` (``PYTHONPYCACHEPREFIX``) as in an ordinary
    install, even where the environment sets ``PYTHONDONTWRITEBYTECODE``: otherwise every
    run recompiles some 900 modules from source, which no installed tool does.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {
        "DATABASE_URL": url,
        "SDGCITIES_DATA_DIR": str(folder),
        "PYTHONPYCACHEPREFIX": str(folder / "pycache"),
    }
    exe = Path(sys.executable).parent / "sdgcities"
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(exe), "vlr", slug, "--out", str(out)],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime


def time_chromium(html: Path, out: Path) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        return None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                       else r.abort())  # fmt: skip
            start = time.perf_counter()
            page.goto(html.as_uri())
            page.pdf(path=str(out), format="A4")
            return time.perf_counter() - start
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs of each (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, slug = build_store(folder).split("|")
        pdf, html = folder / "vlr.pdf", folder / "vlr.html"
        time_cli(url, slug, html, folder)  # warm-up: writes the bytecode cache, and the HTML
        timed = [time_cli(url, slug, pdf, folder) for _ in range(args.runs)]
        cli = statistics.median(w for w, _ in timed)
        cpu = statistics.median(c for _, c in timed)
        from sdgcities.documents import pdf_page_count

        pages = pdf_page_count(pdf.read_bytes())
        runs = [time_chromium(html, folder / "chromium.pdf") for _ in range(args.runs)]
        ref = statistics.median(r for r in runs if r is not None) if all(runs) else None
    verdict = "OK" if cli <= TARGET_S else "SLOWER THAN TARGET"
    print(
        f"sdgcities vlr, {N_INDICATORS} indicators × {len(YEARS)} years (synthetic values): "
        f"{cli:.2f} s wall, {cpu:.2f} s CPU, {pages} PDF pages (whole process; "
        f"target ≤ {TARGET_S:.0f} s: {verdict})"
    )
    if ref is not None:
        print(f"Chromium print-to-PDF of the same HTML (load + page.pdf only): {ref:.2f} s; "
              f"ratio sdgcities / Chromium = {cli / ref:.2f}")  # fmt: skip
    else:
        print("Chromium or Playwright not available: no reference timing")
    print(f"(machine: {os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
