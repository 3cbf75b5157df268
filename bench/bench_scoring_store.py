"""Benchmark scoring FROM THE STORE (SQLite): 1,000 cities × 100 indicators × 10 years.

Data are GENERATED (random, seeded; the same generator as ``bench_scoring.py``):
~950,000 observations (5 % missing), 17 goals, half the indicators lower-is-better,
written to a fresh SQLite store in a temporary folder. Timed:

* ``city_scores(session)`` — every city: read current observations, targets and the
  benchmark set from the store, score (``sdgcities.assessment.scores``);
* the same scores computed by the way a user would otherwise do it with the library:
  ``pandas.read_sql`` of the joined tables, then the pure engine ``score()`` — the
  ratio shows the store plumbing's overhead;
* ``city_scores(session, [one city])`` and ``city_challenges`` for one city (both read
  every city's observations when bounds must be derived; here they need not);
* the stored scores (``sdgcities.assessment.stored``): ``refresh_scores`` of every city
  (what a benchmark change costs), of one city (what an import or a correction of one
  city adds to its transaction), both for the set with fixed bounds and for the same set
  with every ``worst`` left blank (derived from all cities: SDSN 2.5th percentile), and
  reading one city's stored scores (what a page does) vs scoring it on the fly.

Run: ``.venv/bin/python bench/bench_scoring_store.py [n_cities]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert

from sdgcities.assessment.benchmarksets import load_benchmark_set
from sdgcities.assessment.challenges import city_challenges
from sdgcities.assessment.scores import city_scores
from sdgcities.assessment.stored import refresh_scores, stored_scores
from sdgcities.scoring import score
from sdgcities.store.db import make_engine, migrate, transaction
from sdgcities.store.models import City, CityTypology, Indicator, Observation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scoring import generate


def fill_store(db: Path, n_cities: int) -> tuple[float, int]:
    obs, bench = generate(n_cities)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    csv = db.with_name("bench.csv")
    table = bench.table.loc[:, ["indicator", "goal", "best", "worst", "green", "yellow", "orange"]]
    table.to_csv(csv, index=False)
    t0 = time.perf_counter()
    with transaction(engine) as s:
        codes = list(bench.table["indicator"])
        s.execute(
            insert(Indicator),
            [{"code": c, "name": c, "framework": "custom", "unit": ""} for c in codes],
        )
        names = sorted(obs["city"].unique())
        s.execute(
            insert(City),
            [
                {"slug": f"city-{i:04d}", "name": n, "sdg_region": "Generated"}
                for i, n in enumerate(names)
            ],
        )
        city_id = {n: i + 1 for i, n in enumerate(names)}
        s.execute(
            insert(CityTypology),
            [{"city_id": cid, "kind": "size_class", "value": "1m-5m"} for cid in city_id.values()],
        )
        ind_id = {c: i + 1 for i, c in enumerate(codes)}
        rows = [
            {
                "city_id": city_id[c],
                "indicator_id": ind_id[i],
                "year": int(y),
                "value": float(v),
                "disaggregation": "",
                "version": 1,
                "is_current": True,
                "is_public": True,
                "status": "published",
            }
            for c, i, y, v in obs.itertuples(index=False)
        ]
        s.execute(insert(Observation), rows)
        load_benchmark_set(s, "generated", csv, refresh=False)
        derive = db.with_name("derive.csv")
        table.assign(worst="").to_csv(derive, index=False)
        load_benchmark_set(s, "derived", derive, refresh=False)
    engine.dispose()
    return time.perf_counter() - t0, len(rows)


def by_hand(engine_url: str) -> pd.DataFrame:
    """What a user of the library would otherwise write: read_sql, then the pure engine."""
    from sdgcities.assessment.benchmarksets import get_benchmark_set, to_engine_set

    engine = make_engine(engine_url)
    sql = (
        "SELECT c.slug AS city, i.code AS indicator, o.year, o.value FROM observations o "
        "JOIN cities c ON c.id = o.city_id JOIN indicators i ON i.id = o.indicator_id "
        "WHERE o.is_current AND o.disaggregation = ''"
    )
    with engine.connect() as conn:
        obs = pd.read_sql(sql, conn)
    with transaction(engine) as s:
        bench = to_engine_set(get_benchmark_set(s, "generated"))
    result = score(obs, bench).index
    engine.dispose()
    return result


def main() -> None:
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t_fill, n_rows = fill_store(db, n_cities)
        print(
            f"GENERATED data: {n_cities} cities × 100 indicators × 10 years = {n_rows:,} "
            f"observations in SQLite (load {t_fill:.1f} s, not timed below)"
        )
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        with transaction(engine) as s:
            t0 = time.perf_counter()
            res = city_scores(s, benchmark_set="generated")
            t_store = time.perf_counter() - t0
            t0 = time.perf_counter()
            one = city_scores(s, [1], benchmark_set="generated")
            t_one = time.perf_counter() - t0
            t0 = time.perf_counter()
            found = city_challenges(s, 1, benchmark_set="generated")
            t_chal = time.perf_counter() - t0
        refresh: dict[str, tuple[float, float]] = {}
        for name in ("generated", "derived"):
            with transaction(engine) as s:
                t0 = time.perf_counter()
                refresh_scores(s, benchmark_set=name)
                t_all = time.perf_counter() - t0
            with transaction(engine) as s:
                t0 = time.perf_counter()
                refresh_scores(s, [1], benchmark_set=name)
                t_city = time.perf_counter() - t0
            refresh[name] = (t_all, t_city)
        with transaction(engine) as s:
            t0 = time.perf_counter()
            stored = stored_scores(s, [1], benchmark_set="generated")
            t_read = time.perf_counter() - t0
        assert stored is not None, "no stored scores"
        assert len(stored.index) == 1, "no stored scores of city 1"
        engine.dispose()
        t0 = time.perf_counter()
        ref = by_hand(url)
        t_hand = time.perf_counter() - t0
    got = res.index.set_index("city_slug")["score"].sort_index()
    exp = ref.set_index("city")["score"].sort_index()
    assert np.allclose(got.to_numpy(), exp.to_numpy(), equal_nan=True), "store and by-hand disagree"
    assert len(one.index) == 1, "one-city run returned nothing"
    assert found, "challenges returned nothing"
    print(f"{'step':<58}{'seconds':>10}")
    print(f"{'city_scores(session), all cities, from the store':<58}{t_store:>10.2f}")
    print(f"{'pandas.read_sql + scoring.score (by hand)':<58}{t_hand:>10.2f}")
    print(f"{'ratio store / by hand':<58}{t_store / t_hand:>10.2f}x")
    print(f"{'city_scores(session, [one city])':<58}{t_one:>10.2f}")
    print(f"{'city_challenges(session, one city) (peers: all 999)':<58}{t_chal:>10.2f}")
    for name, (t_all, t_city) in refresh.items():
        bounds = "fixed bounds" if name == "generated" else "worst derived"
        print(f"{f'refresh_scores, every city ({bounds})':<58}{t_all:>10.2f}")
        print(f"{f'refresh_scores, one city ({bounds})':<58}{t_city:>10.2f}")
    print(f"{'stored_scores(session, [one city]) (a page read)':<58}{t_read:>10.3f}")
    print(f"{'ratio on-the-fly one city / stored read':<58}{t_one / t_read:>10.0f}x")


if __name__ == "__main__":
    main()
