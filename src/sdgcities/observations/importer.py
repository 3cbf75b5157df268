"""Import observations from long or wide CSV / Excel files, streaming, all-or-nothing.

A **long** file has one value per row: columns ``city``, ``indicator``, ``year``,
``value`` and optionally ``unit``, ``source``, ``lower``/``upper`` bounds, ``country``
(ISO3, to tell apart cities of the same name) and a breakdown: columns ``sex``,
``age``, ``migrant_status``, ``disability`` … or one ``disaggregation`` column holding
``"age=15-24|sex=female"``. A **wide** sheet has a column per indicator; a mapping
``{column name: indicator code}`` (dict or YAML file) says which, beside ``city`` and
``year`` columns.

Every row is validated against the store; every problem is reported at once as a
:class:`~sdgcities.errors.ValidationError` and nothing is stored. Rows stream in
chunks into a staging table; the merge is set-based SQL in the same transaction, so a
killed import leaves the store untouched. Re-importing a file changes nothing; a
changed value becomes a new version (see :mod:`sdgcities.observations.service`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sdgcities._i18n import _
from sdgcities.errors import ValidationError
from sdgcities.observations._lookups import Lookups
from sdgcities.observations._pipeline import ImportReport, Source, finish_import
from sdgcities.observations._reading import inspect_file, open_table, read_mapping
from sdgcities.observations._staging import Staging
from sdgcities.observations._validate import (
    _ALIASES,
    LONG_REQUIRED,
    WIDE_REQUIRED,
    Findings,
    RowChecker,
    canonical_column,
    normalise_column,
)

logger = logging.getLogger(__name__)

#: rows per staging chunk (bounded memory)
CHUNK_ROWS = 50_000
STATUSES = ("published", "draft")


def _wide_positions(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Position of each mapped column in the header (exact, then normalised name)."""
    exact = {h: i for i, h in enumerate(header) if h}
    norm = {normalise_column(h): i for i, h in enumerate(header) if h}
    out: dict[str, int] = {}
    for col in mapping:
        i = exact.get(col, norm.get(normalise_column(col)))
        if i is not None:
            out[col] = i
    return out


def _scorer(
    mapping: dict[str, str] | None,
) -> tuple[Callable[[list[str]], int], int, tuple[str, ...]]:
    required = WIDE_REQUIRED if mapping else LONG_REQUIRED

    def score(cells: list[str]) -> int:
        found = {canonical_column(c) for c in cells if c}
        n = sum(1 for r in required if r in found)
        if mapping:
            n += len(_wide_positions(cells, mapping))
        return n

    return score, len(required) + (len(mapping) if mapping else 0), required


def _close_header(wanted: str, unknown: list[str]) -> str | None:
    """The unrecognised header cell that is a typo of ``wanted`` or one of its aliases."""
    import difflib

    names = {normalise_column(c): c for c in unknown}
    aliases = [a for a, canonical in _ALIASES.items() if canonical == wanted] or [wanted]
    for alias in sorted(aliases, key=lambda a: a != wanted):
        close = difflib.get_close_matches(alias, list(names), n=1, cutoff=0.75)
        if close:
            return names[close[0]]
    return None


def _missing_columns(
    path: Path,
    candidates: list[tuple[int, list[str]]],
    mapping: dict[str, str] | None,
    required: tuple[str, ...],
    score: Callable[[list[str]], int],
) -> ValidationError:
    best_row, best = max(candidates, key=lambda rc: score(rc[1]), default=(1, []))
    found = {canonical_column(c) for c in best if c}
    missing = [r for r in required if r not in found]
    if mapping:
        have = _wide_positions(best, mapping)
        missing += [c for c in mapping if c not in have]
    message = (
        _("missing required column {column} (the best candidate header is row {row})")
        if best
        else _("missing required column {column} (the file has no rows)")
    )
    findings = Findings(path.name)
    unknown = [c for c in best if c and canonical_column(c) is None]
    for col in missing:
        close = _close_header(col, unknown)
        if close is not None:
            unknown.remove(close)
            findings.add(
                _(
                    "missing required column {column}: the header has {found} "
                    "(row {row}) — did you mean {column}?"
                ).format(column=repr(col), found=repr(close), row=best_row),
                row=best_row,
                column=close,
                fix=_("rename the column {found} to {column}").format(
                    found=repr(close), column=repr(col)
                ),
            )
            continue
        found_text = ", ".join(repr(c) for c in best if c)
        findings.add(
            message.format(column=repr(col), row=best_row)
            + (_("; its columns: {columns}").format(columns=found_text) if found_text else ""),
            row=best_row if best else None,
            column=col,
            fix=_(
                "add a column named {column} to the header row "
                "(it must be within the first 20 rows)"
            ).format(column=repr(col)),
        )
    return ValidationError(
        _("{file}: required columns are missing; nothing was imported").format(file=path.name),
        findings.error_list,
    )


def import_observations(
    engine: Engine,
    path: Path | str,
    *,
    user: str = "",
    reason: str = "",
    wide_mapping: dict[str, str] | Path | str | None = None,
    sheet: str | None = None,
    status: str = "draft",
    on_progress: Callable[[int], None] | None = None,
    allowed_city_ids: set[int] | None = None,
) -> ImportReport:
    """Import a long or wide CSV/XLSX file of observations in one transaction.

    ``wide_mapping`` makes it a wide sheet (``{column name: indicator code}`` or a YAML
    file of that). ``on_progress(rows_read)`` is called after each chunk.
    ``allowed_city_ids`` restricts which cities' values may be written (web editors).
    Values land as drafts for review (:mod:`sdgcities.review`) unless ``status`` is
    ``"published"`` (tools that may publish at once; log it with
    :func:`sdgcities.review.service.publish_import`).
    Raises :class:`ValidationError` with every finding; nothing is stored then.
    """
    path = Path(path)
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    facts = inspect_file(path)
    mapping = read_mapping(wide_mapping) if wide_mapping is not None else None
    findings = Findings(path.name)
    if facts.encoding_note:
        findings.add(
            facts.encoding_note,
            severity="warning",
            column=None,
            fix=_("save the file as CSV UTF-8 next time"),
        )
    score, needed, required = _scorer(mapping)
    with engine.begin() as conn:
        lookups = Lookups.load(conn)
        with open_table(
            path, encoding=facts.encoding, sheet=sheet, header_score=score, required_score=needed
        ) as table:
            if isinstance(table, list):
                raise _missing_columns(path, table, mapping, required, score)
            columns: dict[str, int] = {}
            mapped = _wide_positions(table.header, mapping) if mapping else {}
            mapped_pos = set(mapped.values())
            ignored: list[str] = []
            for i, h in enumerate(table.header):
                if i in mapped_pos or not h:
                    continue
                canon = canonical_column(h)
                if canon is None or (mapping and canon in ("indicator", "value")):
                    ignored.append(h)
                elif canon in columns:
                    findings.add(
                        _("column {column} repeats {first}; only the first is read").format(
                            column=repr(h), first=repr(table.header[columns[canon]])
                        ),
                        row=table.header_row,
                        column=h,
                        severity="warning",
                        fix=_("delete the repeated column"),
                    )
                else:
                    columns[canon] = i
            if ignored:
                findings.add(
                    _("columns not read: {columns}").format(columns=", ".join(map(repr, ignored))),
                    row=table.header_row,
                    severity="warning",
                    fix=_("rename them if they hold data (see the import docs)"),
                )
            values: list[tuple[int, str, str | None]]
            if mapping:
                values = [(pos, table.header[pos], mapping[col]) for col, pos in mapped.items()]
            else:
                values = [(columns["value"], table.header[columns["value"]], None)]
            checker = RowChecker(
                lookups,
                findings,
                columns=columns,
                headers=table.header,
                values=values,
                allowed_city_ids=allowed_city_ids,
            )
            staging = Staging(conn, chunk_rows=CHUNK_ROWS)
            rows_read = 0
            t0 = time.perf_counter()
            for n, cells in table.rows:
                rows_read += 1
                staged = checker.check(n, cells)
                if staged:
                    staging.add(staged)
                if on_progress is not None and rows_read % CHUNK_ROWS == 0:
                    on_progress(rows_read)
            if on_progress is not None:
                on_progress(rows_read)
            checker.check_fractions()
            read_s = time.perf_counter() - t0 - staging.timings.get("load", 0.0)
            details: dict[str, Any] = {
                "format": "wide" if mapping else "long",
                "encoding": facts.encoding,
                "sheet": table.sheet,
                "header_row": table.header_row,
                "bytes": facts.size,
                "read_validate_s": round(read_s, 3),
            }
            if mapping:
                details["mapping"] = mapping
        source = Source(
            path.name, facts.sha256, user=user, reason=reason, status=status, details=details
        )
        return finish_import(conn, staging, findings, lookups, source, rows_read=rows_read)


__all__ = ["ImportReport", "import_observations"]
