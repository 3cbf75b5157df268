"""OGC API collections of profiling: ``neighbourhood-profiles``, ``exposure``, ``group-profiles``.

Features of the newest PUBLISHED profile layer of each city (drafts never reach the OGC
API, which is public); ids are ``<layer id>-<feature number>``; filter with ``city``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from sqlalchemy.orm import Session

from sdgcities.profiling.service import public_layers
from sdgcities.web.ogc_provider import _engine

#: collection → profile layer kind
COLLECTION_KINDS = {
    "neighbourhood-profiles": "neighbourhoods",
    "exposure": "exposure",
    "group-profiles": "groups",
}


class ProfileProvider(BaseProvider):  # type: ignore[misc]
    """Published profile layers from the sdgcities store, for pygeoapi."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.kind = str((provider_def.get("options") or {}).get("kind", "neighbourhoods"))
        self.id_field = "id"
        self.title_field = "name"
        self._fields = self.get_fields()

    def get_fields(self) -> dict[str, dict[str, str]]:
        return {"id": {"type": "string"}, "city": {"type": "string"}, "name": {"type": "string"},
                "layer_id": {"type": "integer"}}  # fmt: skip

    def _features(self, properties: list[tuple[str, Any]]) -> Iterator[dict[str, Any]]:
        wanted: str | None = None
        for name, value in properties:
            if name != "city":
                raise ProviderInvalidQueryError(f"cannot filter on {name!r}; use city")
            wanted = str(value)
        with Session(_engine(self.data)) as session:
            layers = public_layers(session, self.kind)
        for layer, slug in layers:
            if wanted is not None and slug != wanted:
                continue
            for i, f in enumerate(layer.features.get("features", []), 1):
                props = {**(f.get("properties") or {}), "city": slug, "layer_id": layer.id}
                yield {"type": "Feature", "id": f"{layer.id}-{i}", "geometry": f.get("geometry"),
                       "properties": props}  # fmt: skip

    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        properties: list[tuple[str, Any]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        matched = list(self._features(list(properties or [])))
        page = [] if resulttype == "hits" else matched[offset : offset + limit]
        for f in page:
            if select_properties:
                f["properties"] = {k: v for k, v in f["properties"].items()
                                   if k in select_properties}  # fmt: skip
            if skip_geometry:
                f["geometry"] = None
        return {"type": "FeatureCollection", "features": page,
                "numberMatched": len(matched), "numberReturned": len(page)}  # fmt: skip

    def get(self, identifier: Any, **kwargs: Any) -> dict[str, Any]:
        key = str(identifier)
        for f in self._features([]):
            if f["id"] == key:
                return f
        raise ProviderItemNotFoundError(f"no feature {key!r} in {self.kind}")

    def __repr__(self) -> str:
        return f"<ProfileProvider {self.kind}>"
