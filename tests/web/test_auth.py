"""Login, sessions, CSRF and throttling through the web app; pages and API both scoped."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sdgcities.accounts.login import MAX_FAILURES
from sdgcities.accounts.sessions import session_key
from sdgcities.store.db import transaction
from sdgcities.store.models import LoginAttempt, WebSession
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
    assert len(after) >= 40  # 32 random bytes, URL-safe
    assert after != before  # a new id on login: a fixed session is worthless
    assert "Secure" not in cookie  # plain http in the test client (auto mode)
    assert f"Max-Age={7 * 24 * 3600}" in cookie
    me = client.get("/api/v1/me").json()
    assert me["email"] == "editor@nairobi.example"
    assert me["auth"] == "session"
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        ids = list(s.scalars(select(WebSession.id)))
    assert after not in ids  # only the keyed hash is stored …
    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    keyed = hmac.new(secret.encode(), after.encode(), hashlib.sha256).hexdigest()
    assert keyed in ids  # … HMAC-SHA256 under SDGCITIES_SECRET_KEY
    assert hashlib.sha256(after.encode()).hexdigest() not in ids
    # the session from before the login is gone
    assert session_key(before, secret) not in ids


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


def _try(client: TestClient, email: str, password: str, **headers: str) -> int:
    token = _form_token(client)
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return r.status_code


def test_wrong_passwords_slow_the_client_down_not_the_account(
    app_client: tuple[TestClient, Seed],
) -> None:
    client, _ = app_client
    attacker = TestClient(client.app, raise_server_exceptions=False, client=("198.51.100.66", 1))
    for i in range(MAX_FAILURES):
        # a forged X-Forwarded-For changes nothing: no proxy is trusted by default
        assert (
            _try(attacker, "admin@example.org", "nope nope", **{"X-Forwarded-For": f"10.{i}.0.1"})
            == 401
        )
    token = _form_token(attacker)
    r = attacker.post(
        "/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 10
    # the admin, from her own address, is not locked out
    admin = TestClient(client.app, raise_server_exceptions=False, client=("192.0.2.10", 1))
    assert _try(admin, "admin@example.org", PASSWORD) == 303
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        keys = set(s.scalars(select(LoginAttempt.key)))
    assert "addr:198.51.100.66" in keys
    assert not any(k.startswith("addr:10.") for k in keys)


def test_forwarded_for_is_trusted_only_from_configured_proxies(
    app_client: tuple[TestClient, Seed],
) -> None:
    client, _ = app_client
    from sdgcities.web.app import create_app

    settings = replace(client.app.state.settings, trusted_proxies=("127.0.0.1",))  # type: ignore[attr-defined]
    app = create_app(settings, migrate=False)
    app.state.engine = client.app.state.engine  # type: ignore[attr-defined]
    proxy = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 1))
    other = TestClient(app, raise_server_exceptions=False, client=("10.1.1.1", 1))
    xff = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert _try(proxy, "learner@example.org", "nope nope", **xff) == 401
    assert _try(other, "learner@example.org", "nope nope", **xff) == 401
    with transaction(app.state.engine) as s:
        keys = set(s.scalars(select(LoginAttempt.key)))
    assert "addr:203.0.113.7" in keys  # the real client behind the trusted proxy
    assert "addr:10.1.1.1" in keys  # an untrusted sender's header is ignored
    assert "addr:127.0.0.1" not in keys
    # behind the proxy the scheme is https: the session cookie is Secure
    fresh_proxy = TestClient(app, client=("127.0.0.1", 2))
    assert "secure" in fresh_proxy.get("/login", headers=xff).headers["set-cookie"].lower()
    fresh_other = TestClient(app, client=("10.1.1.2", 2))
    assert "secure" not in fresh_other.get("/login", headers=xff).headers["set-cookie"].lower()


def test_cookie_secure_setting(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    app = client.app
    app.state.settings = replace(app.state.settings, cookie_secure="always")  # type: ignore[attr-defined]
    cookie = TestClient(app).get("/login").headers["set-cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    app.state.settings = replace(app.state.settings, cookie_secure="never")  # type: ignore[attr-defined]
    https = TestClient(app, base_url="https://testserver")
    assert "Secure" not in https.get("/login").headers["set-cookie"]


def test_rotating_the_secret_key_ends_sessions(app_client: tuple[TestClient, Seed]) -> None:
    client, _ = app_client
    login(client, "learner@example.org")
    assert client.get("/api/v1/me").status_code == 200
    app = client.app
    app.state.settings = replace(app.state.settings, secret_key="a-new-secret-key-0123456789")  # type: ignore[attr-defined]
    assert client.get("/api/v1/me").status_code == 401


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
