"""Access matrix part: certification pages and API, the VLR draft pages."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.web._matrix import (
    A_STAFF_LOGIN,
    EMAILS,
    HUB_STAFF,
    PUBLIC,
    Case,
    World,
    case,
)

NOT_FOUND = (404,) * 6

ROUTES: dict[str, list[Case]] = {
    "/cities/{slug}/certification": [case("/cities/{a_slug}/certification", PUBLIC)],
    "/certification/applications/{application_id}": [
        case("/certification/applications/{cert_app_a}", A_STAFF_LOGIN)
    ],
    "/certification/review": [case("/certification/review", HUB_STAFF)],
    "/certification/verify/{code}": [
        case("/certification/verify/{cert_code}", PUBLIC),
        case("/certification/verify/0000-0000-0000-0000-0000", NOT_FOUND),
        case("/certification/verify/not-a-code", NOT_FOUND),
    ],
    "/certification/certificates/{code}.pdf": [
        case("/certification/certificates/{cert_code}.pdf", PUBLIC),
        case("/certification/certificates/0000-0000-0000-0000-0000.pdf", NOT_FOUND),
    ],
    "/cities/{slug}/vlr": [case("/cities/{a_slug}/vlr", A_STAFF_LOGIN)],
    "/cities/{slug}/vlr/draft.html": [
        case("/cities/{a_slug}/vlr/draft.html", A_STAFF_LOGIN),
        case("/cities/{a_slug}/vlr/draft.html?drafts=1", A_STAFF_LOGIN),
    ],
    "/cities/{slug}/vlr/draft.pdf": [case("/cities/{a_slug}/vlr/draft.pdf", A_STAFF_LOGIN)],
    "/api/v1/certification/stages": [case("/api/v1/certification/stages", PUBLIC)],
    "/api/v1/certification/cities/{city}": [case("/api/v1/certification/cities/{a_slug}", PUBLIC)],
    "/api/v1/certification/cities/{city}/check": [
        case("/api/v1/certification/cities/{a_slug}/check?stage=1", A_STAFF_LOGIN)
    ],
    "/api/v1/certification/applications/{application_id}": [
        case("/api/v1/certification/applications/{cert_app_a}", A_STAFF_LOGIN)
    ],
    "/api/v1/certification/verify/{code}": [
        case("/api/v1/certification/verify/{cert_code}", PUBLIC),
        case("/api/v1/certification/verify/0000-0000-0000-0000-0000", NOT_FOUND),
    ],
}


def seed(engine: Engine, world: World) -> None:
    """An application of city A with evidence (by editor A), and a certificate of A."""
    from sdgcities.accounts.users import get_user
    from sdgcities.certification import codes, service
    from sdgcities.certification.models import Certificate
    from sdgcities.store.db import transaction

    with transaction(engine) as s:
        editor = get_user(s, EMAILS["editor_a"])
        app = service.open_application(s, world.a_slug, 1, actor=editor)
        service.add_evidence(s, app.id, "hex_layer", str(world.layer), actor=editor)
        code = codes.new_code()
        s.add(Certificate(code=code, application_id=app.id, city_id=app.city_id, stage=1))
        s.flush()
        world.extra["cert_app_a"] = app.id
        world.extra["cert_code"] = code
