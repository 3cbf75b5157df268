"""``/capacity``: partners and agreements, calls and their answers, review markers.

Partners and open calls are public (a trainer's e-mail, draft agreements and
reviewers only for hub staff and admins); an institution answers a call without an
account; reviews, verification, selection and markers are for hub staff and admins.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from sdgcities.capacity import calls as cl
from sdgcities.capacity import champions as ch
from sdgcities.capacity import markers as mk
from sdgcities.capacity import partners as pt
from sdgcities.errors import NotFoundError, PermissionDeniedError
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession, Limit, Offset, OptionalUser, page
from sdgcities.web.api._schemas import Page, UtcDatetime
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/capacity", tags=["capacity building"])
LoggedIn = Annotated[User, Depends(require_user)]
Id = Annotated[int, Path(ge=1, le=2**62)]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
Text = Annotated[str, Field(max_length=300)]


def _staff(user: User | None) -> bool:
    return user is not None and user.role in pt.VERIFIER_ROLES


def _require_staff(user: User) -> None:
    if not _staff(user):
        raise PermissionDeniedError("hub staff and admins only")


# ------------------------------------------------------------------------------ partners
@router.get("/partners", response_model=Page[dict[str, Any]], summary="Partners and trainers")
def list_partners(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    limit: Limit = 100,
    offset: Offset = 0,
    kind: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    theme: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
) -> Page[dict[str, Any]]:
    rows = pt.list_providers(session, kind=kind, theme=theme)
    staff = _staff(user)
    items = [pt.provider_as_dict(session, p, staff=staff) for p in rows[offset : offset + limit]]
    return page(request, items, total=len(rows), limit=limit, offset=offset)


def _partner(session: Any, user: User | None, provider_id: int) -> dict[str, Any]:
    staff = _staff(user)
    data = pt.provider_as_dict(
        session, pt.get_provider(session, provider_id), staff=staff, detail=True
    )
    if not staff:
        data["agreements"] = [a for a in data["agreements"] if a["status"] != "draft"]
    return data


@router.get("/partners/{provider_id}", summary="A partner with agreements and history")
def get_partner(provider_id: Id, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    return _partner(session, user, provider_id)


class PartnerIn(BaseModel):
    kind: str = Field(max_length=32)
    name: str = Field(min_length=1, max_length=300)
    themes: list[str] = Field(min_length=1, max_length=30)
    languages: list[str] = Field(["en"], max_length=20)
    regions: list[str] = Field([], max_length=50)
    email: str = Field("", max_length=320)
    accreditation: str = Field("", max_length=2000)
    level: int = Field(2, ge=1, le=3)


@router.post("/partners", status_code=201, summary="Add a partner", dependencies=[CsrfChecked])
def add_partner(body: PartnerIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    from sdgcities.capacity.needs import add_provider

    _require_staff(user)
    p = add_provider(session, **body.model_dump())
    session.commit()
    return pt.provider_as_dict(session, p, staff=True, detail=True)


@router.post(
    "/partners/{provider_id}/verify",
    summary="Record a verification (me, now)",
    dependencies=[CsrfChecked],
)
def verify_partner(provider_id: Id, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    pt.verify(session, pt.get_provider(session, provider_id), reviewer=user.email, role=user.role)
    session.commit()
    return _partner(session, user, provider_id)


class AgreementIn(BaseModel):
    kind: Literal["framework_agreement", "mou", "contract"]
    title: str = Field(min_length=1, max_length=300)
    starts_on: date | None = None
    ends_on: date | None = None
    signed_on: date | None = None
    scope: str = Field("", max_length=5000)
    themes: list[str] = Field([], max_length=30)
    reference: str = Field("", max_length=64)


@router.post(
    "/partners/{provider_id}/agreements",
    status_code=201,
    summary="Add an agreement",
    dependencies=[CsrfChecked],
)
def add_agreement(
    provider_id: Id, body: AgreementIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    _require_staff(user)
    pt.add_agreement(
        session, pt.get_provider(session, provider_id), by=user.email, **body.model_dump()
    )
    session.commit()
    return _partner(session, user, provider_id)


# --------------------------------------------------------------------------------- calls
class CallOut(BaseModel):
    slug: str
    kind: str
    title: str
    description: str
    themes: list[str]
    criteria: list[str]
    opens_at: UtcDatetime
    closes_at: UtcDatetime
    timezone: str
    open: bool


def _call_out(call: Any) -> CallOut:
    return CallOut(
        slug=call.slug,
        kind=call.kind,
        title=call.title,
        description=call.description,
        themes=list(call.themes or []),
        criteria=list(call.criteria or []),
        opens_at=cl.utc(call.opens_at),
        closes_at=cl.utc(call.closes_at),
        timezone=call.timezone,
        open=cl.is_open(call),
    )


@router.get("/calls", response_model=list[CallOut], summary="Calls (EOI and Champions)")
def list_calls(session: DbSession) -> list[CallOut]:
    return [_call_out(c) for c in cl.list_calls(session)]


@router.get("/calls/{slug}", response_model=CallOut, summary="A call")
def get_call(slug: Slug, session: DbSession) -> CallOut:
    return _call_out(cl.get_call(session, slug))


class EoiIn(BaseModel):
    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    email: str = Field(max_length=320)
    themes: list[str] = Field(max_length=30)
    contact_name: str = Field("", max_length=200)
    languages: list[str] = Field(["en"], max_length=20)
    regions: list[str] = Field([], max_length=50)
    experience: str = Field("", max_length=20000)
    country_iso3: str | None = Field(None, max_length=3)


class EoiOut(BaseModel):
    id: int
    call: str
    name: str
    kind: str
    themes: list[str]
    status: str
    submitted_at: UtcDatetime
    email: str | None = Field(None, description="hub staff and admins only")
    score: float | None = None
    review_comment: str | None = None
    provider_id: int | None = None
    agreement_id: int | None = None


def _eoi_out(app: Any, slug: str, staff: bool) -> EoiOut:
    return EoiOut(
        id=app.id,
        call=slug,
        name=app.name,
        kind=app.kind,
        themes=list(app.themes),
        status=app.status,
        submitted_at=cl.utc(app.submitted_at),
        email=app.email if staff else None,
        score=app.score if staff else None,
        review_comment=app.review_comment if staff else None,
        provider_id=app.provider_id,
        agreement_id=app.agreement_id if staff else None,
    )


@router.post(
    "/calls/{slug}/applications",
    response_model=EoiOut,
    status_code=201,
    summary="Answer a call (no account needed); 409 once it closed, nothing saved",
    dependencies=[CsrfChecked],
)
def answer_call(slug: Slug, body: EoiIn, session: DbSession, user: OptionalUser) -> EoiOut:
    call = cl.get_call(session, slug, "eoi")
    app = cl.submit_eoi(session, call, **body.model_dump())
    session.commit()
    return _eoi_out(app, slug, _staff(user))


@router.get(
    "/calls/{slug}/applications",
    response_model=list[EoiOut],
    summary="The answers to a call (hub staff)",
)
def call_applications(slug: Slug, user: LoggedIn, session: DbSession) -> list[EoiOut]:
    _require_staff(user)
    call = cl.get_call(session, slug, "eoi")
    return [_eoi_out(a, slug, True) for a in cl.applications(session, call)]


class ReviewIn(BaseModel):
    decision: Literal["accepted", "rejected"]
    score: float | None = Field(None, ge=0, le=100)
    comment: str = Field("", max_length=5000)


@router.post(
    "/calls/{slug}/applications/{application_id}/review",
    response_model=EoiOut,
    summary="Accept (a partner and a draft agreement follow) or reject",
    dependencies=[CsrfChecked],
)
def review(
    slug: Slug, application_id: Id, body: ReviewIn, user: LoggedIn, session: DbSession
) -> EoiOut:
    call = cl.get_call(session, slug, "eoi")
    app = cl.get_application(session, application_id)
    if app.call_id != call.id:
        raise NotFoundError(f"no answer {application_id} to the call {slug!r}")
    cl.review_application(
        session,
        app,
        decision=body.decision,
        by=user.email,
        role=user.role,
        score=body.score,
        comment=body.comment,
    )
    session.commit()
    return _eoi_out(app, slug, True)


# ----------------------------------------------------------------------------- champions
class ChampionIn(BaseModel):
    city_id: int = Field(ge=1, le=2**62)
    commitment: str = Field(max_length=20000)
    need_summary: str = Field("", max_length=20000)
    need_ids: list[int] = Field([], max_length=50)


@router.post(
    "/champions/{slug}/applications",
    status_code=201,
    summary="A city's application to the Champions (its editors); 409 once closed",
    dependencies=[CsrfChecked],
)
def champion_apply(
    slug: Slug, body: ChampionIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    from sdgcities.accounts.permissions import can_edit_city

    if not can_edit_city(user, body.city_id, session):
        raise PermissionDeniedError("you may apply only for the cities you edit")
    call = cl.get_call(session, slug, "champions")
    app = ch.apply(session, call, contact_email=user.email, by=user.email, **body.model_dump())
    session.commit()
    return {
        "id": app.id,
        "city_id": app.city_id,
        "status": app.status,
        "income_group": app.income_group,
        "region": app.region,
    }


@router.get("/champions/{slug}/balance", summary="The selection's balance (hub staff)")
def champion_balance(slug: Slug, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    _require_staff(user)
    return ch.balance(session, cl.get_call(session, slug, "champions"))


# ------------------------------------------------------------------------------- markers
@router.get("/markers", summary="Markers by unit and year (hub staff)")
def markers(user: LoggedIn, session: DbSession) -> list[dict[str, Any]]:
    _require_staff(user)
    frame = mk.portfolio(session)
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


class MarkerIn(BaseModel):
    reference: str = Field(min_length=1, max_length=64)
    title: Text
    unit: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    marker: int = Field(ge=0, le=2)
    criteria: dict[str, bool] = Field(default_factory=dict)
    justification: str = Field("", max_length=5000)


@router.post(
    "/markers", status_code=201, summary="Record a project's marker", dependencies=[CsrfChecked]
)
def record_marker(body: MarkerIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    _require_staff(user)
    p = mk.record_marker(
        session,
        reference=body.reference,
        title=body.title,
        unit=body.unit,
        year=body.year,
        marker=body.marker,
        answers=body.criteria,
        justification=body.justification,
        by=user.email,
    )
    session.commit()
    return {"reference": p.reference, "marker": p.marker, "criteria": p.criteria}
