"""The investment facility in a real browser: a city editor submits a project, the hub
advisor runs the match, records an introduction and its outcome, and the outcome shows.

Chromium may reach only the local server. Values in the store are GENERATED TEST DATA
(see seed_store.py); the investor is an example profile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed
from tests.browser.test_review_flow import _check, _context, _login, _logout

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
ADVISOR = "advisor@east-africa-hub.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user
    from sdgcities.investment.models import Investor

    root = tmp_path_factory.mktemp("investment-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        create_user(s, email=ADVISOR, password=PASSWORD, role="regional_hub", region="Africa")
        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        hubs.add_city(s, "east-africa", "nairobi-ken")
        hubs.add_member(s, "east-africa", ADVISOR)
        s.add(
            Investor(
                name="Example urban fund (illustrative profile)",
                sdg_focus=["11.2"],
                regions=["Sub-Saharan Africa"],
                ticket_min=1e6,
                ticket_max=1e8,
                currency="USD",
                instruments=[],
                stages=["ideation", "pre-feasibility"],
                returns="concessional",
                is_example=True,
            )
        )
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def test_submit_match_introduce_outcome(server: str, chromium: Any, screenshots: Path) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    try:
        _login(page, server, EDITOR, "/investment")
        page.click("a[href='/investment/projects/new']")
        page.wait_for_url(server + "/investment/projects/new")
        page.fill("#pf-title", "Example project: BRT feeder lines (generated)")
        page.fill("#pf-desc", "Feeder bus lines to the BRT corridor (test data)")
        page.fill("#pf-sector", "21020")
        page.fill("#pf-sdg", "11.2;11.6")
        page.fill("#pf-budget", "12000000")
        page.fill("#pf-cur", "USD")
        page.fill("#pf-start", "2027-01-01")
        page.fill("#pf-end", "2029-12-31")
        page.fill("#pf-org", "City transport department (example)")
        _check(page, screenshots, "40-investment-new-project")
        page.click("#project-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/investment/projects/\d+$"))
        project_url = page.url
        assert "ideation" in page.locator("#project-stage").inner_text()
        _check(page, screenshots, "41-investment-project")
        _logout(page)

        _login(page, server, ADVISOR, "/investment/matches")
        row = page.locator("#matches tbody tr", has_text="BRT feeder lines")
        assert "Example urban fund" in row.inner_text()
        _check(page, screenshots, "42-investment-matches")
        row.locator("button.introduce").click()
        page.wait_for_url(server + "/investment/introductions")
        intro = page.locator("#introductions tbody tr", has_text="BRT feeder lines")
        assert "pending" in intro.locator(".outcome").inner_text()
        intro.locator("select[name=outcome]").select_option("meeting")
        intro.locator("input[name=note]").fill("first meeting with the fund")
        intro.locator("button[type=submit]").click()
        page.wait_for_url(server + "/investment/introductions")
        intro = page.locator("#introductions tbody tr", has_text="BRT feeder lines")
        assert "meeting" in intro.locator(".outcome").inner_text()
        assert "first meeting with the fund" in intro.inner_text()
        _check(page, screenshots, "43-investment-introductions")
        _logout(page)
    finally:
        context.close()
    # the project has no consent: the public does not see it
    anon = _context(chromium, server)
    try:
        p = anon.new_page()
        response = p.goto(project_url)
        assert response is not None
        assert response.status == 404
    finally:
        anon.close()
