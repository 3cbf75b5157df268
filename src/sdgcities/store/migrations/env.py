"""Alembic environment: uses the engine handed in by ``sdgcities.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from sdgcities.config import get_settings
from sdgcities.store.db import make_engine
from sdgcities.store.domains import load_all

config = context.config
target_metadata = load_all()


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
        engine = make_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
