"""A small store for the review tests: two cities, a hub serving A, five accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from sdgcities.store.db import transaction

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Seeded:
    a: int
    b: int
    published_a: int


def seed(engine: Engine) -> Seeded:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        a = create_city(s, name="Kisumu", country="KEN", population=600_000)
        b = create_city(s, name="Arusha", country="TZA", population=400_000)
        pub = record_value(s, city_id=a.id, indicator_code="11.2.1", year=2020, value=41.5)
        record_value(s, city_id=b.id, indicator_code="11.2.1", year=2020, value=30.0)
        create_user(s, email="admin@example.org", password=PASSWORD, role="admin")
        ea = create_user(s, email="editor-a@example.org", password=PASSWORD, role="city_editor")
        grant_city(s, ea.id, a.slug)
        eb = create_user(s, email="editor-b@example.org", password=PASSWORD, role="city_editor")
        grant_city(s, eb.id, b.slug)
        create_user(
            s, email="hub@example.org", password=PASSWORD, role="regional_hub", region="Africa"
        )
        create_user(s, email="learner@example.org", password=PASSWORD, role="learner")
        hubs.create_hub(s, slug="lake-victoria", name="Lake Victoria hub")
        hubs.add_city(s, "lake-victoria", a.slug)
        hubs.add_member(s, "lake-victoria", "hub@example.org")
        return Seeded(a.id, b.id, pub.id)
