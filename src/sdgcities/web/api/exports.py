"""``/exports``: downloads in the formats users' other tools speak.

CSV / XLSX of values and scores, an Open SDG data zip, SDMX-ML — the same functions as
``sdgcities export``. Published values only, unless ``drafts=true`` is asked by someone
who may see the drafts of every city exported.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.errors import PermissionDeniedError
from sdgcities.store.models import User
from sdgcities.web.api._common import (
    TEXT_PATTERN,
    DbSession,
    OptionalUser,
    get_city_or_404,
    text_query,
)

router = APIRouter(prefix="/exports", tags=["exports"])

CityList = Annotated[
    list[Annotated[str, Query(max_length=200, pattern=TEXT_PATTERN)]] | None,
    Query(description="city slug, id or name; repeat for several; omit for all", max_length=200),
]
IndicatorList = Annotated[
    list[Annotated[str, Query(max_length=64, pattern=TEXT_PATTERN)]] | None,
    Query(description="indicator code; repeat for several; omit for all", max_length=200),
]
Drafts = Annotated[bool, Query(description="include draft values (needs the right to see them)")]

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _scope(
    session: Session, user: User | None, cities: list[str] | None, drafts: bool
) -> tuple[list[int] | None, bool]:
    """(city ids or None for all, published_only) — refusing drafts one may not see."""
    ids = sorted({get_city_or_404(session, c).id for c in cities}) if cities else None
    if not drafts:
        return ids, True
    allowed = permissions.draft_city_ids(user, session)
    if allowed is None or (ids is not None and set(ids) <= allowed):
        return ids, False
    raise PermissionDeniedError(
        "you may not export draft values of these cities; leave out drafts=true or "
        "choose only the cities you edit"
    )


def _codes(session: Session, indicators: list[str] | None) -> list[str] | None:
    if not indicators:
        return None
    from sdgcities.catalogue.registry import get_indicator

    return sorted({get_indicator(session, code).code for code in indicators})


_FILE_RESPONSES = {200: {"content": {"text/csv": {}, MEDIA["xlsx"]: {}}, "description": "the file"}}


@router.get(
    "/observations",
    summary="Current values as CSV or XLSX",
    response_class=Response,
    responses=_FILE_RESPONSES,  # type: ignore[arg-type]
)
def export_observations(
    session: DbSession,
    user: OptionalUser,
    format: Literal["csv", "xlsx"] = "csv",
    city: CityList = None,
    drafts: Drafts = False,
) -> Response:
    from sdgcities.exports.tabular import export_observations_bytes

    ids, published_only = _scope(session, user, city, drafts)
    body = export_observations_bytes(
        session, fmt=format, city_ids=ids, published_only=published_only
    )
    return _download(body, MEDIA[format], f"observations.{format}")


@router.get(
    "/scores",
    summary="Scores (indicator, goal, index) as CSV or XLSX",
    response_class=Response,
    responses=_FILE_RESPONSES,  # type: ignore[arg-type]
)
def export_scores(
    session: DbSession,
    user: OptionalUser,
    format: Literal["csv", "xlsx"] = "csv",
    city: CityList = None,
    benchmark_set: str | None = text_query("benchmark set name"),
    drafts: Drafts = False,
) -> Response:
    from sdgcities.exports.tabular import export_scores_bytes

    ids, published_only = _scope(session, user, city, drafts)
    body = export_scores_bytes(
        session,
        fmt=format,
        city_ids=ids,
        benchmark_set=benchmark_set or None,
        published_only=published_only,
    )
    return _download(body, MEDIA[format], f"scores.{format}")


@router.get(
    "/open-sdg",
    summary="Open SDG data (tidy CSV per indicator + YAML metadata) as a zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "the zip"}},
)
def export_open_sdg(
    session: DbSession,
    user: OptionalUser,
    city: CityList = None,
    indicator: IndicatorList = None,
    drafts: Drafts = False,
) -> Response:
    from sdgcities.exports.opensdg import export_open_sdg_bytes

    ids, published_only = _scope(session, user, city, drafts)
    body = export_open_sdg_bytes(
        session,
        city_ids=ids,
        indicator_codes=_codes(session, indicator),
        published_only=published_only,
    )
    return _download(body, "application/zip", "open-sdg-data.zip")


@router.get(
    "/sdmx",
    summary="SDMX-ML data (or its structure) for statistical exchange",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "SDMX-ML"}},
)
def export_sdmx(
    session: DbSession,
    user: OptionalUser,
    city: CityList = None,
    indicator: IndicatorList = None,
    part: Literal["data", "structure"] = "data",
    drafts: Drafts = False,
) -> Response:
    from sdgcities.exports.sdmx import export_sdmx_bytes, sdmx_structure_bytes

    ids, published_only = _scope(session, user, city, drafts)
    make = export_sdmx_bytes if part == "data" else sdmx_structure_bytes
    body = make(
        session,
        city_ids=ids,
        indicator_codes=_codes(session, indicator),
        published_only=published_only,
    )
    return _download(body, "application/xml", f"sdgcities-{part}.xml")
