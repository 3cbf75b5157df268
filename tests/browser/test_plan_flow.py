"""The strategic plan in a real browser: a city editor writes the vision, sets a target and
draws a spatial priority on the map, submits; the hub reviewer approves; the city page
then shows the target's progress to everyone.

Chromium may reach only the local server. Values are GENERATED TEST DATA (seed_store.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdgcities.scoring.progress import CATEGORIES
from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed
from tests.browser.test_review_flow import _check, _context, _login, _logout

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
REVIEWER = "reviewer@east-africa-hub.example"
CITY = "nairobi-ken"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user

    root = tmp_path_factory.mktemp("plan-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine, hex_rings=3)
    with transaction(engine) as s:
        create_user(s, email=REVIEWER, password=PASSWORD, role="regional_hub", region="Africa")
        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        hubs.add_city(s, "east-africa", CITY)
        hubs.add_member(s, "east-africa", REVIEWER)
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def test_set_targets_approve_see_progress(server: str, chromium: Any, screenshots: Path) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    plan = f"/cities/{CITY}/plan"
    try:
        _login(page, server, EDITOR, plan)
        page.fill("#f-vision", "A Nairobi where everyone reaches work by public transport")
        page.click("#vision-form button[type=submit]")
        page.wait_for_url(server + plan)
        page.select_option("#t-indicator", "11.2.1")
        page.fill("#t-value", "95")
        page.fill("#t-unit", "%")
        page.fill("#t-bvalue", "40")
        page.fill("#t-byear", "2016")
        page.fill("#t-source", "2016 household survey")
        page.click("#target-form button[type=submit]")
        page.wait_for_url(server + plan)
        assert "11.2.1" in page.locator("#plan-targets").inner_text()
        # draw a triangle on the map: three clicks around the centre, then finish
        page.locator("#plan-map[data-ready='1']").wait_for()
        page.locator("#plan-map").scroll_into_view_if_needed()
        box = page.locator("#plan-map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-40, -30), (40, -30), (0, 40)):
            page.mouse.click(cx + dx, cy + dy)
        assert page.locator("#plan-map").get_attribute("data-vertices") == "3"
        page.click("#draw-finish")
        drawn = json.loads(page.input_value("#place-geometry"))
        assert drawn["type"] == "Polygon"
        assert len(drawn["coordinates"][0]) == 4
        page.fill("#pl-name", "Kibera upgrading area")
        page.click("#place-form button[type=submit]")
        page.wait_for_url(server + plan)
        assert "Kibera upgrading area" in page.locator("#plan-place-list").inner_text()
        _check(page, screenshots, "40-plan-editor")
        page.click("#plan-submit")
        page.wait_for_url(server + plan)
        assert page.locator("#plan-status").get_attribute("data-status") == "submitted"
        _logout(page)

        page.goto(server + f"/cities/{CITY}")
        assert page.locator("#plan-panel").count() == 0  # nothing approved yet

        _login(page, server, REVIEWER, plan)
        page.click("#plan-approve")
        page.wait_for_url(server + plan)
        assert page.locator("#plan-status").get_attribute("data-status") == "approved"
        _logout(page)

        page.goto(server + f"/cities/{CITY}")
        panel = page.locator("#plan-panel")
        panel.wait_for()
        text = panel.inner_text()
        assert "everyone reaches work" in text
        category = page.locator("#plan-panel-progress tbody tr td .badge").first.inner_text()
        assert category in CATEGORIES, category
        _check(page, screenshots, "41-city-plan-panel")
        api = page.request.get(server + f"/api/v1/cities/{CITY}/plan/progress").json()
        assert api["items"][0]["category"] == category
    finally:
        context.close()
