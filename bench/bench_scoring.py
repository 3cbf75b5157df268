"""Benchmark the scoring engine against a naive per-city / per-indicator Python loop.

Data are GENERATED (random, seeded): 1,000 cities × 100 indicators × 10 years, 17
goals, ~5 % missing values, half the indicators lower-is-better. Both ways compute the
same things — latest value, normalised score, colour, goal means, index and progress
category — and the script checks they agree before printing timings.

Run: ``.venv/bin/python bench/bench_scoring.py [n_cities]``
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import pandas as pd

from sdgcities.scoring import BenchmarkSet, score


def generate(
    n_cities: int, n_ind: int = 100, n_years: int = 10
) -> tuple[pd.DataFrame, BenchmarkSet]:
    rng = np.random.default_rng(42)
    up = np.arange(n_ind) % 2 == 0
    best = np.where(up, 100.0, 0.0)
    worst = np.where(up, 0.0, 100.0)
    green = np.where(up, 80.0, 20.0)
    yellow = np.where(up, 60.0, 40.0)
    orange = np.where(up, 40.0, 60.0)
    bench = pd.DataFrame(
        {
            "indicator": [f"ind{i:03d}" for i in range(n_ind)],
            "goal": [f"sdg{(i % 17) + 1:02d}" for i in range(n_ind)],
            "best": best, "worst": worst, "green": green, "yellow": yellow, "orange": orange,
        }
    ).astype(str)  # fmt: skip
    cities = np.array([f"City {c:04d}, Region" for c in range(n_cities)], dtype=object)
    c, i, y = np.meshgrid(np.arange(n_cities), np.arange(n_ind), np.arange(n_years), indexing="ij")
    value = rng.normal(50, 25, c.size) + y.ravel() * rng.normal(0.5, 1, c.size)
    value[rng.random(c.size) < 0.05] = np.nan
    obs = pd.DataFrame(
        {
            "city": cities[c.ravel()],
            "indicator": np.array(bench["indicator"], dtype=object)[i.ravel()],
            "year": 2014 + y.ravel(),
            "value": value,
        }
    ).dropna()
    return obs, BenchmarkSet.from_frame(bench, name="generated")


def naive(obs: pd.DataFrame, bench: BenchmarkSet) -> dict[str, float]:
    """Spreadsheet-style: loop over cities, then indicators, then rows."""
    t = bench.table.set_index("indicator")
    rows: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for city, ind, year, value in obs.itertuples(index=False):
        rows.setdefault((city, ind), []).append((year, value))
    index: dict[str, float] = {}
    for city in sorted(obs["city"].unique()):
        goal_vals: dict[str, list[float]] = {}
        n_missing = 0
        for ind, b in t.iterrows():
            series = sorted(rows.get((city, ind), []))
            if not series:
                n_missing += 1
                continue
            (y0, v0), (y1, v1) = series[0], series[-1]
            s = 100 * (v1 - b["worst"]) / (b["best"] - b["worst"])
            s = min(max(s, 0.0), 100.0)
            up = b["best"] > b["worst"]
            sign = 1 if up else -1
            if sign * v1 >= sign * b["green"]:
                _colour = "green"
            elif sign * v1 >= sign * b["yellow"]:
                _colour = "yellow"
            elif sign * v1 >= sign * b["orange"]:
                _colour = "orange"
            else:
                _colour = "red"
            if y1 > y0 and v0 > 0 and v1 > 0 and b["green"] > 0:
                actual = (v1 / v0) ** (1 / (y1 - y0)) - 1
                needed = (b["green"] / v0) ** (1 / (2030 - y0)) - 1
                _ratio = actual / needed if needed else math.nan
            goal_vals.setdefault(b["goal"], []).append(s)
        goals = [sum(v) / len(v) for v in goal_vals.values()]
        ok = n_missing / len(t) <= 0.2 and goals
        index[city] = sum(goals) / len(goals) if ok else math.nan
    return index


def main() -> None:
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    obs, bench = generate(n_cities)
    print(f"GENERATED data: {n_cities} cities × 100 indicators × 10 years = {len(obs):,} rows")
    score(obs.head(1000), bench)  # warm-up
    t0 = time.perf_counter()
    res = score(obs, bench)
    t_engine = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = naive(obs, bench)
    t_naive = time.perf_counter() - t0
    got = res.index.set_index("city")["score"]
    exp = pd.Series(ref).loc[got.index]
    assert np.allclose(got.to_numpy(), exp.to_numpy(), equal_nan=True), "engine and loop disagree"
    print(f"{'method':<42}{'seconds':>10}")
    print(f"{'sdgcities.scoring.score (vectorised)':<42}{t_engine:>10.3f}")
    print(f"{'naive per-city/per-indicator Python loop':<42}{t_naive:>10.3f}")
    print(f"{'speed-up (loop / engine)':<42}{t_naive / t_engine:>10.1f}x")
    print(f"target: engine ≤ 2 s for 1,000 cities → {'met' if t_engine <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
