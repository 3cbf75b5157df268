"""The end of every observations import: duplicates, plan, provenance batch, merge."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from sdgcities._i18n import _
from sdgcities.errors import Finding, ValidationError
from sdgcities.observations._lookups import Lookups
from sdgcities.observations._staging import CORRECTED, NEW, UNCHANGED, Staging
from sdgcities.observations._validate import Findings
from sdgcities.store.models import ImportBatch, utcnow

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What an import did. ``status`` is ``"unchanged"`` when nothing was written.

    ``findings`` holds the warnings (errors raise :class:`ValidationError` instead).
    """

    import_id: int | None
    rows_read: int
    inserted: int
    corrected: int
    unchanged: int
    findings: list[Finding] = field(default_factory=list)
    file_name: str = ""
    sha256: str = ""
    repeated_rows: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "unchanged" if self.inserted == 0 and self.corrected == 0 else "imported"

    def summary(self) -> str:
        if self.status == "unchanged":
            return f"{self.file_name}: unchanged — all {self.unchanged} values are already stored"
        return (
            f"{self.file_name}: import #{self.import_id}: {self.rows_read} rows read, "
            f"{self.inserted} new values, {self.corrected} corrections, "
            f"{self.unchanged} unchanged"
        )


@dataclass
class Source:
    """The file being imported and who imports it."""

    file_name: str
    sha256: str
    kind: str = "observations"
    user: str = ""
    reason: str = ""
    status: str = "published"
    details: dict[str, Any] = field(default_factory=dict)


def _column_of(prov: str) -> str | None:
    try:
        col = json.loads(prov).get("column")
    except (ValueError, AttributeError):
        return None
    return str(col) if col is not None else None


def finish_import(
    conn: Connection,
    staging: Staging,
    findings: Findings,
    lookups: Lookups,
    source: Source,
    *,
    rows_read: int,
    cities_created: int = 0,
) -> ImportReport:
    """Check duplicates, raise on any error, else merge the staged rows (one transaction)."""
    staging.finish_loading()
    source.details["timings"] = staging.timings
    logger.info("staged %d rows of %s", staging.staged, source.file_name)
    conflicts, n_conflicts, n_repeats = staging.find_duplicates()
    codes = {iid: code for code, (iid, _unit) in lookups.indicators.items()}
    for c in conflicts:
        rows = ", ".join(str(r[0]) for r in c.rows)
        message = (
            _(
                "conflicting duplicate: {city}, indicator {indicator}, year {year}, "
                "{breakdown} has different values on rows {rows}"
            )
            if c.disaggregation
            else _(
                "conflicting duplicate: {city}, indicator {indicator}, year {year} "
                "has different values on rows {rows}"
            )
        ).format(
            city=repr(lookups.city_name.get(c.city_id, c.city_id)),
            indicator=repr(codes.get(c.indicator_id, c.indicator_id)),
            year=c.year,
            breakdown=c.disaggregation,
            rows=rows,
        )
        for row_no, value, prov in c.rows:
            findings.add(
                message,
                row=row_no,
                column=_column_of(prov),
                value=value,
                fix=_("keep only the right row"),
            )
    if n_conflicts > len(conflicts):
        findings.add(
            _("… {count} more conflicting duplicate keys").format(
                count=n_conflicts - len(conflicts)
            ),
            fix=_("remove duplicate rows"),
        )
    if findings.errors:
        raise ValidationError(
            _("{file}: {count} problem(s) found; nothing was imported").format(
                file=source.file_name, count=findings.errors
            ),
            findings.error_list,
        )
    if n_repeats:
        findings.add(
            _("{count} row(s) repeat a value given on an earlier row; the first was kept").format(
                count=n_repeats
            ),
            severity="warning",
            fix=_("remove the repeated rows"),
        )
    counts = staging.plan(status=source.status)
    warnings = findings.warning_list
    report = ImportReport(
        import_id=None,
        rows_read=rows_read,
        inserted=counts[NEW],
        corrected=counts[CORRECTED],
        unchanged=counts[UNCHANGED],
        findings=warnings,
        file_name=source.file_name,
        sha256=source.sha256,
        repeated_rows=n_repeats,
        details={**source.details, "cities_created": cities_created},
    )
    if report.status == "unchanged" and not cities_created:
        staging.drop()
        logger.info("%s: unchanged", source.file_name)
        return report
    created_at: datetime = utcnow()
    details = {
        **report.details,
        "warnings": [str(w) for w in warnings[:100]],
        "status": source.status,
    }
    import_id = conn.execute(
        insert(ImportBatch)
        .values(
            kind=source.kind,
            file_name=source.file_name,
            sha256=source.sha256,
            user=source.user,
            reason=source.reason,
            rows_read=rows_read,
            rows_inserted=report.inserted,
            rows_corrected=report.corrected,
            rows_unchanged=report.unchanged,
            details=details,
            created_at=created_at,
        )
        .returning(ImportBatch.id)
    ).scalar_one()
    staging.apply(
        import_id=import_id,
        user=source.user,
        reason=source.reason,
        status=source.status,
        created_at=created_at,
    )
    staging.drop()
    report.import_id = import_id
    if source.status == "published":  # stored public scores follow, same transaction
        from sdgcities.assessment.stored import refresh_after_import

        refresh_after_import(conn, import_id)
    logger.info("%s", report.summary())
    return report


__all__ = ["ImportReport", "Source", "finish_import"]
