"""Partners, agreements, the open call (EOI), Champions and review markers.

Service functions first (hand-computed cases), then the pages as each role sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sdgcities.capacity import calls as cl
from sdgcities.capacity import champions as ch
from sdgcities.capacity import markers as mk
from sdgcities.capacity import partners as pt
from sdgcities.capacity.models import (
    Agreement,
    ApplicationFile,
    ChampionApplication,
    EoiApplication,
    Provider,
)
from sdgcities.capacity.needs import add_provider
from sdgcities.errors import ConflictError, PermissionDeniedError, ValidationError
from sdgcities.notifications.models import Notification
from sdgcities.store.db import transaction
from tests.web._apphelp import login, make_app, seed

NOW = datetime.now(UTC)


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


# ------------------------------------------------------------------ agreements: status
@pytest.mark.parametrize(
    ("signed", "start", "end", "expected"),
    [
        (None, date(2026, 1, 1), date(2027, 12, 31), "draft"),  # not signed
        (date(2026, 5, 1), date(2026, 7, 1), date(2027, 12, 31), "draft"),  # starts later
        (date(2026, 5, 1), date(2026, 6, 1), date(2027, 12, 31), "active"),  # first day
        (date(2026, 5, 1), date(2025, 1, 1), date(2026, 6, 1), "active"),  # last day
        (date(2025, 1, 1), date(2025, 1, 1), date(2026, 5, 31), "expired"),  # ended yesterday
        (None, None, date(2026, 5, 31), "expired"),  # never signed, and past
    ],
)
def test_agreement_status_from_dates(
    signed: date | None, start: date | None, end: date | None, expected: str
) -> None:
    a = Agreement(signed_on=signed, starts_on=start, ends_on=end)
    assert pt.agreement_status(a, today=date(2026, 6, 1)) == expected


def test_agreement_refuses_end_before_start(sqlite_engine: Engine) -> None:
    with transaction(sqlite_engine) as s:
        p = add_provider(s, kind="university", name="U", themes=["housing"])
        with pytest.raises(ValidationError) as err:
            pt.add_agreement(
                s, p, kind="mou", title="MoU", starts_on=date(2027, 1, 1), ends_on=date(2026, 1, 1)
            )
        assert err.value.findings[0].column == "ends_on"
        with pytest.raises(ValidationError):
            pt.add_agreement(s, p, kind="treaty", title="x")
        with pytest.raises(PermissionDeniedError):
            pt.verify(s, p, reviewer="editor@x.org", role="city_editor")
        pt.verify(s, p, reviewer="hub@x.org", role="regional_hub")
        assert p.verified_by == "hub@x.org"
        assert p.verified_at is not None


# ---------------------------------------------------------------------- markers: rule
MIN = {"need_identified": True, "objective_stated": True, "activities_budgeted": True}


def test_marker_rule_hand_cases() -> None:
    full = {**MIN, "results_measured": True}
    assert mk.marker_from_criteria({}) == 0
    assert mk.marker_from_criteria(MIN) == 0  # one minimum criterion missing
    assert mk.marker_from_criteria(full) == 1
    assert mk.marker_from_criteria({**full, "principal_objective": True}) == 2
    # principal objective without the minimum criteria is still 0
    assert mk.marker_from_criteria({**MIN, "principal_objective": True}) == 0
    mk.check_marker(1, full)
    with pytest.raises(ValidationError, match="disagrees") as err:
        mk.check_marker(2, full)
    assert "principal_objective" in (err.value.findings[0].fix or "")
    with pytest.raises(ValidationError, match="disagrees") as err:
        mk.check_marker(1, MIN)
    assert "results_measured" in (err.value.findings[0].fix or "")
    with pytest.raises(ValidationError, match="unknown criteria"):
        mk.check_marker(0, {"gender": True})
    with pytest.raises(ValidationError, match="not 0, 1 or 2"):
        mk.check_marker(3, full)


def test_marker_criteria_file_cites_its_source() -> None:
    data = mk.criteria()
    assert "1.1.3" in data["source"]
    assert data["status"] == "proposal"
    assert [c["code"] for c in data["criteria"]][-1] == "principal_objective"


def test_portfolio_by_unit_and_year(sqlite_engine: Engine) -> None:
    full = {**MIN, "results_measured": True}
    with transaction(sqlite_engine) as s:
        for ref, unit, year, marker, answers in [
            ("P-1", "Urban Practices", 2022, 0, {}),
            ("P-2", "Urban Practices", 2022, 1, full),
            ("P-3", "Urban Practices", 2022, 2, {**full, "principal_objective": True}),
            ("P-4", "Urban Practices", 2023, 1, full),
            ("P-5", "Regional Office Africa", 2022, 0, MIN),
        ]:
            mk.record_marker(
                s, reference=ref, title=ref, unit=unit, year=year, marker=marker, answers=answers
            )
        frame = mk.portfolio(s)
    rows = {(r.unit, r.year): r for r in frame.itertuples(index=False)}
    up22 = rows[("Urban Practices", 2022)]
    assert (up22.marker_0, up22.marker_1, up22.marker_2, up22.total) == (1, 1, 1, 3)
    assert up22.share_targeted == pytest.approx(2 / 3)
    assert rows[("Regional Office Africa", 2022)].share_targeted == 0
    assert rows[("Urban Practices", 2023)].marker_1 == 1


# --------------------------------------------------------------------- the open call
@pytest.fixture
def world(sqlite_engine: Engine) -> Iterator[Engine]:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        cl.create_call(
            s,
            slug="universities-2027",
            kind="eoi",
            title="Open call to universities",
            opens_at=NOW - timedelta(days=10),
            closes_at=NOW + timedelta(days=10),
            themes=["urban_planning", "housing"],
            criteria=["Curricula on urban planning"],
            timezone="Africa/Nairobi",
        )
        cl.create_call(
            s,
            slug="closed-2026",
            kind="eoi",
            title="Closed call",
            opens_at=datetime(2026, 1, 1, 9, tzinfo=UTC),
            closes_at=datetime(2026, 2, 1, 14, tzinfo=UTC),
            timezone="Africa/Nairobi",
        )
        cl.create_call(
            s,
            slug="champions-2027",
            kind="champions",
            title="NUA Champions 2027",
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=30),
            cohort_start=datetime(2027, 4, 1),
        )
    return sqlite_engine


def test_call_moments_must_be_aware_and_ordered(sqlite_engine: Engine) -> None:
    with transaction(sqlite_engine) as s:
        with pytest.raises(ValidationError) as err:
            cl.create_call(
                s,
                slug="x",
                kind="eoi",
                title="x",
                opens_at=datetime(2027, 1, 1),
                closes_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        assert [f.column for f in err.value.findings] == ["opens_at"]
        with pytest.raises(ValidationError, match="cannot be created"):
            cl.create_call(
                s,
                slug="y",
                kind="eoi",
                title="y",
                opens_at=datetime(2027, 1, 1, tzinfo=UTC),
                closes_at=datetime(2026, 1, 1, tzinfo=UTC),
            )


def test_closing_moment_is_exclusive(world: Engine) -> None:
    with transaction(world) as s:
        call = cl.get_call(s, "closed-2026")
        closes = datetime(2026, 2, 1, 14, tzinfo=UTC)
        cl.ensure_open(call, closes - timedelta(microseconds=1))
        with pytest.raises(cl.CallClosedError) as err:
            cl.ensure_open(call, closes)
    # shown in the call's zone: 14:00 UTC is 17:00 in Nairobi (UTC+3)
    assert "closed on 2026-02-01 17:00 (Africa/Nairobi)" in str(err.value)
    assert "no application was saved" in str(err.value)


def test_answer_after_closing_saves_nothing_page_and_api(world: Engine) -> None:
    client = TestClient(make_app(world))
    page = client.get("/capacity/calls/closed-2026")
    assert page.status_code == 200
    assert "Express your interest" not in page.text
    token = _csrf(client.get("/capacity/calls/universities-2027").text)
    r = client.post(
        "/capacity/calls/closed-2026",
        data={
            "csrf_token": token,
            "name": "Late University",
            "kind": "university",
            "email": "late@univ.example",
            "themes": ["housing"],
        },
        files={"attachments": ("cv.pdf", b"%PDF-1.4 late", "application/pdf")},
    )
    assert r.status_code == 409
    assert "closed on 2026-02-01 17:00 (Africa/Nairobi)" in r.text
    assert "no application was saved" in r.text
    client.cookies.clear()  # an API client without a session needs no CSRF token
    api = client.post(
        "/api/v1/capacity/calls/closed-2026/applications",
        json={"name": "Late", "kind": "university", "email": "l@u.example", "themes": ["housing"]},
    )
    assert api.status_code == 409
    assert "no application was saved" in api.json()["error"]["message"]
    with transaction(world) as s:
        assert s.scalar(select(func.count(EoiApplication.id))) == 0
        assert s.scalar(select(func.count(ApplicationFile.id))) == 0


def test_bad_answer_lists_every_field_and_saves_nothing(world: Engine) -> None:
    client = TestClient(make_app(world))
    page = client.get("/capacity/calls/universities-2027")
    r = client.post(
        "/capacity/calls/universities-2027",
        data={
            "csrf_token": _csrf(page.text),
            "name": "",
            "kind": "castle",
            "email": "nope",
            "themes": ["mobility"],
        },
    )
    assert r.status_code == 422
    for field in ("name", "kind", "email", "themes"):
        assert f"{field}:" in r.text
    assert "Nothing was saved" in r.text
    with transaction(world) as s:
        assert s.scalar(select(func.count(EoiApplication.id))) == 0


def test_answer_review_accept_makes_partner_and_draft_agreement(world: Engine) -> None:
    client = TestClient(make_app(world))
    page = client.get("/capacity/calls/universities-2027")
    assert "Express your interest" in page.text
    assert "Curricula on urban planning" in page.text
    r = client.post(
        "/capacity/calls/universities-2027",
        data={
            "csrf_token": _csrf(page.text),
            "name": "University of Nairobi",
            "kind": "university",
            "contact_name": "Prof. A",
            "email": "cb@uon.example",
            "themes": ["urban_planning"],
            "languages": "en, sw",
            "regions": "Eastern Africa",
            "experience": "Planning curricula since 1970.",
        },
        files={"attachments": ("profile.pdf", b"%PDF-1.4 profile", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with transaction(world) as s:
        app = s.scalars(select(EoiApplication)).one()
        assert app.languages == ["en", "sw"]
        assert app.regions == ["Eastern Africa"]
        assert s.scalar(select(ApplicationFile.size)) == len(b"%PDF-1.4 profile")
        app_id = app.id
    # the public and an editor may not review
    assert client.get("/capacity/calls/universities-2027/applications").status_code == 401
    login(client, "editor@nairobi.example")
    assert client.get("/capacity/calls/universities-2027/applications").status_code == 403
    client.cookies.clear()
    login(client, "hub@example.org")
    review = client.get("/capacity/calls/universities-2027/applications")
    assert review.status_code == 200
    assert "cb@uon.example" in review.text
    r = client.post(
        f"/capacity/calls/universities-2027/applications/{app_id}/review",
        data={"csrf_token": _csrf(review.text), "decision": "accepted", "score": "82"},
        follow_redirects=False,
    )
    assert r.status_code == 303, re.findall(r"<(?:p|li)[^>]*>[^<]*</(?:p|li)>", r.text)[:8]
    with transaction(world) as s:
        app = s.get(EoiApplication, app_id)
        assert app is not None
        assert app.status == "accepted"
        assert app.score == 82
        provider = s.get(Provider, app.provider_id)
        agreement = s.get(Agreement, app.agreement_id)
        assert provider is not None
        assert provider.themes == ["urban_planning"]
        assert agreement is not None
        assert agreement.application_id == app_id
        assert pt.agreement_status(agreement) == "draft"
        note = s.scalars(select(Notification)).one()
        assert note.recipient == "cb@uon.example"
        assert note.kind == "call_result"
        with pytest.raises(ConflictError, match="already accepted"):
            cl.review_application(s, app, decision="rejected", by="x", role="admin", comment="c")
    # the draft agreement: staff see it, the public does not
    staff_page = client.get(f"/capacity/partners/{provider.id}")
    assert "Framework agreement" in staff_page.text
    client.cookies.clear()
    public = client.get(f"/capacity/partners/{provider.id}")
    assert public.status_code == 200
    assert "Framework agreement" not in public.text


def test_trainer_email_only_for_staff(world: Engine) -> None:
    with transaction(world) as s:
        t = add_provider(
            s, kind="trainer", name="Ms Trainer", themes=["housing"], email="t@private.example"
        )
        u = add_provider(
            s, kind="university", name="Uni", themes=["housing"], email="info@uni.example"
        )
    client = TestClient(make_app(world))
    listing = client.get("/capacity/partners")
    assert "Ms Trainer" in listing.text
    assert "t@private.example" not in client.get(f"/capacity/partners/{t.id}").text
    assert "info@uni.example" in client.get(f"/capacity/partners/{u.id}").text
    assert client.get(f"/api/v1/capacity/partners/{t.id}").json()["email"] is None
    login(client, "hub@example.org")
    assert "t@private.example" in client.get(f"/capacity/partners/{t.id}").text


# ------------------------------------------------------------------------- champions
def test_champions_application_balance_and_cohort(world: Engine) -> None:
    with transaction(world) as s:
        call = cl.get_call(s, "champions-2027")
        from sdgcities.cities.service import create_city

        lima = create_city(s, name="Lima", country="PER", population=10e6, population_year=2020)
        nbo = s.scalar(select(ChampionApplication.id))  # none yet
        assert nbo is None
        a1 = ch.apply(
            s,
            call,
            city_id=1,
            commitment="Voluntary local review 2025 and a climate action plan.",
            need_summary="Urban planning skills",
            contact_email="editor@nairobi.example",
        )
        a2 = ch.apply(
            s,
            call,
            city_id=2,
            commitment="Coastal resilience programme since 2019.",
            need_summary="Finance",
        )
        a3 = ch.apply(
            s,
            call,
            city_id=lima.id,
            commitment="Lima Metropolitana plan 2040 adopted.",
            need_summary="Data",
        )
        assert a1.income_group
        assert a1.income_group == a2.income_group
        assert a3.region != a1.region
        with pytest.raises(ConflictError, match="already applied"):
            ch.apply(s, call, city_id=1, commitment="again, again, again, again", need_summary="x")
        with pytest.raises(ValidationError, match="reason"):
            ch.decide(s, a1, decision="selected", reason="", by="h", role="regional_hub")
        ch.decide(s, a1, decision="selected", reason="strong VLR", by="h", role="regional_hub")
        ch.decide(s, a3, decision="selected", reason="region balance", by="h", role="admin")
        ch.decide(s, a2, decision="not_selected", reason="next round", by="h", role="admin")
        bal = ch.balance(s, call)
        region = {r["value"]: r for r in bal["region"]}
        kenya = region[a1.region]
        # applicants: 2 of 3 from Kenya's region; selected: 1 of 2
        assert (kenya["applicants"], kenya["selected"]) == (2, 1)
        assert kenya["applicants_share"] == pytest.approx(2 / 3)
        assert kenya["selected_share"] == pytest.approx(1 / 2)
        assert ch.cohort_period(call) == (date(2027, 4, 1), date(2028, 4, 1))
        with pytest.raises(ValidationError, match="outside the cohort"):
            ch.add_benefit(s, a1, kind="webinar", title="w", on=date(2028, 4, 1))
        with pytest.raises(ConflictError):
            ch.add_benefit(s, a2, kind="webinar", title="w", on=date(2027, 5, 1))
        ch.add_benefit(s, a1, kind="webinar", title="Heat", on=date(2027, 5, 4), attended=True)
        ch.add_benefit(s, a1, kind="workshop", title="WUF", on=date(2027, 6, 1), attended=False)
        rows = {r["city"].name: r["summary"] for r in ch.cohort(s, call)}
        assert rows["Nairobi"]["webinar"] == {"offered": 1, "attended": 1}
        assert rows["Nairobi"]["workshop"] == {"offered": 1, "attended": 0}
        assert set(rows) == {"Nairobi", "Lima"}
        notes = s.scalars(select(Notification.recipient)).all()
        assert "editor@nairobi.example" in notes


def test_champions_apply_page_for_editors_own_city(world: Engine) -> None:
    client = TestClient(make_app(world))
    assert "Apply for your city" not in client.get("/capacity/champions/champions-2027").text
    login(client, "editor@nairobi.example")
    page = client.get("/capacity/champions/champions-2027")
    assert "Apply for your city" in page.text
    r = client.post(
        "/capacity/champions/champions-2027",
        data={
            "csrf_token": _csrf(page.text),
            "city": 2,
            "commitment": "x" * 30,
            "need_summary": "n",
        },
    )
    assert r.status_code == 403  # Mombasa is not the editor's city
    r = client.post(
        "/capacity/champions/champions-2027",
        data={"csrf_token": _csrf(page.text), "city": 1, "commitment": "short"},
    )
    assert r.status_code == 422
    assert "commitment" in r.text
    r = client.post(
        "/capacity/champions/champions-2027",
        data={
            "csrf_token": _csrf(page.text),
            "city": 1,
            "commitment": "Voluntary local review 2025 and more.",
            "need_summary": "planning",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/capacity/champions/champions-2027/selection").status_code == 403
    client.cookies.clear()
    login(client, "hub@example.org")
    sel = client.get("/capacity/champions/champions-2027/selection")
    assert sel.status_code == 200
    assert "Balance of the selection" in sel.text


def test_markers_page_refuses_inconsistent_marker(world: Engine) -> None:
    client = TestClient(make_app(world))
    login(client, "hub@example.org")
    page = client.get("/capacity/markers")
    assert page.status_code == 200
    r = client.post(
        "/capacity/markers",
        data={
            "csrf_token": _csrf(page.text),
            "reference": "PRC-1",
            "title": "t",
            "unit": "U",
            "year": 2022,
            "marker": 2,
            "met": ["need_identified"],
        },
    )
    assert r.status_code == 422
    assert "disagrees with the checklist" in r.text
    r = client.post(
        "/capacity/markers",
        data={
            "csrf_token": _csrf(page.text),
            "reference": "PRC-1",
            "title": "t",
            "unit": "U",
            "year": 2022,
            "marker": 0,
            "met": ["need_identified"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    csv = client.get("/capacity/markers.csv")
    assert csv.text.splitlines()[0] == ("unit,year,marker_0,marker_1,marker_2,total,share_targeted")
    assert csv.text.splitlines()[1].startswith("U,2022,1,0,0,1,")
