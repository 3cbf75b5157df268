"""Trips to the thread pool per request: one for the handler, one for the commit.

Each sync dependency or step FastAPI runs costs a trip to the thread pool (a hand-off
between the event loop and a worker thread, under the GIL). The session, the mail
after the response and an anonymous reader's identity are resolved on the event loop;
the busiest lists serialise their page in the handler's own trip. A regression here
adds CPU to every request, which the load benchmark (``bench/bench_web.py``) shows but
no timing test may assert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.web.api._schemas import CityOut, IndicatorOut, ObservationOut, Page
from tests.web._apphelp import Seed, make_app, seed


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """What each request sent to the thread pool (by callable name)."""
    seen: Counter[str] = Counter()
    original = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        inner = getattr(func, "func", func)  # functools.partial of FastAPI's helpers
        name = getattr(inner, "__qualname__", repr(inner))
        wrapped = getattr(func, "keywords", {}).get("function")  # the endpoint itself
        seen[f"{name}:{getattr(wrapped, '__name__', '')}" if wrapped else name] += 1
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return seen


@pytest.fixture
def client(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Seed]]:
    monkeypatch.setenv("SDGCITIES_PAGE_CACHE", "off")  # every request computed: the real cost
    data = seed(sqlite_engine)
    with TestClient(make_app(sqlite_engine), raise_server_exceptions=False) as c:
        yield c, data


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cities?limit=50",
        "/api/v1/indicators",
        "/api/v1/observations?city=nairobi-ken&limit=100",
        "/cities/nairobi-ken",
    ],
)
def test_an_anonymous_read_makes_two_trips(
    client: tuple[TestClient, Seed], trips: Counter[str], url: str
) -> None:
    c, _ = client
    assert c.get(url).status_code == 200  # warm: first requests compile and load
    trips.clear()
    assert c.get(url).status_code == 200
    assert sum(trips.values()) == 2, dict(trips)
    assert sum(n for name, n in trips.items() if "_run_sync_endpoint" in name) == 1
    assert trips["_commit_and_close"] == 1


def test_a_token_is_checked_in_the_pool_and_still_sees_drafts(
    client: tuple[TestClient, Seed], trips: Counter[str]
) -> None:
    c, data = client
    url = "/api/v1/observations?city=nairobi-ken&limit=100"
    anonymous = {o["id"] for o in c.get(url).json()["items"]}
    trips.clear()
    signed = c.get(url, headers={"Authorization": f"Bearer {data.admin_token}"})
    assert signed.status_code == 200
    assert sum(trips.values()) == 3, dict(trips)  # the token, the handler, the commit
    ids = {o["id"] for o in signed.json()["items"]}
    assert data.draft_obs in ids
    assert data.draft_obs not in anonymous
    wrong = c.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401  # never silently anonymous


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/api/v1/cities?limit=1", Page[CityOut]),
        ("/api/v1/indicators?limit=7&offset=3", Page[IndicatorOut]),
        ("/api/v1/observations?limit=1", Page[ObservationOut]),
    ],
)
def test_a_list_serialised_in_the_handler_is_what_its_model_validates(
    client: tuple[TestClient, Seed], url: str, model: Any
) -> None:
    """The page skips FastAPI's second validation: its JSON must be exactly the model's."""
    c, _ = client
    r = c.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert model.model_validate(body).model_dump(mode="json") == body
    assert "offset=" in (body["next"] or "")  # more pages follow


def test_a_page_response_lets_out_only_the_fields_of_its_model() -> None:
    """As the ``response_model`` would: a richer item (a subclass) loses its extra fields."""
    import json

    from starlette.requests import Request

    from sdgcities.web.api._common import page_response
    from sdgcities.web.api._schemas import CityDetail

    scope = {"type": "http", "method": "GET", "path": "/api/v1/cities", "query_string": b"",
             "headers": [], "server": ("t", 80), "scheme": "http"}  # fmt: skip
    detail = CityDetail(id=1, slug="a", name="A", geonameid=42, boundary=None)
    r = page_response(Request(scope), CityOut, [detail], total=1, limit=50, offset=0)
    body = json.loads(bytes(r.body))
    assert "geonameid" not in body["items"][0]
    assert body["items"][0] == CityOut(id=1, slug="a", name="A").model_dump(mode="json")
    assert (body["total"], body["next"]) == (1, None)
