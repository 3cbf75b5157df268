"""``/certification``: stages, a city's ladder and check, applications, verification.

The same service functions as the pages and ``sdgcities certification``. The ladder and
the verification of a code are public; applications, their evidence and the check are
seen by the city's staff; reviewing is for the regional hub serving the city and admins.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sdgcities.accounts import permissions
from sdgcities.certification import service
from sdgcities.certification.stages import load_stages
from sdgcities.errors import NotFoundError
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession, get_city_or_404
from sdgcities.web.auth import CsrfChecked, current_user, require_user

router = APIRouter(prefix="/certification", tags=["certification"])

LoggedIn = Annotated[User, Depends(require_user)]
Reader = Annotated[User | None, Depends(current_user)]
AppId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(max_length=64)]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=64)
    ref: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str = Field(min_length=1, max_length=200)
    stage: int = Field(ge=1, le=9)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "decline", "request_changes"]
    comment: str = Field(default="", max_length=2000)


def _app_out(session: DbSession, app_id: int, user: User | None) -> dict[str, Any]:
    app = service.get_application(session, app_id, user=user)
    cert = service.certificate_of(session, app.id)
    return {
        "id": app.id,
        "city_id": app.city_id,
        "stage": app.stage,
        "state": app.state,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "check": service.check_application(session, app).as_dict(),
        "evidence": [
            {"id": e.id, "kind": e.kind, "ref": e.ref, "note": e.note}
            for e in service.evidence_of(session, app.id)
        ],
        "log": [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "comment": e.comment,
                "what": e.what,
            }
            for e in service.history(session, app.id)
        ],
        "certificate": cert.code if cert is not None else None,
    }


@router.get("/stages", summary="The certification stages and their requirements")
def stages() -> list[dict[str, Any]]:
    return [
        {
            "number": s.number,
            "key": s.key,
            "name": s.name,
            "requirements": [
                {
                    "key": r.key,
                    "label": r.label,
                    "check": r.check,
                    "evidence": r.evidence,
                    "min": r.min,
                    **r.options,
                }
                for r in s.requirements
            ],
        }
        for s in load_stages()
    ]


@router.get("/cities/{city}", summary="A city's stage ladder (public; never a ranking)")
def city_ladder(city: str, session: DbSession) -> dict[str, Any]:
    c = get_city_or_404(session, city)
    return {
        "city": c.slug,
        "stages": [
            {
                "number": s.number,
                "name": s.name,
                "status": s.status,
                "certificate": s.certificate.code if s.certificate else None,
                "issued_at": s.certificate.issued_at if s.certificate else None,
            }
            for s in service.ladder(session, c.id)
        ],
    }


@router.get("/cities/{city}/check", summary="The completeness check of a city's stage")
def city_check(
    city: str,
    session: DbSession,
    user: LoggedIn,
    stage: Annotated[int, Query(ge=1, le=9)] = 1,
) -> dict[str, Any]:
    c = get_city_or_404(session, city)
    if not (
        permissions.can_see_drafts(user, c.id, session) or service.can_certify(user, c.id, session)
    ):
        raise NotFoundError(f"no certification check of {city!r} for this account")
    return service.check_city(session, c.id, stage).as_dict()


@router.post(
    "/applications",
    status_code=201,
    summary="Open a stage application",
    dependencies=[CsrfChecked],
)
def apply(body: ApplyIn, session: DbSession, user: LoggedIn) -> dict[str, Any]:
    app = service.open_application(session, body.city, body.stage, actor=user)
    return _app_out(session, app.id, user)


@router.get("/applications/{application_id}", summary="One application, check and audit trail")
def get_application(application_id: AppId, session: DbSession, user: LoggedIn) -> dict[str, Any]:
    return _app_out(session, application_id, user)


@router.post(
    "/applications/{application_id}/evidence",
    status_code=201,
    summary="Attach evidence",
    dependencies=[CsrfChecked],
)
def add_evidence(
    application_id: AppId, body: EvidenceIn, session: DbSession, user: LoggedIn
) -> dict[str, Any]:
    service.add_evidence(session, application_id, body.kind, body.ref, actor=user, note=body.note)
    return _app_out(session, application_id, user)


@router.post(
    "/applications/{application_id}/submit",
    summary="Submit for review",
    dependencies=[CsrfChecked],
)
def submit(application_id: AppId, session: DbSession, user: LoggedIn) -> dict[str, Any]:
    service.submit(session, application_id, actor=user)
    return _app_out(session, application_id, user)


@router.post(
    "/applications/{application_id}/review",
    summary="Approve, decline or request changes",
    dependencies=[CsrfChecked],
)
def review(
    application_id: AppId, body: ReviewIn, session: DbSession, user: LoggedIn
) -> dict[str, Any]:
    service.review(session, application_id, body.action, actor=user, comment=body.comment)
    return _app_out(session, application_id, user)


@router.get("/verify/{code}", summary="Verify a certificate code (public)")
def verify(code: Code, session: DbSession) -> dict[str, Any]:
    return asdict(service.verify(session, code))
