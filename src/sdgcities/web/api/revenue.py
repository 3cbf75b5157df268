"""``/revenue/{city}``: a city's own-source revenue diagnostics (drafts to their readers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from sdgcities.revenue.service import StoredDiagnostic, get_diagnostic, list_diagnostics
from sdgcities.web.api._common import DbSession, OptionalUser, get_city_or_404, published_only_for
from sdgcities.web.api.cities import CityKey

router = APIRouter(prefix="/revenue", tags=["revenue"])


def _out(d: StoredDiagnostic) -> dict[str, Any]:
    return {
        "city": d.city_slug,
        "year": d.year,
        "currency": d.currency,
        "published": d.is_published,
        **d.result.as_dict(),
    }


@router.get("/{city}", summary="A city's revenue diagnostics, newest year first")
def city_diagnostics(city: CityKey, session: DbSession, user: OptionalUser) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    items = list_diagnostics(
        session, found.id, published_only=published_only_for(user, found.id, session)
    )
    return {"city": found.slug, "items": [_out(d) for d in items]}


@router.get("/{city}/{year}", summary="A city's revenue diagnostic of one fiscal year")
def city_diagnostic(
    city: CityKey,
    session: DbSession,
    user: OptionalUser,
    year: Annotated[int, Path(ge=1900, le=2100, description="fiscal year")],
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    d = get_diagnostic(
        session, found.id, year, published_only=published_only_for(user, found.id, session)
    )
    return _out(d)
