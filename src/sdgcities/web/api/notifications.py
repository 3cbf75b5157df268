"""``/notifications``: the caller's own messages (never anyone else's), marked read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from sdgcities.notifications import service as nt
from sdgcities.store.models import User
from sdgcities.web.api._common import DbSession
from sdgcities.web.api._schemas import UtcDatetime
from sdgcities.web.auth import CsrfChecked, require_user

router = APIRouter(prefix="/notifications", tags=["notifications"])
LoggedIn = Annotated[User, Depends(require_user)]


class MessageOut(BaseModel):
    id: int
    kind: str
    subject: str
    body: str
    link: str
    created_at: UtcDatetime
    read: bool


class InboxOut(BaseModel):
    unread: int
    items: list[MessageOut]


@router.get("", response_model=InboxOut, summary="My messages, newest first")
def my_messages(
    user: LoggedIn,
    session: DbSession,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> InboxOut:
    rows = nt.inbox(session, user.email, unread_only=unread, limit=limit)
    return InboxOut(
        unread=nt.unread_count(session, user.email),
        items=[
            MessageOut(
                id=m.id,
                kind=m.kind,
                subject=m.subject,
                body=m.body,
                link=m.link,
                created_at=m.created_at,
                read=m.read_at is not None,
            )
            for m in rows
        ],
    )


class ReadIn(BaseModel):
    ids: list[int] | None = Field(None, max_length=1000, description="none: all of mine")


@router.post("/read", summary="Mark my messages read", dependencies=[CsrfChecked])
def mark_read(body: ReadIn, user: LoggedIn, session: DbSession) -> dict[str, int]:
    n = nt.mark_read(session, user.email, body.ids)
    session.commit()
    return {"marked": n}
