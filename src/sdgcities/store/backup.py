"""Backups of the store, taken and restored while the platform runs.

- **SQLite**: SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies the
  store page by page in one read transaction, so the copy is a consistent snapshot of
  committed transactions even while a server or an import writes (WAL mode: writers are
  not blocked). The copy is checked (``PRAGMA integrity_check``) and renamed into place;
  a half-written backup never exists under the name asked for.
- **PostgreSQL**: ``pg_dump --format=custom`` (a consistent snapshot: one repeatable-read
  transaction) and ``pg_restore --clean --if-exists --single-transaction``, found on
  ``PATH`` or under ``/usr/lib/postgresql/*/bin`` (newest first).

A restore is all or nothing. It first checks that the file is a backup of an sdgcities
store (an SQLite database or a ``pg_dump`` archive holding the ``alembic_version``,
``cities`` and ``observations`` tables) of a schema this version knows, then replaces the
store's content in one transaction (SQLite: one backup step into the live file;
PostgreSQL: ``--single-transaction``), and finally migrates it to the current schema.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from sdgcities.errors import ConfigurationError, InputFileError

#: tables every sdgcities store has; a backup without them is refused
REQUIRED_TABLES = ("alembic_version", "cities", "observations")

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PGDUMP_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup or restore did."""

    path: Path
    backend: str  # "sqlite" or "postgresql"
    bytes: int
    revision: str


def _sqlite_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        raise ConfigurationError("an in-memory SQLite store cannot be backed up")
    return Path(db)


def _is_sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def find_pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on ``PATH``, else the newest ``/usr/lib/postgresql``."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.parent.name)
        except ValueError:
            return 0.0

    for path in sorted(candidates, key=version, reverse=True):
        if os.access(path, os.X_OK):
            return path
    raise ConfigurationError(
        f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client) "
        "or put them on PATH"
    )


def _pg_target(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigurationError(f"{what} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def _schema_heads(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    from sdgcities.store.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config(engine))
    return {rev.revision for rev in script.walk_revisions()}


def _check_revisions(path: Path, revisions: set[str], known: set[str]) -> str:
    unknown = sorted(revisions - known)
    if not revisions:
        raise InputFileError(path, "the backup has no schema version", "give a backup of a store")
    if unknown:
        raise InputFileError(
            path,
            f"the backup's schema ({', '.join(unknown)}) is newer than this sdgcities knows",
            "restore it with the sdgcities version that made it, or upgrade sdgcities",
        )
    return ",".join(sorted(revisions))


def _refuse_existing(dest: Path, overwrite: bool) -> None:
    if dest.is_dir():
        raise InputFileError(dest, "is a folder", "give a file name, e.g. store-backup.db")
    if dest.exists() and not overwrite:
        raise InputFileError(dest, "exists already", "give a new file name, or --overwrite")
    if not dest.parent.is_dir():
        raise InputFileError(dest.parent, "the folder does not exist", "create it first")


def backup_store(
    engine: Engine,
    dest: Path | str,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BackupInfo:
    """Write a consistent backup of the store to ``dest`` (atomic: a temp file renamed)."""
    dest = Path(dest)
    _refuse_existing(dest, overwrite)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if _is_sqlite(engine):
            revision = _sqlite_backup(_sqlite_path(engine), tmp, progress)
            backend = "sqlite"
        else:
            target, env = _pg_target(engine)
            cmd = [find_pg_tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(tmp)]
            _run([*cmd, "--dbname", target], env, "pg_dump")
            revision = ",".join(sorted(_pg_archive_revisions(tmp, env)))
            backend = "postgresql"
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupInfo(dest, backend, dest.stat().st_size, revision)


def _sqlite_backup(src_path: Path, tmp: Path, progress: Callable[[int, int], None] | None) -> str:
    if not src_path.is_file():
        raise ConfigurationError(f"no store at {src_path}: run `sdgcities init` first")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(tmp)
    try:

        def step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        # one step: a single read transaction, hence a consistent snapshot that never
        # restarts however busy the writers are (WAL readers do not block them)
        src.backup(dst, pages=-1, progress=step)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise ConfigurationError(f"the backup failed its integrity check: {check}")
        rows = dst.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        dst.close()
        src.close()
    return ",".join(sorted(str(r[0]) for r in rows))


def _sqlite_revisions(path: Path) -> set[str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise InputFileError(
            path, f"cannot open it as SQLite ({err})", "give a backup file"
        ) from None
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise InputFileError(path, "the backup is damaged", "use another backup")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise InputFileError(
                path,
                f"not a backup of an sdgcities store (no {', '.join(missing)} table)",
                "give a file made by `sdgcities backup`",
            )
        return {str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError as err:
        raise InputFileError(
            path, f"not an SQLite database ({err})", "give a backup file"
        ) from None
    finally:
        conn.close()


def _pg_archive_revisions(path: Path, env: dict[str, str]) -> set[str]:
    """Check a ``pg_dump`` archive's table of contents; the schema revisions it holds."""
    listing = subprocess.run(
        [find_pg_tool("pg_restore"), "--list", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise InputFileError(
            path, "not a pg_dump archive", "give a file made by `sdgcities backup`"
        )
    tables = set()
    for line in listing.stdout.splitlines():  # "215; 0 16390 TABLE DATA public cities sdg"
        parts = line.split()
        for i in range(len(parts) - 3):
            if parts[i : i + 2] == ["TABLE", "DATA"]:
                tables.add(parts[i + 3])
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise InputFileError(
            path,
            f"not a backup of an sdgcities store (no {', '.join(missing)} table)",
            "give a file made by `sdgcities backup`",
        )
    data = subprocess.run(
        [
            find_pg_tool("pg_restore"),
            "--data-only",
            "--table=alembic_version",
            "-f",
            "-",
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    revisions: set[str] = set()
    in_copy = False
    for line in data.stdout.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_copy = True
            continue
        if in_copy:
            if line == "\\.":
                break
            revisions.add(line.strip())
    return revisions


def restore_store(engine: Engine, src: Path | str) -> BackupInfo:
    """Replace the store's content with the backup ``src`` — all of it, or nothing."""
    src = Path(src)
    if src.is_dir():
        raise InputFileError(src, "is a folder", "give the backup file")
    if not src.is_file():
        raise InputFileError(src, "file not found", "check the path")
    with src.open("rb") as fh:
        magic = fh.read(16)
    known = _schema_heads(engine)
    if _is_sqlite(engine):
        if not magic.startswith(_SQLITE_MAGIC):
            hint = (
                "it is a PostgreSQL backup: restore it with DATABASE_URL set to that server"
                if magic.startswith(_PGDUMP_MAGIC)
                else "give a file made by `sdgcities backup`"
            )
            raise InputFileError(src, "not a backup of an SQLite store", hint)
        revision = _check_revisions(src, _sqlite_revisions(src), known)
        dest = _sqlite_path(engine)
        engine.dispose()  # no pooled connection keeps the old pages cached
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        target = sqlite3.connect(dest, timeout=30)
        try:
            source.backup(target, pages=-1)  # one step: one write transaction on the store
        finally:
            target.close()
            source.close()
        backend = "sqlite"
    else:
        if not magic.startswith(_PGDUMP_MAGIC):
            hint = (
                "it is an SQLite backup: restore it into an SQLite store (unset DATABASE_URL)"
                if magic.startswith(_SQLITE_MAGIC)
                else "give a file made by `sdgcities backup`"
            )
            raise InputFileError(src, "not a backup of a PostgreSQL store", hint)
        target_uri, env = _pg_target(engine)
        revision = _check_revisions(src, _pg_archive_revisions(src, env), known)
        engine.dispose()
        cmd = [
            find_pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            target_uri,
            str(src),
        ]
        _run(cmd, env, "pg_restore (nothing was changed)")
        backend = "postgresql"
    from sdgcities.store.db import migrate

    migrate(engine)
    return BackupInfo(src, backend, src.stat().st_size, revision)


def database_label(engine: Engine) -> str:
    """The store's URL without its password, for messages."""
    return make_url(str(engine.url)).render_as_string(hide_password=True)
