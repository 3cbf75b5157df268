"""Certification in a real browser: a city editor assembles stage-1 evidence and submits,
the hub reviewer approves, the certificate downloads as PDF and the public verification
page shows it valid.

The server runs with a stage file (``SDGCITIES_CERTIFICATION_STAGES``) whose stage 1
leaves out the approved strategic plan: the planning domain that records plans is built
in parallel and registers its evidence resolver at merge. Values in the store are
GENERATED TEST DATA (see seed_store.py). Chromium may reach only the local server.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import start_server, stop_server
from tests.browser.seed_store import PASSWORD, seed
from tests.browser.test_review_flow import _check, _context, _login, _logout

pytestmark = pytest.mark.browser

EDITOR = "editor@nairobi.example"
REVIEWER = "reviewer@cert-hub.example"
STAGES = """
source: test stage file (stage 1 without the strategic plan, which has no resolver yet)
stages:
  - number: 1
    key: data_and_plans
    name: Data & plans
    requirements:
      - {key: baseline_indicators, check: published_indicators, min: 5, label: Five indicators}
      - {key: baseline_year, check: baseline_year, label: A baseline year}
      - {key: datasets, evidence: dataset, min: 1, label: The datasets behind the baseline}
      - {key: spatial_analysis, evidence: hex_layer, min: 1, label: A spatial analysis}
  - number: 2
    key: effective_enablers
    name: Effective enablers
    requirements:
      - {key: revenue_diagnostic, evidence: revenue_diagnostic, min: 1, label: A revenue diagnostic}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sqlalchemy import update

    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user
    from sdgcities.store.models import City, ImportBatch, Observation

    root = tmp_path_factory.mktemp("certification-browser")
    url = f"sqlite:///{root / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed(engine)
    with transaction(engine) as s:
        create_user(s, email=REVIEWER, password=PASSWORD, role="regional_hub", region="Africa")
        hubs.create_hub(s, slug="cert-hub", name="East Africa hub", host_country_iso3="KEN")
        hubs.add_city(s, "cert-hub", "nairobi-ken")
        hubs.add_member(s, "cert-hub", REVIEWER)
        batch = ImportBatch(kind="observations", file_name="nairobi-baseline.csv", user=EDITOR)
        s.add(batch)
        s.flush()
        city = s.query(City).filter_by(slug="nairobi-ken").one()
        s.execute(
            update(Observation).where(Observation.city_id == city.id).values(import_id=batch.id)
        )
    engine.dispose()
    stages = root / "stages.yaml"
    stages.write_text(STAGES, "utf-8")
    before = os.environ.get("SDGCITIES_CERTIFICATION_STAGES")
    os.environ["SDGCITIES_CERTIFICATION_STAGES"] = str(stages)
    try:
        proc, base = start_server(url, root)
    finally:
        if before is None:
            os.environ.pop("SDGCITIES_CERTIFICATION_STAGES", None)
        else:
            os.environ["SDGCITIES_CERTIFICATION_STAGES"] = before
    try:
        yield base
    finally:
        stop_server(proc)


def test_assemble_submit_approve_download_verify(
    server: str, chromium: Any, screenshots: Path, tmp_path: Path
) -> None:
    from sdgcities.documents import pdf_text

    context = _context(chromium, server)
    page = context.new_page()
    try:
        # the editor opens stage 1 and attaches the city's import and its hex layer
        _login(page, server, EDITOR, "/cities/nairobi-ken/certification")
        _check(page, screenshots, "30-certification-city")
        page.select_option("#apply-stage", "1")
        page.click("#apply-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/certification/applications/\d+$"))
        app_url = page.url
        assert "not complete" in page.locator("#check-status").inner_text()
        page.click("button[data-kind=dataset]")
        page.wait_for_url(re.compile(r".*\?done=.*"))
        page.click("button[data-kind=hex_layer]")
        page.wait_for_url(re.compile(r".*\?done=.*"))
        assert page.locator("#check-status").inner_text() == "complete"
        _check(page, screenshots, "31-certification-evidence")
        page.fill("#submit-comment", "Stage 1 evidence of Nairobi")
        page.click("#submit-button")
        page.wait_for_url(re.compile(r".*\?done=.*"))
        assert "in review" in page.locator("#app-state").inner_text()
        _logout(page)

        # the hub reviewer finds it in the queue and approves it
        _login(page, server, REVIEWER, "/certification/review")
        _check(page, screenshots, "32-certification-queue")
        page.click(f"a[href='{urlparse(app_url).path}']")
        page.wait_for_url(app_url)
        page.click("#approve-button")
        page.wait_for_url(re.compile(r".*\?done=.*"))
        code = page.locator("#cert-code").inner_text().strip()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
        with page.expect_download() as info:
            page.click("#cert-pdf")
        pdf = tmp_path / "certificate.pdf"
        info.value.save_as(str(pdf))
        text = pdf_text(pdf.read_bytes())
        assert code in text
        assert "Nairobi" in text
        assert "/certification/verify/" in text
        _logout(page)

        # anyone verifies it; an unknown code is a clear 404 page
        page.goto(f"{server}/certification/verify/{code}")
        assert page.locator("#cert-status").inner_text() == "valid"
        assert "never ranks" in page.content()
        _check(page, screenshots, "33-certification-verify")
        missing = page.goto(f"{server}/certification/verify/0000-0000-0000-0000-0001")
        assert missing is not None
        assert missing.status == 404
        assert "No such certificate" in page.content()
    finally:
        context.close()
