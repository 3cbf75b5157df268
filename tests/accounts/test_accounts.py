"""Accounts: users, roles, API tokens, sessions and login throttling (no web server)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from sdgcities.accounts import permissions
from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.accounts.login import CLIENT_POLICY, MAX_FAILURES, authenticate, unlock
from sdgcities.accounts.sessions import load_web_session, new_web_session, session_key
from sdgcities.accounts.tokens import issue_token, revoke_token, token_hash, verify_token
from sdgcities.accounts.users import create_user, grant_city, revoke_city, set_role
from sdgcities.errors import ConflictError, ValidationError
from sdgcities.store.db import session_factory, transaction
from sdgcities.store.models import ApiToken, LoginAttempt, User, WebSession

PASSWORD = "correct horse battery"


def _city(engine: Engine, name: str = "Nairobi") -> int:
    from sdgcities.cities.service import create_city

    with transaction(engine) as s:
        return create_city(s, name=name, country="KEN", lon=36.8, lat=-1.3).id


def test_create_user_hashes_with_argon2_and_validates(engine: Engine) -> None:
    with transaction(engine) as s:
        user = create_user(s, email=" Ada@Example.org ", password=PASSWORD, role="admin")
        assert user.email == "ada@example.org"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    with transaction(engine) as s, pytest.raises(ConflictError):
        create_user(s, email="ada@example.org", password=PASSWORD)
    with transaction(engine) as s, pytest.raises(ValidationError) as err:
        create_user(s, email="not-an-email", password="short", role="wizard")
    columns = {f.column for f in err.value.findings}
    assert columns == {"email", "password", "role"}  # every problem, not the first
    with transaction(engine) as s, pytest.raises(ValidationError, match="regional hub"):
        create_user(s, email="hub@example.org", password=PASSWORD, role="regional_hub")


def test_authenticate(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD)
    with transaction(engine) as s:
        assert authenticate(s, "ADA@example.org", PASSWORD, client="10.0.0.1").email == (
            "ada@example.org"
        )
    for email, pw in (("ada@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)):
        with transaction(engine) as s, pytest.raises(AuthenticationError) as err:
            authenticate(s, email, pw, client="10.0.0.2")
        assert str(err.value) == "wrong e-mail address or password"  # same message both ways
    with transaction(engine) as s:
        s.scalars(select(User)).one().active = False
    with transaction(engine) as s, pytest.raises(AuthenticationError):
        authenticate(s, "ada@example.org", PASSWORD)


def _fail(engine: Engine, email: str, client: str) -> None:
    # the web layer commits the attempt even though the login failed: do the same
    s = session_factory(engine)()
    try:
        with pytest.raises((AuthenticationError, ThrottledError)):
            authenticate(s, email, "wrong password!", client=client)
        s.commit()
    finally:
        s.close()


def test_failures_elsewhere_never_lock_the_account(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD, role="admin")
    for i in range(MAX_FAILURES * 3):
        _fail(engine, "ada@example.org", f"10.0.{i}.1")  # an attacker on many addresses
    # the owner, from her own address, logs in at once: no hard lock of anyone
    with transaction(engine) as s:
        assert authenticate(s, "ada@example.org", PASSWORD, client="192.0.2.1")


def test_one_client_on_one_account_waits_longer_each_time(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD)
    for _ in range(MAX_FAILURES):
        _fail(engine, "ada@example.org", "198.51.100.7")
    waits = []
    for _ in range(3):
        with transaction(engine) as s, pytest.raises(ThrottledError) as err:
            authenticate(s, "ada@example.org", PASSWORD, client="198.51.100.7")
        waits.append(err.value.retry_after)
        # the wait passes; the next guess is wrong again and doubles the delay
        with transaction(engine) as s:
            for row in s.scalars(select(LoginAttempt)):
                row.at = row.at - timedelta(seconds=err.value.retry_after + 1)
        _fail(engine, "ada@example.org", "198.51.100.7")
    assert waits == [10, 20, 40]  # 10 s · 2^k after the last failure (rounded up)
    # another address is not slowed down by this one
    with transaction(engine) as s:
        assert authenticate(s, "ada@example.org", PASSWORD, client="203.0.113.5")


def test_one_client_guessing_many_accounts_is_slowed(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="bob@example.org", password=PASSWORD)
    for i in range(CLIENT_POLICY.amount):
        _fail(engine, f"user{i}@example.org", "198.51.100.9")
    with transaction(engine) as s, pytest.raises(ThrottledError):
        authenticate(s, "bob@example.org", PASSWORD, client="198.51.100.9")
    with transaction(engine) as s:
        assert authenticate(s, "bob@example.org", PASSWORD, client="203.0.113.5")
    # old failures fall out of the window
    with transaction(engine) as s:
        for row in s.scalars(select(LoginAttempt)):
            row.at = row.at - timedelta(minutes=16)
    with transaction(engine) as s:
        assert authenticate(s, "bob@example.org", PASSWORD, client="198.51.100.9")


def test_unlock_clears_the_accounts_failures(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="a_b@example.org", password=PASSWORD)
        create_user(s, email="axb@example.org", password=PASSWORD)
    for _ in range(MAX_FAILURES):
        _fail(engine, "a_b@example.org", "10.0.0.1")
        _fail(engine, "axb@example.org", "10.0.0.2")
    with transaction(engine) as s:
        # "_" is a LIKE wildcard: unlocking a_b must not unlock axb
        assert unlock(s, "A_B@example.org") == MAX_FAILURES
    with transaction(engine) as s:
        assert authenticate(s, "a_b@example.org", PASSWORD, client="10.0.0.1")
    with transaction(engine) as s, pytest.raises(ThrottledError):
        authenticate(s, "axb@example.org", PASSWORD, client="10.0.0.2")


def test_success_resets_the_count(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        _fail(engine, "ada@example.org", "10.0.0.1")
    with transaction(engine) as s:
        authenticate(s, "ada@example.org", PASSWORD, client="10.0.0.1")
    for _ in range(MAX_FAILURES - 1):
        _fail(engine, "ada@example.org", "10.0.0.1")
    with transaction(engine) as s:
        assert authenticate(s, "ada@example.org", PASSWORD, client="10.0.0.1")


def test_tokens_are_stored_hashed_and_revocable(engine: Engine) -> None:
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD)
        token, row = issue_token(s, "ada@example.org", name="script")
        token_id = row.id
    with transaction(engine) as s:
        stored = s.get(ApiToken, token_id)
        assert stored is not None
        assert stored.token_hash == token_hash(token) != token
        user = verify_token(s, token)
        assert user is not None
        assert user.email == "ada@example.org"
        assert verify_token(s, token + "x") is None
        assert verify_token(s, "") is None
    with transaction(engine) as s:
        revoke_token(s, token_id)
    with transaction(engine) as s:
        assert verify_token(s, token) is None


def test_recording_a_tokens_use_holds_no_lock_for_the_request(sqlite_engine: Engine) -> None:
    """A request checks its token, then works for long: another writer must not wait.

    The use is recorded in its own transaction (at most once a minute); the request's
    session stays a reader, so a second connection writes at once (busy timeout 0).
    """
    from sqlalchemy import text

    engine = sqlite_engine
    with transaction(engine) as s:
        create_user(s, email="ada@example.org", password=PASSWORD)
        token, row = issue_token(s, "ada@example.org", name="script")
        token_id = row.id
    with transaction(engine) as request:
        assert verify_token(request, token) is not None
        request.execute(select(ApiToken.id)).all()  # the request goes on reading
        with engine.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=0")
            other.execute(
                text("UPDATE api_tokens SET name = 'renamed' WHERE id = :i"), {"i": token_id}
            )
            other.commit()
            other.exec_driver_sql("PRAGMA busy_timeout=30000")
    with transaction(engine) as s:
        stored = s.get(ApiToken, token_id)
        assert stored is not None
        assert stored.last_used_at is not None  # recorded all the same
        first = stored.last_used_at
        assert verify_token(s, token) is not None
    with transaction(engine) as s:
        again = s.get(ApiToken, token_id)
        assert again is not None
        assert again.last_used_at == first  # not rewritten within the minute


def test_sessions_store_only_a_hash_and_expire(engine: Engine) -> None:
    with transaction(engine) as s:
        cookie, row = new_web_session(s, user_id=None)
        assert row.id == session_key(cookie) != cookie
    with transaction(engine) as s:
        assert load_web_session(s, cookie) is not None
        assert load_web_session(s, "x" * 43) is None
        web = s.get(WebSession, session_key(cookie))
        assert web is not None
        web.expires_at = web.created_at - timedelta(seconds=1)
    with transaction(engine) as s:
        assert load_web_session(s, cookie) is None
    with transaction(engine) as s:
        assert s.get(WebSession, session_key(cookie)) is None  # expired ones are deleted


def test_roles_and_city_scope(engine: Engine) -> None:
    nairobi = _city(engine, "Nairobi")
    mombasa = _city(engine, "Mombasa")
    with transaction(engine) as s:
        editor = create_user(s, email="ed@example.org", password=PASSWORD, role="city_editor")
        learner = create_user(s, email="le@example.org", password=PASSWORD, role="learner")
        admin = create_user(s, email="ad@example.org", password=PASSWORD, role="admin")
        grant_city(s, editor.id, "Nairobi")
        grant_city(s, editor.id, "Nairobi")  # idempotent
        with pytest.raises(ValidationError, match="only city editors"):
            grant_city(s, learner.id, "Nairobi")
    with transaction(engine) as s:
        ed, le, ad = (s.get(User, u.id) for u in (editor, learner, admin))
        assert permissions.can_edit_city(ed, nairobi, s)
        assert not permissions.can_edit_city(ed, mombasa, s)
        assert not permissions.can_edit_city(le, nairobi, s)
        assert not permissions.can_edit_city(None, nairobi, s)
        assert permissions.can_edit_city(ad, mombasa, s)
        assert permissions.editable_city_ids(ed, s) == {nairobi}
        assert permissions.editable_city_ids(ad, s) is None
        assert permissions.draft_city_ids(None, s) == set()
        assert permissions.draft_city_ids(le, s) == set()
    with transaction(engine) as s:
        assert revoke_city(s, "ed@example.org", "Nairobi")
        hub = set_role(s, "le@example.org", "regional_hub", region="Sub-Saharan Africa")
        # a regional hub reviewer sees the drafts of the cities its hubs serve, no others
        assert permissions.draft_city_ids(hub, s) == set()
        from sdgcities.accounts import hubs

        hubs.create_hub(s, slug="east-africa", name="East Africa hub")
        hubs.add_city(s, "east-africa", "Nairobi")
        hubs.add_member(s, "east-africa", "le@example.org")
        assert permissions.draft_city_ids(hub, s) == {nairobi}
        assert permissions.reviewable_city_ids(hub, s) == {nairobi}
        assert not permissions.can_edit_city(hub, nairobi, s)
    with transaction(engine) as s:
        ed = s.get(User, editor.id)
        assert not permissions.can_edit_city(ed, nairobi, s)
