"""Read a revenue-streams CSV into text rows, with findings naming the file and column."""

from __future__ import annotations

import csv
from pathlib import Path

from sdgcities.errors import Finding, InputFileError, ValidationError
from sdgcities.revenue.rosra import OPTIONAL, REQUIRED, StreamInput, streams_from_rows


def read_streams(path: str | Path) -> list[StreamInput]:
    """The streams of ``path`` (UTF-8 CSV, header row), or every problem in one error."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "no such file", "give the path of a CSV with one row per stream")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputFileError(
            p, f"not UTF-8 text (byte {err.start})", "save the sheet as 'CSV UTF-8'"
        ) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    findings: list[Finding] = []
    for col in REQUIRED:
        if col not in header:
            findings.append(
                Finding(
                    "required column missing", p.name, 1, col, fix=f"add a column named {col!r}"
                )
            )
    allowed = set(REQUIRED) | set(OPTIONAL)
    for col in header:
        if col not in allowed:
            findings.append(
                Finding(
                    "unknown column",
                    p.name,
                    1,
                    col,
                    fix="use only: " + ", ".join((*REQUIRED, *OPTIONAL)),
                )
            )
    if findings:
        raise ValidationError(f"{p.name}: the header is not a revenue-streams table", findings)
    rows = [
        {k: v for k, v in r.items() if isinstance(k, str)}
        for r in reader
        if any((v or "").strip() for v in r.values() if isinstance(v, str))
    ]
    return streams_from_rows(rows, p.name)
