"""The programme portfolio in a real browser: a global-hub officer adds a funding line and
sees the programme's totals change; anyone downloads the Board report and gets a PDF.

Chromium may reach only the local server (every other request is aborted). The portfolio
is the demo's, read from the Executive Board report; the added line is test input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sdgcities.documents import pdf_page_count
from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed

pytestmark = pytest.mark.browser

OFFICER = "officer@global-hub.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts.users import create_user
    from sdgcities.programmes.demo import demo_line

    root = tmp_path_factory.mktemp("programmes-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine, hex_rings=1)
    with transaction(engine) as s:
        create_user(s, email=OFFICER, password=PASSWORD, role="global_hub", name="Gia Hub")
        demo_line(s)
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def _context(chromium: Any, base: str) -> Any:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    host = urlparse(base).hostname

    def only_local(route: Any) -> None:
        if urlparse(route.request.url).hostname == host:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    return context


def _login(page: Any, server: str, then: str) -> None:
    """Log the officer in through the form, landing on ``then``."""
    page.goto(f"{server}/login?next={then}")
    page.fill("input[name=email]", OFFICER)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{server}{then}")


def _mobilised(page: Any) -> str:
    row = page.locator("#totals tr[data-status=mobilised][data-currency=USD] td.num").first
    return str(row.inner_text())


def test_officer_adds_a_funding_line_and_the_totals_change(
    chromium: Any, server: str, screenshots: Path
) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    _login(page, server, "/programmes/rise-up")
    assert _mobilised(page) == "12,000,000"
    # a bad line: clear field errors, nothing saved
    page.fill("#fl-amount", "-10")
    page.fill("#fl-currency", "ZZZ")
    page.select_option("#fl-status", "mobilised")
    page.click("#add-funding button[type=submit]")
    assert page.locator("#fl-amount-error").is_visible()
    assert "ISO 4217" in page.locator("#fl-currency-error").inner_text()
    assert _mobilised(page) == "12,000,000"
    page.screenshot(path=str(screenshots / "programmes-bad-line.png"), full_page=True)
    # a good one: the totals change
    page.fill("#fl-amount", "2500000")
    page.fill("#fl-currency", "USD")
    page.select_option("#fl-status", "mobilised")
    page.fill("#fl-year", "2021")
    page.fill("#fl-countries", "VNM")
    page.click("#add-funding button[type=submit]")
    page.wait_for_url(f"{server}/programmes/rise-up#funding")
    assert _mobilised(page) == "14,500,000"
    page.screenshot(path=str(screenshots / "programmes-rise-up.png"), full_page=True)
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    context.close()


def test_board_report_pdf_downloads(chromium: Any, server: str, screenshots: Path) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    page.goto(f"{server}/programmes")
    assert page.locator("svg[role=img]").count() >= 1
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    page.screenshot(path=str(screenshots / "programmes.png"), full_page=True)
    with page.expect_download(timeout=120_000) as info:
        page.click("a[href='/programmes/board.pdf']")
    path = info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_page_count(data) > 0
    context.close()


def test_officer_adds_an_initiative_with_the_form_and_puts_it_on_the_map(
    chromium: Any, server: str, screenshots: Path, tmp_path: Path
) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    _login(page, server, "/programmes/vibrant-neighbourhoods")
    page.click("#initiatives summary")
    # a bad one first: the errors name the fields, nothing is saved
    page.fill("#ini-name", "Nairobi river regeneration")
    page.fill("#ini-countries", "KEN XX1")
    page.fill("#ini-cities", "Atlantis")
    page.click("#add-initiative button[type=submit]")
    assert page.locator("#ini-countries-error").is_visible()
    assert "XX1" in page.locator("#ini-countries-error").inner_text()
    assert "Atlantis" in page.locator("#ini-cities-error").inner_text()
    assert page.locator("#ini-name").input_value() == "Nairobi river regeneration"
    # corrected: saved, and shown on its page and on the programme's
    page.fill("#ini-countries", "KEN")
    page.fill("#ini-cities", "Nairobi")
    page.select_option("#ini-partners", label="Adaptation Fund")
    page.select_option("#ini-status", "active")
    page.fill("#ini-start", "2021-06-01")
    page.click("#add-initiative button[type=submit]")
    page.wait_for_url("**/programmes/vibrant-neighbourhoods/initiatives/*")
    assert page.locator("h1").inner_text() == "Nairobi river regeneration"
    assert page.locator("#ini-status-value").inner_text() == "active"
    problems = axe_violations(page)
    assert not problems, problems
    initiative_url = page.url
    page.goto(f"{server}/programmes/vibrant-neighbourhoods#initiatives")
    link = page.locator("#initiatives a", has_text="Nairobi river regeneration")
    assert link.count() == 1
    # a point from a GeoJSON file: the initiative's map draws it
    site = tmp_path / "site.geojson"
    site.write_text(
        '{"type": "Feature", "properties": {}, "geometry": '
        '{"type": "Point", "coordinates": [36.82, -1.28]}}',
        encoding="utf-8",
    )
    page.goto(initiative_url + "/edit")
    page.set_input_files("#geo-file", str(site))
    page.click("#initiative-geometry button[type=submit]")
    page.wait_for_selector("#ini-map[data-ready='1']")
    assert page.locator("#ini-map").get_attribute("data-features") == "1"
    page.screenshot(path=str(screenshots / "programmes-initiative-map.png"))
    # drawn on the edit page's map instead: four corners, finished, saved
    page.goto(initiative_url + "/edit")
    page.wait_for_selector("#ini-draw-map[data-ready='1']")
    assert page.locator("#ini-draw-map").get_attribute("data-features") == "1"  # the point
    problems = axe_violations(page)
    assert not problems, problems
    page.locator("#ini-draw-map").scroll_into_view_if_needed()
    box = page.locator("#ini-draw-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
        page.mouse.click(cx + dx, cy + dy)
    assert page.locator("#ini-draw-map").get_attribute("data-vertices") == "4"
    page.click("#ini-draw-undo")
    assert page.locator("#ini-draw-map").get_attribute("data-vertices") == "3"
    page.mouse.click(cx - 60, cy + 40)
    page.click("#ini-draw-finish")
    drawn = json.loads(page.input_value("#geo-drawn"))
    assert drawn["type"] == "Polygon"
    ring = drawn["coordinates"][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < 36.82 < max(lons)  # around the point the map was centred on
    assert min(lats) < -1.28 < max(lats)
    page.click("#initiative-draw button[type=submit]")
    page.wait_for_selector("#ini-map[data-ready='1']")
    assert page.locator("#ini-map").get_attribute("data-features") == "1"
    assert "drawn on the map" in page.locator("#map").inner_text()
    context.close()


def test_officer_deletes_an_adaptation_project_and_its_line_goes_with_it(
    chromium: Any, server: str, screenshots: Path
) -> None:
    """The project added here has a line of its own: deleted from the page (a two-step
    "Delete…"), both are gone from the tables; the report's projects stay."""
    context = _context(chromium, server)
    page = context.new_page()
    _login(page, server, "/programmes/rise-up")
    token = page.locator("input[name=csrf_token]").first.input_value()
    made = page.request.post(
        f"{server}/api/v1/programmes/rise-up/adaptation",
        data={"name": "Beira dunes", "countries": ["MOZ"], "fund": "green_climate_fund",
              "stage": "approved", "amount": "70", "currency": "USD"},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip
    assert made.status == 201, made.text()
    row = made.json()
    page.reload()
    projects = page.locator("#adaptation-projects tbody tr").count()
    assert page.locator(f"#AP-{row['id']}").is_visible()
    assert page.locator(f"#FL-{row['funding_line_id']}").count() == 1
    page.locator(f"#AP-{row['id']} details summary").click()
    page.screenshot(path=str(screenshots / "programmes-adaptation-delete.png"), full_page=True)
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    page.locator(f"#AP-{row['id']} details button[type=submit]").click()
    page.wait_for_url(f"{server}/programmes/rise-up#adaptation")
    assert page.locator(f"#AP-{row['id']}").count() == 0
    assert page.locator(f"#FL-{row['funding_line_id']}").count() == 0
    assert page.locator("#adaptation-projects tbody tr").count() == projects - 1
    context.close()
