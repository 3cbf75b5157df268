"""FastAPI dependencies shared by the pages and the API: settings, engine, session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sdgcities.cities.service import MAX_ID
from sdgcities.config import Settings, get_settings
from sdgcities.notifications.service import AFTER_RESPONSE_KEY
from sdgcities.store.db import get_engine as _store_engine
from sdgcities.store.db import session_factory

logger = logging.getLogger(__name__)

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


def after_response() -> Iterator[list[Callable[[], object]]]:
    """Work to do once the response is sent (FastAPI's default scope ends after the body):
    the mail of a committed change, so that no reader waits on an SMTP server."""
    jobs: list[Callable[[], object]] = []
    try:
        yield jobs
    finally:  # also when the request failed after a commit: what was committed is mailed
        for job in jobs:
            try:
                job()
            except Exception:  # the answer is sent: log, never raise into the server
                logger.exception("work after the response failed")


def get_session(
    request: Request, later: Annotated[list[Callable[[], object]], Depends(after_response)]
) -> Iterator[Session]:
    """One session per request: committed when the endpoint succeeds, else rolled back.

    Several dependencies of one request share it (FastAPI caches dependencies per
    request), so the pages, ``current_user`` and the CSRF check see the same transaction.
    Used through :data:`DbSession`, whose scope ends with the endpoint: the commit
    happens *before* the response is sent, so a commit that fails (a store too busy, a
    constraint checked at commit) is the client's answer (503, or the error's own page),
    never a success already on its way.
    """
    session = session_factory(get_engine(request))()
    session.info["sdgcities_settings"] = get_settings_dep(request)  # mail after commit
    session.info[AFTER_RESPONSE_KEY] = later  # ... sent after the response
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: the request's session (:func:`get_session`), committed before the response is sent
#: (``scope="function"``; FastAPI's default scope runs the commit after the body). Every
#: dependency and route must use this one alias: FastAPI keys its per-request cache by
#: scope, so a second spelling would open a second session.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
