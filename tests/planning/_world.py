"""A small store for the planning and assessment tests: GENERATED TEST DATA.

Kisumu (a square boundary), its editor, the hub reviewer serving it, a second city's
editor, and published values of 11.2.1 (2020: 40 %, 2024: 52 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from sdgcities.store.db import transaction

EDITOR = "editor@kisumu.example"
OTHER = "editor@arusha.example"
REVIEWER = "reviewer@lake-hub.example"
ADMIN = "admin@platform.example"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[34.7, -0.2], [34.9, -0.2], [34.9, 0.0], [34.7, 0.0], [34.7, -0.2]]],
}
INSIDE = {
    "type": "Polygon",
    "coordinates": [[[34.75, -0.15], [34.8, -0.15], [34.8, -0.1], [34.75, -0.1], [34.75, -0.15]]],
}


@dataclass
class World:
    city: str
    other: str


def seed(engine: Engine) -> World:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        a = create_city(
            s, name="Kisumu", country="KEN", population=600_000, lon=34.8, lat=-0.1, boundary=SQUARE
        )
        b = create_city(s, name="Arusha", country="TZA", population=400_000, lon=36.7, lat=-3.4)
        create_user(s, email=EDITOR, password="correct horse battery", role="city_editor")
        create_user(s, email=OTHER, password="correct horse battery", role="city_editor")
        create_user(
            s,
            email=REVIEWER,
            password="correct horse battery",
            role="regional_hub",
            region="Africa",
        )
        create_user(s, email=ADMIN, password="correct horse battery", role="admin")
        grant_city(s, EDITOR, a.slug)
        grant_city(s, OTHER, b.slug)
        hubs.create_hub(s, slug="lake", name="Lake hub")
        hubs.add_city(s, "lake", a.slug)
        hubs.add_member(s, "lake", REVIEWER)
        for year, value in ((2020, 40.0), (2024, 52.0)):
            record_value(
                s, city_id=a.id, indicator_code="11.2.1", year=year, value=value,
                user=ADMIN, reason="test", status="published",
            )  # fmt: skip
        return World(a.slug, b.slug)
