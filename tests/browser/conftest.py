"""Browser fixtures: Debian's Chromium driven by Playwright, the app served by uvicorn.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``. When
Chromium (or Playwright, or the vendored axe-core) is missing the browser tests skip
with the reason — unless ``SDGCITIES_REQUIRE_BROWSER=1`` (set by ``make test``), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser._browser import AXE, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, _unavailable


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (run `make browser`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not AXE.exists():
        _unavailable(f"axe-core not found at {AXE} (run `bash scripts/vendor-assets.sh`)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
