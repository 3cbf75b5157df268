"""The network's routes in the access matrix: reports, onboarding, labs, hubs, conflicts."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.web._matrix import ADMIN_ONLY, PUBLIC, Case, World, case

ROUTES: dict[str, list[Case]] = {
    "/network/reports": [case("/network/reports")],
    "/network/reports/cities.geojson": [case("/network/reports/cities.geojson")],
    "/network/reports/{key}": [
        case("/network/reports/funnel"),
        case("/network/reports/coverage"),
        case("/network/reports/stage-by-sdg_region"),
        case("/network/reports/scores-by-size_class"),
        case("/network/reports/onboarding-time"),
        case("/network/reports/nope", (404,) * 6),
    ],
    "/network/reports/{key}.csv": [case("/network/reports/coverage.csv")],
    "/network/reports/{key}.xlsx": [case("/network/reports/funnel.xlsx")],
    "/network/cities": [case("/network/cities")],
    "/network/cities/{slug}": [case("/network/cities/{a_slug}"), case("/network/cities/{b_slug}")],
    "/network/labs": [case("/network/labs")],
    "/network/hubs": [case("/network/hubs")],
    "/network/hubs/{slug}": [case("/network/hubs/lake-victoria")],
    "/network/conflicts": [case("/network/conflicts", ADMIN_ONLY)],
    "/api/v1/network/feed": [case("/api/v1/network/feed"), case("/api/v1/network/feed?after=1")],
    "/api/v1/network/cities/{city}/onboarding": [
        case("/api/v1/network/cities/{a_slug}/onboarding")
    ],
    "/api/v1/network/labs": [case("/api/v1/network/labs")],
    "/api/v1/network/hubs/{hub}": [case("/api/v1/network/hubs/lake-victoria")],
    "/api/v1/network/reports/{key}": [case("/api/v1/network/reports/funnel", PUBLIC)],
    "/api/v1/network/conflicts": [case("/api/v1/network/conflicts", ADMIN_ONLY)],
}


def seed(engine: Engine, world: World) -> None:
    """An onboarded city A (EOI, agreement, lab), a lab and a subscription to A's hub."""
    from sdgcities.network import service as net
    from sdgcities.store.db import transaction

    with transaction(engine) as s:
        lab = net.add_lab(
            s,
            slug="lake-lab",
            name="Lake Region Urban Lab",
            kind="city",
            country_iso3="KEN",
            host_institution="Maseno University",
            established_on="2024-01-15",
        )
        net.record_step(s, world.a_slug, "expression_of_interest", "2024-01-02")
        net.record_step(s, world.a_slug, "agreement", "2024-02-01", authority="Kisumu County")
        net.record_step(s, world.a_slug, "urban_lab", "2024-03-01", lab=lab.slug)
        net.add_subscription(
            s,
            "lake-victoria",
            authority="Kisumu County",
            amount=12000,
            currency="USD",
            start="2025-01-01",
            end="2025-12-31",
        )
    world.extra["network_lab"] = "lake-lab"
