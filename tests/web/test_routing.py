"""The API router declines a page's path without trying its routes, and still serves its own."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.types import Scope

from sdgcities.web.api import router as api_router
from tests.web._apphelp import make_app, seed


def _routes_under(router: Any) -> set[int]:
    """ids of every APIRoute in ``router`` and the routers it includes."""
    found: set[int] = set()
    for route in router.routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found |= _routes_under(inner)
        elif isinstance(route, APIRoute):
            found.add(id(route))
    return found


def test_a_page_request_is_not_matched_against_the_api_routes(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sqlite_engine)
    api = _routes_under(api_router)
    assert len(api) > 100
    tried: list[int] = []
    original = APIRoute.matches

    def counting(self: APIRoute, scope: Scope) -> Any:
        tried.append(id(self))
        return original(self, scope)

    monkeypatch.setattr(APIRoute, "matches", counting)
    with TestClient(make_app(sqlite_engine), raise_server_exceptions=False) as client:
        tried.clear()
        assert client.get("/cities/nairobi-ken").status_code == 200
        assert tried, "the page's own routes are tried"
        assert not api.intersection(tried), "API routes were tried for a page"
        tried.clear()
        assert client.get("/api/v1/cities").status_code == 200
        assert api.intersection(tried)
        # the API's own answers: an unknown API path is the API's 404, as JSON
        missing = client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("root_path", ["", "/sdg", "/ap", "/api/"])
def test_the_api_is_served_below_any_proxy_root_path(sqlite_engine: Engine, root_path: str) -> None:
    """Behind a proxy at a sub-path (uvicorn --root-path), as without the guard: only a
    whole leading segment is the root path, so "/ap" does not hide "/api/v1"."""
    seed(sqlite_engine)
    app = make_app(sqlite_engine)  # a fresh app: no cached answer of another root path
    with TestClient(app, root_path=root_path, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/cities").status_code == 200
        assert client.get("/cities/nairobi-ken").status_code == 200
