"""The JSON API: lists, details, visibility of drafts, writes scoped to a city editor."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.web._apphelp import Seed, bearer, make_app, seed


@pytest.fixture
def api(engine: Engine) -> Iterator[tuple[TestClient, Seed]]:
    data = seed(engine)
    with TestClient(make_app(engine), raise_server_exceptions=False) as client:
        yield client, data


def test_cities_list_filters_and_pagination(api: tuple[TestClient, Seed]) -> None:
    client, _ = api
    body = client.get("/api/v1/cities", params={"limit": 1}).json()
    assert body["total"] == 2
    assert body["limit"] == 1
    assert body["offset"] == 0
    assert [c["name"] for c in body["items"]] == ["Mombasa"]
    assert body["next"]
    assert "offset=1" in body["next"]
    second = client.get(body["next"]).json()
    assert [c["name"] for c in second["items"]] == ["Nairobi"]
    assert second["next"] is None
    assert client.get("/api/v1/cities", params={"q": "nairo"}).json()["total"] == 1
    assert client.get("/api/v1/cities", params={"country": "KEN"}).json()["total"] == 2
    size = client.get("/api/v1/cities", params={"limit": 5}).json()["items"][1]["typology"]
    assert size.get("size_class")
    one = client.get("/api/v1/cities", params={"size_class": size["size_class"]}).json()
    assert [c["name"] for c in one["items"]] == ["Nairobi"]


def test_city_detail(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    by_id = client.get(f"/api/v1/cities/{data.nairobi}").json()
    by_slug = client.get(f"/api/v1/cities/{by_id['slug']}").json()
    assert by_id == by_slug
    assert by_id["boundary"]["type"] == "Polygon"
    assert {t["kind"] for t in by_id["typology_sources"]} >= {"size_class"}
    assert client.get("/api/v1/cities/atlantis").status_code == 404


def test_indicators(api: tuple[TestClient, Seed]) -> None:
    client, _ = api
    body = client.get("/api/v1/indicators", params={"framework": "SDG", "limit": 500}).json()
    codes = [i["code"] for i in body["items"]]
    assert "11.2.1" in codes
    assert body["total"] == len(codes)
    one = client.get("/api/v1/indicators/11.2.1").json()
    assert one["code"] == "11.2.1"
    assert one["method_summary"]
    missing = client.get("/api/v1/indicators/11.2.9").json()
    assert missing["error"]["code"] == "not_found"


def test_public_sees_published_values_only(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    anon = client.get("/api/v1/observations", params={"city": data.nairobi}).json()
    assert [o["indicator"] for o in anon["items"]] == ["11.2.1"]
    assert client.get(f"/api/v1/observations/{data.draft_obs}").status_code == 404
    assert client.get(f"/api/v1/observations/{data.published_obs}").status_code == 200
    for token in (data.editor_token, data.admin_token):
        seen = client.get(
            "/api/v1/observations", params={"city": data.nairobi}, headers=bearer(token)
        ).json()
        assert sorted(o["indicator"] for o in seen["items"]) == ["11.2.1", "11.7.1"]
        detail = client.get(f"/api/v1/observations/{data.draft_obs}", headers=bearer(token))
        assert detail.json()["status"] == "draft"
    csv = client.get("/api/v1/exports/observations").text
    assert "11.2.1" in csv
    assert "11.7.1" not in csv
    assert client.get("/api/v1/exports/observations", params={"drafts": "true"}).status_code in (
        401,
        403,
    )
    scores = client.get(f"/api/v1/cities/{data.nairobi}/scores").json()
    assert scores["published_only"] is True


def test_filters_on_observations(api: tuple[TestClient, Seed]) -> None:
    client, _ = api
    body = client.get("/api/v1/observations", params={"indicator": "11.2.1"}).json()
    assert body["total"] == 2
    assert client.get("/api/v1/observations", params={"year": 1999}).json()["total"] == 0
    bad = client.get("/api/v1/observations", params={"disaggregation": "sex"})
    assert bad.status_code == 400


def test_city_editor_writes_own_city_only(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    value = {
        "city": str(data.nairobi),
        "indicator": "11.2.1",
        "year": 2020,
        "value": 44.0,
        "reason": "corrected survey weight",
    }
    r = client.post("/api/v1/observations", json=value, headers=bearer(data.editor_token))
    assert r.status_code == 201, r.text
    assert r.json()["changed"] is True
    assert r.json()["observation"]["version"] == 2
    again = client.post("/api/v1/observations", json=value, headers=bearer(data.editor_token))
    assert again.json()["changed"] is False
    other = dict(value, city=str(data.mombasa))
    r = client.post("/api/v1/observations", json=other, headers=bearer(data.editor_token))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/observations", json=other).status_code == 401
    # the editor's correction is a draft: the public keeps the published value
    nairobi = client.get("/api/v1/observations", params={"city": data.nairobi}).json()
    assert [o["value"] for o in nairobi["items"] if o["indicator"] == "11.2.1"] == [41.5]
    # only admins and the global hub publish without review
    mine = dict(value, status="published")
    r = client.post("/api/v1/observations", json=mine, headers=bearer(data.editor_token))
    assert r.status_code == 403
    assert "review" in r.json()["error"]["message"]
    published = dict(other, status="published")
    r = client.post("/api/v1/observations", json=published, headers=bearer(data.admin_token))
    assert r.status_code == 201
    assert r.json()["observation"]["status"] == "published"
    mombasa = client.get("/api/v1/observations", params={"city": data.mombasa}).json()
    assert mombasa["items"][0]["value"] == 44.0


def test_import_file_is_scoped_and_bounded(
    api: tuple[TestClient, Seed], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, data = api
    slug = client.get(f"/api/v1/cities/{data.nairobi}").json()["slug"]
    other = client.get(f"/api/v1/cities/{data.mombasa}").json()["slug"]
    ok = f"city,indicator,year,value\n{slug},11.2.1,2022,47.5\n".encode()
    r = client.post(
        "/api/v1/observations/import?filename=values.csv",
        content=ok,
        headers={**bearer(data.editor_token), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 1
    refused = f"city,indicator,year,value\n{other},11.2.1,2022,47.5\n".encode()
    r = client.post(
        "/api/v1/observations/import?filename=values.csv",
        content=refused,
        headers={**bearer(data.editor_token), "Content-Type": "text/csv"},
    )
    assert r.status_code in (400, 403), r.text
    assert r.json()["error"]["status"] == r.status_code
    app = client.app  # type: ignore[attr-defined]
    app.state.settings = replace(app.state.settings, max_upload_mb=0.001)
    r = client.post(
        "/api/v1/observations/import?filename=values.csv",
        content=ok * 100,
        headers={**bearer(data.editor_token), "Content-Type": "text/csv"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_scores_challenges_and_layers(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    scores = client.get(f"/api/v1/cities/{data.nairobi}/scores").json()
    assert scores["city"]
    assert isinstance(scores["indicators"], list)
    challenges = client.get(f"/api/v1/cities/{data.nairobi}/challenges").json()
    assert challenges["status"] in ("challenges", "all_achieved", "not_scored")
    assert isinstance(challenges["challenges"], list)
    layers = client.get(f"/api/v1/cities/{data.nairobi}/layers").json()
    assert [(lay["id"], lay["cells"]) for lay in layers] == [(data.layer, 7)]
    geo = client.get(f"/api/v1/cities/{data.nairobi}/layers/{data.layer}")
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert len(features) == 7
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert 36 < ring[0][0] < 38
    assert -2 < ring[0][1] < 0
    wrong = client.get(f"/api/v1/cities/{data.mombasa}/layers/{data.layer}")
    assert wrong.status_code == 404


def test_exports(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    xlsx = client.get("/api/v1/exports/observations", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    scores = client.get("/api/v1/exports/scores", params={"city": str(data.nairobi)})
    assert scores.status_code == 200
    assert scores.text
    opensdg = client.get("/api/v1/exports/open-sdg")
    assert zipfile.ZipFile(io.BytesIO(opensdg.content)).namelist()
    sdmx = client.get("/api/v1/exports/sdmx")
    assert sdmx.status_code == 200
    assert b"<" in sdmx.content[:100]
    drafts = client.get(
        "/api/v1/exports/observations",
        params={"drafts": "true", "city": str(data.nairobi)},
        headers=bearer(data.editor_token),
    )
    assert "11.7.1" in drafts.text
    refused = client.get(
        "/api/v1/exports/observations",
        params={"drafts": "true", "city": str(data.mombasa)},
        headers=bearer(data.editor_token),
    )
    assert refused.status_code == 403


def test_me_and_tokens(api: tuple[TestClient, Seed]) -> None:
    client, data = api
    me = client.get("/api/v1/me", headers=bearer(data.editor_token)).json()
    assert me["role"] == "city_editor"
    assert len(me["cities"]) == 1
    new = client.post(
        "/api/v1/me/tokens", json={"name": "cron"}, headers=bearer(data.editor_token)
    ).json()
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 200
    client.delete(f"/api/v1/me/tokens/{new['id']}", headers=bearer(data.editor_token))
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 401
