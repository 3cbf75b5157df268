"""FastAPI dependencies shared by the pages and the API: settings, engine, session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
import anyio.to_thread
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


async def after_response() -> AsyncIterator[list[Callable[[], object]]]:
    """Work to do once the response is sent (FastAPI's default scope ends after the body):
    the mail of a committed change, so that no reader waits on an SMTP server.

    Async, as :func:`get_session`: a sync generator costs two trips to the thread pool
    on every request, and almost no request has work to do here. The jobs (blocking
    I/O) run in worker threads, each outside the shared pool's limit (as the exit of a
    sync generator dependency runs).
    """
    jobs: list[Callable[[], object]] = []
    try:
        yield jobs
    finally:  # also when the request failed after a commit: what was committed is mailed
        for job in jobs:
            try:
                await anyio.to_thread.run_sync(job, limiter=anyio.CapacityLimiter(1))
            except Exception:  # the answer is sent: log, never raise into the server
                logger.exception("work after the response failed")


async def get_session(
    request: Request, later: Annotated[list[Callable[[], object]], Depends(after_response)]
) -> AsyncIterator[Session]:
    """One session per request: committed when the endpoint succeeds, else rolled back.

    Several dependencies of one request share it (FastAPI caches dependencies per
    request), so the pages, ``current_user`` and the CSRF check see the same transaction.
    Used through :data:`DbSession`, whose scope ends with the endpoint: the commit
    happens *before* the response is sent, so a commit that fails (a store too busy, a
    constraint checked at commit) is the client's answer (503, or the error's own page),
    never a success already on its way.

    Async: creating a session does no I/O (it connects on first use), so it is made on
    the event loop; the commit or rollback and the close, which talk to the database,
    run in the thread pool — one trip instead of two for a sync generator.
    """
    session = session_factory(get_engine(request))()
    session.info["sdgcities_settings"] = get_settings_dep(request)  # mail after commit
    session.info[AFTER_RESPONSE_KEY] = later  # ... sent after the response
    try:
        yield session
    except BaseException:
        await _in_own_thread(_rollback_and_close, session)
        raise
    await _in_own_thread(_commit_and_close, session)


async def _in_own_thread(finish: Callable[[Session], None], session: Session) -> None:
    """Run ``finish`` in a worker thread outside the shared thread-pool limit.

    As FastAPI's own sync-generator exit does: a request whose handler is done still
    holds its database connection until commit and close. Were it to wait for one of
    the shared pool's slots — all taken by handlers waiting for a connection — the
    connection pool would deadlock. Shielded: a cancelled request still returns it.
    """
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(finish, session, limiter=anyio.CapacityLimiter(1))


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


#: the request's session (:func:`get_session`), committed before the response is sent
#: (``scope="function"``; FastAPI's default scope runs the commit after the body). Every
#: dependency and route must use this one alias: FastAPI keys its per-request cache by
#: scope, so a second spelling would open a second session.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
