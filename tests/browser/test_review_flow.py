"""The review workflow in a real browser: an editor uploads and submits, the hub reviewer
returns it with a comment, the editor fixes and submits again, the reviewer publishes,
and only then does an anonymous visitor see the new value.

Chromium may reach only the local server (every other request is aborted). Values in the
store are GENERATED TEST DATA (see seed_store.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import axe_violations, start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
REVIEWER = "reviewer@east-africa-hub.example"
FIRST = "city,indicator,year,value,source\nnairobi-ken,11.2.1,2025,64.75,survey\n"
FIXED = "city,indicator,year,value,source\nnairobi-ken,11.2.1,2025,46.75,survey\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user

    root = tmp_path_factory.mktemp("review-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        create_user(s, email=REVIEWER, password=PASSWORD, role="regional_hub", region="Africa")
        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        hubs.add_city(s, "east-africa", "nairobi-ken")
        hubs.add_member(s, "east-africa", REVIEWER)
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


def _check(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    problems = axe_violations(page)
    assert problems == [], f"{name}: accessibility violations:\n" + "\n".join(problems)


def _login(page: Any, base: str, email: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + target)


def _logout(page: Any) -> None:
    page.click("form[action='/logout'] button[type=submit]")


def _upload(page: Any, tmp: Path, text: str) -> None:
    f = tmp / "nairobi-2025.csv"
    f.write_text(text, encoding="utf-8")
    page.set_input_files("#upload-file", str(f))
    page.click("#upload-form button[type=submit]")
    page.locator("#import-report").wait_for()


def _public_row(chromium: Any, base: str) -> str:
    context = _context(chromium, base)
    try:
        page = context.new_page()
        page.goto(base + "/cities/nairobi-ken")
        return str(page.locator("#indicator-table tbody tr", has_text="11.2.1").inner_text())
    finally:
        context.close()


def test_upload_submit_return_fix_publish(
    server: str, chromium: Any, screenshots: Path, tmp_path: Path
) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    try:
        # the editor uploads: a draft, with the way to submit it
        _login(page, server, EDITOR, "/data")
        _upload(page, tmp_path, FIRST)
        page.click("#import-report a[href='/review/submit']")
        page.wait_for_url(server + "/review/submit")
        _check(page, screenshots, "20-review-submit")
        page.fill("#submit-comment", "2025 household survey")
        page.click("#submit-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/review/\d+$"))
        review_url = page.url
        assert "submitted" in page.locator("#submission-state").inner_text()
        assert "64.75" in page.locator("#submission-values").inner_text()
        _logout(page)
        assert "64.75" not in _public_row(chromium, server)  # a draft is not public

        # the hub reviewer finds it in the queue and returns it with a comment
        _login(page, server, REVIEWER, "/review")
        page.click(f"a[href='{urlparse(review_url).path}']")
        page.wait_for_url(review_url)
        _check(page, screenshots, "21-review-submission")
        page.fill("#return-comment", "64.75 looks like a typo: check the survey table")
        page.click("#return-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/review\?done=.*"))
        _logout(page)

        # the editor reads the comment, fixes the value and submits again
        _login(page, server, EDITOR, "/data")
        page.goto(review_url)
        assert "returned" in page.locator("#submission-state").inner_text()
        assert "check the survey table" in page.locator("#review-log").inner_text()
        page.goto(server + "/data")
        _upload(page, tmp_path, FIXED)
        page.goto(review_url)
        page.click("#resubmit-form button[type=submit]")
        page.wait_for_url(review_url)
        values = page.locator("#submission-values").inner_text()
        assert "46.75" in values
        assert "64.75" not in values
        _logout(page)

        # the reviewer publishes; the audit log names who did what
        _login(page, server, REVIEWER, "/review")
        page.goto(review_url)
        page.click("#publish-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/review\?done=.*"))
        page.goto(server + "/review/audit")
        audit = page.locator("#audit-log").inner_text()
        assert REVIEWER in audit
        assert EDITOR in audit
        _check(page, screenshots, "22-review-audit")
        _logout(page)
    finally:
        context.close()
    # and now the public sees the published value
    row = _public_row(chromium, server)
    assert "46.75" in row
    assert "2025" in row
