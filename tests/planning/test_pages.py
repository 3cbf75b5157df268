"""Plan pages and API: an editor writes, the hub approves, the public sees; drafts stay private."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.planning._world import EDITOR, INSIDE, OTHER, REVIEWER, World, seed
from tests.web._apphelp import login, make_app


@pytest.fixture
def app(sqlite_engine: Engine) -> tuple[TestClient, World]:
    world = seed(sqlite_engine)
    return TestClient(make_app(sqlite_engine), follow_redirects=False), world


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page[:2000]
    return m.group(1)


def _logout(client: TestClient) -> None:
    client.cookies.clear()


def test_editor_to_public_through_approval(app: tuple[TestClient, World]) -> None:
    client, w = app
    assert client.get(f"/cities/{w.city}/plan").status_code == 200
    assert client.get(f"/api/v1/cities/{w.city}/plan").status_code == 404
    login(client, EDITOR)
    page = client.get(f"/cities/{w.city}/plan").text
    token = _csrf(page)
    base = f"/cities/{w.city}/plan"
    r = client.post(
        f"{base}/vision", data={"csrf_token": token, "vision": "A lake city for all-qz"}
    )
    assert r.status_code == 303, r.text
    bad = client.post(
        f"{base}/targets",
        data={"csrf_token": token, "indicator": "11.2.1", "value": "75", "unit": "km",
              "baseline_value": "40", "baseline_year": "2020", "source": "survey"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "11.2.1" in bad.text
    assert "km" in bad.text
    ok = client.post(
        f"{base}/targets",
        data={"csrf_token": token, "indicator": "11.2.1", "value": "0.75", "unit": "share",
              "baseline_value": "0.40", "baseline_year": "2020", "source": "survey"},
    )  # fmt: skip
    assert ok.status_code == 303
    import json

    r = client.post(
        f"{base}/places",
        data={"csrf_token": token, "name": "Nyalenda", "geometry": json.dumps(INSIDE)},
    )
    assert r.status_code == 303, r.text
    r = client.post(
        f"{base}/places", data={"csrf_token": token, "name": "Nowhere", "geometry": "{not json"}
    )
    assert r.status_code == 400
    assert "not JSON" in r.text
    r = client.post(
        f"{base}/consultations",
        data={"csrf_token": token, "held_on": "2026-03-14", "title": "Youth forum",
              "stakeholder_groups": "youth, traders", "group": ["youth", ""], "women": ["31", ""],
              "men": ["27", ""], "other": ["1", ""], "changes": "Added Nyalenda"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert client.post(f"{base}/approve", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{base}/submit", data={"csrf_token": token}).status_code == 303
    # the public still sees no plan; the draft vision does not leak into the city page
    _logout(client)
    assert "lake city for all-qz" not in client.get(f"/cities/{w.city}").text
    assert "lake city for all-qz" not in client.get(f"{base}").text
    assert client.get(f"{base}/versions/1").status_code == 404
    login(client, OTHER)
    assert client.get(f"{base}/versions/1").status_code == 404
    _logout(client)
    login(client, REVIEWER)
    page = client.get(base).text
    assert "plan-approve" in page
    assert client.post(f"{base}/approve", data={"csrf_token": _csrf(page)}).status_code == 303
    _logout(client)
    city_page = client.get(f"/cities/{w.city}").text
    assert "lake city for all-qz" in city_page
    assert "on track" in city_page
    api = client.get(f"/api/v1/cities/{w.city}/plan").json()
    assert api["status"] == "approved"
    assert api["targets"][0]["value"] == 75.0
    assert "created_by" not in api
    assert api["consultations"][0]["participants_by_sex"]["total"] == 59
    prog = client.get(f"/api/v1/cities/{w.city}/plan/progress").json()
    assert prog["items"][0]["category"] == "on track"
    sdr = client.get(
        f"/api/v1/cities/{w.city}/plan/progress", params={"progress-method": "sdr-trend"}
    )
    assert sdr.json()["items"][0]["category"] == "moderately improving"


def test_plan_import_page_reports_rows(app: tuple[TestClient, World]) -> None:
    client, w = app
    login(client, EDITOR)
    token = _csrf(client.get(f"/cities/{w.city}/plan").text)
    csv = "indicator,value,unit,baseline_value,baseline_year,source\n11.2.1,75,km,40,2020,x\n"
    r = client.post(
        f"/cities/{w.city}/plan/import",
        data={"csrf_token": token},
        files={"file": ("targets.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 400
    assert "targets.csv, row 2" in r.text
