"""The store: SQLAlchemy 2 models and Alembic migrations (SQLite default, PostgreSQL by URL)."""

from sdgcities.store.db import (
    get_engine,
    init_store,
    make_engine,
    migrate,
    session_factory,
    transaction,
)

__all__ = ["get_engine", "init_store", "make_engine", "migrate", "session_factory", "transaction"]
