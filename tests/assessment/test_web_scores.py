"""Pages and the score API: published values for the public, one's own drafts only.

Seed (``tests.web._apphelp``): Nairobi has 11.2.1 = 41.5 (published) and 11.7.1 = 12
(draft); Mombasa 11.2.1 = 30 (published). Here Mombasa also gets a draft correction
11.2.1 = 99, which neither the public nor Nairobi's editor may see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.observations.service import record_value
from sdgcities.store.db import transaction
from tests.web._apphelp import Seed, login, make_app, seed


@pytest.fixture
def web(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Seed]]:
    monkeypatch.setenv("SDGCITIES_PAGE_CACHE", "off")
    data = seed(engine)
    with transaction(engine) as s:
        record_value(
            s, city_id=data.mombasa, indicator_code="11.2.1", year=2020, value=99.0,
            status="draft",
        )  # fmt: skip
    with TestClient(make_app(engine), raise_server_exceptions=False) as client:
        yield client, data


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _by_indicator(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(r["indicator"]): r for r in body["indicators"]}  # type: ignore[attr-defined]


def test_score_api_is_published_by_default(web: tuple[TestClient, Seed]) -> None:
    client, data = web
    public = client.get(f"/api/v1/cities/{data.nairobi}/scores").json()
    assert public["published_only"] is True
    assert _by_indicator(public)["11.7.1"]["value"] is None  # the draft stays private
    assert _by_indicator(public)["11.2.1"]["value"] == 41.5
    mombasa = client.get(f"/api/v1/cities/{data.mombasa}/scores").json()
    assert _by_indicator(mombasa)["11.2.1"]["value"] == 30.0  # published, not the draft 99
    refused = client.get(f"/api/v1/cities/{data.nairobi}/scores", params={"drafts": "true"})
    assert refused.status_code in (401, 403)
    assert "error" in refused.json()
    own = client.get(
        f"/api/v1/cities/{data.nairobi}/scores",
        params={"drafts": "true"},
        headers=_bearer(data.editor_token),
    ).json()
    assert own["published_only"] is False
    assert _by_indicator(own)["11.7.1"]["value"] == 12.0
    other = client.get(
        f"/api/v1/cities/{data.mombasa}/scores",
        params={"drafts": "true"},
        headers=_bearer(data.editor_token),
    )
    assert other.status_code == 403


def _indicator_rows(html: str) -> dict[str, str]:
    pattern = r'<tr>\s*<th scope="row"><a href="/indicators/([^"]+)">(.*?)</tr>'
    rows = re.findall(pattern, html, re.S)
    return {code: body for code, body in rows}


def test_city_page_public_and_editor(web: tuple[TestClient, Seed]) -> None:
    client, _ = web
    public = client.get("/cities/nairobi")
    assert public.status_code == 200
    rows = _indicator_rows(public.text)
    assert set(rows) == {"11.2.1"}  # the draft 11.7.1 is not shown
    assert "30" in rows["11.2.1"]
    assert "99" not in rows["11.2.1"]
    login(client, "editor@nairobi.example")
    mine = client.get("/cities/nairobi")
    rows = _indicator_rows(mine.text)
    assert set(rows) == {"11.2.1", "11.7.1"}
    assert "Draft (for review)" in rows["11.7.1"]
    # Mombasa's draft (99) never enters the editor's peer median
    assert "99" not in rows["11.2.1"]
    other = _indicator_rows(client.get("/cities/mombasa").text)
    assert "99" not in other["11.2.1"]


def test_benchmark_set_parameters_from_the_web(web: tuple[TestClient, Seed]) -> None:
    client, data = web
    sets = client.get("/api/v1/benchmark-sets").json()
    default = next(b for b in sets if b["name"] == "sdg11-default")
    assert default["red_share_rule"] is True
    assert default["progress_method"] == "cagr-ratio"
    body = {"red_share_rule": False, "progress_method": "sdr-trend"}
    anon = client.patch("/api/v1/benchmark-sets/sdg11-default", json=body)
    assert anon.status_code == 401
    editor = client.patch(
        "/api/v1/benchmark-sets/sdg11-default", json=body, headers=_bearer(data.editor_token)
    )
    assert editor.status_code == 403
    bad = client.patch(
        "/api/v1/benchmark-sets/sdg11-default",
        json={"progress_method": "fast"},
        headers=_bearer(data.admin_token),
    )
    assert bad.status_code in (400, 422)
    assert "error" in bad.json()
    ok = client.patch(
        "/api/v1/benchmark-sets/sdg11-default", json=body, headers=_bearer(data.admin_token)
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["red_share_rule"] is False
    assert ok.json()["version"] == default["version"] + 1
    missing = client.patch(
        "/api/v1/benchmark-sets/nope", json=body, headers=_bearer(data.admin_token)
    )
    assert missing.status_code == 404


def test_score_api_progress_method(web: tuple[TestClient, Seed]) -> None:
    client, data = web
    url = f"/api/v1/cities/{data.nairobi}/scores"
    assert client.get(url, params={"progress_method": "sdr-trend"}).status_code == 200
    bad = client.get(url, params={"progress_method": "fast"})
    assert bad.status_code in (400, 422)
    assert "error" in bad.json()
