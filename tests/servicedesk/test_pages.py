"""The one-stop shop's pages: an editor files, the hub answers, the report counts it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.accounts.users import create_user
from sdgcities.servicedesk import service as sd
from sdgcities.store.db import transaction
from sdgcities.store.models import Hub, HubMember
from tests.web._apphelp import PASSWORD, login, make_app, seed


@pytest.fixture
def client(sqlite_engine: Engine) -> TestClient:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        hub = Hub(slug="africa", name="Regional hub for Africa", kind="regional")
        s.add(hub)
        s.flush()
        office = sd.create_office(
            s,
            slug="nairobi-hq",
            name="UN-Habitat Nairobi",
            timezone="Africa/Nairobi",
            hours="Mon-Fri 08:00-12:30,13:30-17:00",
            country="KE",
            hub_id=hub.id,
        )
        assert office.hub_id == hub.id
        staff = create_user(
            s,
            email="advisor@hub.example",
            password=PASSWORD,
            role="regional_hub",
            region="Sub-Saharan Africa",
        )
        s.add(HubMember(hub_id=hub.id, user_id=staff.id, function="advisor"))
        sd.add_policy(
            s,
            name="standard",
            first_response_hours=8,
            next_update_hours=16,
            resolution_hours=40,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return TestClient(make_app(sqlite_engine))


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


def test_file_answer_resolve_and_report(client: TestClient) -> None:
    login(client, "editor@nairobi.example")
    form = client.get("/servicedesk/new")
    assert form.status_code == 200
    city = re.search(r'<option value="(\d+)"[^>]*>Nairobi', form.text)
    assert city
    r = client.post(
        "/servicedesk/new",
        data={
            "csrf_token": _csrf(form.text),
            "office": "nairobi-hq",
            "request_type": "advisory",
            "priority": "high",
            "requester_category": "city",
            "title": "Own-source revenue diagnostic",
            "city": city.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    ref = r.headers["location"].rsplit("/", 1)[-1]
    page = client.get(f"/servicedesk/requests/{ref}")
    assert "first_response" in page.text or "First response" in page.text
    assert '/events"' not in page.text  # the editor cannot act
    assert client.get("/servicedesk/report").status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(page.text)})

    login(client, "advisor@hub.example")
    page = client.get(f"/servicedesk/requests/{ref}")
    assert "editor@nairobi.example" in page.text  # staff see the requester
    for kind in ("responded", "resolved"):
        r = client.post(
            f"/servicedesk/requests/{ref}/events",
            data={"csrf_token": _csrf(page.text), "kind": kind, "note": "on it"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = client.get(f"/servicedesk/requests/{ref}")
    assert "resolved" in page.text
    report = client.get("/servicedesk/report")
    assert report.status_code == 200
    assert "nairobi-hq" in report.text
    csv = client.get("/servicedesk/report.csv")
    assert (
        csv.text.splitlines()[0] == "request_type,office,quarter,target,met,breached,open,share_met"
    )
    assert any(line.startswith("advisory,nairobi-hq,") for line in csv.text.splitlines())


def test_others_cannot_see_or_act(client: TestClient) -> None:
    login(client, "editor@nairobi.example")
    form = client.get("/servicedesk/new")
    r = client.post(
        "/servicedesk/new",
        data={
            "csrf_token": _csrf(form.text),
            "office": "nairobi-hq",
            "request_type": "advisory",
            "requester_category": "city",
            "title": "x",
        },
        follow_redirects=False,
    )
    ref = r.headers["location"].rsplit("/", 1)[-1]
    client.post("/logout", data={"csrf_token": _csrf(form.text)})
    login(client, "learner@example.org")
    assert client.get(f"/servicedesk/requests/{ref}").status_code == 404
    assert ref not in client.get("/servicedesk?status=all").text
    anon = TestClient(client.app)
    assert anon.get("/servicedesk", follow_redirects=False).status_code in (303, 401)


def test_bad_form_input_is_shown_not_a_500(client: TestClient) -> None:
    login(client, "editor@nairobi.example")
    form = client.get("/servicedesk/new")
    r = client.post(
        "/servicedesk/new",
        data={
            "csrf_token": _csrf(form.text),
            "office": "nairobi-hq",
            "request_type": "advisory",
            "priority": "asap",
            "requester_category": "city",
            "title": "x",
        },
    )
    assert r.status_code == 422
    assert "asap" in r.text
    assert client.get("/servicedesk/requests/SR-2026-999999").status_code == 404
    assert client.get("/servicedesk/requests/not-a-ref").status_code in (404, 422)


def test_json_api(client: TestClient) -> None:
    from tests.web._apphelp import bearer

    with transaction(client.app.state.engine) as s:  # type: ignore[attr-defined]
        from sdgcities.accounts.tokens import issue_token

        editor, _ = issue_token(s, "editor@nairobi.example", name="t")
        advisor, _ = issue_token(s, "advisor@hub.example", name="t")
        learner, _ = issue_token(s, "learner@example.org", name="t")
    r = client.post(
        "/api/v1/servicedesk/requests",
        headers=bearer(editor),
        json={
            "office": "nairobi-hq",
            "request_type": "capacity_building",
            "priority": "urgent",
            "requester_category": "city",
            "title": "Training on SDG 11 data",
        },
    )
    assert r.status_code == 201, r.text
    ref = r.json()["reference"]
    assert r.json()["requester_email"] is None  # the editor is not the hub's staff
    assert {c["target"] for c in r.json()["clocks"]} == {"first_response", "resolution"}
    r = client.post(
        f"/api/v1/servicedesk/requests/{ref}/events",
        headers=bearer(editor),
        json={"kind": "responded"},
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/servicedesk/requests/{ref}/events",
        headers=bearer(advisor),
        json={"kind": "responded", "note": "a trainer is on the way"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["requester_email"] == "editor@nairobi.example"
    assert r.json()["status"] == "in_progress"
    r = client.post(
        f"/api/v1/servicedesk/requests/{ref}/events",
        headers=bearer(advisor),
        json={"kind": "resumed"},
    )
    assert r.status_code == 400
    assert "cannot be 'resumed'" in r.json()["error"]["message"]
    assert (
        client.get(f"/api/v1/servicedesk/requests/{ref}", headers=bearer(learner)).status_code
        == 404
    )
    assert client.get("/api/v1/servicedesk/requests", headers=bearer(learner)).json()["total"] == 0
    assert client.get("/api/v1/servicedesk/report", headers=bearer(learner)).status_code == 403
    rep = client.get("/api/v1/servicedesk/report", headers=bearer(advisor)).json()
    assert any(row["target"] == "first_response" and row["met"] == 1 for row in rep)
    due = client.get(
        "/api/v1/servicedesk/due",
        params={
            "timezone": "Africa/Nairobi",
            "hours": "Mon-Fri 08:00-12:30,13:30-17:00",
            "received": "2026-12-24T16:00:00",
            "business_hours": 16,
            "country": "KE",
        },
    )
    assert due.status_code == 200, due.text
    assert due.json()["due"] == "2026-12-29T16:00:00+03:00"
    bad = client.get(
        "/api/v1/servicedesk/due",
        params={
            "timezone": "Mars/Base",
            "hours": "Mon 08:00-09:00",
            "received": "2026-12-24T16:00:00",
            "business_hours": 1,
        },
    )
    assert bad.status_code == 400
    assert "unknown time zone" in bad.json()["error"]["message"]


def test_pages_in_french_and_spanish(client: TestClient) -> None:
    login(client, "advisor@hub.example")
    assert "Guichet unique" in client.get("/servicedesk?lang=fr").text
    assert "Rapport de conformité" in client.get("/servicedesk/report?lang=fr").text
    assert "Presentar una solicitud" in client.get("/servicedesk/new?lang=es").text
