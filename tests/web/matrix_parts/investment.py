"""The investment facility's routes in the access matrix.

City A has two projects: a draft (no consent: its city's staff only, 404 for the rest)
and one whose city consented to a public page (consent given by A's editor, whose e-mail
must reach only A's staff). Investors are not one of the matrix's roles; their access is
tested in ``tests/investment/test_facility.py``.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.web._matrix import A_STAFF, A_STAFF_LOGIN, EMAILS, LOGGED_IN, World, case

#: submitting a project: city editors and admins (hub staff advise, they do not submit)
EDITORS = (401, 403, 200, 200, 403, 200)

ROUTES = {
    "/investment": [case("/investment"), case("/investment?stage=feasibility&goal=11")],
    "/investment/pipeline.csv": [case("/investment/pipeline.csv?by=goal")],
    "/investment/projects/new": [case("/investment/projects/new", EDITORS)],
    "/investment/projects/{project_id}": [
        case("/investment/projects/{inv_draft}", A_STAFF),
        case("/investment/projects/{inv_public}"),
    ],
    "/investment/projects/{project_id}/edit": [
        case("/investment/projects/{inv_draft}/edit", (401, 404, 200, 404, 403, 200)),
        case("/investment/projects/{inv_public}/edit", (401, 403, 200, 403, 403, 200)),
    ],
    "/investment/matches": [case("/investment/matches", LOGGED_IN)],
    "/investment/introductions": [case("/investment/introductions", LOGGED_IN)],
    "/investment/investors": [case("/investment/investors", LOGGED_IN)],
    "/investment/windows": [case("/investment/windows")],
    "/api/v1/investment/projects": [case("/api/v1/investment/projects?city={a_slug}")],
    "/api/v1/investment/projects/{project_id}": [
        case("/api/v1/investment/projects/{inv_draft}", A_STAFF),
        case("/api/v1/investment/projects/{inv_public}"),
    ],
    "/api/v1/investment/pipeline": [case("/api/v1/investment/pipeline")],
    "/api/v1/investment/investors": [case("/api/v1/investment/investors", LOGGED_IN)],
    "/api/v1/investment/windows": [case("/api/v1/investment/windows")],
    "/api/v1/investment/matches": [case("/api/v1/investment/matches", LOGGED_IN)],
    "/api/v1/investment/matches/why-not": [
        case(
            "/api/v1/investment/matches/why-not?project={inv_draft}&kind=investor&id={inv_investor}",
            A_STAFF_LOGIN,
        ),
    ],
    "/api/v1/investment/introductions": [case("/api/v1/investment/introductions", LOGGED_IN)],
}


def seed(engine: Engine, world: World) -> None:
    from datetime import date

    from sdgcities.investment import advisory
    from sdgcities.investment import service as svc
    from sdgcities.investment.models import Investor
    from sdgcities.store.db import transaction
    from sdgcities.store.models import User

    base = {
        "city": world.a_slug,
        "description": "matrix test project",
        "sector": "21020",
        "sdg_targets": "11.2",
        "budget": "2000000",
        "currency": "USD",
        "start": "2027-01-01",
        "end": "2029-12-31",
        "stage": "ideation",
        "implementing_org": "Matrix utility",
    }
    with transaction(engine) as s:
        editor = s.scalar(select(User).where(User.email == EMAILS["editor_a"]))
        draft = svc.create_project(s, base | {"title": "Matrix draft project"}, editor)
        public = svc.create_project(s, base | {"title": "Matrix public project"}, editor)
        svc.set_consent(s, public, True, editor)
        investor = Investor(
            name="Matrix example investor",
            sdg_focus=["11"],
            regions=[],
            ticket_min=1e5,
            ticket_max=1e8,
            currency="USD",
            instruments=[],
            stages=[],
            returns="impact-first",
            is_example=True,
        )
        s.add(investor)
        s.flush()
        advisory.introduce(s, advisory.CLI, draft.id, "investor", investor.id, on=date(2026, 1, 5))
        world.extra.update(inv_draft=draft.id, inv_public=public.id, inv_investor=investor.id)
