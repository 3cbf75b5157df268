"""Benchmark matching capacity needs to offers: 10,000 needs against 5,000 offers.

Data are GENERATED (seeded) over the real theme vocabulary (14 themes), the six UN
languages plus Swahili and Portuguese, and the eight SDG regions. Timed:

* the vectorised matcher (:func:`sdgcities.capacity.matching.match`): eligibility,
  the five factors and the top 5 offers per need, with every factor kept
  (target ≤ 5 s);
* the same formula pair by pair in Python (what a straightforward implementation does),
  on 200 needs and extrapolated — the ratio shows what the bit masks buy.

Run: ``.venv/bin/python bench/bench_capacity_matching.py [n_needs] [n_offers]``
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sdgcities.capacity.matching import WEIGHTS, Vocabulary, match
from sdgcities.capacity.vocabulary import themes

LANGS = ["ar", "zh", "en", "fr", "ru", "es", "sw", "pt"]
REGIONS = [
    "Sub-Saharan Africa",
    "Northern Africa and Western Asia",
    "Central and Southern Asia",
    "Eastern and South-Eastern Asia",
    "Latin America and the Caribbean",
    "Oceania",
    "Europe and Northern America",
    "Australia and New Zealand",
]


def sets(rng: np.random.Generator, pool: list[str], n: int, lo: int, hi: int) -> list[list[str]]:
    return [
        list(rng.choice(pool, size=int(rng.integers(lo, hi + 1)), replace=False)) for _ in range(n)
    ]


def naive(need, offers) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    nt, nl, nr, nv = need
    out = []
    for j, (ot, ol, orr, ov, oa) in enumerate(offers):
        common = nt & ot
        if not common:
            continue
        f = (
            len(common) / len(nt),
            1.0 if nl & ol else 0.0,
            1.0 if not orr or nr & orr else 0.0,
            1 - min(abs(nv - ov), 2) / 2,
            1.0 if oa else 0.0,
        )
        out.append((j, sum(w * x for w, x in zip(WEIGHTS.values(), f, strict=True))))
    return sorted(out, key=lambda t: -t[1])[:5]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
    rng = np.random.default_rng(11)
    terms = list(themes())
    nt, nl, nr = sets(rng, terms, n, 1, 3), sets(rng, LANGS, n, 1, 1), sets(rng, REGIONS, n, 1, 1)
    nv = rng.integers(1, 4, n).astype(float)
    ot, ol = sets(rng, terms, m, 1, 4), sets(rng, LANGS, m, 1, 3)
    orr = [r if rng.random() < 0.7 else [] for r in sets(rng, REGIONS, m, 1, 2)]
    ov, oa = rng.integers(1, 4, m).astype(float), rng.random(m) < 0.8
    tv, lv, rv = Vocabulary(terms), Vocabulary(LANGS), Vocabulary(REGIONS)
    t = time.perf_counter()
    res = match(
        need_themes=tv.masks(nt),
        need_language=lv.masks(nl),
        need_region=rv.masks(nr),
        need_level=nv,
        offer_themes=tv.masks(ot),
        offer_languages=lv.masks(ol),
        offer_regions=rv.masks(orr),
        offer_level=ov,
        offer_available=oa,
        top=5,
    )
    vec = time.perf_counter() - t
    print(f"vectorised: {n:,} needs × {m:,} offers → top 5 each in {vec:.2f} s (target ≤ 5 s)")
    offers = [
        (set(a), set(b), set(c), d, e) for a, b, c, d, e in zip(ot, ol, orr, ov, oa, strict=True)
    ]
    k = 200
    t = time.perf_counter()
    ref = [naive((set(nt[i]), set(nl[i]), set(nr[i]), nv[i]), offers) for i in range(k)]
    per = (time.perf_counter() - t) / k
    same = sum(
        [j for j, _ in ref[i]][:1] == [mm.offer for mm in res[i]][:1]
        or abs(ref[i][0][1] - res[i][0].score) < 1e-3
        for i in range(k)
    )
    print(
        f"pair by pair in Python: {per * 1e3:.1f} ms per need → {per * n:.0f} s for {n:,} "
        f"(extrapolated from {k}); vectorised is {per * n / vec:.0f}× faster; "
        f"best offer agrees on {same}/{k} needs"
    )


if __name__ == "__main__":
    main()
