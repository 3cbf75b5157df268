"""Notifications: in-app messages and e-mails through a real SMTP server on loopback.

The outbox is committed with the work; mail goes after the commit, a refused SMTP
server only counts an attempt, a rollback leaves neither message nor mail.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.config import Settings, load_settings
from sdgcities.errors import ValidationError
from sdgcities.notifications import service as nt
from sdgcities.notifications.models import Notification, OutboxMail
from sdgcities.store.db import session_factory, transaction
from sdgcities.web.api._common import DbSession
from tests.browser._browser import free_port
from tests.notifications.conftest import Inbox
from tests.web._apphelp import login, make_app, seed


def _settings(tmp_path: Path, port: int) -> Settings:
    return replace(
        load_settings(data_dir=tmp_path / "data"),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="noreply@sdg.test",
    )


def _body(message: object) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[attr-defined]


def test_mail_goes_after_commit_and_is_marked_sent(
    engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    session = session_factory(engine)()
    session.info[nt.SETTINGS_KEY] = _settings(tmp_path, port)
    try:
        nt.notify(
            session,
            to="Editor@Nairobi.example",
            kind="match_confirmed",
            subject="An offer was confirmed",
            body="UN-Habitat Learn: housing was confirmed.",
            link="/capacity/needs/1",
        )
        assert inbox.messages == []  # nothing leaves before the commit
        session.commit()
    finally:
        session.close()
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "editor@nairobi.example"
    assert msg["Subject"] == "An offer was confirmed"
    assert "/capacity/needs/1" in _body(msg)
    with transaction(engine) as s:
        mail = s.scalars(select(OutboxMail)).one()
        assert mail.sent_at is not None
        assert mail.attempts == 1
        assert nt.unread_count(s, "editor@nairobi.example") == 1


def test_rollback_leaves_neither_message_nor_mail(
    engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    session = session_factory(engine)()
    session.info[nt.SETTINGS_KEY] = _settings(tmp_path, port)
    try:
        nt.notify(session, to="a@b.example", kind="call_result", subject="s", body="b")
        session.rollback()
        session.commit()  # a later commit of the same session sends nothing
    finally:
        session.close()
    assert inbox.messages == []
    with transaction(engine) as s:
        assert s.scalar(select(func.count(Notification.id))) == 0
        assert s.scalar(select(func.count(OutboxMail.id))) == 0


def test_refused_smtp_keeps_the_work_and_the_mail_for_a_retry(
    engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    dead = free_port()  # nobody listens there: connection refused
    session = session_factory(engine)()
    session.info[nt.SETTINGS_KEY] = _settings(tmp_path, dead)
    try:
        nt.notify(session, to="a@b.example", kind="sla_breach", subject="late", body="b")
        session.commit()  # does not raise
    finally:
        session.close()
    with transaction(engine) as s:
        mail = s.scalars(select(OutboxMail)).one()
        assert mail.sent_at is None
        assert mail.attempts == 1
        assert "cannot send mail" in mail.last_error
        assert s.scalar(select(func.count(Notification.id))) == 1
    with transaction(engine) as s:
        res = nt.send_pending(s, _settings(tmp_path, port))
    assert (res.sent, res.failed) == (1, 0)
    assert [m["Subject"] for m in inbox.messages] == ["late"]
    with transaction(engine) as s:  # sent once: a second run sends nothing
        assert nt.send_pending(s, _settings(tmp_path, port)).sent == 0
    assert len(inbox.messages) == 1


def test_muted_kind_keeps_the_message_without_mail(engine: Engine) -> None:
    with transaction(engine) as s:
        nt.set_email_muted(s, "a@b.example", "sla_warning", True)
        nt.notify(s, to="a@b.example", kind="sla_warning", subject="close", body="b")
        nt.notify(s, to="a@b.example", kind="sla_breach", subject="late", body="b")
        assert nt.muted_kinds(s, "A@b.example") == {"sla_warning"}
    with transaction(engine) as s:
        assert s.scalars(select(OutboxMail.subject)).all() == ["late"]
        assert nt.unread_count(s, "a@b.example") == 2
        with pytest.raises(ValidationError, match="unknown notification kind"):
            nt.notify(s, to="a@b.example", kind="gossip", subject="s", body="b")
        with pytest.raises(ValidationError, match="not an e-mail"):
            nt.notify(s, to="nobody", kind="sla_breach", subject="s", body="b")


def test_inbox_page_shows_only_my_messages_and_the_unread_count(sqlite_engine: Engine) -> None:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        nt.notify(s, to="editor@nairobi.example", kind="call_result", subject="mine-qz", body="b")
        nt.notify(s, to="hub@example.org", kind="call_result", subject="theirs-qz", body="b")
    client = TestClient(make_app(sqlite_engine))
    assert client.get("/notifications").status_code == 401
    login(client, "editor@nairobi.example")
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "mine-qz" in page.text
    assert "theirs-qz" not in page.text
    assert re.search(r'class="badge"[^>]*>1</span>', page.text)
    api = client.get("/api/v1/notifications").json()
    assert api["unread"] == 1
    assert [m["subject"] for m in api["items"]] == ["mine-qz"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/notifications/read", data={"csrf_token": token.group(1)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get("/api/v1/notifications").json()["unread"] == 0
    with transaction(sqlite_engine) as s:  # the other person's message is untouched
        assert nt.unread_count(s, "hub@example.org") == 1
    r = client.post(
        "/notifications/preferences",
        data={"csrf_token": token.group(1), "email_kinds": ["call_result"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with transaction(sqlite_engine) as s:
        muted = nt.muted_kinds(s, "editor@nairobi.example")
    assert "call_result" not in muted
    assert "sla_warning" in muted


def test_cli_send_and_list(
    sqlite_engine: Engine, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdgcities.cli import app
    from sdgcities.config import get_settings

    inbox, port = smtp
    url = str(sqlite_engine.url)
    monkeypatch.setenv("DATABASE_URL", url)
    with transaction(sqlite_engine) as s:
        nt.notify(s, to="a@b.example", kind="call_result", subject="queued", body="b")
    runner = CliRunner()
    get_settings.cache_clear()
    monkeypatch.delenv("SDGCITIES_SMTP_HOST", raising=False)
    r = runner.invoke(app, ["notifications", "send"])
    assert r.exit_code == 1
    assert "no SMTP server is configured" in r.output
    monkeypatch.setenv("SDGCITIES_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SDGCITIES_SMTP_PORT", str(port))
    get_settings.cache_clear()
    r = runner.invoke(app, ["notifications", "send"])
    assert r.exit_code == 0, r.output
    assert "sent 1, failed 0" in r.output
    assert [m["Subject"] for m in inbox.messages] == ["queued"]
    r = runner.invoke(app, ["notifications", "list", "a@b.example"])
    assert "queued" in r.output
    r = runner.invoke(app, ["notifications", "mute", "a@b.example", "gossip"])
    assert r.exit_code == 1
    assert "unknown notification kind" in r.output
    get_settings.cache_clear()


def test_a_web_change_is_committed_before_its_answer_and_mailed_after_it(
    sqlite_engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    """Through the web app: the change and its outbox row are committed before the
    response starts; the mail leaves once the response is sent (no reader waits on SMTP),
    and it does leave."""
    import asyncio

    from fastapi import APIRouter

    inbox, port = smtp
    seed(sqlite_engine)
    app = make_app(sqlite_engine)
    app.state.settings = _settings(tmp_path, port)
    events: list[str] = []
    router = APIRouter()

    @router.post("/api/v1/_test/notify")
    def notify_route(session: DbSession) -> dict[str, str]:
        nt.notify(
            session,
            to="editor@nairobi.example",
            kind="match_confirmed",
            subject="An offer was confirmed",
            body="Confirmed.",
            link="/capacity",
        )
        return {"status": "ok"}

    app.include_router(router)

    class Watch:
        """Notes when the response starts and ends, and what is committed and mailed by then."""

        def __init__(self, inner: object) -> None:
            self.inner = inner

        async def __call__(self, scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
            async def sending(message: dict) -> None:  # type: ignore[type-arg]
                if message["type"] == "http.response.start":
                    with transaction(sqlite_engine) as s:
                        rows = s.scalar(select(func.count()).select_from(OutboxMail))
                    events.append(f"start: {rows} outbox row, {len(inbox.messages)} mailed")
                await send(message)  # type: ignore[operator]

            await self.inner(scope, receive, sending)  # type: ignore[operator]
            await asyncio.sleep(0)
            if scope["type"] == "http":
                events.append(f"done: {len(inbox.messages)} mailed")

    with TestClient(Watch(app)) as client:  # type: ignore[arg-type]
        assert client.post("/api/v1/_test/notify").status_code == 200
    assert events == ["start: 1 outbox row, 0 mailed", "done: 1 mailed"]
    assert inbox.to("editor@nairobi.example")[0]["Subject"] == "An offer was confirmed"


def test_mail_of_a_commit_goes_even_when_the_request_then_fails(
    sqlite_engine: Engine, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    """A handler commits (the notification with it), then fails: the committed mail still
    leaves after the response, which is the error."""
    from fastapi import APIRouter

    from sdgcities.errors import ConflictError

    inbox, port = smtp
    seed(sqlite_engine)
    app = make_app(sqlite_engine)
    app.state.settings = _settings(tmp_path, port)
    router = APIRouter()

    @router.post("/api/v1/_test/notify-then-fail")
    def notify_then_fail(session: DbSession) -> None:
        nt.notify(
            session,
            to="editor@nairobi.example",
            kind="match_confirmed",
            subject="Committed before the failure",
            body="Confirmed.",
            link="/capacity",
        )
        session.commit()
        raise ConflictError("something after the commit went wrong")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/api/v1/_test/notify-then-fail").status_code == 409
    assert [m["Subject"] for m in inbox.to("editor@nairobi.example")] == [
        "Committed before the failure"
    ]
