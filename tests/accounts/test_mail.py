"""Password reset and invitations by e-mail, through a real SMTP server on loopback.

An ``aiosmtpd`` server listens on 127.0.0.1; the platform sends its mail there, the
test reads the received message, follows its link in the web app and checks that the
token works once, expires, and is stored only as a keyed hash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sdgcities.accounts.models import AccountToken
from sdgcities.store.db import transaction
from tests.browser._browser import free_port
from tests.web._apphelp import PASSWORD, make_app, seed

NEW_PASSWORD = "a brand new passphrase"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def client(engine: Engine, smtp: tuple[_Inbox, int]) -> Iterator[TestClient]:
    seed(engine)
    app = make_app(engine)
    app.state.settings = replace(
        app.state.settings, smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_sender="noreply@sdg.test"
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _csrf(client: TestClient, url: str) -> str:
    page = client.get(url)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _link(message: Message, path: str) -> str:
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    found = re.search(rf"http://testserver({re.escape(path)}\?token=[\w-]+)", body)
    assert found, body
    return found.group(1)


def _login(client: TestClient, email: str, password: str) -> int:
    token = _csrf(client, "/login")
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return r.status_code


def test_password_reset_by_mail(client: TestClient, smtp: tuple[_Inbox, int]) -> None:
    inbox, _ = smtp
    token = _csrf(client, "/password/forgot")
    r = client.post("/password/forgot", data={"email": "learner@example.org", "csrf_token": token})
    assert r.status_code == 200
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org", "csrf_token": token}
    )
    assert unknown.status_code == 200
    # the same answer whether or not the account exists; one message, to the account only
    assert "If an account exists" in r.text
    assert "If an account exists" in unknown.text
    assert [m["To"] for m in inbox.messages] == ["learner@example.org"]
    message = inbox.messages[0]
    assert message["From"] == "noreply@sdg.test"
    link = _link(message, "/password/reset")
    raw = link.split("token=", 1)[1]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        hashes = list(s.scalars(select(AccountToken.token_hash)))
    assert raw not in hashes  # only the keyed hash is stored
    # follow the link and set a new password
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="token"' in page.text
    r = client.post(
        "/password/reset",
        data={"token": raw, "password": NEW_PASSWORD, "csrf_token": _csrf(client, link)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    fresh = TestClient(client.app, raise_server_exceptions=False)
    assert _login(fresh, "learner@example.org", PASSWORD) == 401
    assert _login(TestClient(client.app), "learner@example.org", NEW_PASSWORD) == 303
    # single use: the same link is dead now
    assert client.get(link).status_code == 400
    again = client.post(
        "/password/reset",
        data={
            "token": raw,
            "password": "yet another passphrase",
            "csrf_token": _csrf(client, "/password/forgot"),
        },
    )
    assert again.status_code == 400


def test_reset_links_expire(client: TestClient, smtp: tuple[_Inbox, int]) -> None:
    inbox, _ = smtp
    token = _csrf(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "learner@example.org", "csrf_token": token})
    link = _link(inbox.messages[-1], "/password/reset")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        for row in s.scalars(select(AccountToken)):
            row.expires_at = row.expires_at - timedelta(hours=2)
    assert client.get(link).status_code == 400


def test_invitation_by_mail(
    client: TestClient, smtp: tuple[_Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sdgcities.cli import app as cli
    from sdgcities.config import get_settings

    inbox, port = smtp
    engine = client.app.state.engine  # type: ignore[attr-defined]
    settings = client.app.state.settings  # type: ignore[attr-defined]
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SDGCITIES_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SDGCITIES_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SDGCITIES_SMTP_PORT", str(port))
    monkeypatch.setenv("SDGCITIES_BASE_URL", "http://testserver")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            [
                "users",
                "invite",
                "new.editor@nairobi.example",
                "--role",
                "city_editor",
                "--city",
                "nairobi-ken",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (message,) = inbox.messages
    assert message["To"] == "new.editor@nairobi.example"
    link = _link(message, "/invitation")
    page = client.get(link)
    assert page.status_code == 200
    assert "new.editor@nairobi.example" in page.text
    raw = link.split("token=", 1)[1]
    short = client.post(
        "/invitation", data={"token": raw, "password": "short", "csrf_token": _csrf(client, link)}
    )
    assert short.status_code == 422  # too short: the token is not spent
    r = client.post(
        "/invitation",
        data={
            "token": raw,
            "password": NEW_PASSWORD,
            "name": "New Editor",
            "csrf_token": _csrf(client, link),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    editor = TestClient(client.app)
    assert _login(editor, "new.editor@nairobi.example", NEW_PASSWORD) == 303
    me = editor.get("/api/v1/me").json()
    assert me["role"] == "city_editor"
    assert client.get(link).status_code == 400  # used
