"""``/cities/{city}/plan`` and ``/cities/{city}/assessments``: plans, progress, assessments.

The approved plan is public; other versions only for readers with the city's draft
rights (its editors, the hub serving it, the global hub, admins). Assessments are seen
by the same readers. Writes follow the same roles as the pages (the CLI's ``--as``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sdgcities.accounts.permissions import can_see_drafts
from sdgcities.errors import NotFoundError
from sdgcities.institutions import service as isvc
from sdgcities.institutions.questionnaire import AnswerIn, builtins
from sdgcities.planning import service as ps
from sdgcities.planning.progress import plan_progress
from sdgcities.store.models import City, User
from sdgcities.web.api._common import TEXT_PATTERN, DbSession, OptionalUser, get_city_or_404
from sdgcities.web.api.cities import CityKey
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/cities", tags=["planning"])
LoggedIn = Annotated[User, Depends(require_user)]
VersionQ = Annotated[int | None, Query(ge=1, le=100_000, description="a version number")]
MethodQ = Annotated[
    Literal["cagr-ratio", "sdr-trend"],
    Query(alias="progress-method", description="the scoring engine's progress method"),
]
QuestionnaireId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]


def _version(
    session: DbSession, city: City, user: User | None, number: int | None
) -> tuple[Any, bool]:
    staff = can_see_drafts(user, city.id, session)
    versions = ps.visible_versions(session, city, drafts=staff)
    if number is not None:
        versions = [v for v in versions if v.number == number]
    if not versions:
        what = f"version {number} of a plan" if number else "strategic plan"
        raise NotFoundError(
            f"{city.name} has no {'' if staff else 'approved '}{what}"
            + ("" if staff else " (drafts are seen by the city's team and its hubs)")
        )
    return versions[-1], staff


@router.get("/{city}/plan", summary="A city's 2030 strategic plan (the approved version)")
def get_plan(
    city: CityKey, session: DbSession, user: OptionalUser, version: VersionQ = None
) -> dict[str, Any]:
    """The approved version for the public; the newest visible version for the city's team."""
    found = get_city_or_404(session, city)
    v, staff = _version(session, found, user, version)
    versions = ps.visible_versions(session, found, drafts=staff)
    return {
        "city": found.slug,
        **ps.version_as_dict(v, staff=staff),
        "versions": [{"version": x.number, "status": x.status} for x in versions],
    }


@router.get("/{city}/plan/progress", summary="Progress against the plan's targets")
def get_progress(
    city: CityKey,
    session: DbSession,
    user: OptionalUser,
    version: VersionQ = None,
    method: MethodQ = "cagr-ratio",
) -> dict[str, Any]:
    """Per target: baseline → latest published value → target, and the progress category."""
    found = get_city_or_404(session, city)
    v, _ = _version(session, found, user, version)
    return {
        "city": found.slug,
        "version": v.number,
        "status": v.status,
        "progress_method": method,
        "items": plan_progress(session, found, v, method=method),
    }


class TargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str = Field(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(max_length=64, pattern=TEXT_PATTERN)
    baseline_value: float = Field(allow_inf_nan=False)
    baseline_year: int = Field(ge=1900, le=2100)
    target_year: int = Field(2030, ge=1900, le=2100)
    justification: str = Field("", max_length=5000, pattern=TEXT_PATTERN)
    source: str = Field("", max_length=2000, pattern=TEXT_PATTERN)


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=5000, pattern=TEXT_PATTERN)


@router.post(
    "/{city}/plan/targets",
    status_code=201,
    summary="Add or replace a target (city editors)",
    dependencies=[CsrfChecked],
)
def post_target(
    city: CityKey, body: TargetBody, session: DbSession, user: LoggedIn
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    ps.add_target(session, found, user, ps.TargetIn(**body.model_dump()))
    v = ps.editable_version(session, found, user)
    return {"city": found.slug, **ps.version_as_dict(v, staff=True)}


@router.post(
    "/{city}/plan/{action}",
    summary="Submit, approve or return the plan",
    dependencies=[CsrfChecked],
)
def post_action(
    city: CityKey,
    action: Annotated[Literal["submit", "approve", "return"], Path()],
    body: CommentBody,
    session: DbSession,
    user: LoggedIn,
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    v = ps.transition(session, found, action, user, comment=body.comment)
    return {"city": found.slug, "version": v.number, "status": v.status}


@router.get("/{city}/smart-city-strategies", summary="A city's smart-city strategies")
def smart_city_strategies(city: CityKey, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    """Each strategy and the national urban policy it aligns with (drafts: the city's team)."""
    found = get_city_or_404(session, city)
    staff = can_see_drafts(user, found.id, session)
    return {
        "city": found.slug,
        "items": [
            {
                "title": x.title,
                "year": x.year,
                "status": x.status,
                "url": x.url,
                "national_urban_policy": {
                    "name": x.policy_name,
                    "year": x.policy_year,
                    "country": x.policy_country,
                },
            }
            for x in ps.list_smart_strategies(session, found)
            if staff or x.status != "draft"
        ],
    }


@router.get(
    "/{city}/assessments", summary="A city's assessments: questionnaires and overall scores"
)
def list_assessments(city: CityKey, session: DbSession, user: LoggedIn) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    if not can_see_drafts(user, found.id, session):
        raise NotFoundError(f"no assessments of {found.name} that you may see")
    items = []
    for q in builtins():
        cp = isvc.city_profile(session, found, q.id)
        items.append(
            {
                "questionnaire": q.id,
                "version": q.version,
                "title": q.title,
                "overall": cp.profile.overall,
                "answered": len(cp.answers),
                "questions": len(q.questions),
            }
        )
    return {"city": found.slug, "items": items}


@router.get("/{city}/assessments/{questionnaire}", summary="A city's profile on one questionnaire")
def get_assessment(
    city: CityKey, questionnaire: QuestionnaireId, session: DbSession, user: LoggedIn
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    if not can_see_drafts(user, found.id, session):
        raise NotFoundError(f"no assessments of {found.name} that you may see")
    return isvc.city_profile(session, found, questionnaire).as_dict(staff=True)


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(max_length=64, pattern=TEXT_PATTERN)
    value: int = Field(ge=-1000, le=1000)
    evidence: str = Field("", max_length=5000, pattern=TEXT_PATTERN)
    evidence_url: str = Field("", max_length=2000, pattern=TEXT_PATTERN)
    document: str = Field("", max_length=2000, pattern=TEXT_PATTERN)


class AnswersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[AnswerBody] = Field(min_length=1, max_length=500)
    open_needs: bool = False


@router.post(
    "/{city}/assessments/{questionnaire}/answers",
    status_code=201,
    summary="Record answers (city editors), all or nothing",
    dependencies=[CsrfChecked],
)
def post_answers(
    city: CityKey,
    questionnaire: QuestionnaireId,
    body: AnswersBody,
    session: DbSession,
    user: LoggedIn,
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    answers = [
        AnswerIn(a.question, a.value, a.evidence, a.evidence_url, a.document) for a in body.answers
    ]
    isvc.answer(session, found, questionnaire, answers, user)
    opened = (
        isvc.open_needs_from_gaps(session, found, questionnaire, user) if body.open_needs else []
    )
    out = isvc.city_profile(session, found, questionnaire).as_dict(staff=True)
    out["needs_opened"] = [n.id for n in opened]
    return out
