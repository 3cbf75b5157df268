"""The review API and the privacy of the data pages, through the in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.store.db import transaction
from tests.review._seed import Seeded, seed
from tests.web._apphelp import bearer, make_app


@pytest.fixture
def web(engine: Engine) -> Iterator[tuple[TestClient, Seeded, dict[str, str]]]:
    from sdgcities.accounts.tokens import issue_token

    seeded = seed(engine)
    with transaction(engine) as s:
        tokens = {
            who: issue_token(s, f"{who}@example.org", name="t")[0]
            for who in ("admin", "editor-a", "editor-b", "hub", "learner")
        }
    with TestClient(make_app(engine)) as client:
        yield client, seeded, tokens


def test_review_api_round_trip(web: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, _, tok = web
    value = {"city": "kisumu-ken", "indicator": "11.2.1", "year": 2020, "value": 44.0}
    assert client.post(
        "/api/v1/observations", json=value, headers=bearer(tok["editor-a"])
    ).is_success
    r = client.post("/api/v1/review/submissions", json={"city": "kisumu-ken"})
    assert r.status_code == 401
    r = client.post(
        "/api/v1/review/submissions", json={"city": "kisumu-ken"}, headers=bearer(tok["editor-b"])
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = client.post(
        "/api/v1/review/submissions",
        json={"city": "kisumu-ken", "comment": "recount"},
        headers=bearer(tok["editor-a"]),
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["state"] == "submitted"
    assert [(i["published_value"], i["value"]) for i in sub["items"]] == [(41.5, 44.0)]
    sid = sub["id"]
    # B's editor and a learner do not even see it
    for who in ("editor-b", "learner"):
        r = client.get(f"/api/v1/review/submissions/{sid}", headers=bearer(tok[who]))
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    r = client.post(
        f"/api/v1/review/submissions/{sid}/publish", json={}, headers=bearer(tok["editor-a"])
    )
    assert r.status_code == 403
    r = client.post(f"/api/v1/review/submissions/{sid}/return", json={}, headers=bearer(tok["hub"]))
    assert r.status_code == 400
    assert "comment" in r.text
    r = client.post(
        f"/api/v1/review/submissions/{sid}/publish", json={}, headers=bearer(tok["hub"])
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "published"
    r = client.post(
        f"/api/v1/review/submissions/{sid}/publish", json={}, headers=bearer(tok["hub"])
    )
    assert r.status_code == 409
    assert "allowed now: none" in r.json()["error"]["message"]
    public = client.get("/api/v1/observations", params={"city": "kisumu-ken"}).json()
    assert [o["value"] for o in public["items"]] == [44.0]
    audit = client.get("/api/v1/review/audit", headers=bearer(tok["hub"])).json()
    assert [e["action"] for e in audit["items"]] == ["publish", "submit", "open"]
    assert audit["items"][0]["actor"] == "hub@example.org"
    learner = client.get("/api/v1/review/audit", headers=bearer(tok["learner"])).json()
    assert learner["total"] == 0


def test_provenance_reads_as_fields(web: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    from sdgcities.observations.service import record_value

    client, seeded, _ = web
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        obs = record_value(
            s,
            city_id=seeded.b,
            indicator_code="11.7.1",
            year=2021,
            value=17.0,
            user="sdgcities spatial",
            provenance={
                "kind": "spatial",
                "run_id": 7,
                "parameters": {"walk_m": 400, "osm": {"filters": ["park", "garden"]}},
                "inputs": {"osm": "ab" * 32},
                "population_is_estimate": True,
            },
        )
        oid = obs.id
    html = client.get(f"/data/provenance/{oid}").text
    assert "Population estimated</dt>" in html
    assert "<dd>yes</dd>" in html
    assert "True" not in html
    assert "{&#39;" not in html  # no raw dict
    assert f'<code class="small">{"ab" * 32}</code>' in html
    fr = client.get(f"/data/provenance/{oid}?lang=fr").text
    assert "Population estimée" in fr
    assert "<dd>oui</dd>" in fr


def test_public_history_and_imports_hide_drafts_and_people(
    web: tuple[TestClient, Seeded, dict[str, str]],
) -> None:
    client, _, tok = web
    value = {
        "city": "kisumu-ken",
        "indicator": "11.2.1",
        "year": 2020,
        "value": 44.0,
        "reason": "secret-draft-reason",
    }
    client.post("/api/v1/observations", json=value, headers=bearer(tok["editor-a"]))
    url = "/data/history?city=kisumu-ken&indicator=11.2.1"
    public = client.get(url).text
    assert "41.5" in public
    assert "secret-draft-reason" not in public
    assert "@example.org" not in public
    staff = client.get(url, headers=bearer(tok["hub"])).text
    assert "secret-draft-reason" in staff
    assert "editor-a@example.org" in staff
    other = client.get(url, headers=bearer(tok["editor-b"])).text
    assert "secret-draft-reason" not in other
