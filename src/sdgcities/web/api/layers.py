"""``/cities/{city}/layers``: the hex-grid layers of a city (where a challenge is)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from sdgcities.accounts.permissions import draft_city_ids
from sdgcities.errors import NotFoundError
from sdgcities.observations.visibility import visible_layers
from sdgcities.store.models import HexCell, HexLayer
from sdgcities.web._geojson import hex_feature
from sdgcities.web.api._common import DbSession, OptionalUser, get_city_or_404
from sdgcities.web.api._schemas import FeatureCollection, LayerOut
from sdgcities.web.api.cities import CityKey
from sdgcities.web.deps import IdPath

router = APIRouter(prefix="/cities", tags=["layers"])


@router.get("/{city}/layers", response_model=list[LayerOut], summary="Hex layers of a city")
def list_layers(city: CityKey, session: DbSession, user: OptionalUser) -> list[LayerOut]:
    """The city's hex layers this reader may see (drafts' layers only with draft rights)."""
    found = get_city_or_404(session, city)
    counts = select(HexCell.layer_id, func.count().label("n")).group_by(HexCell.layer_id).subquery()
    rows = session.execute(
        select(HexLayer, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.layer_id == HexLayer.id)
        .where(HexLayer.city_id == found.id, visible_layers(draft_city_ids(user, session)))
        .order_by(HexLayer.indicator_code, HexLayer.id)
    ).all()
    return [
        LayerOut(
            id=layer.id,
            city_id=layer.city_id,
            indicator_code=layer.indicator_code,
            name=layer.name,
            resolution=layer.resolution,
            population_is_estimate=layer.population_is_estimate,
            attribution=layer.attribution or "",
            cells=int(n),
            created_at=layer.created_at,
        )
        for layer, n in rows
    ]


@router.get(
    "/{city}/layers/{layer_id}",
    response_model=FeatureCollection,
    summary="One hex layer as GeoJSON",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_layer(
    city: CityKey, layer_id: IdPath, session: DbSession, user: OptionalUser
) -> JSONResponse:
    found = get_city_or_404(session, city)
    layer = session.scalar(
        select(HexLayer).where(
            HexLayer.id == layer_id, visible_layers(draft_city_ids(user, session))
        )
    )
    if layer is None or layer.city_id != found.id:
        raise NotFoundError(
            f"{found.name} has no layer {layer_id}; list them at /api/v1/cities/{found.slug}/layers"
        )
    cells = session.scalars(
        select(HexCell).where(HexCell.layer_id == layer.id).order_by(HexCell.h3)
    )
    body = FeatureCollection.model_validate(
        {
            "type": "FeatureCollection",
            "features": [hex_feature(c, layer) for c in cells],
            "properties": {
                "city": found.slug,
                "layer_id": layer.id,
                "indicator": layer.indicator_code,
                "name": layer.name,
                "resolution": layer.resolution,
                "population_is_estimate": layer.population_is_estimate,
                "attribution": layer.attribution or "",
            },
        }
    )
    return JSONResponse(body.model_dump(mode="json"), media_type="application/geo+json")
