"""Use cases of profiling on the store: keep a computed layer as a draft, publish it, read
what a reader may see. The web and the CLI call only these."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import NotFoundError
from sdgcities.profiling.models import KINDS, ProfileLayer
from sdgcities.store.models import City


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def feature_collection(gdf: gpd.GeoDataFrame, *, precision: int = 6) -> dict[str, Any]:
    """``gdf`` as a JSON-safe GeoJSON FeatureCollection in EPSG:4326."""
    g = gdf.to_crs("EPSG:4326")
    fc = json.loads(g.to_json(drop_id=True, to_wgs84=False))
    for f in fc["features"]:
        f["properties"] = _clean(f["properties"])
    fc = _clean(fc)
    assert isinstance(fc, dict)
    return fc


def store_layer(
    session: Session,
    city: City,
    kind: str,
    features: dict[str, Any],
    summary: dict[str, Any],
    provenance: dict[str, Any],
    *,
    name: str = "",
    user: str = "",
    published: bool = False,
) -> ProfileLayer:
    """Keep a layer (a draft unless ``published``) in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    layer = ProfileLayer(
        city_id=city.id, kind=kind, name=name or f"{kind} — {city.name}",
        features=_clean(features), summary=_clean(summary), provenance=_clean(provenance),
        is_published=published, created_by=user or "sdgcities profiling",
    )  # fmt: skip
    session.add(layer)
    session.flush()
    return layer


def publish_layer(session: Session, layer_id: int) -> ProfileLayer:
    layer = session.get(ProfileLayer, layer_id)
    if layer is None:
        known = ", ".join(str(i) for i in session.scalars(select(ProfileLayer.id)).all()[-20:])
        raise NotFoundError(
            f"no profile layer {layer_id}"
            + (f" (stored: {known}; `sdgcities profiles list`)" if known else " (none stored)")
        )
    layer.is_published = True
    return layer


def list_layers(session: Session, city: str | None = None) -> list[tuple[ProfileLayer, str]]:
    """Every stored layer (drafts too: the CLI runs as the store's operator), with its
    city's slug, newest first; only ``city``'s (name, slug or id) when given."""
    stmt = select(ProfileLayer, City.slug).join(City, City.id == ProfileLayer.city_id)
    if city is not None:
        from sdgcities.cities.service import get_city

        stmt = stmt.where(ProfileLayer.city_id == get_city(session, city).id)
    return [(layer, slug) for layer, slug in session.execute(stmt.order_by(ProfileLayer.id.desc()))]


def latest_layer(session: Session, city_id: int, kind: str, *, drafts: bool) -> ProfileLayer | None:
    """The newest layer of ``kind`` a reader sees (drafts only for those allowed)."""
    stmt = select(ProfileLayer).where(ProfileLayer.city_id == city_id, ProfileLayer.kind == kind)
    if not drafts:
        stmt = stmt.where(ProfileLayer.is_published.is_(True))
    return session.scalars(stmt.order_by(ProfileLayer.id.desc())).first()


def public_layers(session: Session, kind: str) -> list[tuple[ProfileLayer, str]]:
    """The newest published layer of ``kind`` of every city, with the city's slug."""
    rows = session.execute(
        select(ProfileLayer, City.slug)
        .join(City, City.id == ProfileLayer.city_id)
        .where(ProfileLayer.kind == kind, ProfileLayer.is_published.is_(True))
        .order_by(ProfileLayer.id.desc())
    ).all()
    seen: set[int] = set()
    out = []
    for layer, slug in rows:
        if layer.city_id not in seen:
            seen.add(layer.city_id)
            out.append((layer, slug))
    return out
