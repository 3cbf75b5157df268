"""Capacity needs in a real browser: a city editor opens a need from a red indicator of
the city page, sees the matched offers, an advisor of the hub confirms one, the
decision is kept and the editor finds the notification in the inbox.

Chromium may reach only the local server (every other request is aborted). Values in the
store are GENERATED TEST DATA (see seed_store.py); Nairobi's 11.1.1 (slum population
share) is set to 95 % in 2023 so that it scores red under the built-in benchmarks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import GENERATED, PASSWORD, seed
from tests.browser.test_review_flow import _context, _login, _logout

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
ADVISOR = "advisor@east-africa-hub.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any]]:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user
    from sdgcities.assessment.scores import city_scores
    from sdgcities.capacity.demo import seed_demo
    from sdgcities.observations.service import record_value
    from sdgcities.store.models import City

    root = tmp_path_factory.mktemp("needs-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        nbo = s.scalars(select(City).where(City.slug == "nairobi-ken")).one()
        record_value(
            s,
            city_id=nbo.id,
            indicator_code="11.1.1",
            year=2023,
            value=95.0,
            source=GENERATED,
            user="seed",
        )
        create_user(s, email=ADVISOR, password=PASSWORD, role="regional_hub", region="Africa")
        hubs.create_hub(s, slug="east-africa", name="East Africa hub")
        hubs.add_city(s, "east-africa", "nairobi-ken")
        hubs.add_member(s, "east-africa", ADVISOR)
        seed_demo(s)
    with transaction(engine) as s:
        ind = city_scores(s).indicators
        reds = ind[(ind["city_id"] == nbo.id) & (ind["colour"] == "red")]["indicator"]
        assert "11.1.1" in set(reds), "the seeded indicator must be red"
    proc, base = start_server(url, root)
    try:
        yield base, url, engine
    finally:
        stop_server(proc)
        engine.dispose()


def test_need_from_red_indicator_to_confirmed_offer(
    server: tuple[str, str, Any], chromium: Any, screenshots: Path
) -> None:
    from sdgcities.capacity.models import MatchDecision
    from sdgcities.notifications.models import Notification

    base, _url, engine = server
    context = _context(chromium, base)
    page = context.new_page()
    try:
        _login(page, base, EDITOR, "/cities/nairobi-ken")
        panel = page.locator("#capacity-needs-panel")
        panel.wait_for()
        panel.locator("li", has_text="11.1.1").locator("button").click()
        page.wait_for_url(re.compile(r".*/capacity/needs/\d+$"))
        need_url = page.url
        assert "Opened from indicator 11.1.1" in page.content()
        offers = page.locator("table tbody tr")
        assert offers.count() >= 1
        first_offer = offers.first.locator("td").first.inner_text()
        assert page.locator("button", has_text="Confirm").count() == 0  # editors do not decide
        page.screenshot(path=str(screenshots / "41-need-offers.png"), full_page=True)
        assert axe_violations(page) == []
        _logout(page)

        _login(page, base, ADVISOR, "/capacity/needs")
        page.goto(need_url)
        page.locator("table tbody tr").first.locator("button", has_text="Confirm").click()
        page.wait_for_url(need_url)
        decisions = page.locator("section", has_text="Decisions").inner_text()
        assert "confirmed" in decisions
        assert ADVISOR in decisions
        _logout(page)

        _login(page, base, EDITOR, "/notifications")
        assert page.locator(".site-header .badge").inner_text() == "1"
        inbox = page.locator("ul.messages").inner_text()
        assert "An offer was confirmed for capacity need" in inbox
        assert first_offer.split(" (")[0] in inbox
        page.screenshot(path=str(screenshots / "42-notifications.png"), full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()
    need_id = int(need_url.rsplit("/", 1)[1])
    with transaction(engine) as s:
        kept = s.scalars(select(MatchDecision).where(MatchDecision.need_id == need_id)).all()
        assert [d.decision for d in kept] == ["confirmed"]
        assert kept[0].factors  # the score's factors are kept with the decision
        notes = s.scalars(select(Notification).where(Notification.recipient == EDITOR)).all()
        assert [n.kind for n in notes] == ["match_confirmed"]
