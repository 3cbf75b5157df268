"""FastAPI dependencies shared by the pages and the API: settings, engine, session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sdgcities.cities.service import MAX_ID
from sdgcities.config import Settings, get_settings
from sdgcities.store.db import get_engine as _store_engine
from sdgcities.store.db import session_factory

#: a row id in a path: 1 … the store's largest integer (larger ones are a 422, not a 500)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="row id")]


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (``app.state.settings``)."""
    settings: Settings | None = getattr(request.app.state, "settings", None)
    return settings or get_settings()


def get_engine(request: Request) -> Engine:
    """The store's engine (``app.state.engine``, created by :func:`create_app`)."""
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        engine = _store_engine(get_settings_dep(request))
        request.app.state.engine = engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the endpoint succeeds, else rolled back.

    Several dependencies of one request share it (FastAPI caches dependencies per
    request), so the pages, ``current_user`` and the CSRF check see the same transaction.
    """
    session = session_factory(get_engine(request))()
    session.info["sdgcities_settings"] = get_settings_dep(request)  # mail after commit
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
