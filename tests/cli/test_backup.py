"""``sdgcities backup`` / ``restore``: a round trip on SQLite and PostgreSQL while a writer imports.

The invariant checked after every restore is transactional: each import stored all its
values or none (the observations carrying an import's id are exactly the rows it reported),
and the restored store is the one backed up — the imports that finished after the backup
are gone, those before it are all there.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.errors import InputFileError
from sdgcities.observations.importer import import_observations
from sdgcities.store.backup import backup_store, restore_store
from sdgcities.store.db import transaction
from sdgcities.store.models import ImportBatch, Observation
from tests.observations.obs_helpers import CITIES, INDICATORS, add_cities_and_indicators

runner = CliRunner()


def _write_import(path: Path, n: int, value: float | None = None) -> Path:
    """Import number ``n``: one value per city and indicator for year 1990 + n % 30."""
    lines = ["city,indicator,year,value"]
    for slug, _name, _iso3 in CITIES:
        for code, _unit in INDICATORS:
            lines.append(f"{slug},{code},{1990 + n % 30},{value or n % 90 + 1.5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _imports(engine: Engine) -> dict[int, tuple[int, int]]:
    """Import id → (rows it reported as new or corrected, observations that carry its id)."""
    with transaction(engine) as s:
        batches = {
            b.id: b.rows_inserted + b.rows_corrected
            for b in s.scalars(select(ImportBatch).where(ImportBatch.kind == "observations"))
        }
        carried = dict(
            s.execute(
                select(Observation.import_id, func.count()).group_by(Observation.import_id)
            ).all()
        )
    return {i: (n, int(carried.get(i, 0))) for i, n in batches.items()}


class _Writer(threading.Thread):
    """Imports small files one after the other until stopped."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        super().__init__(daemon=True)
        self.engine, self.folder = engine, folder
        self.done = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                import_observations(self.engine, _write_import(self.folder / f"w{n}.csv", n))
                self.done += 1
        except BaseException as err:  # reported by the test
            self.error = err


def _wait(pred: object, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not pred():  # type: ignore[operator]
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_round_trip_while_writing(engine: Engine, tmp_path: Path) -> None:
    add_cities_and_indicators(engine)
    writer = _Writer(engine, tmp_path)
    writer.start()
    try:
        _wait(lambda: writer.done >= 3 or writer.error is not None)
        started = writer.done
        info = backup_store(engine, tmp_path / "store.backup")
        at_backup = writer.done
        _wait(lambda: writer.done >= at_backup + 3 or writer.error is not None)
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    assert info.path.is_file()
    assert info.bytes > 0
    assert not list(tmp_path.glob(".store.backup.*"))  # no temp file left behind
    before = _imports(engine)
    assert len(before) == writer.done

    restore_store(engine, info.path)
    after = _imports(engine)
    # a consistent snapshot: every import whole, the imports after the backup gone
    assert all(reported == carried for reported, carried in after.values()), after
    assert started <= len(after) <= at_backup + 1  # +1: the one committing meanwhile
    assert len(after) < len(before)
    assert set(after) <= set(before)
    # the restored store takes writes again
    import_observations(engine, _write_import(tmp_path / "again.csv", 1, value=77.25))
    assert len(_imports(engine)) == len(after) + 1

    # a restore while a writer imports: the writer may fail (its rows vanish), never half
    second = _Writer(engine, tmp_path / "second")
    second.folder.mkdir()
    second.start()
    try:
        _wait(lambda: second.done >= 2 or second.error is not None)
        restore_store(engine, info.path)
    finally:
        second.stop.set()
        second.join(60)
    final = _imports(engine)
    assert all(reported == carried for reported, carried in final.values()), final
    assert set(after) <= set(final)


def test_restore_refuses_what_is_not_a_backup(engine: Engine, tmp_path: Path) -> None:
    add_cities_and_indicators(engine)
    import_observations(engine, _write_import(tmp_path / "one.csv", 1))
    state = _imports(engine)
    text = tmp_path / "notes.txt"
    text.write_text("city,indicator\n", encoding="utf-8")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    truncated = tmp_path / "truncated.backup"
    full = backup_store(engine, tmp_path / "full.backup")
    truncated.write_bytes(full.path.read_bytes()[:4096])
    for bad, reason in (
        (text, "not a backup"),
        (other, "not a backup of an sdgcities store" if _sqlite(engine) else "not a backup"),
        (truncated, "."),
        (tmp_path / "missing.backup", "file not found"),
        (tmp_path, "is a folder"),
    ):
        with pytest.raises(InputFileError, match=reason):
            restore_store(engine, bad)
        assert _imports(engine) == state  # nothing changed
    with pytest.raises(InputFileError, match="exists already"):
        backup_store(engine, full.path)


def _sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def test_backup_restore_commands(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sdgcities.cli import app

    assert runner.invoke(app, ["init"]).exit_code == 0
    out = tmp_path / "b.db"
    r = runner.invoke(app, ["backup", str(out)])
    assert r.exit_code == 0, r.output
    assert "backup of" in r.output
    assert out.is_file()
    r = runner.invoke(app, ["backup", str(out)])
    assert r.exit_code == 1
    assert "exists already" in r.output
    r = runner.invoke(app, ["restore", str(out)], input="n\n")
    assert r.exit_code == 1
    r = runner.invoke(app, ["restore", str(out), "--yes"])
    assert r.exit_code == 0, r.output
    bad = tmp_path / "x.txt"
    bad.write_text("hello", encoding="utf-8")
    r = runner.invoke(app, ["restore", str(bad), "--yes"])
    assert r.exit_code == 1
    assert "not a backup" in r.output
    assert "Traceback" not in r.output
