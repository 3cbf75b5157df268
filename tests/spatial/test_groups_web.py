"""The group-profile page: per-group access, gaps to the reference group, a map layer;
drafts only for the city's team; French and Spanish."""

from __future__ import annotations

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import Engine

from sdgcities.profiling.groups import GroupProfile, group_layer_features
from sdgcities.profiling.service import feature_collection, publish_layer, store_layer
from sdgcities.store.db import transaction
from sdgcities.store.models import City
from tests.web._apphelp import bearer, make_app, seed


def group_profile_by_hand() -> GroupProfile:
    """Camp A: 300 hosts, 100 refugees; camp B: 50 hosts, 150 refugees. Transit access:
    hosts 80 %, refugees 40 % → gap −40 points."""
    areas = gpd.GeoDataFrame(
        {"zone": ["a", "b"], "name": ["Camp Alpha-qz", "Camp Beta-qz"]},
        geometry=[box(36.80, -1.30, 36.81, -1.29), box(36.81, -1.30, 36.82, -1.29)],
        crs="EPSG:4326",
    )
    city = {
        "_all": {"population": 600.0, "transit_access": 63.3333},
        "host": {"population": 350.0, "transit_access": 80.0},
        "refugees": {"population": 250.0, "transit_access": 40.0},
    }
    rows = [
        {"zone": "a", "name": "Camp Alpha-qz", "area_km2": 1.2,
         "groups": {"host": {"population": 300.0, "transit_access": 85.0},
                    "refugees": {"population": 100.0, "transit_access": 50.0}}},
        {"zone": "b", "name": "Camp Beta-qz", "area_km2": 1.2,
         "groups": {"host": {"population": 50.0, "transit_access": 50.0},
                    "refugees": {"population": 150.0, "transit_access": 33.3333}}},
    ]  # fmt: skip
    return GroupProfile(
        ["host", "refugees"],
        "host",
        city,
        {"refugees": {"transit_access": -40.0}},
        rows,
        {"groups_file": "groups-qz.csv"},
        ["a caveat-qz"],
        areas,
    )


def test_group_layer_features_hand_case() -> None:
    layer = group_layer_features(group_profile_by_hand())
    a, b = layer.iloc[0], layer.iloc[1]
    assert a["population"] == 400
    assert a["refugees_share"] == pytest.approx(25.0)
    assert b["refugees_share"] == pytest.approx(75.0)
    assert b["host"] == 50
    assert a["refugees__transit_access"] == 50.0


def test_group_page_draft_then_published(sqlite_engine: Engine) -> None:
    s = seed(sqlite_engine)
    gp = group_profile_by_hand()
    with transaction(sqlite_engine) as session:
        city = session.get(City, s.nairobi)
        assert city is not None
        layer = store_layer(
            session,
            city,
            "groups",
            feature_collection(group_layer_features(gp)),
            gp.to_json_dict(),
            gp.provenance,
        )
        lid, slug = layer.id, city.slug
    client = TestClient(make_app(sqlite_engine))
    page = f"/cities/{slug}/groups"
    assert client.get(page).status_code == 404  # a draft: not for the public
    ogc = "/ogc/collections/group-profiles/items?f=json"
    assert client.get(ogc).json()["features"] == []  # nor in the OGC API
    r = client.get(page, headers=bearer(s.editor_token))
    assert r.status_code == 200
    assert "Draft" in r.text
    assert "refugees" in r.text
    assert "−40" in r.text or "-40" in r.text  # the gap to the host community
    assert 'id="gp-map-legend"' in r.text
    assert "a caveat-qz" in r.text
    with transaction(sqlite_engine) as session:
        publish_layer(session, lid)
    pub = client.get(page)
    assert pub.status_code == 200
    items = client.get(f"{ogc}&city={slug}").json()["features"]
    assert len(items) == len(group_layer_features(gp))
    assert {f["properties"]["city"] for f in items} == {slug}
    assert all(f["geometry"] is not None for f in items)
    one = client.get(f"/ogc/collections/group-profiles/items/{lid}-1?f=json")
    assert one.status_code == 200
    assert one.json()["id"] == f"{lid}-1"
    assert "groups-qz.csv" in pub.text
    city_page = client.get(f"/cities/{slug}")
    assert f'href="/cities/{slug}/groups"' in city_page.text
    fr = client.get(page, headers={"Accept-Language": "fr"})
    assert "Accès par groupe" in fr.text
    es = client.get(page, headers={"Accept-Language": "es"})
    assert "Acceso por grupo" in es.text
