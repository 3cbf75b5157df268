"""The schema comes from Alembic migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from sdgcities.store.db import current_revision, head_revision, is_up_to_date, migrate
from sdgcities.store.domains import load_all


def test_migrations_reach_head_and_match_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)
    assert is_up_to_date(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(load_all().tables) <= tables
    migrate(engine)  # idempotent
    assert is_up_to_date(engine)


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), load_all())
    assert diff == [], f"models differ from migrations; add a revision: {diff}"


def test_sqlite_uses_wal(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
