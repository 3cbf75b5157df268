"""One JSON error shape on every error path of the API; HTML errors elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.accounts.errors import ThrottledError
from sdgcities.errors import ConflictError, Finding, ValidationError
from tests.web._apphelp import Seed, bearer, make_app, seed


def _boom_routes() -> APIRouter:
    """Routes that raise what no real endpoint can be made to raise on demand."""
    r = APIRouter()

    @r.get("/api/v1/_test/conflict")
    def conflict() -> None:
        raise ConflictError("the slug 'nairobi-ken' is taken")

    @r.get("/api/v1/_test/throttled")
    def throttled() -> None:
        raise ThrottledError("too many attempts", retry_after=42)

    @r.get("/api/v1/_test/findings")
    def findings() -> None:
        raise ValidationError(
            "the file has problems",
            [Finding("not a number", file="v.csv", row=3, column="value", value="x")],
        )

    @r.get("/api/v1/_test/crash")
    def crash() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    @r.get("/_test/crash")
    def page_crash() -> None:
        raise RuntimeError("secret internal detail")

    return r


@pytest.fixture
def client(sqlite_engine: Engine) -> Iterator[tuple[TestClient, Seed]]:
    data = seed(sqlite_engine)
    app = make_app(sqlite_engine)
    app.include_router(_boom_routes())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, data


def _shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message", "details"}
    assert err["status"] == status
    assert err["code"] == code
    assert isinstance(err["message"], str)
    assert err["message"]
    assert isinstance(err["details"], list)
    return err  # type: ignore[no-any-return]


def test_every_error_path_has_the_shape(client: tuple[TestClient, Seed]) -> None:
    c, data = client
    _shape(c.get("/api/v1/no/such/route"), 404, "not_found")
    _shape(c.get("/api/v1/cities/atlantis"), 404, "not_found")
    err = _shape(c.put("/api/v1/cities"), 405, "method_not_allowed")
    assert "GET" in err["message"]
    err = _shape(c.get("/api/v1/cities", params={"limit": "lots"}), 422, "validation_error")
    assert err["details"][0]["field"] == "limit"
    assert err["details"][0]["location"] == "query"
    err = _shape(
        c.post("/api/v1/observations", json={"city": "x"}, headers=bearer(data.admin_token)),
        422,
        "validation_error",
    )
    assert {"indicator", "year", "value"} <= {d["field"] for d in err["details"]}
    _shape(
        c.post(
            "/api/v1/observations",
            content=b"{not json",
            headers={**bearer(data.admin_token), "Content-Type": "application/json"},
        ),
        422,
        "validation_error",
    )
    _shape(c.get("/api/v1/observations", params={"disaggregation": "sex"}), 400, "bad_request")
    err = _shape(c.get("/api/v1/_test/findings"), 400, "validation_error")
    assert err["details"][0]["row"] == 3
    assert err["details"][0]["column"] == "value"
    year = {"city": str(data.nairobi), "indicator": "11.2.1", "year": 2099, "value": 1.0}
    _shape(
        c.post("/api/v1/observations", json=year, headers=bearer(data.admin_token)),
        400,
        "validation_error",
    )
    r = c.get("/api/v1/me")
    _shape(r, 401, "unauthorized")
    _shape(c.get("/api/v1/me", headers=bearer("sdg_wrong")), 401, "unauthorized")
    _shape(c.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    other = dict(year, city=str(data.mombasa), year=2020)
    _shape(
        c.post("/api/v1/observations", json=other, headers=bearer(data.editor_token)),
        403,
        "forbidden",
    )
    _shape(c.get("/api/v1/_test/conflict"), 409, "conflict")
    r = c.get("/api/v1/_test/throttled")
    _shape(r, 429, "throttled")
    assert r.headers["retry-after"] == "42"
    err = _shape(c.get("/api/v1/_test/crash"), 500, "internal_error")
    assert "secret" not in err["message"]
    assert "passwd" not in c.get("/api/v1/_test/crash").text


def test_413_shape(client: tuple[TestClient, Seed], monkeypatch: pytest.MonkeyPatch) -> None:
    c, data = client
    app = c.app  # type: ignore[attr-defined]
    app.state.settings = replace(app.state.settings, max_upload_mb=0.0001)
    r = c.post(
        "/api/v1/observations/import",
        content=b"x" * 1000,
        headers={**bearer(data.editor_token), "Content-Type": "text/csv"},
    )
    _shape(r, 413, "payload_too_large")


def test_pages_get_html_errors(client: tuple[TestClient, Seed]) -> None:
    c, _ = client
    r = c.get("/no-such-page-anywhere")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    r = c.get("/_test/crash")
    assert r.status_code == 500
    assert "secret" not in r.text
