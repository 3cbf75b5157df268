"""A small demo store for the page tests and the browser scenario.

Real cities (names, countries, populations and locations from the bundled gazetteer);
the indicator VALUES are GENERATED TEST DATA (source "generated test data"), never
published statistics. Also a generated hex layer and three accounts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import h3
from sqlalchemy import Engine

from sdgcities.store.db import transaction
from sdgcities.store.models import HexCell, HexLayer

PASSWORD = "correct horse battery"
GENERATED = "generated test data"

CITIES = ("Nairobi", "Mombasa", "Kampala", "Dar es Salaam", "Addis Ababa")
INDICATORS = ("11.1.1", "11.2.1", "11.3.1", "11.6.1", "11.6.2", "11.7.1")
#: plausible generated ranges per indicator (low, high)
RANGES = {
    "11.1.1": (20, 70),
    "11.2.1": (20, 90),
    "11.3.1": (0.5, 2.5),
    "11.6.1": (30, 95),
    "11.6.2": (15, 60),
    "11.7.1": (5, 45),
}


@dataclass
class Seeded:
    slugs: list[str]
    editor_email: str
    admin_email: str
    layer_id: int


def seed(engine: Engine, *, hex_rings: int = 6) -> Seeded:
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.assessment.benchmarksets import get_benchmark_set
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import add_city_from_gazetteer
    from sdgcities.observations.service import record_value

    rng = random.Random(11)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        get_benchmark_set(s)
        cities = [add_city_from_gazetteer(s, name) for name in CITIES]
        for city in cities:
            for code in INDICATORS:
                lo, hi = RANGES[code]
                v = rng.uniform(lo, hi)
                for year in (2016, 2018, 2020, 2022):
                    v = min(hi, max(lo, v + rng.uniform(-0.08, 0.1) * (hi - lo)))
                    record_value(
                        s,
                        city_id=city.id,
                        indicator_code=code,
                        year=year,
                        value=round(v, 2),
                        source=GENERATED,
                        user="seed",
                    )
        nbo = cities[0]
        layer = HexLayer(
            city_id=nbo.id,
            indicator_code="11.2.1",
            name="Access to public transport (generated test data)",
            resolution=8,
            attribution="© OpenStreetMap contributors (generated)",
        )
        s.add(layer)
        s.flush()
        centre = h3.latlng_to_cell(nbo.lat or -1.29, nbo.lon or 36.82, 8)
        for cell in sorted(h3.grid_disk(centre, hex_rings)):
            pop = rng.uniform(500, 5000)
            share = rng.random()
            s.add(
                HexCell(
                    layer_id=layer.id,
                    h3=cell,
                    population=pop,
                    population_covered=pop * share,
                    share=share,
                    distance_m=rng.uniform(50, 2000),
                )
            )
        create_user(s, email="admin@example.org", password=PASSWORD, role="admin", name="Ada Admin")
        editor = create_user(
            s,
            email="editor@nairobi.example",
            password=PASSWORD,
            role="city_editor",
            name="Edna Editor",
        )
        grant_city(s, editor.id, nbo.slug)
        create_user(s, email="learner@example.org", password=PASSWORD, role="learner")
        return Seeded([c.slug for c in cities], editor.email, "admin@example.org", layer.id)
