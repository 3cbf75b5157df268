"""Account e-mails in the account's language; hub staff created with ``--hub``.

A real SMTP server on loopback receives the reset mail of a French-speaking account;
the invitation's language is chosen with ``--language``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sdgcities.accounts.mail import invitation_mail, reset_mail
from sdgcities.accounts.users import create_user
from sdgcities.store.db import transaction
from sdgcities.store.models import HubMember, User
from tests.notifications.conftest import Inbox
from tests.notifications.conftest import smtp as smtp
from tests.web._apphelp import PASSWORD, make_app, seed


@pytest.fixture
def client(sqlite_engine: Engine, smtp: tuple[Inbox, int]) -> Iterator[TestClient]:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        create_user(s, email="urbanisme@dakar.example", password=PASSWORD, locale="fr")
    app = make_app(sqlite_engine)
    app.state.settings = replace(
        app.state.settings, smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_sender="n@sdg.test"
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_reset_mail_in_the_accounts_language(
    client: TestClient,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp
    page = client.get("/password/forgot")  # the page itself is in English
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    for email in ("urbanisme@dakar.example", "learner@example.org"):
        client.post("/password/forgot", data={"email": email, "csrf_token": token.group(1)})
    fr = inbox.to("urbanisme@dakar.example")[0]
    en = inbox.to("learner@example.org")[0]
    assert fr["Subject"] == "Réinitialisez votre mot de passe SDG Cities"
    assert "ouvrez ce lien dans l'heure" in fr.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert en["Subject"] == "Reset your SDG Cities password"


def test_invitation_texts_in_three_languages() -> None:
    subjects = {
        lang: invitation_mail(lang, role="city_editor", days=7, url="U")[0]
        for lang in ("en", "fr", "es")
    }
    assert subjects == {
        "en": "You are invited to SDG Cities",
        "fr": "Vous êtes invité(e) sur SDG Cities",
        "es": "Está invitado a SDG Cities",
    }
    body = invitation_mail("es", role="city_editor", days=7, url="https://x/i")[1]
    assert "en un plazo de 7 días" in body
    assert body.endswith("https://x/i\n")
    assert reset_mail("xx", "U")[0] == "Reset your SDG Cities password"  # unknown: English


def test_users_add_regional_hub_with_hub_needs_no_region(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdgcities.accounts import hubs
    from sdgcities.cli import app
    from sdgcities.config import get_settings

    with transaction(sqlite_engine) as s:
        hubs.create_hub(s, slug="east-africa", name="East Africa hub")
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("SDGCITIES_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        r = runner.invoke(app, ["users", "add", "r1@hub.example", "--role", "regional_hub"])
        assert r.exit_code == 1
        assert "needs the region" in r.output  # the contract without --hub stays
        r = runner.invoke(
            app,
            ["users", "add", "r2@hub.example", "--role", "regional_hub", "--hub", "east-africa"],
        )
        assert r.exit_code == 0, r.output
        assert "staff of east-africa" in r.output
        r = runner.invoke(
            app, ["users", "add", "l@x.example", "--role", "learner", "--hub", "east-africa"]
        )
        assert r.exit_code == 1
        assert "--hub is for hub staff" in r.output
    finally:
        get_settings.cache_clear()
    with transaction(sqlite_engine) as s:
        user = s.scalars(select(User).where(User.email == "r2@hub.example")).one()
        assert user.region == "East Africa hub"  # no SDG region on the hub: its name
        assert s.scalar(select(HubMember.id).where(HubMember.user_id == user.id)) is not None
        assert s.scalar(select(User.id).where(User.email == "l@x.example")) is None
