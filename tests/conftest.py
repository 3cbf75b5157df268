"""Shared pytest fixtures.

Real data kits live beside the repository in ``../shared/data`` (never committed).
Tests that need them are marked ``shared_data`` and skip with a clear reason when the
folder is absent; set ``SDGCITIES_SHARED_DATA`` to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared_data_dir() -> Path:
    env = os.environ.get("SDGCITIES_SHARED_DATA")
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "data"


SHARED_DATA = _shared_data_dir()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(
        reason=f"real data kits not found at {SHARED_DATA} (set SDGCITIES_SHARED_DATA)"
    )
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data``; tests using it must also carry the ``shared_data`` mark."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data kits not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


# --------------------------------------------------------------------------- store fixtures
#
# ``engine`` runs a test on SQLite and, when SDGCITIES_TEST_POSTGRES_URL is set (``make test``
# starts a real server), on PostgreSQL too. With SDGCITIES_REQUIRE_POSTGRES=1 (set by
# ``make test``) a missing server fails the PostgreSQL leg instead of skipping it.

import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from sqlalchemy import Engine, text  # noqa: E402

POSTGRES_URL = os.environ.get("SDGCITIES_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("SDGCITIES_REQUIRE_POSTGRES") == "1"


def _postgres_engine(icu_locale: str | None = None) -> Iterator[Engine]:
    """A fresh database on the test server; ``icu_locale`` (e.g. ``en-US``) sorts its text
    by that ICU locale instead of the server's default (skips where the server has no ICU)."""
    from sdgcities.store.db import make_engine, migrate

    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("SDGCITIES_REQUIRE_POSTGRES=1 but SDGCITIES_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set SDGCITIES_TEST_POSTGRES_URL; `make test` does)")
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"sdgtest_{uuid.uuid4().hex[:12]}"
    create = f'CREATE DATABASE "{name}"'
    if icu_locale:
        create += f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
    with admin.connect() as conn:
        try:
            conn.execute(text(create))
        except Exception as err:  # PostgreSQL < 15, or built without ICU
            if not icu_locale:
                raise
            admin.dispose()
            pytest.skip(f"the PostgreSQL server cannot sort by ICU locale {icu_locale}: {err}")
    base, _, _ = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    engine = make_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    from sdgcities.store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store — on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite store (for tests that need only one backend)."""
    yield from _sqlite_engine(tmp_path)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Settings pointing at a fresh data dir + SQLite store; env overrides for CLI tests."""
    from sdgcities.config import get_settings, load_settings

    data_dir = tmp_path / "data"
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    s = load_settings()
    yield s
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Each test starts and ends with no cached settings, so an environment a test set
    (``DATABASE_URL``, ``SDGCITIES_DATA_DIR``) never leaks into the next one."""
    from sdgcities.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
