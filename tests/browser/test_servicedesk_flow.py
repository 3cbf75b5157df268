"""The one-stop shop in a real browser: a city editor files a request, hub staff answer
it within the target and resolve it, and the compliance report shows the targets met.

Chromium may reach only the local server (every other request is aborted). Values in the
store are GENERATED TEST DATA (see seed_store.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed
from tests.browser.test_review_flow import _context, _login, _logout

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
STAFF = "advisor@east-africa-hub.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user
    from sdgcities.servicedesk import service as sd

    root = tmp_path_factory.mktemp("servicedesk-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        create_user(s, email=STAFF, password=PASSWORD, role="regional_hub", region="Africa")
        hub = hubs.create_hub(s, slug="east-africa", name="East Africa hub")
        hubs.add_city(s, "east-africa", "nairobi-ken")
        hubs.add_member(s, "east-africa", STAFF)
        sd.create_office(
            s,
            slug="nairobi-hq",
            name="UN-Habitat Nairobi",
            timezone="Africa/Nairobi",
            hours="Mon-Sun 00:00-24:00",
            hub_id=hub.id,
        )
        sd.add_policy(
            s,
            name="standard",
            first_response_hours=8,
            resolution_hours=40,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def test_file_answer_resolve_and_see_compliance(
    server: str, chromium: Any, screenshots: Path
) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    try:
        _login(page, server, EDITOR, "/servicedesk/new")
        page.select_option("#sd-office", "nairobi-hq")
        page.select_option("#sd-type", "advisory")
        page.select_option("#sd-cat", "city")
        page.select_option("#sd-city", label="Nairobi (KEN)")
        page.fill("#sd-title", "Help with a land-value capture study")
        page.fill("#sd-desc", "We need advice on the legal basis.")
        page.click("form[action='/servicedesk/new'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/servicedesk/requests/SR-[0-9-]+$"))
        request_url = page.url
        assert "Help with a land-value capture study" in page.content()
        _logout(page)

        _login(page, server, STAFF, "/servicedesk")
        page.goto(request_url)
        page.select_option("#ev-kind", "responded")
        page.fill("#ev-note", "We will call you tomorrow.")
        page.click(f"form[action='{request_url[len(server) :]}/events'] button[type=submit]")
        page.wait_for_load_state()
        page.select_option("#ev-kind", "resolved")
        page.fill("#ev-note", "Advice sent.")
        page.click(f"form[action='{request_url[len(server) :]}/events'] button[type=submit]")
        page.wait_for_load_state()
        assert "resolved" in page.content().lower()

        page.goto(server + "/servicedesk/report")
        page.screenshot(path=str(screenshots / "40-servicedesk-report.png"), full_page=True)
        rows = page.locator("table tbody tr").all_inner_texts()
        met = [r for r in rows if "nairobi-hq" in r]
        assert len(met) == 2, rows  # first response and resolution
        for row in met:
            cells = row.split("\t")
            assert cells[-4:] == ["1", "0", "0", "100 %"], cells
        assert axe_violations(page) == []
    finally:
        context.close()
