"""Access matrix part: partners, calls, Champions, review markers, notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tests.web._matrix import EMAILS, HUB_STAFF, LOGGED_IN, PUBLIC, Case, World, case

ROUTES: dict[str, list[Case]] = {
    "/capacity/partners": [case("/capacity/partners"), case("/capacity/partners?kind=trainer")],
    "/capacity/partners/{provider_id}": [
        case("/capacity/partners/{partner_a}"),
        case("/capacity/partners/{trainer_a}"),
    ],
    "/capacity/calls": [case("/capacity/calls")],
    "/capacity/calls/{slug}": [case("/capacity/calls/{call_eoi}")],
    "/capacity/calls/{slug}/applications": [
        case("/capacity/calls/{call_eoi}/applications", HUB_STAFF)
    ],
    "/capacity/champions/{slug}": [case("/capacity/champions/{call_champions}")],
    "/capacity/champions/{slug}/selection": [
        case("/capacity/champions/{call_champions}/selection", HUB_STAFF)
    ],
    "/capacity/champions/{slug}/cohort": [
        case("/capacity/champions/{call_champions}/cohort", HUB_STAFF)
    ],
    "/capacity/markers": [case("/capacity/markers", HUB_STAFF)],
    "/capacity/markers.csv": [case("/capacity/markers.csv", HUB_STAFF)],
    "/notifications": [case("/notifications", LOGGED_IN)],
    "/api/v1/capacity/partners": [case("/api/v1/capacity/partners", PUBLIC)],
    "/api/v1/capacity/partners/{provider_id}": [
        case("/api/v1/capacity/partners/{trainer_a}", PUBLIC)
    ],
    "/api/v1/capacity/calls": [case("/api/v1/capacity/calls")],
    "/api/v1/capacity/calls/{slug}": [case("/api/v1/capacity/calls/{call_eoi}")],
    "/api/v1/capacity/calls/{slug}/applications": [
        case("/api/v1/capacity/calls/{call_eoi}/applications", HUB_STAFF)
    ],
    "/api/v1/capacity/champions/{slug}/balance": [
        case("/api/v1/capacity/champions/{call_champions}/balance", HUB_STAFF)
    ],
    "/api/v1/capacity/markers": [case("/api/v1/capacity/markers", HUB_STAFF)],
    "/api/v1/notifications": [case("/api/v1/notifications", LOGGED_IN)],
}


def seed(engine: Engine, world: World) -> None:
    """A university and a trainer, an open EOI call with one answer, a Champions call
    with city A's application, a reviewed project, and a message to A's editor."""
    from sdgcities.capacity import calls, champions, markers
    from sdgcities.capacity.needs import add_provider
    from sdgcities.cities.service import get_city
    from sdgcities.notifications.service import notify
    from sdgcities.store.db import transaction

    now = datetime.now(UTC)
    with transaction(engine) as s:
        uni = add_provider(s, kind="university", name="Maseno University", themes=["housing"])
        trainer = add_provider(
            s, kind="trainer", name="A trainer", themes=["housing"], email=EMAILS["editor_a"]
        )
        eoi = calls.create_call(
            s,
            slug="matrix-eoi",
            kind="eoi",
            title="Matrix call",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        calls.submit_eoi(
            s, eoi, name="Applicant", kind="ngo", email="eoi@applicant.example", themes=["housing"]
        )
        nua = calls.create_call(
            s,
            slug="matrix-champions",
            kind="champions",
            title="Matrix Champions",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        champions.apply(
            s,
            nua,
            city_id=get_city(s, world.a_slug).id,
            commitment="A voluntary local review and a climate plan.",
            need_summary="planning",
            contact_email=EMAILS["editor_a"],
            by=EMAILS["editor_a"],
        )
        markers.record_marker(
            s,
            reference="PRC-M-1",
            title="t",
            unit="Urban Practices",
            year=2022,
            marker=0,
            answers={},
        )
        notify(s, to=EMAILS["editor_a"], kind="call_result", subject="for A", body="b")
        world.extra.update(
            partner_a=uni.id,
            trainer_a=trainer.id,
            call_eoi=eoi.slug,
            call_champions=nua.slug,
        )
