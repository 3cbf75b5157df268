"""Shared setup of the page tests: a migrated SQLite store and the real app over it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.store.db import make_engine, migrate


def new_store(path: Path) -> Engine:
    """A migrated SQLite store at ``path``."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return engine


def page_client(engine: Engine, data_dir: Path) -> TestClient:
    """The app (``create_app``) bound to ``engine``, in-process."""
    from sdgcities.config import load_settings
    from sdgcities.web.app import create_app

    settings = load_settings(
        data_dir=data_dir, database_url=engine.url.render_as_string(hide_password=False)
    )
    app = create_app(settings, migrate=False)
    app.state.engine = engine
    return TestClient(app)
