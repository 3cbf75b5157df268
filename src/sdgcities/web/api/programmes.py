"""``/programmes``: the flagship-programme portfolio (published programmes to the public;
global-hub staff and admins see drafts and add funding lines)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from sdgcities.accounts.errors import AuthenticationError
from sdgcities.errors import PermissionDeniedError
from sdgcities.programmes import service
from sdgcities.web.api._common import DbSession, OptionalUser

router = APIRouter(prefix="/programmes", tags=["programmes"])
EDITORS = ("admin", "global_hub")
Key = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$", description="programme key")]


def _drafts(user: Any) -> bool:
    return user is not None and user.role in EDITORS


class FundingLineIn(BaseModel):
    amount: str = Field(..., max_length=40, description="amount ≥ 0, as digits")
    currency: str = Field(..., max_length=8, description="ISO 4217 code")
    status: str = Field(..., max_length=16, description="concept_note|approved|mobilised|disbursed")
    modality: str | None = Field(None, max_length=16, description="core|earmarked")
    earmark: str | None = Field(None, max_length=8, description="soft|hard")
    year: int | None = Field(None, ge=1900, le=2200)
    donor: str | None = Field(None, max_length=300)
    initiative_id: int | None = Field(None, ge=1, le=2**62)
    countries: list[str] = Field(default_factory=list, max_length=300)
    label: str = Field("", max_length=2000)
    source: str = Field("", max_length=2000)


@router.get("", summary="The flagship programmes with their money by status")
def programmes(session: DbSession, user: OptionalUser) -> dict[str, Any]:
    drafts = _drafts(user)
    money = service.money_by_programme_status(session, published_only=not drafts)
    return {
        "items": [
            {
                "key": p.key,
                "number": p.number,
                "title": p.title,
                "objective": p.objective,
                "published": p.published,
                "money": [
                    {"status": s, "currency": c, "amount": v}
                    for (s, c), v in sorted(money.get(p.key, {}).items())
                ],
            }
            for p in service.list_programmes(session, published_only=not drafts)
        ]
    }


@router.get("/totals", summary="Sums of funding lines by programme, status, country or year")
def totals(
    session: DbSession,
    user: OptionalUser,
    by: Annotated[str, Query(pattern=r"^(programme|status|country|year)$")] = "status",
    programme: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,64}$")] = None,
) -> dict[str, Any]:
    drafts = _drafts(user)
    pid = (
        service.get_programme(session, programme, published_only=not drafts).id
        if programme
        else None
    )
    rows = service.totals(session, by, programme_id=pid, published_only=not drafts)  # type: ignore[arg-type]
    return {"by": by, "items": rows}


@router.get("/{key}", summary="One programme: outcomes, alignments, partners, initiatives, money")
def programme(key: Key, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    prog = service.get_programme(session, key, published_only=not _drafts(user))
    d = service.programme_detail(session, prog)
    d["initiatives"] = service.list_initiatives(session, programme_id=prog.id, published_only=False)
    d["funding_lines"] = service.funding_lines(session, programme_id=prog.id, limit=500)
    d["totals_by_status"] = service.totals(
        session, "status", programme_id=prog.id, published_only=False
    )
    return d


@router.get("/{key}/funding-lines", summary="A programme's funding lines, newest first")
def programme_lines(
    key: Key,
    session: DbSession,
    user: OptionalUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    prog = service.get_programme(session, key, published_only=not _drafts(user))
    return {"items": service.funding_lines(session, programme_id=prog.id, limit=limit)}


@router.post("/{key}/funding-lines", status_code=201, summary="Add a funding line")
def add_line(
    key: Key, body: FundingLineIn, session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    if user is None:
        raise AuthenticationError("log in first, or send an API token")
    if not _drafts(user):
        raise PermissionDeniedError("global-hub staff and admins add funding lines")
    line = service.add_funding_line(session, programme=key, user=user.email, **body.model_dump())
    session.commit()
    (row,) = [
        r
        for r in service.funding_lines(session, programme_id=line.programme_id, limit=5)
        if r["id"] == line.id
    ]
    return row
