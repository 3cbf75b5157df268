"""Access matrix part of profiling (issue 12): neighbourhood profiles, exposure and group
profiles.

City A gets a DRAFT neighbourhood profile and a DRAFT group profile (only A's staff see
them; 404 for the rest) and a PUBLISHED exposure layer (everyone).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.web._matrix import A_STAFF, PUBLIC, World, case

ROUTES = {
    "/cities/{slug}/neighbourhoods": [case("/cities/{a_slug}/neighbourhoods", A_STAFF)],
    "/cities/{slug}/exposure": [case("/cities/{a_slug}/exposure", PUBLIC)],
    "/cities/{slug}/groups": [case("/cities/{a_slug}/groups", A_STAFF)],
    "/api/v1/profiles/{city}/{kind}": [
        case("/api/v1/profiles/{a_slug}/neighbourhoods", A_STAFF),
        case("/api/v1/profiles/{a_slug}/exposure", PUBLIC),
        case("/api/v1/profiles/{a_slug}/groups", A_STAFF),
    ],
}

_SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}


def seed(engine: Engine, world: World) -> None:
    from sdgcities.profiling.service import store_layer
    from sdgcities.store.db import transaction
    from sdgcities.store.models import City

    with transaction(engine) as session:
        city = session.scalars(select(City).where(City.slug == world.a_slug)).one()
        fc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": _SQUARE,
                    "properties": {
                        "name": "Barrio Matrix",
                        "population": 120.0,
                        "af_rank": 1,
                        "af_score": 0.5,
                        "transit_access": 55.5,
                    },
                }
            ],
        }
        draft = store_layer(
            session,
            city,
            "neighbourhoods",
            fc,
            {"deprivation": None, "city": {}},
            {"neighbourhoods": {"source": "file"}},
        )
        ex = store_layer(
            session,
            city,
            "exposure",
            fc,
            {
                "hazard": {"rule": "hazard value < 2 m"},
                "population_total": 120.0,
                "population_exposed": 12.0,
                "buildings_total": 3,
                "buildings_exposed": 1,
                "by_class": [],
                "settlements_ranked": [],
                "provenance": {},
            },
            {},
            published=True,
        )
        groups = store_layer(
            session,
            city,
            "groups",
            {"type": "FeatureCollection", "features": []},
            {
                "groups": ["host", "refugees"],
                "reference": "host",
                "by_group": {
                    "_all": {"population": 120.0, "transit_access": 50.0},
                    "host": {"population": 100.0, "transit_access": 55.0},
                    "refugees": {"population": 20.0, "transit_access": 25.0},
                },
                "gaps_to_reference": {"refugees": {"transit_access": -30.0}},
                "provenance": {},
                "warnings": [],
            },
            {},
        )
        world.extra["profile_draft_a"] = draft.id
        world.extra["profile_groups_a"] = groups.id
        world.extra["profile_exposure_a"] = ex.id
