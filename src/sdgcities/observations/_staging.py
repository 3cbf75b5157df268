"""The staging table and the set-based merge of staged rows into ``observations``.

Rows are bulk-loaded in chunks into a temporary table (``executemany`` on SQLite,
``COPY`` on PostgreSQL), then a few SQL statements find conflicting duplicates,
separate new, corrected and unchanged values, clear ``is_current`` on corrected
versions and insert the new ones. Everything runs on the caller's connection, inside
its one transaction: a crash at any point leaves the store as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, bindparam, text
from sqlalchemy.exc import IntegrityError

from sdgcities.errors import ConflictError
from sdgcities.observations._validate import StageRow

logger = logging.getLogger(__name__)

STAGE = "obs_stage"
DUPS = "obs_dups"
PLAN = "obs_plan"
_COLS = (
    "seq",
    "row_no",
    "city_id",
    "indicator_id",
    "year",
    "disagg",
    "value",
    "unit",
    "lower_b",
    "upper_b",
    "source",
    "prov",
)
_KEY = ("city_id", "indicator_id", "year", "disagg")
NEW, CORRECTED, UNCHANGED = 0, 1, 2


@dataclass
class Conflict:
    """One key given more than once with different values: (row, value, column) each."""

    city_id: int
    indicator_id: int
    year: int
    disaggregation: str
    rows: list[tuple[int, float, str]]


def _join_on(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in _KEY)


class Staging:
    """A temporary staging table on ``conn`` (dropped at the end of the transaction)."""

    def __init__(self, conn: Connection, *, chunk_rows: int = 50_000) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.chunk_rows = chunk_rows
        self.buffer: list[StageRow] = []
        self.staged = 0
        #: seconds spent per phase (load, index, duplicates, plan, apply)
        self.timings: dict[str, float] = {}
        temp = "TEMPORARY TABLE"
        tail = " ON COMMIT DROP" if self.pg else ""
        if not self.pg:
            for t in (STAGE, DUPS, PLAN):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{t}")
        real = "DOUBLE PRECISION" if self.pg else "REAL"
        conn.exec_driver_sql(
            f"CREATE {temp} {STAGE} (seq INTEGER NOT NULL, row_no INTEGER NOT NULL, "
            "city_id INTEGER NOT NULL, indicator_id INTEGER NOT NULL, year INTEGER NOT NULL, "
            f"disagg VARCHAR(200) NOT NULL, value {real} NOT NULL, unit VARCHAR(64), "
            f"lower_b {real}, upper_b {real}, source TEXT, prov TEXT){tail}"
        )

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - t0

    # ------------------------------------------------------------------ loading
    def add(self, rows: Sequence[StageRow]) -> None:
        self.buffer.extend(rows)
        if len(self.buffer) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        with self._timed("load"):
            self._flush()

    def _flush(self) -> None:
        if self.pg:
            raw: Any = self.conn.connection.driver_connection
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {STAGE} ({', '.join(_COLS)}) FROM STDIN") as copy,
            ):
                for r in self.buffer:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" for _ in _COLS)
            self.conn.exec_driver_sql(
                f"INSERT INTO {STAGE} ({', '.join(_COLS)}) VALUES ({marks})", self.buffer
            )
        self.staged += len(self.buffer)
        self.buffer.clear()

    def finish_loading(self) -> None:
        self.flush()
        with self._timed("index"):
            self._index()

    def _index(self) -> None:
        self.conn.exec_driver_sql(f"CREATE INDEX {STAGE}_key ON {STAGE} ({', '.join(_KEY)})")
        if self.pg:
            self.conn.exec_driver_sql(f"ANALYZE {STAGE}")

    # ------------------------------------------------------------------ duplicates
    def find_duplicates(self, *, limit: int = 1000) -> tuple[list[Conflict], int, int]:
        """Conflicting keys (up to ``limit``), the number of conflicting keys, and the
        number of rows that merely repeat an earlier identical value (dropped)."""
        with self._timed("duplicates"):
            return self._find_duplicates(limit)

    def _find_duplicates(self, limit: int) -> tuple[list[Conflict], int, int]:
        tail = " ON COMMIT DROP" if self.pg else ""
        key = ", ".join(_KEY)
        self.conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {DUPS}{tail} AS SELECT {key}, COUNT(*) AS n, "
            f"COUNT(DISTINCT value) AS nv, MIN(seq) AS keep_seq FROM {STAGE} "
            f"GROUP BY {key} HAVING COUNT(*) > 1"
        )
        n_conflicts, n_repeats = self.conn.exec_driver_sql(
            f"SELECT COALESCE(SUM(CASE WHEN nv > 1 THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN nv = 1 THEN n - 1 ELSE 0 END), 0) FROM {DUPS}"
        ).one()
        conflicts: list[Conflict] = []
        if n_conflicts:
            res = self.conn.exec_driver_sql(
                f"SELECT s.city_id, s.indicator_id, s.year, s.disagg, s.row_no, s.value, s.prov "
                f"FROM {STAGE} s JOIN (SELECT {key} FROM {DUPS} WHERE nv > 1 "
                f"ORDER BY keep_seq LIMIT {int(limit)}) d ON {_join_on('s', 'd')} "
                f"ORDER BY s.city_id, s.indicator_id, s.year, s.disagg, s.seq"
            )
            by_key: dict[tuple[int, int, int, str], Conflict] = {}
            for cid, iid, year, dis, row_no, value, prov in res:
                c = by_key.get((cid, iid, year, dis))
                if c is None:
                    c = by_key[(cid, iid, year, dis)] = Conflict(cid, iid, year, dis, [])
                c.rows.append((row_no, value, prov))
            conflicts = sorted(by_key.values(), key=lambda c: c.rows[0][0])
        if n_repeats and not n_conflicts:
            self.conn.exec_driver_sql(
                f"DELETE FROM {STAGE} WHERE seq IN (SELECT s.seq FROM {STAGE} s JOIN {DUPS} d "
                f"ON {_join_on('s', 'd')} WHERE s.seq <> d.keep_seq)"
            )
        return conflicts, int(n_conflicts), int(n_repeats)

    # ------------------------------------------------------------------ merge
    def plan(self, *, status: str) -> dict[int, int]:
        """Classify staged rows as new, corrected or unchanged; counts per class."""
        with self._timed("plan"):
            return self._plan(status)

    def _plan(self, status: str) -> dict[int, int]:
        tail = " ON COMMIT DROP" if self.pg else ""
        same = "IS NOT DISTINCT FROM" if self.pg else "IS"
        self.conn.execute(
            text(
                f"CREATE TEMPORARY TABLE {PLAN}{tail} AS SELECT s.*, o.id AS old_id, "
                "o.version AS old_version, CASE WHEN o.id IS NULL THEN 0 "
                f"WHEN o.value = s.value AND o.lower {same} s.lower_b "
                f"AND o.upper {same} s.upper_b AND o.unit {same} s.unit "
                f"AND o.source {same} s.source AND o.status = :status THEN 2 ELSE 1 END "
                f"AS action FROM {STAGE} s LEFT JOIN observations o ON o.city_id = s.city_id "
                "AND o.indicator_id = s.indicator_id AND o.year = s.year "
                "AND o.disaggregation = s.disagg AND o.is_current = :true"
            ).bindparams(bindparam("true", True, type_=Boolean()), status=status)
        )
        counts = {NEW: 0, CORRECTED: 0, UNCHANGED: 0}
        for action, n in self.conn.exec_driver_sql(
            f"SELECT action, COUNT(*) FROM {PLAN} GROUP BY action"
        ):
            counts[int(action)] = int(n)
        return counts

    def apply(
        self, *, import_id: int, user: str, reason: str, status: str, created_at: datetime
    ) -> None:
        """Retire corrected versions and insert new and corrected values."""
        with self._timed("apply"):
            try:
                self._apply(import_id, user, reason, status, created_at)
            except IntegrityError as err:
                raise ConflictError(
                    "another import or edit changed the same values at the same time; "
                    "nothing was imported — run the import again"
                ) from err

    def _apply(
        self, import_id: int, user: str, reason: str, status: str, created_at: datetime
    ) -> None:
        self.conn.execute(
            text(
                "UPDATE observations SET is_current = :false WHERE id IN "
                f"(SELECT old_id FROM {PLAN} WHERE action = {CORRECTED})"
            ).bindparams(bindparam("false", False, type_=Boolean()))
        )
        if status == "published":  # the new versions replace the public ones of their keys
            self.conn.execute(
                text(
                    "UPDATE observations SET is_public = :false WHERE is_public = :true "
                    f"AND EXISTS (SELECT 1 FROM {PLAN} p WHERE p.action < {UNCHANGED} "
                    "AND p.city_id = observations.city_id "
                    "AND p.indicator_id = observations.indicator_id "
                    "AND p.year = observations.year "
                    "AND p.disagg = observations.disaggregation)"
                ).bindparams(
                    bindparam("false", False, type_=Boolean()),
                    bindparam("true", True, type_=Boolean()),
                )
            )
        prov = "CAST(prov AS JSON)" if self.pg else "prov"
        self.conn.execute(
            text(
                "INSERT INTO observations (city_id, indicator_id, year, disaggregation, value, "
                "unit, lower, upper, source, version, is_current, is_public, status, created_at, "
                "created_by, reason, import_id, source_row, provenance) "
                "SELECT city_id, indicator_id, year, disagg, value, unit, lower_b, upper_b, "
                "source, COALESCE(old_version, 0) + 1, :true, :public, :status, :created_at, "
                ":user, "
                f":reason, :import_id, row_no, {prov} FROM {PLAN} WHERE action < {UNCHANGED}"
            ).bindparams(
                bindparam("true", True, type_=Boolean()),
                bindparam("public", status == "published", type_=Boolean()),
                bindparam("created_at", created_at, type_=DateTime(timezone=True)),
                status=status,
                user=user,
                reason=reason,
                import_id=import_id,
            )
        )

    def drop(self) -> None:
        if not self.pg:  # PostgreSQL drops them at commit
            for t in (PLAN, DUPS, STAGE):
                self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{t}")
