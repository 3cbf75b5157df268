"""``/profiles/{city}/{kind}``: a city's newest profile layer (neighbourhood profiles,
hazard exposure) as GeoJSON with its summary; drafts only to those who may see them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path

from sdgcities.errors import NotFoundError
from sdgcities.profiling.service import latest_layer
from sdgcities.web.api._common import DbSession, OptionalUser, get_city_or_404, published_only_for
from sdgcities.web.api.cities import CityKey

router = APIRouter(prefix="/profiles", tags=["profiling"])

Kind = Annotated[Literal["neighbourhoods", "exposure", "groups"], Path(description="layer kind")]


@router.get("/{city}/{kind}", summary="A city's newest profile layer (GeoJSON and summary)")
def city_profile(
    city: CityKey, kind: Kind, session: DbSession, user: OptionalUser
) -> dict[str, Any]:
    found = get_city_or_404(session, city)
    drafts = not published_only_for(user, found.id, session)
    layer = latest_layer(session, found.id, kind, drafts=drafts)
    if layer is None:
        raise NotFoundError(f"{found.name} has no {kind} layer yet")
    return {
        "city": found.slug,
        "kind": layer.kind,
        "id": layer.id,
        "name": layer.name,
        "published": layer.is_published,
        "created_at": layer.created_at.isoformat(),
        "summary": layer.summary,
        "features": layer.features,
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
