"""Onboarding in a real browser: a global-hub admin records a city's steps one by one
(expression of interest → agreement → urban lab → regional hub) and the stage on the page
moves with each. A step out of order is refused with its reason and nothing changes.

Chromium may reach only the local server (every other request is aborted). Values in the
store are GENERATED TEST DATA (see seed_store.py); the lab and hub are made up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
CITY = "nairobi-ken"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts import hubs
    from sdgcities.network import service as net

    root = tmp_path_factory.mktemp("network-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        net.add_lab(
            s,
            slug="kenya-lab",
            name="Kenya Urban Lab",
            kind="national",
            country_iso3="KEN",
            host_institution="University of Nairobi",
            established_on="2024-01-10",
        )
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def _context(chromium: Any, base: str) -> Any:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    host = urlparse(base).hostname

    def only_local(route: Any) -> None:
        if urlparse(route.request.url).hostname == host:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    return context


def _record(page: Any, step: str, on: str, **fields: str) -> None:
    page.select_option("#nw-step", step)
    page.fill("#nw-date", on)
    if "authority" in fields:
        page.fill("#nw-authority", fields["authority"])
    if "lab" in fields:
        page.select_option("#nw-lab", fields["lab"])
    if "hub" in fields:
        page.select_option("#nw-hub", fields["hub"])
    page.click("#network-record button[type=submit]")
    page.wait_for_load_state("load")


def _stage(page: Any) -> str:
    return str(page.get_attribute("#network-stage", "data-stage"))


def test_onboard_a_city_step_by_step(chromium: Any, server: str, screenshots: Path) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    target = f"/network/cities/{CITY}"
    page.goto(f"{server}/login?next={target}")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(server + target)
    assert _stage(page) == ""
    # out of order: an agreement before any expression of interest
    _record(page, "agreement", "2024-03-01", authority="Nairobi City County")
    assert "must come first" in page.inner_text("#network-problems")
    assert _stage(page) == ""
    # (step, date, fields, the stage after it): the seed's published values are the
    # baseline data, a derived step, so once the hub is assigned the stage moves past it
    steps = [
        ("expression_of_interest", "2024-02-01", {}, "expression_of_interest"),
        ("agreement", "2024-03-01", {"authority": "Nairobi City County"}, "agreement"),
        ("urban_lab", "2024-04-01", {"lab": "kenya-lab"}, "urban_lab"),
        ("regional_hub", "2024-05-01", {"hub": "east-africa"}, "baseline_data"),
    ]
    for step, on, fields, stage in steps:
        _record(page, step, on, **fields)
        assert _stage(page) == stage
        assert page.get_attribute(f"li[data-step={step}]", "data-date") == on
    page.screenshot(path=str(screenshots / "network-onboarding.png"), full_page=True)
    problems = axe_violations(page)
    assert problems == [], "accessibility violations:\n" + "\n".join(problems)
    # the funnel on the public reports page counts the city at every step it reached
    anon = _context(chromium, server).new_page()
    anon.goto(f"{server}/network/reports")
    assert "Nairobi City County" not in anon.content()
    funnel = anon.inner_text("table.network-table")
    assert "Regional support hub assigned" in funnel
    anon.wait_for_selector("#city-map[data-ready='1']")
    anon.screenshot(path=str(screenshots / "network-reports.png"), full_page=True)
    problems = axe_violations(anon)
    assert problems == [], "accessibility violations:\n" + "\n".join(problems)
    context.close()
