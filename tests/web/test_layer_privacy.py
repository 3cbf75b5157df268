"""A hex layer of a value that is still a draft reaches only those who may see the draft."""

from __future__ import annotations

import h3
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.store.db import transaction
from sdgcities.store.models import HexCell, HexLayer
from tests.web._apphelp import bearer, make_app, seed


def test_draft_layers_stay_private(sqlite_engine: Engine) -> None:
    data = seed(sqlite_engine)  # Nairobi: 11.2.1 published, 11.7.1 only a draft
    with transaction(sqlite_engine) as s:
        draft_layer = HexLayer(
            city_id=data.nairobi,
            indicator_code="11.7.1",
            name="open space (draft run)",
            resolution=8,
            attribution="test",
        )
        s.add(draft_layer)
        s.flush()
        s.add(
            HexCell(
                layer_id=draft_layer.id,
                h3=h3.latlng_to_cell(-1.29, 36.82, 8),
                population=10.0,
                share=0.1,
            )
        )
        draft_id = draft_layer.id
    c = TestClient(make_app(sqlite_engine))
    public = {la["id"] for la in c.get("/api/v1/cities/nairobi-ken/layers").json()}
    assert public == {data.layer}  # the published value's layer only
    assert c.get(f"/api/v1/cities/nairobi-ken/layers/{draft_id}").status_code == 404
    assert c.get(f"/cities/nairobi-ken/hexes/{draft_id}.geojson").status_code == 404
    assert c.get(f"/cities/nairobi-ken/hexes/{draft_id}/cells.json").status_code == 404
    ogc = c.get("/ogc/collections/hexes/items", params={"f": "json", "layer_id": draft_id})
    assert ogc.json()["features"] == []
    editor = bearer(data.editor_token)
    mine = {la["id"] for la in c.get("/api/v1/cities/nairobi-ken/layers", headers=editor).json()}
    assert mine == {data.layer, draft_id}
    got = c.get(f"/api/v1/cities/nairobi-ken/layers/{draft_id}", headers=editor)
    assert got.status_code == 200
    # the draft layer's map data reach the editor's browser cache only, never a shared one
    for path in (f"hexes/{draft_id}.geojson", f"hexes/{draft_id}/cells.json"):
        mine = c.get(f"/cities/nairobi-ken/{path}", headers=editor)
        assert mine.status_code == 200
        assert mine.headers["cache-control"] == "private, max-age=300"
    public = c.get(f"/cities/nairobi-ken/hexes/{data.layer}/cells.json")
    assert public.headers["cache-control"] == "public, max-age=300"
    assert len(got.json()["features"]) == 1
