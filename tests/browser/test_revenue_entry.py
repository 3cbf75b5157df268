"""The revenue diagnostic in a real browser: a city editor uploads the streams of a fiscal
year and sees the gap matrix; a bad file shows its findings and saves nothing; the city
page links to the diagnostic.

Chromium may reach only the local server. Values are GENERATED TEST DATA.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_plan_flow import CITY, EDITOR, _check, _context, _login, server

pytestmark = pytest.mark.browser
__all__ = ["server"]


STREAMS = (
    "stream,estimated,registered,compliant,average_bill,achievable_bill,billed,collected\n"
    "property tax,120000,90000,60000,50,80,4500000,3000000\n"
    "business permits,30000,24000,20000,120,150,2880000,2400000\n"
)


def test_revenue_diagnostic_entered_shows_gap_matrix(
    server: str, chromium: Any, screenshots: Path, tmp_path: Path
) -> None:
    context = _context(chromium, server)
    page = context.new_page()
    target = f"/cities/{CITY}/revenue"
    try:
        _login(page, server, EDITOR, target)
        f = tmp_path / "streams.csv"
        f.write_text(STREAMS, encoding="utf-8")
        page.set_input_files("#rev-file", str(f))
        page.fill("#rev-year", "2025")
        page.fill("#rev-currency", "KES")
        page.click("#revenue-upload button[type=submit]")
        page.wait_for_url(re.compile(r".*/revenue\?year=2025$"))
        matrix = page.locator("#revenue-matrix").inner_text()
        assert "property tax" in matrix
        assert "business permits" in matrix
        # potential of property tax = 120,000 × 80 = 9,600,000
        assert re.search(r"9[,\s\u202f]?600[,\s\u202f]?000", matrix), matrix
        _check(page, screenshots, "42-revenue-entered")
        # a bad file: every finding shown, nothing saved
        f.write_text("stream,estimated\nproperty tax,abc\n", encoding="utf-8")
        page.set_input_files("#rev-file", str(f))
        page.fill("#rev-year", "2024")
        page.click("#revenue-upload button[type=submit]")
        page.locator("#revenue-problems").wait_for()
        assert "streams.csv" in page.locator("#revenue-problems").inner_text()
        page.goto(server + f"/cities/{CITY}")
        assert page.locator("#revenue-panel a[href$='/revenue']").count() == 1
    finally:
        context.close()
