"""Programme pages and API: public reads, editors add funding lines (bad ones refused)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.programmes.demo import demo_line
from sdgcities.store.db import transaction
from tests.web._apphelp import login, make_app, seed


@pytest.fixture
def client(sqlite_engine: Engine) -> TestClient:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        demo_line(s)
    return TestClient(make_app(sqlite_engine))


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page[:500]
    return m.group(1)


def test_public_pages_and_downloads(client: TestClient) -> None:
    page = client.get("/programmes")
    assert page.status_code == 200
    assert "RISE-UP: Resilient Settlements for the Urban Poor" in page.text
    assert "<svg" in page.text
    assert "12,000,000" in page.text
    detail = client.get("/programmes/rise-up")
    assert detail.status_code == 200
    assert "Effective adaptation of communities and infrastructure to climate change" in detail.text
    assert 'href="#para-50"' in detail.text
    assert 'id="para-50"' in detail.text
    assert "Add a funding line" not in detail.text
    csv = client.get("/programmes/rise-up/funding-lines.csv")
    assert csv.status_code == 200
    assert "12000000" in csv.text
    xlsx = client.get("/programmes/money.xlsx")
    assert xlsx.content.startswith(b"PK")
    assert client.get("/programmes/nope").status_code == 404
    api = client.get("/api/v1/programmes/rise-up").json()
    assert {f["status"] for f in api["funding_lines"]} == {"mobilised", "concept_note"}
    assert client.get("/api/v1/programmes/totals", params={"by": "country"}).status_code == 200


def test_editor_adds_a_line_totals_change_bad_line_saves_nothing(client: TestClient) -> None:
    assert (
        client.post(
            "/api/v1/programmes/rise-up/funding-lines",
            json={"amount": "1", "currency": "USD", "status": "approved"},
        ).status_code
        == 401
    )
    login(client, "hub@example.org")  # a regional hub: may not edit the portfolio
    r = client.post(
        "/api/v1/programmes/rise-up/funding-lines",
        json={"amount": "1", "currency": "USD", "status": "approved"},
    )
    assert r.status_code == 403
    client.cookies.clear()
    login(client, "admin@example.org")
    page = client.get("/programmes/rise-up")
    assert "Add a funding line" in page.text
    bad = client.post(
        "/programmes/rise-up/funding",
        data={
            "csrf_token": _csrf(page.text),
            "amount": "-3",
            "currency": "XXQ",
            "status": "approved",
        },
    )
    assert bad.status_code == 422
    assert 'id="fl-amount-error"' in bad.text
    assert 'id="fl-currency-error"' in bad.text
    totals = client.get(
        "/api/v1/programmes/totals", params={"by": "status", "programme": "rise-up"}
    )
    assert {r["status"] for r in totals.json()["items"]} == {"mobilised", "concept_note"}
    ok = client.post(
        "/programmes/rise-up/funding",
        data={
            "csrf_token": _csrf(page.text),
            "amount": "500000",
            "currency": "usd",
            "status": "mobilised",
            "year": "2021",
            "countries": "VNM",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    after = client.get("/api/v1/programmes/totals", params={"by": "status", "programme": "rise-up"})
    mobilised = next(r for r in after.json()["items"] if r["status"] == "mobilised")
    assert mobilised["amount"] == 12_500_000.0
    assert mobilised["lines"] == 2
    api = client.post(
        "/api/v1/programmes/rise-up/funding-lines",
        json={"amount": "-1", "currency": "USD", "status": "approved"},
    )
    assert api.status_code == 400
    assert "amount" in api.text
    # the state of a partnership, set on the page
    partner = client.get("/api/v1/programmes/rise-up").json()["partners"][0]
    set_state = client.post(
        f"/programmes/rise-up/partners/{partner['provider_id']}",
        data={"csrf_token": _csrf(page.text), "state": "agreed"},
        follow_redirects=False,
    )
    assert set_state.status_code == 303
    partners = client.get("/api/v1/programmes/rise-up").json()["partners"]
    assert partners[0]["state"] == "agreed"
    # narrative: saved on the page, kept in the regenerated report
    narrative = client.get("/programmes/rise-up/narrative")
    assert narrative.status_code == 200
    saved = client.post(
        "/programmes/rise-up/narrative",
        data={
            "csrf_token": _csrf(narrative.text),
            "block": "progress",
            "text": "Progress qz edited.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    report = client.get("/programmes/board.html")
    assert "Progress qz edited." in report.text


def test_an_editor_deletes_an_adaptation_project_from_the_page_and_the_api(
    client: TestClient,
) -> None:
    from sqlalchemy import select

    from sdgcities.programmes.models import AdaptationProject

    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        first, second = s.scalars(
            select(AdaptationProject.id).order_by(AdaptationProject.id).limit(2)
        ).all()
    assert client.delete(f"/api/v1/programmes/rise-up/adaptation/{first}").status_code == 401
    login(client, "hub@example.org")  # a regional hub: may not edit the portfolio
    page = client.get("/programmes/rise-up")
    assert f"/adaptation/{first}/delete" not in page.text
    r = client.post(
        f"/programmes/rise-up/adaptation/{first}/delete",
        data={"csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 403
    login(client, "admin@example.org")
    page = client.get("/programmes/rise-up")
    assert f'action="/programmes/rise-up/adaptation/{first}/delete"' in page.text
    r = client.post(
        f"/programmes/rise-up/adaptation/{first}/delete",
        data={"csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/programmes/rise-up#adaptation")
    assert f'id="AP-{first}"' not in client.get("/programmes/rise-up").text
    token = _csrf(client.get("/programmes/rise-up").text)
    r = client.delete(
        f"/api/v1/programmes/rise-up/adaptation/{second}", headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 200, r.text
    assert r.json()["id"] == second
    again = client.delete(
        f"/api/v1/programmes/rise-up/adaptation/{second}", headers={"X-CSRF-Token": token}
    )
    assert again.status_code == 404
    ids = [a["id"] for a in client.get("/api/v1/programmes/rise-up/adaptation").json()["items"]]
    assert first not in ids
    assert second not in ids
