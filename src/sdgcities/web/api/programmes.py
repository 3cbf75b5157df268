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


def _require_editor(user: Any, what: str) -> None:
    if user is None:
        raise AuthenticationError("log in first, or send an API token")
    if not _drafts(user):
        raise PermissionDeniedError(f"global-hub staff and admins {what}")


class InitiativeIn(BaseModel):
    name: str = Field(..., max_length=500)
    description: str = Field("", max_length=10_000)
    countries: list[str] = Field(default_factory=list, max_length=300, description="ISO3 codes")
    places: list[str] = Field(default_factory=list, max_length=300)
    cities: list[str] = Field(
        default_factory=list, max_length=300, description="the platform's city slugs or names"
    )
    partners: list[str | int] = Field(
        default_factory=list, max_length=300, description="partner registry ids or exact names"
    )
    status: str = Field("discussed", max_length=16)
    start: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    end: str | None = Field(None, max_length=10, description="YYYY-MM-DD")


class GeometryIn(BaseModel):
    geometry: dict[str, Any] | None = Field(
        ..., description="a GeoJSON Point, Polygon or Multi… in EPSG:4326; null removes it"
    )


def _initiative(session: Any, key: str, iid: int) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import get_initiative

    prog, ini = get_initiative(session, key, iid, published_only=False)
    (row,) = [
        r
        for r in service.list_initiatives(session, programme_id=prog.id, published_only=False)
        if r["id"] == ini.id
    ]
    row["geometry_source"] = ini.geometry_source
    return row


@router.get("/{key}/initiatives/{iid}", summary="One initiative with its geometry")
def initiative(
    key: Key, iid: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    service.get_programme(session, key, published_only=not _drafts(user))
    return _initiative(session, key, iid)


@router.post("/{key}/initiatives", status_code=201, summary="Add an initiative")
def add_initiative(
    key: Key, body: InitiativeIn, session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import add_initiative as add

    _require_editor(user, "add initiatives")
    ini = add(session, programme=key, create_partners=False, **body.model_dump())
    session.commit()
    return _initiative(session, key, ini.id)


@router.put("/{key}/initiatives/{iid}", summary="Replace an initiative's fields")
def put_initiative(
    key: Key,
    iid: Annotated[int, Path(ge=1, le=2**62)],
    body: InitiativeIn,
    session: DbSession,
    user: OptionalUser,
) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import update_initiative

    _require_editor(user, "edit initiatives")
    update_initiative(session, programme=key, initiative_id=iid, **body.model_dump())
    session.commit()
    return _initiative(session, key, iid)


@router.put("/{key}/initiatives/{iid}/geometry", summary="Set or remove an initiative's geometry")
def put_geometry(
    key: Key,
    iid: Annotated[int, Path(ge=1, le=2**62)],
    body: GeometryIn,
    session: DbSession,
    user: OptionalUser,
) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import check_geometry, set_geometry

    _require_editor(user, "edit initiatives")
    geom = check_geometry(body.geometry) if body.geometry is not None else None
    set_geometry(session, programme=key, initiative_id=iid, geometry=geom, source="API")
    session.commit()
    return _initiative(session, key, iid)


class AdaptationIn(BaseModel):
    name: str = Field(..., max_length=500)
    countries: list[str] = Field(default_factory=list, max_length=300)
    city: str | None = Field(None, max_length=200, description="a platform city's slug")
    fund: str = Field(..., max_length=64, description="a fund key or name")
    stage: str = Field(
        ..., max_length=16, description="concept_note|proposal|approved|implementation"
    )
    amount: str = Field(..., max_length=40)
    currency: str = Field("USD", max_length=8)
    approximate: bool = False
    start: str | None = Field(None, max_length=10)
    end: str | None = Field(None, max_length=10)
    source: str = Field("", max_length=2000)


class AdaptationPatch(BaseModel):
    stage: str | None = Field(None, max_length=16)
    amount: str | None = Field(None, max_length=40)
    currency: str | None = Field(None, max_length=8)
    start: str | None = Field(None, max_length=10)
    end: str | None = Field(None, max_length=10)


@router.get("/{key}/adaptation", summary="RISE-UP's adaptation projects and progress to 100 cities")
def adaptation_list(key: Key, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    from sdgcities.errors import NotFoundError
    from sdgcities.programmes import adaptation

    service.get_programme(session, key, published_only=not _drafts(user))
    if key != adaptation.PROGRAMME:
        raise NotFoundError(f"{key} has no adaptation portfolio; see {adaptation.PROGRAMME}")
    return {
        "items": adaptation.list_projects(session),
        "progress": adaptation.progress(session),
    }


@router.post("/{key}/adaptation", status_code=201, summary="Add an adaptation project")
def adaptation_add(
    key: Key, body: AdaptationIn, session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    from sdgcities.programmes import adaptation

    _require_editor(user, "add adaptation projects")
    fields = body.model_dump()
    fields["approximate"] = "yes" if fields["approximate"] else ""
    project = adaptation.add_project(
        session, programme=key, user=user.email if user else "", **fields
    )
    session.commit()
    (row,) = [r for r in adaptation.list_projects(session, programme=key) if r["id"] == project.id]
    return row


@router.patch("/{key}/adaptation/{pid}", summary="Change an adaptation project's stage or amount")
def adaptation_patch(
    key: Key,
    pid: Annotated[int, Path(ge=1, le=2**62)],
    body: AdaptationPatch,
    session: DbSession,
    user: OptionalUser,
) -> dict[str, Any]:
    from sdgcities.programmes import adaptation

    _require_editor(user, "change adaptation projects")
    fields = {k: v for k, v in body.model_dump().items() if v is not None}
    adaptation.update_project(session, pid, user=user.email if user else "", **fields)
    session.commit()
    (row,) = [r for r in adaptation.list_projects(session, programme=key) if r["id"] == pid]
    return row


@router.delete(
    "/{key}/adaptation/{pid}",
    summary="Delete an adaptation project and the funding line it created",
)
def adaptation_delete(
    key: Key, pid: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    """A line the project adopted from the report stays (``funding_line_deleted`` false)."""
    from dataclasses import asdict

    from sdgcities.programmes import adaptation

    _require_editor(user, "delete adaptation projects")
    gone = adaptation.delete_project(session, pid, programme=key)
    session.commit()
    return asdict(gone)
