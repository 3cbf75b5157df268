"""The revenue page and API: matrix, pies, priorities; drafts only to their readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.revenue.service import import_diagnostic
from sdgcities.store.db import transaction
from tests.web._apphelp import bearer, make_app, seed

GOOD = (
    "stream,estimated,registered,compliant,average_bill,achievable_bill,billed,collected\n"
    "property tax,1000,800,600,50,80,40000,30000\n"
    "business licences,500,450,300,20,20,9000,6000\n"
)


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    data = seed(engine)
    path = tmp_path / "s.csv"
    path.write_text(GOOD, encoding="utf-8")
    with transaction(engine) as s:
        import_diagnostic(s, data.nairobi, path, year=2023, publish=True, currency="KES")
        import_diagnostic(s, data.nairobi, path, year=2024)  # a draft
    return TestClient(make_app(engine)), {"editor": data.editor_token, "admin": data.admin_token}


def test_api_public_and_drafts(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    public = c.get("/api/v1/revenue/nairobi-ken")
    assert public.status_code == 200
    assert [d["year"] for d in public.json()["items"]] == [2023]
    one = c.get("/api/v1/revenue/nairobi-ken/2023").json()
    assert one["total"]["potential"] == 90_000
    assert one["priorities"][0]["stream"] == "property tax"
    draft = c.get("/api/v1/revenue/nairobi-ken/2024")
    assert draft.status_code == 404
    assert draft.json()["error"]["code"] == "not_found"
    mine = c.get("/api/v1/revenue/nairobi-ken", headers=bearer(tokens["editor"]))
    assert [d["year"] for d in mine.json()["items"]] == [2024, 2023]
    assert c.get("/api/v1/revenue/atlantis").status_code == 404
    assert c.get("/api/v1/revenue/nairobi-ken/99999").status_code in (404, 422)


def test_page(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    page = c.get("/cities/nairobi-ken/revenue")
    assert page.status_code == 200
    html = page.text
    assert 'id="revenue-matrix"' in html
    assert "<path d=" in html  # server-rendered pie slices
    assert "Compliance gap" in html
    assert "property tax" in html
    assert "Draft" not in html
    assert "2024" not in html
    assert c.get("/cities/nairobi-ken/revenue?year=2024").status_code == 404
    assert c.get("/cities/atlantis/revenue").status_code == 404
    fr = c.get("/cities/nairobi-ken/revenue", headers={"Accept-Language": "fr"})
    assert fr.status_code == 200
    assert "Écart de conformité" in fr.text
