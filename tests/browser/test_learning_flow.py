"""UN-Habitat Learn in a real browser: a learner enrols, views every lesson, fails then
passes the assessment, downloads the certificate and opens its public verification page
(as an anonymous visitor), where an unknown code gives a clear 404.

Chromium may reach only the local server (every other request is aborted). The course is
the demo course written for the platform (``sdgcities/learning/data``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import start_server, stop_server
from tests.browser.test_review_flow import _check, _context

pytestmark = pytest.mark.browser

LEARNER = "amina@learner.example"
PASSWORD = "correct horse battery"
COURSE = "demo-sdg11-monitoring-basics"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sdgcities.accounts.users import create_user
    from sdgcities.learning.demo import seed_demo

    root = tmp_path_factory.mktemp("learning-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as s:
        seed_demo(s)
        create_user(s, email=LEARNER, password=PASSWORD, name="Amina Otieno")
    engine.dispose()
    proc, base = start_server(url, root)
    try:
        yield base
    finally:
        stop_server(proc)


def _answer(page: Any, choices: list[int]) -> None:
    form = page.locator("#assessment-1 form")
    for i, choice in enumerate(choices, start=1):
        form.locator(f"input[name=q{i}][value='{choice}']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_enrol_complete_download_verify(
    server: str, chromium: Any, screenshots: Path, tmp_path: Path
) -> None:
    from sdgcities.documents import pdf_text

    context = _context(chromium, server)
    page = context.new_page()
    try:
        page.goto(f"{server}/login?next=/learn/courses/{COURSE}")
        page.fill("input[name=email]", LEARNER)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{server}/learn/courses/{COURSE}")
        page.click(f"form[action='/learn/courses/{COURSE}/enrol'] button[type=submit]")
        page.wait_for_url(f"{server}/learn/courses/{COURSE}")
        _check(page, screenshots, "40-learn-course-enrolled")
        for n in (1, 2, 3):
            page.click(f"#lesson-{n} form button[type=submit]")
            page.wait_for_url(re.compile(rf".*/learn/courses/{COURSE}#lesson-{n}$"))
        assert page.locator("#lesson-3 .tag").inner_text() == "viewed"
        # one of three right: 33 % < 70 %, no certificate
        _answer(page, [1, 2, 2])
        assert "passed" not in page.locator("#assessment-1 p.muted").inner_text()
        assert page.locator("#certificate").count() == 0
        # all right: passed, the course completes and the certificate appears
        _answer(page, [2, 2, 1])
        page.locator("#certificate").wait_for()
        code = page.locator("#certificate .code").inner_text().strip()
        assert re.fullmatch(r"SDGL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        _check(page, screenshots, "41-learn-course-completed")
        with page.expect_download() as dl:
            page.click(f"a[href='/learn/certificates/{code}.pdf']")
        pdf = Path(dl.value.path()).read_bytes()
        text = pdf_text(pdf)
        assert code in text
        assert "Amina Otieno" in text
        assert f"/learn/verify/{code}" in text
    finally:
        context.close()

    visitor = _context(chromium, server)
    page = visitor.new_page()
    try:
        page.goto(f"{server}/learn/verify/{code}")
        body = page.locator("main").inner_text()
        assert "Valid certificate" in body
        assert "Amina Otieno" in body
        assert LEARNER not in page.content()
        _check(page, screenshots, "42-learn-verify")
        response = page.goto(f"{server}/learn/verify/SDGL-0000-0000-0000")
        assert response is not None
        assert response.status == 404
        assert "check the code on the certificate" in page.locator("main").inner_text()
    finally:
        visitor.close()
