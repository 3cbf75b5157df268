"""Certification and VLR pages and API through the in-process client (API tokens)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.store.db import transaction
from tests.certification._seed import Seeded, seed
from tests.web._apphelp import bearer, make_app

Web = tuple[TestClient, Seeded, dict[str, str]]


@pytest.fixture
def web(sqlite_engine: Engine, plan_kind: None) -> Iterator[Web]:
    from sdgcities.accounts.tokens import issue_token

    seeded = seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        tokens = {
            who: issue_token(s, f"{who}@example.org", name="t")[0]
            for who in ("admin", "editor-a", "editor-b", "hub", "other-hub")
        }
    with TestClient(make_app(sqlite_engine)) as client:
        yield client, seeded, tokens


def test_api_round_trip(web: Web) -> None:
    client, sd, tok = web
    ed, hub = bearer(tok["editor-a"]), bearer(tok["hub"])
    r = client.post("/api/v1/certification/applications", json={"city": sd.slug_a, "stage": 2},
                    headers=ed)  # fmt: skip
    assert r.status_code == 409
    assert "stage 1 must be approved" in r.json()["error"]["message"]
    r = client.post("/api/v1/certification/applications", json={"city": sd.slug_a, "stage": 1},
                    headers=ed)  # fmt: skip
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    for kind, ref in (("dataset", sd.import_id), ("hex_layer", sd.layer_id), ("approved_plan", 7)):
        r = client.post(f"/api/v1/certification/applications/{app_id}/evidence",
                        json={"kind": kind, "ref": str(ref)}, headers=ed)  # fmt: skip
        assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/certification/applications/{app_id}/evidence",
                    json={"kind": "hex_layer", "ref": "424242"}, headers=ed)  # fmt: skip
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert r.json()["error"]["message"].startswith("no hex_layer record")
    r = client.post(f"/api/v1/certification/applications/{app_id}/submit", headers=ed)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "in_review"
    r = client.post(f"/api/v1/certification/applications/{app_id}/review",
                    json={"action": "approve"}, headers=bearer(tok["other-hub"]))  # fmt: skip
    assert r.status_code == 404  # another hub's staff do not even see it
    r = client.post(f"/api/v1/certification/applications/{app_id}/review",
                    json={"action": "approve"}, headers=hub)  # fmt: skip
    assert r.status_code == 200, r.text
    code = r.json()["certificate"]
    v = client.get(f"/api/v1/certification/verify/{code}").json()
    assert (v["city_name"], v["stage"], v["status"]) == ("Kisumu", 1, "valid")
    ladder = client.get(f"/api/v1/certification/cities/{sd.slug_a}").json()
    assert [s["status"] for s in ladder["stages"]] == ["reached", "available", "locked", "locked"]
    assert "rank" not in str(ladder)
    r = client.get("/api/v1/certification/verify/0000-0000-0000-0000-0001")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_pages(web: Web) -> None:
    client, sd, tok = web
    r = client.get(f"/cities/{sd.slug_a}")
    assert r.status_code == 200
    assert "certification-panel-title" in r.text
    r = client.get(f"/cities/{sd.slug_a}/certification")
    assert r.status_code == 200
    assert "never ranks" in r.text
    assert "Apply for a stage" not in r.text
    ed = bearer(tok["editor-a"])
    r = client.post(f"/cities/{sd.slug_a}/certification/apply", data={"stage": "1"}, headers=ed,
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url, headers=ed)
    assert page.status_code == 200
    assert "no resolver registered yet" not in page.text
    assert 'data-kind="hex_layer"' in page.text  # the city's hex layer offered as candidate
    r = client.post(f"{url}/submit", headers=ed)
    assert r.status_code == 422
    assert "not complete" in r.text
    r = client.get("/certification/verify/not-a-code")
    assert r.status_code == 404
    assert "No such certificate" in r.text
    r = client.get("/certification/review", headers=bearer(tok["editor-a"]))
    assert r.status_code == 403
    assert client.get("/certification/review", headers=bearer(tok["hub"])).status_code == 200


def test_vlr_page_edit_and_preview(web: Web) -> None:
    client, sd, tok = web
    ed = bearer(tok["editor-a"])
    assert client.get(f"/cities/{sd.slug_a}/vlr").status_code == 401
    assert (
        client.get(f"/cities/{sd.slug_a}/vlr", headers=bearer(tok["editor-b"])).status_code == 404
    )
    r = client.post(f"/cities/{sd.slug_a}/vlr/blocks/introduction",
                    data={"text": "Kisumu on Lake Victoria."}, headers=ed,
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    r = client.post(f"/cities/{sd.slug_a}/vlr/blocks/nonsense", data={"text": "x"}, headers=ed)
    assert r.status_code == 422
    assert "no narrative block" in r.text
    r = client.post(f"/cities/{sd.slug_a}/vlr/blocks/introduction", data={"text": "x"},
                    headers=bearer(tok["hub"]))  # fmt: skip
    assert r.status_code == 403  # the hub reads, the city writes
    html = client.get(f"/cities/{sd.slug_a}/vlr/draft.html", headers=ed)
    assert html.status_code == 200
    assert "Kisumu on Lake Victoria." in html.text
    pdf = client.get(f"/cities/{sd.slug_a}/vlr/draft.pdf", headers=bearer(tok["hub"]))
    assert pdf.status_code == 200
    assert pdf.content[:5] == b"%PDF-"
