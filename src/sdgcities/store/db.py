"""Engine, sessions and migrations.

SQLite runs in WAL mode with foreign keys on; every write path runs inside one
transaction (:func:`transaction`), so a failure or a killed process leaves the store
as it was before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from sdgcities.config import Settings, get_settings

logger = logging.getLogger(__name__)

_ENGINES: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` (SQLite gets WAL and foreign keys)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # let SQLAlchemy issue BEGIN itself so transactions are real (pysqlite quirk)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(settings: Settings | None = None) -> Engine:
    """The cached engine for the settings' database URL."""
    s = settings or get_settings()
    engine = _ENGINES.get(s.database_url)
    if engine is None:
        engine = _ENGINES[s.database_url] = make_engine(s.database_url)
    return engine


def raw_rows(
    session: Session, stmt: Any, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The rows of a Core select of plain columns (ints, strings, floats) as DB-API tuples.

    Skips SQLAlchemy's per-row processing, which costs several times the query on a
    thousand rows; only for columns whose driver values need no conversion (no dates,
    decimals, JSON or booleans, which SQLite returns as 0/1).
    """
    result = session.connection().execute(stmt, params or None)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def codepoint_order(session: Session, *columns: Any) -> list[Any]:
    """``columns`` for ``ORDER BY`` in Unicode code-point order, as Python sorts strings.

    SQLite compares text bytewise (its default ``BINARY`` collation), which for UTF-8 is
    code-point order; PostgreSQL follows the database's locale unless told ``C``.
    """
    if session.get_bind().dialect.name == "postgresql":
        return [column.collate("C") for column in columns]
    return list(columns)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sdgcities.store") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (idempotent).

    Each domain package keeps its tables on its own Alembic branch (``branch_labels``
    named after the domain, ``down_revision`` the core revision it builds on), so the
    default target is every head.
    """
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The store's revisions, sorted and joined with ``+`` (one per branch head)."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) or None


def head_revision(engine: Engine) -> str | None:
    """The code's head revisions, in the form of :func:`current_revision`."""
    heads = ScriptDirectory.from_config(_alembic_config(engine)).get_heads()
    return "+".join(sorted(heads)) or None


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def init_store(settings: Settings | None = None) -> Engine:
    """Create (or upgrade) the store for the settings and return its engine."""
    engine = get_engine(settings)
    migrate(engine)
    return engine
