"""The service desk end to end on the store: requests, events, clocks, reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.servicedesk import service as sd
from sdgcities.servicedesk.models import RequestEvent, ServiceRequest
from sdgcities.store.db import transaction

NBO = ZoneInfo("Africa/Nairobi")


def t(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NBO)


@pytest.fixture
def desk(engine: Engine) -> Engine:
    with transaction(engine) as s:
        sd.create_office(
            s,
            slug="nairobi-hq",
            name="UN-Habitat Nairobi",
            timezone="Africa/Nairobi",
            hours="Mon-Fri 08:00-12:30,13:30-17:00",
            country="KE",
        )
        sd.add_policy(
            s,
            name="standard",
            first_response_hours=8,
            next_update_hours=16,
            resolution_hours=40,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
        sd.add_policy(
            s,
            name="urgent city",
            priority="urgent",
            requester_category="city",
            first_response_hours=2,
            resolution_hours=16,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return engine


def _file(s, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        office=sd.get_office(s, "nairobi-hq"),
        request_type="advisory",
        priority="normal",
        requester_category="city",
        title="Help with a land-value capture study",
        received_at=t(4, 16),  # Friday 16:00
    )
    args.update(kw)
    return sd.file_request(s, **args)


def _clocks(s, req) -> dict[str, tuple[str, float | None, datetime | None]]:  # type: ignore[no-untyped-def]
    return {
        c.target: (c.state, c.elapsed_hours, sd.utc(c.due_at) if c.due_at else None)
        for c in sd.request_clocks(s, req)
    }


def test_a_request_answered_and_resolved_within_its_targets(desk: Engine) -> None:
    with transaction(desk) as s:
        req = _file(s)
        assert req.reference.startswith("SR-2026-")
        c = _clocks(s, req)
        # first response due after 8 business hours: 1 h Friday, 7 h Monday → Mon 16:00
        assert c["first_response"][2] == t(7, 16)
        sd.record_event(s, req, "assigned", at=t(7, 8, 30), data={"team": "Urban Economy"})
        sd.record_event(s, req, "responded", at=t(7, 10), note="We will help")
        sd.record_event(s, req, "updated", at=t(8, 10))
        sd.record_event(s, req, "resolved", at=t(9, 12))
        c = _clocks(s, req)
    assert c["first_response"][:2] == ("met", 3.0)  # Fri 16–17, Mon 08–10
    assert c["next_update"][0] == "met"
    assert c["next_update"][1] == pytest.approx(10.0)  # the worst gap: Tue 10:00 → Wed 12:00
    assert c["resolution"][0] == "met"
    # Fri 1 h + Mon 8 h + Tue 8 h + Wed 08:00–12:00 4 h = 21 h
    assert c["resolution"][1] == pytest.approx(21.0)


def test_the_policy_in_force_at_arrival_judges_it(desk: Engine) -> None:
    with transaction(desk) as s:
        urgent = _file(s, priority="urgent")
        assert _clocks(s, urgent)["first_response"][2] == t(7, 9)  # 1 h Fri + 1 h Mon
        sd.add_policy(
            s,
            name="urgent city 2027",
            priority="urgent",
            requester_category="city",
            first_response_hours=1,
            resolution_hours=8,
            valid_from=datetime(2027, 1, 1, tzinfo=UTC),
        )
        sd.recompute_clocks(s)
        assert _clocks(s, urgent)["first_response"][2] == t(7, 9)  # still the 2026 policy
        later = _file(s, priority="urgent", received_at=datetime(2027, 1, 4, 8, 0, tzinfo=NBO))
        assert later.policy_id != urgent.policy_id


def test_pause_stops_the_clock_and_an_open_pause_has_no_due_moment(desk: Engine) -> None:
    with transaction(desk) as s:
        req = _file(s, received_at=t(1, 9))  # Tuesday 09:00
        sd.record_event(s, req, "responded", at=t(1, 10))
        sd.record_event(s, req, "waiting_requester", at=t(1, 16))
        c = _clocks(s, req)
        assert c["resolution"][0] == "paused"
        assert c["resolution"][2] is None
        sd.record_event(s, req, "resumed", at=t(3, 8))  # paused Tue 16:00 → Thu 08:00
        sd.record_event(s, req, "resolved", at=t(3, 10))
        c = _clocks(s, req)
    # Tue 09–16 is 6 h (lunch excluded) + Thu 08–10 2 h = 8 h
    assert c["resolution"][:2] == ("met", pytest.approx(8.0))


def test_events_out_of_order_and_impossible_transitions_are_refused(desk: Engine) -> None:
    with transaction(desk) as s:
        req = _file(s)
        sd.record_event(s, req, "responded", at=t(7, 10))
        with pytest.raises(ValidationError, match="comes before the last event"):
            sd.record_event(s, req, "updated", at=t(7, 9))
        with pytest.raises(ValidationError, match="cannot be 'resumed'"):
            sd.record_event(s, req, "resumed", at=t(7, 11))
        with pytest.raises(ValidationError, match="needs a team or an assignee"):
            sd.record_event(s, req, "assigned", at=t(7, 11))
        n = s.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == req.id)
        )
    assert n == 2  # received + responded, nothing half-written


def test_a_calendar_correction_recomputes_the_clocks(desk: Engine) -> None:
    with transaction(desk) as s:
        req = _file(s)
        assert _clocks(s, req)["first_response"][2] == t(7, 16)
        office = sd.get_office(s, "nairobi-hq")
        sd.add_closure(s, office, date(2026, 12, 7), "staff retreat")
        assert _clocks(s, req)["first_response"][2] == t(8, 16)
        sd.set_office_hours(s, office, "Mon-Fri 08:00-17:00")
        # 1 h Friday, Monday closed, 7 h Tuesday from 08:00 → 15:00
        assert _clocks(s, req)["first_response"][2] == t(8, 15)


def test_sweep_warns_then_breaches_and_escalates_once(desk: Engine) -> None:
    with transaction(desk) as s:
        req = _file(s)
        first = sd.sweep(s, now=t(7, 15))  # 7 of 8 h used: ≥ 80 %
        assert first.warnings == [req.reference]
        again = sd.sweep(s, now=t(7, 15, 30))
        assert again.warnings == []
        late = sd.sweep(s, now=t(8, 9))
        assert late.breaches == [req.reference]
        assert late.escalations == [req.reference]
        assert s.get(ServiceRequest, req.id).escalation_level == 1  # type: ignore[union-attr]
        assert sd.sweep(s, now=t(8, 10)).breaches == []


def test_compliance_report_by_type_office_and_quarter(desk: Engine) -> None:
    with transaction(desk) as s:
        ok = _file(s, received_at=t(1, 9))
        sd.record_event(s, ok, "responded", at=t(1, 10))
        late = _file(s, received_at=t(1, 9), request_type="capacity_building")
        sd.record_event(s, late, "responded", at=t(3, 9))  # 16 business hours later
        _file(s, received_at=t(1, 9), request_type="capacity_building")
        rep = sd.compliance_report(s, now=t(1, 12))
    fr = rep[rep["target"] == "first_response"].set_index("request_type")
    assert fr.loc["advisory", "met"] == 1
    assert fr.loc["advisory", "share_met"] == 1.0
    assert fr.loc["capacity_building", "breached"] == 1
    assert fr.loc["capacity_building", "open"] == 1
    assert fr.loc["capacity_building", "share_met"] == 0.0
    assert set(rep["quarter"]) == {"2026-Q4"}
    assert set(rep["office"]) == {"nairobi-hq"}


def test_bad_requests_and_offices_are_refused(desk: Engine) -> None:
    with transaction(desk) as s:
        with pytest.raises(ValidationError, match="priority 'asap'"):
            _file(s, priority="asap")
        with pytest.raises(ValidationError, match="needs a title"):
            _file(s, title="  ")
        with pytest.raises(NotFoundError, match="no service-level policy"):
            _file(s, received_at=datetime(2025, 6, 1, tzinfo=UTC))
        with pytest.raises(ValidationError, match="overlapping"):
            sd.create_office(
                s, slug="x", name="X", timezone="UTC", hours="Mon 08:00-12:00,11:00-13:00"
            )
        with pytest.raises(ValidationError, match="unknown time zone"):
            sd.create_office(
                s, slug="y", name="Y", timezone="Mars/Olympus", hours="Mon 08:00-12:00"
            )
