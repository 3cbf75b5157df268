"""Access matrix: the strategic plan (approved public, drafts to A's staff) and assessments."""

from __future__ import annotations

from sqlalchemy import Engine

from sdgcities.store.db import transaction
from tests.web._matrix import A_STAFF, A_STAFF_LOGIN, EMAILS, Case, World, case

ROUTES: dict[str, list[Case]] = {
    "/cities/{slug}/plan": [
        case("/cities/{a_slug}/plan"),
        case("/cities/{a_slug}/plan?method=sdr-trend"),
        case("/cities/{b_slug}/plan"),
    ],
    "/cities/{slug}/plan/versions/{number}": [
        case("/cities/{a_slug}/plan/versions/1"),
        case("/cities/{a_slug}/plan/versions/2", A_STAFF),
    ],
    "/api/v1/cities/{city}/plan": [
        case("/api/v1/cities/{a_slug}/plan"),
        case("/api/v1/cities/{a_slug}/plan?version=2", A_STAFF),
    ],
    "/api/v1/cities/{city}/plan/progress": [
        case("/api/v1/cities/{a_slug}/plan/progress"),
        case("/api/v1/cities/{a_slug}/plan/progress?progress-method=sdr-trend"),
        case("/api/v1/cities/{a_slug}/plan/progress?version=2", A_STAFF),
    ],
    "/api/v1/cities/{city}/smart-city-strategies": [
        case("/api/v1/cities/{a_slug}/smart-city-strategies")
    ],
    "/cities/{slug}/assessments": [case("/cities/{a_slug}/assessments", A_STAFF_LOGIN)],
    "/cities/{slug}/assessments/{qid}": [
        case("/cities/{a_slug}/assessments/institutional", A_STAFF_LOGIN),
        case("/cities/{a_slug}/assessments/digital", A_STAFF_LOGIN),
    ],
    "/api/v1/cities/{city}/assessments": [
        case("/api/v1/cities/{a_slug}/assessments", A_STAFF_LOGIN)
    ],
    "/api/v1/cities/{city}/assessments/{questionnaire}": [
        case("/api/v1/cities/{a_slug}/assessments/institutional", A_STAFF_LOGIN)
    ],
}


def seed(engine: Engine, world: World) -> None:
    """City A: version 1 approved, version 2 a draft (its vision private); an assessment."""
    from sdgcities.accounts.users import get_user
    from sdgcities.institutions import service as isvc
    from sdgcities.institutions.questionnaire import AnswerIn
    from sdgcities.planning import service as ps

    with transaction(engine) as s:
        editor = get_user(s, EMAILS["editor_a"])
        hub = get_user(s, EMAILS["hub"])
        ps.set_vision(s, world.a_slug, editor, vision="A lake city for all")
        ps.add_target(
            s,
            world.a_slug,
            editor,
            ps.TargetIn("11.2.1", 75.0, "%", 40.0, 2018, source="survey"),
        )
        ps.transition(s, world.a_slug, "submit", editor)
        ps.transition(s, world.a_slug, "approve", hub)
        ps.set_vision(s, world.a_slug, editor, vision="draftreason-a-qz vision")
        ps.add_smart_strategy(
            s, world.a_slug, editor, title="draftreason-a-qz strategy", year=2026, status="draft"
        )
        ps.add_smart_strategy(
            s,
            world.a_slug,
            editor,
            title="Kisumu digital city strategy",
            year=2025,
            status="adopted",
            policy_name="Kenya National Urban Development Policy",
            policy_year=2016,
        )
        isvc.answer(
            s,
            world.a_slug,
            "institutional",
            [AnswerIn("rev-register", 1, evidence="draftreason-a-qz cadastre")],
            editor,
        )
