"""The facility's use cases on a real store: editing, tranches, readiness, stages, consent,
impact, matching over stored records, introductions — through services, pages, API, CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sdgcities.errors import PermissionDeniedError, ValidationError
from sdgcities.investment import advisory
from sdgcities.investment import service as svc
from sdgcities.investment.investors import demo_windows, import_investors, import_windows
from sdgcities.investment.models import FinancingTranche, Introduction, InvestmentProject
from sdgcities.store.db import transaction
from sdgcities.store.models import User
from tests.web._apphelp import PASSWORD, login, make_app, seed

FIELDS = {
    "city": "nairobi",
    "title": "Example project: BRT line 2 (test)",
    "description": "Bus rapid transit",
    "sector": "21020",
    "sdg_targets": "11.2;11.6",
    "budget": "25000000",
    "currency": "USD",
    "start": "2027-01-01",
    "end": "2030-12-31",
    "stage": "ideation",
    "implementing_org": "Transport authority (test)",
}
INVESTORS = (
    "name,sdg_focus,regions,ticket_min,ticket_max,currency,instruments,stages,returns,example\n"
    "Test urban fund,11.2,Sub-Saharan Africa,1000000,50000000,USD,concessional loan,"
    "ideation;pre-feasibility,concessional,yes\n"
)
WINDOWS = (
    "name,institution,countries,amount,currency,deadline\n"
    "Test window,Test bank,KEN,1e8,USD,2099-01-01\n"
)


def _user(engine: Engine, email: str) -> User:
    with transaction(engine) as s:
        u = s.scalar(select(User).where(User.email == email))
        assert u is not None
        s.expunge(u)
        return u


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    """The web tests' seed and an investor and a window — on SQLite and PostgreSQL."""
    sqlite_engine = engine
    seed(sqlite_engine)
    (tmp_path / "i.csv").write_text(INVESTORS, encoding="utf-8")
    (tmp_path / "w.csv").write_text(WINDOWS, encoding="utf-8")
    with transaction(sqlite_engine) as s:
        import_investors(s, tmp_path / "i.csv")
        import_windows(s, tmp_path / "w.csv")
    return sqlite_engine


def _project(engine: Engine, email: str = "editor@nairobi.example") -> int:
    with transaction(engine) as s:
        editor = s.scalar(select(User).where(User.email == email))
        return svc.create_project(s, FIELDS, editor).id


def test_only_the_citys_editors_create(world: Engine) -> None:
    with transaction(world) as s:
        hub = s.scalar(select(User).where(User.email == "hub@example.org"))
        with pytest.raises(PermissionDeniedError):
            svc.create_project(s, FIELDS, hub)
        with pytest.raises(ValidationError) as err:
            svc.create_project(s, FIELDS | {"sector": "999", "budget": "-1"}, None)
    cols = {f.column for f in err.value.findings}
    assert {"sector", "budget"} <= cols


def test_tranches_must_sum_to_the_budget(world: Engine) -> None:
    pid = _project(world)
    with transaction(world) as s:
        p = s.get(InvestmentProject, pid)
        assert p is not None
        with pytest.raises(ValidationError) as err:
            svc.set_tranches(
                s,
                p,
                [
                    svc.TrancheInput("grant", 5e6, "USD"),
                    svc.TrancheInput("equity", 19_999_999.98, "USD"),
                ],
                svc.CLI,
            )
        (f,) = err.value.findings
        text = str(f)
        assert f"project {pid}" in text
        assert "24,999,999.98" in text
        assert "25,000,000.00" in text
        assert "-0.02" in text
        # within one cent: accepted
        svc.set_tranches(
            s,
            p,
            [
                svc.TrancheInput("grant", 5e6, "USD"),
                svc.TrancheInput("equity", 19_999_999.995, "USD"),
            ],
            svc.CLI,
        )
    with transaction(world) as s:
        p = s.get(InvestmentProject, pid)
        assert p is not None
        # mixed currencies need a dated, sourced rate; nothing half-saved on failure
        with pytest.raises(ValidationError, match="needs an exchange rate"):
            svc.set_tranches(
                s,
                p,
                [svc.TrancheInput("grant", 5e6, "USD"), svc.TrancheInput("equity", 1e9, "KES")],
                svc.CLI,
            )
    with transaction(world) as s:
        assert s.scalar(select(func.count()).select_from(FinancingTranche)) == 2
        p = s.get(InvestmentProject, pid)
        assert p is not None
        svc.set_tranches(
            s,
            p,
            [
                svc.TrancheInput("grant", 5e6, "USD"),
                svc.TrancheInput(
                    "equity", 2_000_000_000, "KES", 0.01, date(2026, 11, 30), "test rate"
                ),
            ],
            svc.CLI,
        )
        assert p.tranches[1].fx is not None
        assert p.tranches[1].fx.rate == 0.01


def test_readiness_score_and_gating(world: Engine) -> None:
    """ideation has 3 items: 1 done, 1 not applicable, 1 missing → 1/2 = 0.5."""
    pid = _project(world)
    editor = _user(world, "editor@nairobi.example")
    with transaction(world) as s:
        p = svc.get_project(s, pid, svc.CLI)
        svc.set_readiness(s, p, "sdg_rationale", "done", svc.CLI, evidence_text="note of 2026-10")
        svc.set_readiness(
            s,
            p,
            "political_endorsement",
            "not applicable",
            svc.CLI,
            reason="a technical agency's own budget",
        )
        r = svc.readiness_of(s, p)
        assert r["by_stage"]["ideation"] == 0.5
        assert r["overall"] == 0.5
        assert r["ready_for"]["ideation"]
        assert not r["ready_for"]["pre-feasibility"]
        with pytest.raises(ValidationError, match="not ready for pre-feasibility"):
            svc.move_stage(s, p, "pre-feasibility", date(2026, 12, 1), editor)
        with pytest.raises(ValidationError) as err:
            svc.set_readiness(s, p, "project_concept", "done", svc.CLI)
        assert err.value.findings[0].column == "evidence_text"
        with pytest.raises(ValidationError):
            svc.set_readiness(s, p, "land_tenure", "not applicable", svc.CLI)
        svc.set_readiness(
            s, p, "project_concept", "done", svc.CLI, evidence_url="https://example.org/concept.pdf"
        )
    with transaction(world) as s:
        p = svc.get_project(s, pid, svc.CLI)
        editor = s.scalar(select(User).where(User.email == "editor@nairobi.example"))
        svc.move_stage(s, p, "pre-feasibility", date(2026, 12, 1), editor)
        assert p.stage == "pre-feasibility"
        assert [(g.stage, g.passed_on) for g in p.gates] == [("pre-feasibility", date(2026, 12, 1))]
        with pytest.raises(PermissionDeniedError, match="only an admin"):
            svc.move_stage(s, p, "ideation", date(2026, 12, 2), editor, reason="x")
        admin = s.scalar(select(User).where(User.email == "admin@example.org"))
        with pytest.raises(ValidationError, match="reason"):
            svc.move_stage(s, p, "ideation", date(2026, 12, 2), admin)
        svc.move_stage(s, p, "ideation", date(2026, 12, 2), admin, reason="concept redone")
        assert p.stage == "ideation"
        assert p.gates == []
        kinds = [e.kind for e in svc.project_events(s, p)]
        assert kinds == ["create", "stage", "revert"]


def test_impact_shows_the_latest_published_value(world: Engine) -> None:
    pid = _project(world)
    with transaction(world) as s:
        p = svc.get_project(s, pid, svc.CLI)
        svc.add_impact(s, p, "11.2.1", svc.CLI, expected_change="+10 points", target_year=2030)
        svc.add_impact(s, p, "11.7.1", svc.CLI)  # its only value is a draft
        with pytest.raises(ValidationError, match="unknown indicator"):
            svc.add_impact(s, p, "99.9.9", svc.CLI)
        a, b = svc.impacts_of(s, p)
    assert (a["latest_value"], a["latest_year"]) == (41.5, 2020)
    assert a["plan_target"]["indicator_code"] == "11.2.1"
    assert a["plan_target"]["target_year"] == 2030
    assert b["latest_value"] is None  # drafts never show


def test_match_review_introduce_outcomes(world: Engine) -> None:
    pid = _project(world)
    hub = _user(world, "hub@example.org")
    with transaction(world) as s:
        hub = s.scalar(select(User).where(User.email == "hub@example.org"))
        frame = advisory.run_match(s, hub)
        rows = frame.to_dict("records")
        assert {(r["kind"], r["counterpart"]) for r in rows} == {
            ("investor", "Test urban fund"),
            ("window", "Test window"),
        }
        inv = next(r for r in rows if r["kind"] == "investor")
        assert inv["sdg"] == 0.5
        assert inv["region"] == 1.0
        assert inv["stage"] == 1.0
        advisory.review_match(s, hub, pid, "investor", inv["counterpart_id"], "shortlist")
        intro = advisory.introduce(
            s, hub, pid, "investor", inv["counterpart_id"], on=date(2026, 12, 1)
        )
        advisory.record_outcome(s, hub, intro.id, "meeting", on=date(2026, 12, 5))
        advisory.record_outcome(s, hub, intro.id, "term sheet", on=date(2026, 12, 20))
        with pytest.raises(ValidationError, match="too early"):
            advisory.record_outcome(s, hub, intro.id, "financed", on=date(2026, 12, 1))
        editor = s.scalar(select(User).where(User.email == "editor@nairobi.example"))
        with pytest.raises(PermissionDeniedError):
            advisory.introduce(s, editor, pid, "window", 1)
    with transaction(world) as s:
        (x,) = advisory.list_introductions(s, advisory.CLI)
        assert x["outcome"] == "term sheet"
        assert [e["outcome"] for e in x["history"]] == ["pending", "meeting", "term sheet"]
        learner = s.scalar(select(User).where(User.email == "learner@example.org"))
        assert advisory.list_introductions(s, learner) == []
        assert advisory.run_match(s, learner).empty


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


def test_pages_consent_and_public_404(world: Engine) -> None:
    client = TestClient(make_app(world))
    login(client, "editor@nairobi.example")
    form = client.get("/investment/projects/new")
    assert form.status_code == 200
    bad = client.post(
        "/investment/projects/new",
        data={**FIELDS, "sdg_targets": "11.99", "csrf_token": _csrf(form.text)},
    )
    assert bad.status_code == 422
    assert "not an SDG target code" in bad.text
    r = client.post(
        "/investment/projects/new",
        data={**FIELDS, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url)
    assert "Not public" in page.text
    anon = TestClient(make_app(world))
    assert anon.get(url).status_code == 404
    assert anon.get("/api/v1" + url.replace("/investment/", "/investment/")).status_code == 404
    assert "BRT line 2" not in anon.get("/investment").text
    # tranches that do not sum: a clear error, nothing saved
    t = client.post(
        url + "/tranches",
        data={
            "csrf_token": _csrf(page.text),
            "instrument": ["grant", ""],
            "amount": ["1000", ""],
            "currency": ["USD", "USD"],
            "fx_rate": ["", ""],
            "fx_date": ["", ""],
            "fx_source": ["", ""],
        },
    )
    assert t.status_code == 422
    assert "a difference of -24,999,000.00" in t.text
    c = client.post(url + "/consent", data={"csrf_token": _csrf(page.text), "consent": "give"})
    assert c.status_code == 200
    public = anon.get(url)
    assert public.status_code == 200
    assert "BRT line 2" in public.text
    assert "editor@nairobi.example" not in public.text  # who consented: staff only
    assert "BRT line 2" in anon.get("/investment").text
    api = anon.get("/api/v1/investment/projects").json()
    assert api["total"] == 1
    assert api["items"][0]["consent"]["by"] is None
    csv = anon.get("/investment/pipeline.csv?by=stage")
    assert csv.text.splitlines() == ["stage,currency,projects,value", "ideation,USD,1,25000000.00"]
    fr = anon.get("/investment", headers={"Accept-Language": "fr"})
    assert "Portefeuille" in fr.text or "investissement" in fr.text.lower()


def test_api_flow_and_investor_role(world: Engine) -> None:
    pid = _project(world)
    from sdgcities.accounts.tokens import issue_token
    from sdgcities.accounts.users import create_user

    with transaction(world) as s:
        create_user(s, email="investor@fund.example", password=PASSWORD, role="investor")
        hub_token, _ = issue_token(s, "hub@example.org", name="t")
        inv_token, _ = issue_token(s, "investor@fund.example", name="t")
    client = TestClient(make_app(world))
    hub = {"Authorization": f"Bearer {hub_token}"}
    investor = {"Authorization": f"Bearer {inv_token}"}
    m = client.get("/api/v1/investment/matches", headers=hub).json()
    assert {r["kind"] for r in m["items"]} == {"investor", "window"}
    assert m["weights"]["sdg"] == 0.35
    why = client.get(
        f"/api/v1/investment/matches/why-not?project={pid}&kind=investor&id=1", headers=hub
    ).json()
    assert why == {"eligible": True, "reasons": []}
    r = client.post(
        "/api/v1/investment/introductions",
        headers=hub,
        json={"project_id": pid, "kind": "window", "counterpart_id": 1},
    )
    assert r.status_code == 201
    o = client.post(
        f"/api/v1/investment/introductions/{r.json()['id']}/outcome",
        headers=hub,
        json={"outcome": "declined", "note": "outside the window's themes"},
    )
    assert o.json()["outcome"] == "declined"
    # the investor: no draft project, its own (empty) matches, the profiles
    assert client.get(f"/api/v1/investment/projects/{pid}", headers=investor).status_code == 404
    assert client.get("/api/v1/investment/matches", headers=investor).json()["items"] == []
    assert client.get("/api/v1/investment/investors", headers=investor).status_code == 200
    assert client.get("/api/v1/investment/investors").status_code == 401
    bad = client.put(
        f"/api/v1/investment/projects/{pid}/tranches",
        headers=hub,
        json=[{"instrument": "grant", "amount": 1, "currency": "USD"}],
    )
    assert bad.status_code == 403
    with transaction(world) as s:
        assert s.scalar(select(func.count()).select_from(Introduction)) == 1


def test_cli_commands(world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from sdgcities.cli import app

    monkeypatch.setenv("DATABASE_URL", world.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(tmp_path / "data"))
    from sdgcities.config import get_settings

    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    pid = _project(world)
    run = CliRunner().invoke
    r = run(app, ["investment", "project", "show", str(pid), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["readiness"]["overall"] == 0.0
    r = run(app, ["investment", "project", "stage", str(pid), "structuring", "--on", "2026-12-01"])
    assert r.exit_code == 1
    assert "not ready for structuring" in r.output
    r = run(app, ["investment", "project", "consent", str(pid), "--by", "hub@example.org"])
    assert r.exit_code == 1
    assert "only a city editor" in r.output
    r = run(app, ["investment", "project", "consent", str(pid), "--by", "editor@nairobi.example"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "m.json"
    r = run(app, ["investment", "match", "--city", "nairobi", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert {m["counterpart"] for m in json.loads(out.read_text())} == {
        "Test urban fund",
        "Test window",
    }
    r = run(app, ["investment", "introduce", str(pid), "--investor", "1", "--on", "2026-12-01"])
    assert r.exit_code == 0, r.output
    r = run(app, ["investment", "introduce", str(pid), "--investor", "1", "--outcome", "meeting"])
    assert r.exit_code == 0, r.output
    r = run(app, ["investment", "introduce", str(pid)])
    assert r.exit_code == 2
    r = run(app, ["investment", "windows", "list", "--json"])
    assert json.loads(r.output)[0]["name"] == "Test window"
    bad = tmp_path / "bad.csv"
    bad.write_text(INVESTORS.replace("concessional,yes", "greedy,yes"), encoding="utf-8")
    r = run(app, ["investment", "investors", "import", str(bad)])
    assert r.exit_code == 1
    assert "returns" in r.output
    assert "Traceback" not in r.output


def test_demo_windows_only_what_the_seed_states(sqlite_engine: Engine) -> None:
    from sdgcities.investment.demo import demo_line

    with transaction(sqlite_engine) as s:
        assert demo_windows(s) == 2
        line = demo_line(s)
        assert "para 92" in line
        assert "example investor" in line
        again = demo_line(s)
    assert "example" not in again.split(";")[-1] or again.count(";") == 0
    seed_text = (
        Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_59eea5afa8450ec4.txt"
    )
    if seed_text.is_file():
        text = seed_text.read_text(encoding="utf-8")
        assert "Sustainable Development Goal and COVID-19 investment windows" in text


def test_iati_export_still_valid_with_the_new_fields(world: Engine, tmp_path: Path) -> None:
    """Tranches with an FX rate, readiness, impact, consent, stage gates up to
    implementation (its date becomes the actual start, activity-date type 2): still valid
    against the real IATI 2.03 schema."""
    from lxml import etree

    from tests.investment.test_intake_iati import IATI

    xsd = IATI / "iati-activities-schema.xsd"
    if not xsd.is_file():
        pytest.skip(f"IATI 2.03 schemas not found at {IATI}")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    pid = _project(world)
    with transaction(world) as s:
        p = svc.get_project(s, pid, svc.CLI)
        svc.set_tranches(
            s,
            p,
            [
                svc.TrancheInput("grant", 5e6, "USD"),
                svc.TrancheInput("equity", 2e9, "KES", 0.01, date(2026, 11, 30), "test rate"),
            ],
            svc.CLI,
        )
        from sdgcities.investment.readiness import checklist

        for item in checklist():
            svc.set_readiness(s, p, item.key, "done", svc.CLI, evidence_text="test evidence")
        svc.add_impact(s, p, "11.2.1", svc.CLI, target_year=2030)
        editor = s.scalar(select(User).where(User.email == "editor@nairobi.example"))
        svc.set_consent(s, p, True, editor)
        svc.move_stage(s, p, "implementation", date(2027, 2, 1), editor)
    out = tmp_path / "pipeline.xml"
    with transaction(world) as s:
        assert svc.export_iati(s, out) == 1
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    act = doc.find("iati-activity")
    assert act is not None
    assert act.find("activity-status").get("code") == "2"
    assert act.find("activity-date[@type='2']").get("iso-date") == "2027-02-01"


def test_edit_page_api_patch_and_city_panel(world: Engine) -> None:
    pid = _project(world)
    client = TestClient(make_app(world))
    anon = TestClient(make_app(world))
    assert "investment-panel" not in anon.get("/cities/nairobi").text  # no consent yet
    csrf = login(client, "editor@nairobi.example")
    page = client.get(f"/investment/projects/{pid}/edit")
    assert page.status_code == 200
    assert 'value="11.2;11.6"' in page.text
    form = {k: v for k, v in FIELDS.items() if k not in ("city", "stage")}
    bad = client.post(
        f"/investment/projects/{pid}/edit",
        data=form | {"end": "2020-01-01", "csrf_token": _csrf(page.text)},
    )
    assert bad.status_code == 422
    assert "before the start" in bad.text
    ok = client.post(
        f"/investment/projects/{pid}/edit",
        follow_redirects=False,
        data=form | {"title": "BRT line 2 (renamed)", "csrf_token": _csrf(page.text)},
    )
    assert ok.status_code == 303
    r = client.patch(
        f"/api/v1/investment/projects/{pid}",
        json={"budget": 26_000_000},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    assert r.json()["budget"] == 26_000_000
    assert r.json()["title"] == "BRT line 2 (renamed)"
    assert "investment-panel" in client.get("/cities/nairobi").text  # the city's editor
    hist = [e["kind"] for e in r.json()["history"]]
    assert hist == ["create", "edit", "edit"]
