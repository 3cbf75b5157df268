"""``/investment``: the city investment facility's projects, investors, windows, matches.

Visibility (:mod:`sdgcities.investment.access`): everyone sees the projects whose city
consented to a public page and the windows; a city's editors and advisors see all its
projects; logged-in users see investor profiles; matches and introductions are for the
projects' editors and advisors, and an investor's own profile.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from sdgcities.errors import PermissionDeniedError
from sdgcities.investment import access, advisory
from sdgcities.investment import investors as inv
from sdgcities.investment import service as svc
from sdgcities.investment.intake import STAGES
from sdgcities.investment.matching import WEIGHTS
from sdgcities.investment.models import InvestmentProject
from sdgcities.store.models import User
from sdgcities.web.api._common import (
    TEXT_PATTERN,
    DbSession,
    Limit,
    Offset,
    OptionalUser,
    get_city_or_404,
    text_query,
)
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/investment", tags=["investment"])
LoggedIn = Annotated[User, Depends(require_user)]
ProjectId = Annotated[int, Path(ge=1, le=2_147_483_647, description="project id")]
Stage = Literal[
    "ideation",
    "pre-feasibility",
    "feasibility",
    "structuring",
    "financial close",
    "implementation",
]
Kind = Literal["investor", "window"]
Short = Annotated[str, Field(max_length=300, pattern=TEXT_PATTERN)]
Long = Annotated[str, Field(max_length=20000, pattern=TEXT_PATTERN)]


def _project(session: Any, user: User | None, project_id: int) -> InvestmentProject:
    return svc.get_project(session, project_id, user)


def _staff(session: Any, user: User | None, project: InvestmentProject) -> bool:
    ids = access.staff_city_ids(user, session)
    return ids is None or project.city_id in ids


@router.get("/projects", summary="Pipeline projects you may see (public: consented ones)")
def list_projects(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    limit: Limit = 100,
    offset: Offset = 0,
    city: str | None = text_query("city slug, id or name"),
    stage: Stage | None = None,
    goal: Annotated[str | None, Query(pattern=r"^\d{1,2}$")] = None,
    region: str | None = text_query("SDG region"),
) -> dict[str, Any]:
    city_id = get_city_or_404(session, city).id if city else None
    rows, total = svc.list_projects(
        session,
        user,
        city_id=city_id,
        stage=stage,
        goal=goal,
        region=region,
        limit=limit,
        offset=offset,
    )
    items = [svc.project_dict(session, p, staff=_staff(session, user, p)) for p, _c, _k in rows]
    nxt = None
    if offset + len(items) < total and items:
        nxt = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next": nxt}


@router.get("/projects/{project_id}", summary="One project with readiness, impact, history")
def get_project(project_id: ProjectId, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    p = _project(session, user, project_id)
    return svc.project_dict(session, p, full=True, staff=_staff(session, user, p))


@router.get("/pipeline", summary="Counts and value by stage, SDG goal and region")
def pipeline(
    session: DbSession,
    user: OptionalUser,
    stage: Stage | None = None,
    goal: Annotated[str | None, Query(pattern=r"^\d{1,2}$")] = None,
    region: str | None = text_query("SDG region"),
) -> dict[str, Any]:
    return svc.pipeline_summary(session, user, stage=stage, goal=goal, region=region)


class ProjectIn(BaseModel):
    city: Short
    title: Annotated[str, Field(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
    description: Long = ""
    sector: Annotated[str, Field(max_length=5, pattern=r"^\d{0,5}$")]
    sdg_targets: list[Annotated[str, Field(max_length=8, pattern=r"^[0-9a-z.]*$")]] = Field(
        max_length=169
    )
    budget: float = Field(gt=0, lt=1e15)
    currency: Annotated[str, Field(max_length=3, pattern=r"^[A-Za-z]{3}$")]
    start: date
    end: date
    stage: Stage = "ideation"
    implementing_org: Short


def _fields(body: ProjectIn) -> dict[str, str]:
    d = body.model_dump()
    d["sdg_targets"] = ";".join(body.sdg_targets)
    d["budget"] = repr(body.budget)
    d["start"], d["end"] = body.start.isoformat(), body.end.isoformat()
    return {k: str(v) for k, v in d.items()}


@router.post(
    "/projects",
    status_code=201,
    summary="Add a project (a city's editors)",
    dependencies=[CsrfChecked],
)
def create_project(body: ProjectIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    p = svc.create_project(session, _fields(body), user)
    return svc.project_dict(session, p, full=True)


class ProjectPatch(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=500, pattern=TEXT_PATTERN)] | None = None
    description: Long | None = None
    sector: Annotated[str, Field(max_length=5, pattern=r"^\d{0,5}$")] | None = None
    sdg_targets: list[Annotated[str, Field(max_length=8, pattern=r"^[0-9a-z.]*$")]] | None = Field(
        None, max_length=169
    )
    budget: float | None = Field(None, gt=0, lt=1e15)
    currency: Annotated[str, Field(max_length=3, pattern=r"^[A-Za-z]{3}$")] | None = None
    start: date | None = None
    end: date | None = None
    implementing_org: Short | None = None


@router.patch(
    "/projects/{project_id}", summary="Change a project's core fields", dependencies=[CsrfChecked]
)
def patch_project(
    project_id: ProjectId, body: ProjectPatch, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    p = _project(session, user, project_id)
    fields: dict[str, str] = {}
    for k, v in body.model_dump(exclude_none=True).items():
        if k == "sdg_targets":
            fields[k] = ";".join(v)
        elif isinstance(v, date):
            fields[k] = v.isoformat()
        else:
            fields[k] = repr(v) if isinstance(v, float) else str(v)
    svc.update_project(session, p, fields, user)
    return svc.project_dict(session, p, full=True)


class StageIn(BaseModel):
    stage: Stage
    on: date
    reason: Long = ""


@router.post(
    "/projects/{project_id}/stage",
    summary="Move the stage and date its gate",
    dependencies=[CsrfChecked],
)
def move_stage(
    project_id: ProjectId, body: StageIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    p = _project(session, user, project_id)
    svc.move_stage(session, p, body.stage, body.on, user, reason=body.reason)
    return svc.project_dict(session, p, full=True)


class TrancheIn(BaseModel):
    instrument: Literal["grant", "concessional loan", "commercial loan", "equity", "guarantee"]
    amount: float = Field(gt=0, lt=1e15)
    currency: Annotated[str, Field(max_length=3, pattern=r"^[A-Z]{3}$")]
    fx_rate: float | None = Field(None, gt=0, lt=1e9)
    fx_date: date | None = None
    fx_source: Short = ""


@router.put(
    "/projects/{project_id}/tranches",
    summary="Replace the financing structure",
    dependencies=[CsrfChecked],
)
def put_tranches(
    project_id: ProjectId,
    body: Annotated[list[TrancheIn], Field(max_length=50)],
    user: LoggedIn,
    session: DbSession,
) -> dict[str, Any]:
    p = _project(session, user, project_id)
    svc.set_tranches(session, p, [svc.TrancheInput(**t.model_dump()) for t in body], user)
    return svc.project_dict(session, p, full=True)


class ConsentIn(BaseModel):
    consent: bool


@router.post(
    "/projects/{project_id}/consent",
    summary="Give or withdraw the public consent",
    dependencies=[CsrfChecked],
)
def consent(
    project_id: ProjectId, body: ConsentIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    p = _project(session, user, project_id)
    svc.set_consent(session, p, body.consent, user)
    return svc.project_dict(session, p)


class ReadinessIn(BaseModel):
    item: Annotated[str, Field(max_length=64, pattern=r"^[a-z_]+$")]
    status: Literal["missing", "in progress", "done", "not applicable"]
    reason: Long = ""
    evidence_text: Long = ""
    evidence_url: Annotated[str, Field(max_length=2000, pattern=TEXT_PATTERN)] = ""


@router.post(
    "/projects/{project_id}/readiness",
    summary="Record a checklist item",
    dependencies=[CsrfChecked],
)
def readiness(
    project_id: ProjectId, body: ReadinessIn, user: LoggedIn, session: DbSession
) -> dict[str, Any]:
    p = _project(session, user, project_id)
    svc.set_readiness(
        session,
        p,
        body.item,
        body.status,
        user,
        reason=body.reason,
        evidence_text=body.evidence_text,
        evidence_url=body.evidence_url,
    )
    return svc.readiness_of(session, p)


class ImpactIn(BaseModel):
    indicator_code: Annotated[str, Field(max_length=32, pattern=r"^[0-9A-Za-z._-]+$")]
    expected_change: Long = ""
    target_year: int | None = Field(None, ge=2000, le=2100)


@router.post(
    "/projects/{project_id}/impacts",
    summary="Link an indicator (and plan target)",
    dependencies=[CsrfChecked],
)
def impacts(
    project_id: ProjectId, body: ImpactIn, user: LoggedIn, session: DbSession
) -> list[dict[str, Any]]:
    p = _project(session, user, project_id)
    svc.add_impact(
        session,
        p,
        body.indicator_code,
        user,
        expected_change=body.expected_change,
        target_year=body.target_year,
    )
    return svc.impacts_of(session, p)


@router.get("/investors", summary="Investor profiles (logged in)")
def investors(session: DbSession, user: LoggedIn) -> dict[str, Any]:
    return {"items": [inv.investor_dict(x) for x in inv.list_investors(session)]}


@router.get("/windows", summary="Investment windows")
def windows(session: DbSession, user: OptionalUser) -> dict[str, Any]:
    return {"items": [inv.window_dict(x) for x in inv.list_windows(session)]}


def _fx(values: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values:
        cur, _, rate = v.partition("=")
        try:
            out[cur.upper()] = float(rate)
        except ValueError:
            from sdgcities.errors import Finding, ValidationError

            raise ValidationError(
                "bad fx", [Finding("write CUR=RATE", None, None, "fx", v, "e.g. KES=0.0077")]
            ) from None
    return out


@router.get("/matches", summary="Matches of the projects in your scope, every factor shown")
def matches(
    session: DbSession,
    user: LoggedIn,
    city: str | None = text_query("city slug, id or name"),
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    fx: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
) -> dict[str, Any]:
    city_id = get_city_or_404(session, city).id if city else None
    frame = advisory.run_match(session, user, city_id=city_id, fx=_fx(fx), top=top)
    return {"weights": WEIGHTS, "items": frame.to_dict("records")}


@router.get("/matches/why-not", summary="Why a project and a counterpart do not match")
def why_not(
    session: DbSession,
    user: LoggedIn,
    project: Annotated[int, Query(ge=1, le=2_147_483_647)],
    kind: Kind,
    id: Annotated[int, Query(ge=1, le=2_147_483_647)],
    fx: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
) -> dict[str, Any]:
    p = _project(session, user, project)
    if not (_staff(session, user, p) or access.is_investor(user)):
        raise PermissionDeniedError("only the project's editors and advisors may ask")
    reasons = advisory.explain(session, user, project, kind, id, fx=_fx(fx))
    return {"eligible": not reasons, "reasons": reasons}


class ReviewIn(BaseModel):
    project_id: int = Field(ge=1, le=2_147_483_647)
    kind: Kind
    counterpart_id: int = Field(ge=1, le=2_147_483_647)
    decision: Literal["shortlist", "reject"]
    note: Long = ""


@router.post(
    "/matches/reviews",
    status_code=201,
    summary="Shortlist or reject a match",
    dependencies=[CsrfChecked],
)
def review(body: ReviewIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    r = advisory.review_match(
        session,
        user,
        body.project_id,
        body.kind,
        body.counterpart_id,
        body.decision,
        note=body.note,
    )
    return {"id": r.id, "decision": r.decision, "note": r.note}


@router.get("/introductions", summary="Introductions you may see, with their history")
def introductions(session: DbSession, user: LoggedIn) -> dict[str, Any]:
    return {"items": advisory.list_introductions(session, user)}


class IntroIn(BaseModel):
    project_id: int = Field(ge=1, le=2_147_483_647)
    kind: Kind
    counterpart_id: int = Field(ge=1, le=2_147_483_647)
    on: date | None = None
    note: Long = ""


@router.post(
    "/introductions", status_code=201, summary="Record an introduction", dependencies=[CsrfChecked]
)
def introduce(body: IntroIn, user: LoggedIn, session: DbSession) -> dict[str, Any]:
    i = advisory.introduce(
        session, user, body.project_id, body.kind, body.counterpart_id, on=body.on, note=body.note
    )
    return {"id": i.id, "outcome": i.outcome, "introduced_on": i.introduced_on.isoformat()}


class OutcomeIn(BaseModel):
    outcome: Literal["pending", "meeting", "term sheet", "declined", "financed"]
    on: date | None = None
    note: Long = ""


@router.post(
    "/introductions/{intro_id}/outcome",
    summary="Record an introduction's outcome",
    dependencies=[CsrfChecked],
)
def outcome(
    intro_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    body: OutcomeIn,
    user: LoggedIn,
    session: DbSession,
) -> dict[str, Any]:
    i = advisory.record_outcome(session, user, intro_id, body.outcome, on=body.on, note=body.note)
    return {"id": i.id, "outcome": i.outcome}


__all__ = ["STAGES", "router"]
