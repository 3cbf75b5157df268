"""Capacity pages: public catalogue and plan; a need from a red indicator, matched, confirmed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sdgcities.capacity.demo import seed_demo
from sdgcities.capacity.models import MatchDecision
from sdgcities.store.db import transaction
from tests.web._apphelp import login, make_app, seed


@pytest.fixture
def client(sqlite_engine: Engine) -> TestClient:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        seed_demo(s)
    return TestClient(make_app(sqlite_engine))


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


def test_public_catalogue_with_facets_and_plan(client: TestClient) -> None:
    page = client.get("/capacity/catalogue")
    assert page.status_code == 200
    assert "New Urban Agenda Illustrated" in page.text
    assert "6 entries" in page.text
    only = client.get("/capacity/catalogue", params={"theme": "housing"})
    assert "UN-Habitat Learn: housing" in only.text
    assert "UN-Habitat Learn: basic services" not in only.text
    plan = client.get("/capacity/plan")
    assert plan.status_code == 200
    assert "Organize a &#34;financing dialogue&#34; at the World Urban Forum" in plan.text or (
        "financing dialogue" in plan.text
    )
    assert "482,000 USD" in plan.text or "482 000 USD" in plan.text
    assert "Not in the source text" in plan.text


def test_need_from_red_indicator_matched_and_confirmed(client: TestClient) -> None:
    login(client, "editor@nairobi.example")
    home = client.get("/capacity/needs")
    city_id = client.get("/api/v1/cities/nairobi").json()["id"]
    r = client.post(
        "/capacity/needs/from-indicator",
        data={
            "csrf_token": _csrf(client.get("/servicedesk/new").text),
            "city": city_id,
            "indicator": "11.1.1",
            "colour": "red",
            "score": "8.0",
            "year": "2020",
        },
        follow_redirects=False,
    )
    assert home.status_code == 200
    assert r.status_code == 303, r.text
    need_url = r.headers["location"]
    page = client.get(need_url)
    assert "UN-Habitat Learn: housing" in page.text  # the housing course matches 11.1.1
    assert "Confirm" not in page.text  # editors do not decide
    client.post("/logout", data={"csrf_token": _csrf(page.text)})
    login(client, "admin@example.org")
    page = client.get(need_url)
    offer = re.search(
        r'name="offer_type" value="(\w+)"><input type="hidden" name="offer_id" value="(\d+)"',
        page.text,
    )
    assert offer
    r = client.post(
        f"{need_url}/decisions",
        data={
            "csrf_token": _csrf(page.text),
            "offer_type": offer.group(1),
            "offer_id": offer.group(2),
            "decision": "confirmed",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "matched" in client.get(need_url).text
    with transaction(client.app.state.engine) as s:  # type: ignore[attr-defined]
        d = s.scalars(select(MatchDecision)).one()
    assert d.decided_by == "admin@example.org"
    assert set(d.factors) == {"themes", "language", "region", "level", "availability"}


def test_needs_are_private(client: TestClient) -> None:
    login(client, "editor@nairobi.example")
    city_id = client.get("/api/v1/cities/nairobi").json()["id"]
    r = client.post(
        "/capacity/needs/from-indicator",
        data={
            "csrf_token": _csrf(client.get("/servicedesk/new").text),
            "city": city_id,
            "indicator": "11.2.1",
        },
        follow_redirects=False,
    )
    need_url = r.headers["location"]
    anon = TestClient(client.app)
    assert anon.get(need_url, follow_redirects=False).status_code in (303, 401)
    client.post("/logout", data={"csrf_token": _csrf(client.get(need_url).text)})
    login(client, "learner@example.org")
    assert client.get(need_url).status_code == 404
    other = client.get("/api/v1/cities/mombasa").json()["id"]
    r = client.post(
        "/capacity/needs/from-indicator",
        data={
            "csrf_token": _csrf(client.get("/servicedesk/new").text),
            "city": other,
            "indicator": "11.2.1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_pages_in_french_and_spanish(client: TestClient) -> None:
    fr = client.get("/capacity/catalogue?lang=fr").text
    assert "Catalogue du renforcement des capacités" in fr
    assert "6 entrées" in fr
    assert (
        "Plan de ejecución del desarrollo de capacidades"
        in client.get("/capacity/plan?lang=es").text
    )


def test_plan_shows_each_outputs_key_activities_once(client: TestClient) -> None:
    from markupsafe import escape

    page = client.get("/capacity/plan").text
    with transaction(client.app.state.engine) as s:  # type: ignore[attr-defined]
        from sdgcities.capacity.service import plan_as_dict

        data = plan_as_dict(s)
    checked = 0
    for obj in data["objectives"]:
        for oc in obj["outcomes"]:
            for op in oc["outputs"]:
                n_actions = sum(1 for a in oc["actions"] if a["output"] == op["code"])
                text = str(escape(op["key_activities"]))
                if n_actions >= 2 and len(text) > 40:
                    assert page.count(text) == 1, op["code"]
                    checked += 1
    assert checked >= 3
