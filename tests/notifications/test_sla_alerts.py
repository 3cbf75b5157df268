"""SLA warnings and breaches notified once each, to the assignee and the office's hub.

Hand case (office hours Mon–Fri 08:00–12:30, 13:30–17:00 Nairobi; first response in
8 business hours, warned at 80 %): a request filed Friday 4 December 2026 at 16:00 has
used 1 h by Friday's close, 4.5 h by Monday 12:30 and 7 h by Monday 15:00 (≥ 6.4 h: a
warning); it breaches at Tuesday 09:00 (8 h) — so a check on Tuesday at 09:00 finds it
breached.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sdgcities.accounts import hubs
from sdgcities.accounts.users import create_user
from sdgcities.config import load_settings
from sdgcities.notifications import service as nt
from sdgcities.notifications.models import Notification
from sdgcities.servicedesk import service as sd
from sdgcities.servicedesk.alerts import check
from sdgcities.store.db import session_factory, transaction
from tests.notifications.conftest import Inbox

NBO = ZoneInfo("Africa/Nairobi")


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NBO)


def _desk(engine: Engine) -> str:
    with transaction(engine) as s:
        hub = hubs.create_hub(s, slug="east-africa", name="East Africa hub")
        create_user(
            s, email="staff@hub.example", password="correct horse battery", role="global_hub"
        )
        hubs.add_member(s, "east-africa", "staff@hub.example")
        office = sd.create_office(
            s,
            slug="nairobi-hq",
            name="UN-Habitat Nairobi",
            timezone="Africa/Nairobi",
            hours="Mon-Fri 08:00-12:30,13:30-17:00",
            country="KE",
            hub_id=hub.id,
        )
        sd.add_policy(
            s,
            name="standard",
            first_response_hours=8,
            resolution_hours=40,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
        req = sd.file_request(
            s,
            office=office,
            request_type="advisory",
            priority="normal",
            requester_category="city",
            title="Land-value capture study",
            received_at=t(4, 16),
        )
        sd.record_event(
            s, req, "assigned", at=t(4, 16, 5), data={"assignee": "advisor@unh.example"}
        )
        return req.reference


def test_warning_then_breach_notified_once_each(engine: Engine) -> None:
    ref = _desk(engine)
    with transaction(engine) as s:
        assert sd.get_request(s, ref).assigned_to == "advisor@unh.example"
        first = check(s, now=t(7, 15))
        assert first.warnings == [(ref, "first_response")]
        assert first.breaches == []
        assert first.notified == 2  # the assignee and the hub's staff
        assert check(s, now=t(7, 16)).notified == 0  # same state: nothing new
        late = check(s, now=t(8, 9))
        assert late.breaches == [(ref, "first_response")]
        assert late.notified == 2
        assert check(s, now=t(8, 10)).notified == 0
    with transaction(engine) as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
    assert sorted((n.recipient, n.kind) for n in rows) == [
        ("advisor@unh.example", "sla_breach"),
        ("advisor@unh.example", "sla_warning"),
        ("staff@hub.example", "sla_breach"),
        ("staff@hub.example", "sla_warning"),
    ]
    assert all(n.link == f"/servicedesk/requests/{ref}" for n in rows)


def test_check_mails_through_smtp(
    sqlite_engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    ref = _desk(sqlite_engine)
    session = session_factory(sqlite_engine)()
    session.info[nt.SETTINGS_KEY] = replace(
        load_settings(data_dir=tmp_path / "d"), smtp_host="127.0.0.1", smtp_port=port
    )
    try:
        check(session, now=t(7, 15))
        session.commit()
        check(session, now=t(8, 9))
        session.commit()
    finally:
        session.close()
    subjects = [m["Subject"] for m in inbox.to("staff@hub.example")]
    assert subjects == [
        f"{ref}: the first response target is close",
        f"{ref}: the first response target was missed",
    ]
    assert len(inbox.to("advisor@unh.example")) == 2


def test_cli_check(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdgcities.cli import app

    _desk(sqlite_engine)
    from sdgcities.config import get_settings

    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    get_settings.cache_clear()
    runner = CliRunner()
    r = runner.invoke(app, ["servicedesk", "check", "--at", "2026-12-08T09:00+03:00"])
    assert r.exit_code == 0, r.output
    assert "new breaches 1" in r.output
    r = runner.invoke(app, ["servicedesk", "check", "--at", "2026-12-08T09:00"])
    assert r.exit_code == 1
    assert "no time zone" in r.output
    get_settings.cache_clear()
