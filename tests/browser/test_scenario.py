"""The platform in a real browser: log in, upload a file with an error and read it, fix
it and upload, watch the city page change, open the map, compare two cities, download an
export — with axe-core finding no serious or critical violation on any page.

Values in the store are GENERATED TEST DATA (see seed_store.py). Screenshots of every
page go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdgcities.store.db import make_engine, migrate
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed

pytestmark = pytest.mark.browser

BAD = "city,indicator,year,value,source\nnairobi-ken,11.2.1,2024,about 80,survey\n"
GOOD = "city,indicator,year,value,source\nnairobi-ken,11.2.1,2024,81.25,browser test upload\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    _add_single_year_city(engine)
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def _add_single_year_city(engine: Any) -> None:
    """Kisumu with one generated value: its page shows a value, not a chart."""
    from sdgcities.cities.service import create_city
    from sdgcities.observations.service import record_value
    from sdgcities.store.db import transaction

    with transaction(engine) as s:
        city = create_city(s, name="Kisumu", country="KEN", population=610_000, lon=34.76,
                           lat=-0.09)  # fmt: skip
        record_value(s, city_id=city.id, indicator_code="11.2.1", year=2019, value=81.25,
                     source="generated test data")  # fmt: skip


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    try:
        yield pg
    finally:
        context.close()


def check(page: Any, shots: Path, name: str) -> None:
    """No script error, no serious/critical axe violation; a full-page screenshot."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.errors == [], f"{name}: script errors {page.errors}"
    problems = axe_violations(page)
    assert problems == [], f"{name}: accessibility violations:\n" + "\n".join(problems)


def _check_hex_map(page: Any, server: str) -> None:
    """The map shows every hexagon whole, says what area it covers, credits OSM."""
    bounds = json.loads(page.get_attribute("#hex-map", "data-bounds") or "null")
    assert bounds, "the map did not record its bounds"
    west, south, east, north = bounds
    url = page.locator("#layer-select").input_value()
    fc = page.request.get(server + url).json()
    vertices = [p for f in fc["features"] for p in f["geometry"]["coordinates"][0]]
    outside = [p for p in vertices if not (west <= p[0] <= east and south <= p[1] <= north)]
    assert not outside, f"{len(outside)} hexagon corners lie outside the map's view"
    # what the map decoded from the layer's compact cells: the corners of the GeoJSON
    # download, in its order, and projected to the pixels Leaflet's own projection gives
    drawn = page.evaluate(
        """() => {
            const el = document.getElementById('hex-map'), c = el._cells, m = el._map;
            const out = [];
            for (let i = 0; i < c.count; i++) {
                const k = c.start[i], p = m.project(L.latLng(c.lat0[i], c.lon0[i]), 0);
                const off = Math.max(Math.abs(c.X[k] * 256 - p.x), Math.abs(c.Y[k] * 256 - p.y));
                out.push([c.h3[i], c.lon0[i], c.lat0[i], c.start[i + 1] - k, off]);
            }
            return out;
        }"""
    )
    assert [(h, round(lon, 5), round(lat, 5), n) for h, lon, lat, n, _ in drawn] == [
        (
            f["properties"]["h3"],
            *f["geometry"]["coordinates"][0][0],
            len(f["geometry"]["coordinates"][0]) - 1,
        )
        for f in fc["features"]
    ]
    assert max(d[4] for d in drawn) < 1e-6  # pixels at zoom 0: Leaflet's projection
    statement = page.locator(f".area-statement[data-for='{url}']")
    assert statement.is_visible()
    assert re.search(r"127 hexagons covering about [\d.]+ × [\d.]+ km", statement.inner_text())
    attribution = page.locator("#hex-map .leaflet-control-attribution").inner_text()
    assert "OpenStreetMap" in attribution
    page.wait_for_selector("#hex-map[data-outline-shown='1']")
    assert page.locator("#hex-map .leaflet-context-pane path").count() >= 1


def test_editor_scenario(server: str, page: Any, screenshots: Path, tmp_path: Path) -> None:
    # the home page: map with the cities, search, list
    page.goto(server + "/")
    page.wait_for_selector("#city-map[data-ready='1']")
    assert page.locator(".leaflet-interactive").count() >= 1  # city markers or clusters
    page.fill("#city-search", "Kamp")
    page.wait_for_selector("#suggestions a[href='/cities/kampala-uga']")
    check(page, screenshots, "01-home")

    # the city page before the upload
    page.goto(server + "/cities/nairobi-ken")
    row = page.locator("#indicator-table tbody tr", has_text="11.2.1")
    before = row.inner_text()
    assert "2022" in before

    # log in through the login page
    page.goto(server + "/login?next=/data")
    check(page, screenshots, "02-login")
    page.fill("input[name=email]", "editor@nairobi.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(server + "/data")
    check(page, screenshots, "03-data")

    # a file with an error: the problem is shown row by row, nothing stored
    bad = tmp_path / "nairobi-2024.csv"
    bad.write_text(BAD)
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload-form button[type=submit]")
    report = page.locator("#validation-report")
    report.wait_for()
    text = report.inner_text()
    assert "nairobi-2024.csv" in text
    assert "about 80" in text
    assert "value" in text
    check(page, screenshots, "04-upload-error")

    # fixed file: imported
    good = tmp_path / "nairobi-2024.csv"
    good.write_text(GOOD)
    page.set_input_files("#upload-file", str(good))
    page.click("#upload-form button[type=submit]")
    page.locator("#import-report").wait_for()
    imported = page.locator("#import-report").inner_text()
    assert "nairobi-2024.csv" in imported
    counts = r"\b1 rows? read: 1 new values?, 0 corrections?, 0 unchanged"
    assert re.search(counts, imported), imported
    check(page, screenshots, "05-upload-ok")

    # the city page changed: the latest value of 11.2.1 is now the 2024 upload
    page.goto(server + "/cities/nairobi-ken")
    after = page.locator("#indicator-table tbody tr", has_text="11.2.1").inner_text()
    assert after != before
    assert "2024" in after
    assert "81.25" in after
    page.wait_for_selector("#challenges .challenges, #challenges .empty")

    # the map of who lacks access
    page.wait_for_selector("#hex-map[data-ready='1']")
    assert int(page.get_attribute("#hex-map", "data-cells") or 0) == 127  # 6 rings
    assert page.locator("#hex-map canvas.hex-canvas").count() == 1
    _check_hex_map(page, server)
    page.locator("#hex-map").click()  # the nearest hexagon's values
    popup = page.locator("#hex-map .leaflet-popup-content")
    popup.wait_for()
    assert re.search(r"Share with access: (\d[\d.,]* %|—)", popup.inner_text())
    assert "People without access" in popup.inner_text()
    page.keyboard.press("Escape")
    # "over time": years on the x-axis, one tick per year
    page.wait_for_selector("#series-chart[data-ready='1']")
    assert page.get_attribute("#series-chart", "data-mode") == "chart"
    first = page.locator("#series-select").input_value()
    assert first == "11.1.1"
    xticks = json.loads(page.get_attribute("#series-chart", "data-xticks") or "[]")
    assert xticks == list(range(2016, 2023))  # seeded 2016, 2018, 2020, 2022
    page.select_option("#series-select", "11.2.1")
    xticks = json.loads(page.get_attribute("#series-chart", "data-xticks") or "[]")
    assert xticks == list(range(2016, 2025))  # … and the 2024 upload
    check(page, screenshots, "06-city")
    page.locator("#hex-title").scroll_into_view_if_needed()
    page.locator("#hex-map").screenshot(path=str(screenshots / "06b-city-map.png"))

    # one year of data: a value with its year, not a chart
    page.goto(server + "/cities/kisumu-ken")
    page.wait_for_selector("#series-chart[data-ready='1']")
    chart = page.locator("#series-chart")
    assert chart.get_attribute("data-mode") == "value"
    assert chart.inner_text().startswith("81.25 % in 2019")
    assert chart.locator("canvas").count() == 0
    assert "2019–2019" not in page.locator("main").inner_text()
    check(page, screenshots, "06c-city-one-year")
    page.goto(server + "/cities/nairobi-ken")

    # download an export
    with page.expect_download() as info:
        page.click("a[href='/cities/nairobi-ken/download/observations.csv']")
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    content = path.read_text(encoding="utf-8-sig")
    assert download.suggested_filename == "nairobi-ken-observations.csv"
    assert "81.25" in content
    assert "11.2.1" in content

    # compare two cities through the form
    page.goto(server + "/compare")
    page.select_option("#c0", "nairobi-ken")
    labels = page.locator("#c0 option").all_inner_texts()
    assert len(labels) == len(set(labels)), "a city is listed twice in the picker"
    page.select_option("#c1", "kampala-uga")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare-table")
    heads = page.locator("#compare-table thead th").all_inner_texts()
    assert heads == ["Indicator", "Nairobi", "Kampala"]
    check(page, screenshots, "07-compare")

    # an indicator across cities, sortable
    page.goto(server + "/indicators/11.2.1")
    page.wait_for_selector("#ind-map[data-ready='1']")
    page.wait_for_selector("#dist-chart[data-ready='1']")
    yticks = json.loads(page.get_attribute("#dist-chart", "data-yticks") or "[]")
    assert yticks, "the histogram has no count ticks"
    assert all(isinstance(t, int) for t in yticks), yticks  # whole cities, never 0.25
    assert yticks[0] == 0
    page.click("#value-table thead th:nth-child(4) button")
    assert page.get_attribute("#value-table thead th:nth-child(4)", "aria-sort") == "ascending"
    check(page, screenshots, "08-indicator")

    page.goto(server + "/data/history?city=nairobi-ken&indicator=11.2.1")
    check(page, screenshots, "09-history")
    page.goto(server + "/cities/atlantis")
    check(page, screenshots, "10-not-found")


def test_admin_and_languages(server: str, page: Any, screenshots: Path) -> None:
    page.goto(server + "/login?next=/admin")
    page.fill("input[name=email]", "admin@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(server + "/admin")
    page.screenshot(path=str(screenshots / "11-admin.png"), full_page=True)
    assert "editor@nairobi.example" in page.content()
    check(page, screenshots, "11-admin")

    page.goto(server + "/cities/kampala-uga")
    page.select_option("#lang-select", "fr")
    page.wait_for_url("**lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#challenges-title").inner_text() == "Principaux défis"
    row = page.locator("#indicator-table tbody tr", has_text="11.2.1").inner_text()
    assert "Proportion de la population ayant aisément accès aux transports publics" in row
    assert "convenient access" not in row
    check(page, screenshots, "12-city-fr")
    page.goto(server + "/indicators?lang=es")
    assert page.locator("h1").inner_text() == "Indicadores"
    page.goto(server + "/?lang=en")


def test_phone_layout(server: str, chromium: Any, screenshots: Path) -> None:
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(server + "/cities/nairobi-ken")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        page.screenshot(path=str(screenshots / "13-city-phone.png"), full_page=True)
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
    finally:
        context.close()
