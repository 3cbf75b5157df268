"""Every page works with no internet: all non-loopback requests are aborted and recorded.

The platform's pages, the API documentation (Swagger UI) and the OGC API pages load in
Chromium with the network cut off at the browser; the test fails on any request that
tries to leave the machine, on any script error and on any Content-Security-Policy
violation (which would mean an inline script slipped back in).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sdgcities.store.db import make_engine, migrate
from tests.browser._browser import start_server, stop_server
from tests.browser.seed_store import seed

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/indicators",
    "/indicators/11.2.1",
    "/compare?cities=nairobi-ken,mombasa-ken",
    "/cities/nairobi-ken",
    "/data",
    "/login",
    "/api/v1/docs",
    "/ogc?f=html",
    "/ogc/collections?f=html",
    "/ogc/collections/cities?f=html",
    "/ogc/collections/cities/items?f=html",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("offline")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.mark.parametrize("path", PAGES)
def test_page_needs_no_internet(server: str, chromium: Any, path: str, screenshots: Path) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    attempted: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        response = page.goto(server + path, wait_until="networkidle")
        assert response is not None
        assert response.status == 200, path
        if path == "/api/v1/docs":
            page.wait_for_selector(".swagger-ui .info", timeout=15_000)  # not blank
        if path.startswith("/ogc"):
            # styled: Bootstrap (served locally) gives the header its flex layout
            display = page.eval_on_selector("header", "e => getComputedStyle(e).display")
            assert display == "flex", path
        name = "offline" + path.replace("/", "_").replace("?", "_").replace("=", "-")
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert attempted == [], f"{path} tried to reach the internet: {attempted}"
    assert errors == [], f"{path}: {errors}"
