"""Profile layers in the store and on the web: drafts private, pages, JSON API, OGC API."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import Engine

from sdgcities.profiling.areas import Neighbourhoods
from sdgcities.profiling.deprivation import Dimension
from sdgcities.profiling.profile import PointData, profile_table
from sdgcities.profiling.service import feature_collection, publish_layer, store_layer
from sdgcities.store.db import transaction
from sdgcities.store.models import City
from tests.web._apphelp import bearer, make_app, seed


def _profile() -> tuple[dict, dict]:
    areas = gpd.GeoDataFrame(
        {"area_id": ["w", "e"], "name": ["Westend-qz", "Eastend-qz"]},
        geometry=[box(36.8, -1.3, 36.81, -1.29), box(36.81, -1.3, 36.82, -1.29)],
        crs="EPSG:4326",
    )
    pts = PointData(
        np.array([36.805, 36.815]),
        np.array([-1.295, -1.295]),
        {"population": np.array([100.0, 50.0])},
        access={"transit_access": np.array([1.0, 0.2])},
    )
    table, city, dep, _ = profile_table(
        Neighbourhoods(areas, {"source": "file"}),
        pts,
        dimensions=[Dimension("transit_access", 50)],
        k=1.0,
    )
    assert dep is not None
    return feature_collection(table), {"city": city, "deprivation": dep.summary()}


def test_draft_layers_reach_only_the_city_team(engine: Engine) -> None:
    s = seed(engine)
    fc, summary = _profile()
    with transaction(engine) as session:
        city = session.get(City, s.nairobi)
        assert city is not None
        layer = store_layer(
            session, city, "neighbourhoods", fc, summary, {"neighbourhoods": {"source": "file"}}
        )
        lid, slug = layer.id, city.slug
    client = TestClient(make_app(engine))
    api = f"/api/v1/profiles/{slug}/neighbourhoods"
    assert client.get(api).status_code == 404
    r = client.get(api, headers=bearer(s.editor_token))
    assert r.status_code == 200
    body = r.json()
    assert body["published"] is False
    assert len(body["features"]["features"]) == 2
    assert body["summary"]["deprivation"]["H"] == 0.5  # E: 20 % < 50 % → poor; W is not
    ogc = client.get("/ogc/collections/neighbourhood-profiles/items?f=json").json()
    assert ogc["numberMatched"] == 0  # drafts never reach the public OGC API
    with transaction(engine) as session:
        publish_layer(session, lid)
    assert client.get(api).status_code == 200
    ogc = client.get(f"/ogc/collections/neighbourhood-profiles/items?f=json&city={slug}").json()
    assert ogc["numberMatched"] == 2
    assert {f["properties"]["name"] for f in ogc["features"]} == {"Westend-qz", "Eastend-qz"}
    one = client.get(f"/ogc/collections/neighbourhood-profiles/items/{lid}-1?f=json")
    assert one.status_code == 200


def test_pages_show_the_profile_and_the_panel(sqlite_engine: Engine) -> None:
    s = seed(sqlite_engine)
    fc, summary = _profile()
    with transaction(sqlite_engine) as session:
        city = session.get(City, s.nairobi)
        assert city is not None
        store_layer(
            session,
            city,
            "neighbourhoods",
            fc,
            summary,
            {"neighbourhoods": {"source": "file"}},
            published=True,
        )
        store_layer(
            session,
            city,
            "exposure",
            {"type": "FeatureCollection", "features": []},
            {
                "hazard": {"rule": "hazard value < 2 m"},
                "population_total": 10.0,
                "population_exposed": 4.0,
                "buildings_total": 2,
                "buildings_exposed": 1,
                "by_class": [],
                "settlements_ranked": [],
                "provenance": {},
            },
            {},
        )
        slug = city.slug
    client = TestClient(make_app(sqlite_engine))
    page = client.get(f"/cities/{slug}/neighbourhoods")
    assert page.status_code == 200
    assert "Westend-qz" in page.text
    assert 'data-geojson="/api/v1/profiles/' in page.text
    assert "Alkire" in page.text
    city_page = client.get(f"/cities/{slug}")
    assert f'href="/cities/{slug}/neighbourhoods"' in city_page.text
    assert f'href="/cities/{slug}/exposure"' not in city_page.text  # the exposure is a draft
    assert client.get(f"/cities/{slug}/exposure").status_code == 404
    fr = client.get(f"/cities/{slug}/neighbourhoods", headers={"Accept-Language": "fr"})
    assert "Quartiers" in fr.text
