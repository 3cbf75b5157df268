"""A hand-computable store: five cities, three indicators, one benchmark set.

Benchmark set ``hand`` (goal g1: A higher-is-better 0→100, B lower-is-better 50→0;
goal g2: C higher-is-better 0→10). Cities Alpha, Beta, Gamma, Delta share size class
"1m-5m" and SDG region "Europe"; Epsilon has the same size class in "Asia";
Zeta is small, in "Europe", and has no observations. Expected numbers are worked out by
hand in ``tests/assessment/test_hand_store.py``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from sdgcities.store.db import transaction
from sdgcities.store.models import City, CityTypology, Indicator, Observation, Target

BENCH_CSV = """indicator,goal,best,worst,green,yellow,orange
A,g1,100,0,80,60,40
B,g1,0,50,10,20,30
C,g2,10,0,8,6,4
"""

CITIES = {
    # name: (size class, region)
    "Alpha": ("1m-5m", "Europe"),
    "Beta": ("1m-5m", "Europe"),
    "Gamma": ("1m-5m", "Europe"),
    "Delta": ("1m-5m", "Europe"),
    "Epsilon": ("1m-5m", "Asia"),
    "Zeta": ("under-300k", "Europe"),
}

OBS = {
    # city: {indicator: {year: value}}
    "Alpha": {"A": {2015: 50, 2020: 30}, "B": {2020: 20}, "C": {2015: 2, 2020: 5}},
    "Beta": {"A": {2020: 70}, "B": {2020: 10}, "C": {2020: 6}},
    "Gamma": {"A": {2020: 90}, "B": {2020: 40}, "C": {2020: 2}},
    "Delta": {"A": {2020: 60}, "B": {2020: 30}, "C": {2020: 8}},
    "Epsilon": {"A": {2020: 10}, "B": {2020: 5}, "C": {2020: 10}},
}


def write_bench(tmp_path: Path) -> Path:
    path = tmp_path / "hand.csv"
    path.write_text(BENCH_CSV, encoding="utf-8")
    return path


def build_store(engine: Engine) -> dict[str, int]:
    """Fill the store; return city name → id."""
    ids: dict[str, int] = {}
    with transaction(engine) as s:
        inds = {
            code: Indicator(code=code, name=f"Indicator {code}", framework="custom", unit=unit)
            for code, unit in (("A", "%"), ("B", "µg/m³"), ("C", "score"))
        }
        s.add_all(inds.values())
        for name, (size, region) in CITIES.items():
            city = City(slug=name.lower(), name=name, sdg_region=region, country_iso3="XXX")
            city.typologies.append(CityTypology(kind="size_class", value=size, source="test"))
            city.typologies.append(CityTypology(kind="sdg_region", value=region, source="test"))
            s.add(city)
            s.flush()
            ids[name] = city.id
            for code, series in OBS.get(name, {}).items():
                for year, value in series.items():
                    s.add(
                        Observation(
                            city_id=city.id,
                            indicator_id=inds[code].id,
                            year=year,
                            value=float(value),
                            unit=inds[code].unit,
                            source=f"survey {year}",
                            is_public=True,
                        )
                    )
        s.add(Target(city_id=ids["Alpha"], indicator_id=inds["C"].id, value=10.0, year=2030))
    return ids
