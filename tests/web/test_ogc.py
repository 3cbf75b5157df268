"""OGC API – Features at /ogc, read with OWSLib from a live uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy import Engine

from tests.web._apphelp import Seed, make_app, seed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(engine: Engine) -> Iterator[tuple[str, Seed]]:
    data = seed(engine)
    port = _free_port()
    config = uvicorn.Config(make_app(engine), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/ogc", data
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_owslib_reads_collections_and_items(live: tuple[str, Seed]) -> None:
    from owslib.ogcapi.features import Features

    url, data = live
    api = Features(url)
    ids = {c["id"] for c in api.collections()["collections"]}
    assert ids == {
        "cities",
        "boundaries",
        "hexes",
        "neighbourhood-profiles",
        "exposure",
        "group-profiles",
    }
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )

    cities = api.collection_items("cities", limit=10)
    assert cities["numberMatched"] == 2
    by_name = {f["properties"]["name"]: f for f in cities["features"]}
    assert by_name["Nairobi"]["geometry"] == {"type": "Point", "coordinates": [36.82, -1.29]}

    coast = api.collection_items("cities", bbox=[39.0, -5.0, 40.0, -3.0])
    assert [f["properties"]["name"] for f in coast["features"]] == ["Mombasa"]
    paged = api.collection_items("cities", limit=1, offset=1)
    assert paged["numberReturned"] == 1
    assert paged["numberMatched"] == 2

    slug = by_name["Nairobi"]["id"]
    one = api.collection_item("cities", slug)
    assert one["properties"]["name"] == "Nairobi"

    boundaries = api.collection_items("boundaries")
    assert [f["geometry"]["type"] for f in boundaries["features"]] == ["Polygon"]

    hexes = api.collection_items("hexes", layer_id=str(data.layer), limit=100)
    assert hexes["numberMatched"] == 7
    ring = hexes["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 7
    assert ring[0] == ring[-1]
    assert api.collection_items("hexes", layer_id="999")["numberMatched"] == 0


def test_unknown_item_is_404(live: tuple[str, Seed]) -> None:
    import requests

    url, _ = live
    r = requests.get(f"{url}/collections/cities/items/atlantis?f=json", timeout=10)
    assert r.status_code == 404
    r = requests.get(f"{url}/collections/nowhere/items?f=json", timeout=10)
    assert r.status_code == 404
