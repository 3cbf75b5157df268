"""``/indicators``: the catalogue (SDG 11, UMF and custom indicators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response

from sdgcities._i18n import gettext
from sdgcities.store.models import Indicator
from sdgcities.web.api._common import (
    TEXT_PATTERN,
    DbSession,
    Limit,
    Offset,
    page_response,
    text_query,
)
from sdgcities.web.api._schemas import IndicatorDetail, IndicatorOut, Page

if TYPE_CHECKING:
    from sdgcities.catalogue.registry import IndicatorSummary

router = APIRouter(prefix="/indicators", tags=["indicators"])


def indicator_out(ind: Indicator | IndicatorSummary) -> IndicatorOut:
    """An indicator as the API shows it; the name in the request's language (``?lang=``)."""
    return IndicatorOut(
        code=ind.code,
        name=gettext(ind.name) if ind.name else ind.name,
        framework=ind.framework,
        unit=ind.unit or "",
        direction=ind.direction or "higher",
        goal=ind.goal,
        sdg_code=ind.sdg_code,
        umf_domain=ind.umf_domain,
        umf_objective=ind.umf_objective,
        custodian=ind.custodian or "",
        confirmed=bool(ind.confirmed),
        owner=ind.owner,
        catalogue_version=ind.catalogue_version or "",
    )


@router.get("", response_model=Page[IndicatorOut], summary="List indicators")
def list_indicators(
    request: Request,
    session: DbSession,
    limit: Limit = 100,
    offset: Offset = 0,
    framework: str | None = text_query("SDG, UMF or custom", max_length=16),
    goal: str | None = text_query("SDG goal number, e.g. 11", max_length=16),
    q: str | None = text_query("search in codes and names"),
) -> Response:
    from sdgcities.catalogue.registry import indicator_summaries

    found = indicator_summaries(
        session, framework=framework or None, goal=goal or None, search=q or None
    )
    items = [indicator_out(i) for i in found[offset : offset + limit]]
    return page_response(request, IndicatorOut, items, total=len(found), limit=limit, offset=offset)


@router.get("/{code}", response_model=IndicatorDetail, summary="One indicator")
def get_indicator(
    code: Annotated[str, Path(min_length=1, max_length=64, pattern=TEXT_PATTERN)],
    session: DbSession,
) -> IndicatorDetail:
    from sdgcities.catalogue.registry import get_indicator as _get

    ind = _get(session, code)
    return IndicatorDetail(
        **indicator_out(ind).model_dump(),
        method_summary=ind.method_summary or "",
        method_version=ind.method_version or "1",
    )
