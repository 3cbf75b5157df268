"""``/review``: submissions of draft values, their review, the audit log.

The same service functions as the pages and ``sdgcities review``: a city's editors
submit its drafts; the reviewers of the hub serving the city (or the global hub, or an
admin) publish or return them with a comment. Every action is in the audit log.
Submissions are visible only to those who may see the city's drafts (404 otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sdgcities.review import service
from sdgcities.review.models import ReviewLogEntry, Submission
from sdgcities.store.models import City, User
from sdgcities.web.api._common import DbSession, Limit, Offset, get_city_or_404, page, text_query
from sdgcities.web.api._schemas import Page
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/review", tags=["review"])

LoggedIn = Annotated[User, Depends(require_user)]
SubmissionId = Annotated[int, Path(ge=1, le=2**62)]
StateName = Literal["draft", "submitted", "returned", "published"]


class LogEntryOut(BaseModel):
    """One review action: who, when, from → to, the comment and the values concerned."""

    id: int
    submission_id: int
    city_id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    comment: str
    what: dict[str, Any]


class SubmissionOut(BaseModel):
    id: int
    city_id: int
    city_slug: str
    kind: str
    state: str
    title: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    values: int


class ItemOut(BaseModel):
    observation_id: int
    indicator: str
    year: int
    disaggregation: str
    value: float
    unit: str | None
    is_current: bool
    reason: str
    published_value: float | None
    published_id: int | None


class SubmissionDetail(SubmissionOut):
    items: list[ItemOut]
    log: list[LogEntryOut]


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str = Field(min_length=1, max_length=200, description="city slug, id or exact name")
    comment: str = Field(default="", max_length=2000, description="a note for the reviewers")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000, description="kept in the audit log")


def _entry(e: ReviewLogEntry) -> LogEntryOut:
    return LogEntryOut(
        id=e.id,
        submission_id=e.submission_id,
        city_id=e.city_id,
        at=e.at,
        actor=e.actor,
        action=e.action,
        from_state=e.from_state,
        to_state=e.to_state,
        comment=e.comment,
        what=dict(e.what or {}),
    )


def _out(session: DbSession, sub: Submission) -> SubmissionOut:
    city = session.get(City, sub.city_id)
    return SubmissionOut(
        id=sub.id,
        city_id=sub.city_id,
        city_slug=city.slug if city else "",
        kind=sub.kind,
        state=sub.state,
        title=sub.title,
        created_by=sub.created_by,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
        values=len(service.item_ids(session, sub.id)),
    )


def _detail(session: DbSession, submission_id: int, user: User) -> SubmissionDetail:
    view = service.show(session, submission_id, user=user)
    return SubmissionDetail(
        **_out(session, view.submission).model_dump(),
        items=[
            ItemOut(
                observation_id=i.observation_id,
                indicator=i.indicator,
                year=i.year,
                disaggregation=i.disaggregation,
                value=i.value,
                unit=i.unit,
                is_current=i.is_current,
                reason=i.reason,
                published_value=i.published_value,
                published_id=i.published_id,
            )
            for i in view.items
        ],
        log=[_entry(e) for e in view.log],
    )


@router.get("/submissions", response_model=Page[SubmissionOut], summary="Submissions")
def list_submissions(
    request: Request,
    session: DbSession,
    user: LoggedIn,
    limit: Limit = 100,
    offset: Offset = 0,
    state: StateName | None = None,
    city: str | None = text_query("city slug, id or exact name"),
    queue: Annotated[bool, Query(description="only what the account may review")] = False,
) -> Page[SubmissionOut]:
    """The submissions the account may see (or, with ``queue``, review), newest first."""
    city_id = get_city_or_404(session, city).id if city else None
    subs = service.list_submissions(
        session, user=user, state=state, city_id=city_id, reviewable=queue, limit=10_000
    )
    items = [_out(session, s) for s in subs[offset : offset + limit]]
    return page(request, items, total=len(subs), limit=limit, offset=offset)


@router.get(
    "/submissions/{submission_id}", response_model=SubmissionDetail, summary="One submission"
)
def get_submission(
    submission_id: SubmissionId, session: DbSession, user: LoggedIn
) -> SubmissionDetail:
    """A submission with its values (draft beside published) and its log."""
    return _detail(session, submission_id, user)


@router.post(
    "/submissions",
    response_model=SubmissionDetail,
    status_code=201,
    summary="Submit a city's drafts for review",
    dependencies=[CsrfChecked],
)
def submit(body: SubmitIn, session: DbSession, user: LoggedIn) -> SubmissionDetail:
    sub = service.submit(session, body.city, actor=user, comment=body.comment)
    return _detail(session, sub.id, user)


@router.post(
    "/submissions/{submission_id}/publish",
    response_model=SubmissionDetail,
    summary="Publish a submission (reviewers)",
    dependencies=[CsrfChecked],
)
def publish(
    submission_id: SubmissionId, body: CommentIn, session: DbSession, user: LoggedIn
) -> SubmissionDetail:
    service.publish(session, submission_id, actor=user, comment=body.comment)
    return _detail(session, submission_id, user)


@router.post(
    "/submissions/{submission_id}/return",
    response_model=SubmissionDetail,
    summary="Return a submission with a comment (reviewers)",
    dependencies=[CsrfChecked],
)
def return_submission(
    submission_id: SubmissionId, body: CommentIn, session: DbSession, user: LoggedIn
) -> SubmissionDetail:
    service.return_submission(session, submission_id, actor=user, comment=body.comment)
    return _detail(session, submission_id, user)


@router.get("/audit", response_model=Page[LogEntryOut], summary="The audit log")
def audit(
    request: Request,
    session: DbSession,
    user: LoggedIn,
    limit: Limit = 100,
    offset: Offset = 0,
    city: str | None = text_query("city slug, id or exact name"),
    action: Literal["open", "submit", "publish", "return", "publish_direct"] | None = None,
) -> Page[LogEntryOut]:
    """Every review action on the cities the account may see, newest first."""
    city_id = get_city_or_404(session, city).id if city else None
    entries = service.audit(session, user=user, city_id=city_id, action=action, limit=10_000)
    items = [_entry(e) for e in entries[offset : offset + limit]]
    return page(request, items, total=len(entries), limit=limit, offset=offset)
