"""The partners, calls, Champions and markers commands and JSON API, as users drive them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sdgcities.capacity.models import Agreement, Provider
from sdgcities.store.db import transaction
from tests.web._apphelp import bearer, login, make_app, seed


@pytest.fixture
def cli(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    from sdgcities.config import get_settings

    seed(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _run(runner: CliRunner, *args: str) -> tuple[int, str]:
    from sdgcities.cli import app

    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_partners_commands(cli: CliRunner, sqlite_engine: Engine, tmp_path: Path) -> None:
    code, out = _run(
        cli, "capacity", "partners", "add", "university", "University of Nairobi",
        "--theme", "urban_planning", "--language", "en", "--language", "sw",
    )  # fmt: skip
    assert code == 0, out
    with transaction(sqlite_engine) as s:
        pid = s.scalars(select(Provider.id)).one()
    code, out = _run(
        cli, "capacity", "partners", "verify", str(pid), "--by", "editor@nairobi.example"
    )
    assert code == 1  # a city editor does not verify
    assert "hub staff and admins" in out
    code, out = _run(cli, "capacity", "partners", "verify", str(pid), "--by", "hub@example.org")
    assert code == 0, out
    code, out = _run(
        cli, "capacity", "partners", "agreement", "add", str(pid), "--kind", "mou",
        "--title", "MoU 2026-2028", "--start", "2026-01-01", "--end", "2028-12-31",
        "--signed", "2025-12-15",
    )  # fmt: skip
    assert code == 0, out
    assert "active" in out
    code, out = _run(
        cli, "capacity", "partners", "agreement", "add", str(pid), "--kind", "mou",
        "--title", "x", "--start", "2026-13-01",
    )  # fmt: skip
    assert code == 1
    assert "is not a date" in out
    code, out = _run(
        cli, "capacity", "partners", "engagement", "add", str(pid), "--on", "2026-10-12",
        "--kind", "training_delivered", "--title", "Course, Kisumu", "--participants", "24",
    )  # fmt: skip
    assert code == 0, out
    out_file = tmp_path / "p.json"
    code, out = _run(cli, "capacity", "partners", "list", "--verified", "--json", str(out_file))
    assert code == 0, out
    data = json.loads(out_file.read_text())
    assert [p["verified_by"] for p in data] == ["hub@example.org"]
    code, out = _run(cli, "capacity", "partners", "show", str(pid))
    assert "[active]" in out
    assert "Course, Kisumu" in out


def test_calls_champions_markers_commands(cli: CliRunner) -> None:
    code, out = _run(
        cli, "capacity", "calls", "add", "uni-2026", "--kind", "eoi", "--title", "Old call",
        "--opens", "2026-01-01T09:00+03:00", "--closes", "2026-02-01T17:00+03:00",
    )  # fmt: skip
    assert code == 0, out
    code, out = _run(
        cli, "capacity", "calls", "add", "bad", "--kind", "eoi", "--title", "t",
        "--opens", "2026-01-01T09:00", "--closes", "2026-02-01T17:00+03:00",
    )  # fmt: skip
    assert code == 1
    assert "no time zone" in out
    code, out = _run(
        cli, "capacity", "calls", "add", "nua", "--kind", "champions", "--title", "NUA",
        "--opens", "2026-01-01T00:00Z", "--closes", "2026-02-01T00:00Z",
    )  # fmt: skip
    code, out = _run(
        cli, "capacity", "champions", "apply", "nua", "Nairobi",
        "--commitment", "A voluntary local review and more", "--need-summary", "x",
    )  # fmt: skip
    assert code == 1
    assert "no application was saved" in out
    code, out = _run(cli, "capacity", "calls", "list")
    assert "uni-2026" in out
    code, out = _run(
        cli, "capacity", "markers", "add", "PRC-1", "--title", "t", "--unit", "U",
        "--year", "2022", "--marker", "1", "--met", "need_identified",
        "--met", "objective_stated", "--met", "activities_budgeted", "--met", "results_measured",
    )  # fmt: skip
    assert code == 0, out
    code, out = _run(cli, "capacity", "markers", "portfolio")
    assert "100%" in out
    code, out = _run(cli, "capacity", "markers", "criteria")
    assert "proposal" in out


def test_partner_api_for_staff_only(sqlite_engine: Engine) -> None:
    data = seed(sqlite_engine)
    client = TestClient(make_app(sqlite_engine))
    body = {"kind": "trainer", "name": "T", "themes": ["housing"], "email": "t@x.example"}
    r = client.post("/api/v1/capacity/partners", json=body, headers=bearer(data.editor_token))
    assert r.status_code == 403
    r = client.post("/api/v1/capacity/partners", json=body, headers=bearer(data.admin_token))
    assert r.status_code == 201
    pid = r.json()["id"]
    r = client.post(
        f"/api/v1/capacity/partners/{pid}/agreements",
        json={"kind": "contract", "title": "C", "starts_on": "2027-01-01", "ends_on": "2026-01-01"},
        headers=bearer(data.admin_token),
    )
    assert r.status_code == 400  # the platform's status for a ValidationError
    assert "ends_on" in r.text
    r = client.post(
        f"/api/v1/capacity/partners/{pid}/agreements",
        json={"kind": "contract", "title": "C"},
        headers=bearer(data.admin_token),
    )
    assert r.status_code == 201
    assert r.json()["agreements"][0]["status"] == "draft"
    public = client.get(f"/api/v1/capacity/partners/{pid}").json()
    assert public["agreements"] == []  # a draft is for staff
    assert public["email"] is None  # a trainer's e-mail is personal
    with transaction(sqlite_engine) as s:
        assert s.scalar(select(Agreement.kind)) == "contract"


def test_city_panel_only_for_those_who_may_open_needs(sqlite_engine: Engine) -> None:
    from sdgcities.assessment.benchmarksets import get_benchmark_set
    from sdgcities.observations.service import record_value

    data = seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        get_benchmark_set(s)
        record_value(
            s, city_id=data.nairobi, indicator_code="11.1.1", year=2023, value=95.0, source="t"
        )
    client = TestClient(make_app(sqlite_engine))
    assert "capacity-needs-panel" not in client.get("/cities/nairobi").text
    login(client, "learner@example.org")
    assert "capacity-needs-panel" not in client.get("/cities/nairobi").text
    client.cookies.clear()
    login(client, "editor@nairobi.example")
    page = client.get("/cities/nairobi")
    assert page.status_code == 200
    assert "capacity-needs-panel" in page.text
    assert 'name="indicator" value="11.1.1"' in page.text
