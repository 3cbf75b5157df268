"""Login, sessions, CSRF and throttling through the web app; pages and API both scoped."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sdgcities.accounts.login import MAX_FAILURES
from sdgcities.store.db import transaction
from sdgcities.store.models import WebSession
from tests.web._apphelp import PASSWORD, Seed, bearer, csrf_of, login, make_app, seed


@pytest.fixture
def app_client(engine: Engine) -> Iterator[tuple[TestClient, Seed]]:
    data = seed(engine)
    with TestClient(make_app(engine), raise_server_exceptions=False) as client:
        yield client, data


def _form_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_login_sets_a_safe_session_cookie(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    page = client.get("/login")
    assert page.status_code == 200
    before = client.cookies.get("sdgcities_session")
    assert before
    token = _form_token(client)
    r = client.post(
        "/login",
        data={
            "email": "editor@nairobi.example",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/cities",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/cities"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    after = client.cookies.get("sdgcities_session")
    assert after
    assert after != before
    me = client.get("/api/v1/me").json()
    assert me["email"] == "editor@nairobi.example"
    assert me["auth"] == "session"
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        ids = list(s.scalars(select(WebSession.id)))
    assert after not in ids  # only the hash is stored


def test_open_redirect_is_refused(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    token = _form_token(client)
    r = client.post(
        "/login",
        data={
            "email": "learner@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_login_needs_the_csrf_token(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    fresh = TestClient(client.app, raise_server_exceptions=False)
    r = fresh.post(
        "/login",
        data={"email": "learner@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 403  # no session at all: reload the form


def test_wrong_password_then_throttled(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    token = _form_token(client)
    for _ in range(MAX_FAILURES):
        r = client.post(
            "/login",
            data={"email": "learner@example.org", "password": "nope nope", "csrf_token": token},
        )
        assert r.status_code == 401
        assert "wrong e-mail address or password" in r.text
    r = client.post(
        "/login", data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


def test_csrf_on_cookie_authenticated_api_writes(app_client: tuple[TestClient, Seed]) -> None:
    client, data = app_client
    csrf = login(client, "editor@nairobi.example")
    value = {"city": str(data.nairobi), "indicator": "11.2.1", "year": 2021, "value": 40.0}
    r = client.post("/api/v1/observations", json=value)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    r = client.post("/api/v1/observations", json=value, headers={"X-CSRF-Token": "bad"})
    assert r.status_code == 403
    r = client.post("/api/v1/observations", json=value, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    # token-authenticated calls are exempt (no cookie is involved)
    bare = TestClient(client.app, raise_server_exceptions=False)
    r = bare.post(
        "/api/v1/observations", json=dict(value, year=2022), headers=bearer(data.editor_token)
    )
    assert r.status_code == 201


def test_editor_cannot_change_another_city(app_client: tuple[TestClient, Seed]) -> None:
    client, data = app_client
    csrf = login(client, "editor@nairobi.example")
    other = {"city": str(data.mombasa), "indicator": "11.2.1", "year": 2021, "value": 1.0}
    r = client.post("/api/v1/observations", json=other, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = client.post("/api/v1/observations", json=other, headers=bearer(data.editor_token))
    assert r.status_code == 403
    learner = TestClient(client.app, raise_server_exceptions=False)
    csrf = login(learner, "learner@example.org")
    mine = dict(other, city=str(data.nairobi))
    r = learner.post("/api/v1/observations", json=mine, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_hub_sees_drafts_of_the_cities_it_serves(app_client: tuple[TestClient, Seed]) -> None:
    client, data = app_client
    login(client, "hub@example.org")
    seen = client.get("/api/v1/observations", params={"city": data.nairobi}).json()
    assert "draft" in {o["status"] for o in seen["items"]}


def test_logout(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    csrf = login(client, "learner@example.org")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    assert csrf_of  # helper kept importable for page tests
