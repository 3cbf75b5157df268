"""Streaming readers for CSV and Excel tables (plumbing of the importers).

Nothing here loads a whole file: CSV is decoded and parsed line by line, Excel sheets
are read with openpyxl's read-only mode. The header row is found by looking for the
required column names in the first rows, so title rows above it are skipped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from sdgcities._i18n import _
from sdgcities.errors import Finding, InputFileError, ValidationError

#: rows searched for the header row
HEADER_SEARCH_ROWS = 20

_BLOCK = 1 << 20
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class FileFacts:
    """What one pass over the bytes of a file tells: checksum, size and text encoding."""

    sha256: str
    size: int
    encoding: str | None  # None for Excel
    encoding_note: str | None  # a warning to show (legacy encoding was used)


@dataclass
class Table:
    """A table whose header row has been found; ``rows`` yields (sheet row, cells)."""

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str | None
    sheet: str | None


def file_kind(path: Path) -> str:
    """``"csv"`` or ``"excel"``; InputFileError for anything else."""
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix in _EXCEL_SUFFIXES:
        return "excel"
    if suffix == ".xls":
        raise InputFileError(
            path,
            _("old binary Excel (.xls) files are not read"),
            _("save the sheet as .xlsx or CSV (UTF-8)"),
        )
    raise InputFileError(
        path,
        _("unknown file type {suffix}").format(suffix=repr(suffix or "(no suffix)")),
        _("give a .csv or .xlsx file"),
    )


def _utf8_ok(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def inspect_file(path: Path) -> FileFacts:
    """Checksum the file and, for text files, find its encoding.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; otherwise the
    file is tried as Windows-1252 (a superset of Latin-1's printable characters), with a
    warning. A file that is neither raises InputFileError.
    """
    if not path.is_file():
        raise InputFileError(path, _("file not found"), _("check the path"))
    digest = hashlib.sha256()
    size = 0
    head = b""
    has_nul = False
    cp1252_bad = False
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if not head:
                head = block[:4]
            digest.update(block)
            size += len(block)
            has_nul = has_nul or b"\x00" in block
            cp1252_bad = cp1252_bad or any(
                b in block for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
            )
    facts = FileFacts(digest.hexdigest(), size, None, None)
    if file_kind(path) == "excel":
        return facts
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        facts.encoding = "utf-16"
        return facts
    if has_nul:
        raise InputFileError(
            path,
            _("the file contains NUL bytes and is not a text table"),
            _("export it as CSV (UTF-8)"),
        )
    if _utf8_ok(path):
        facts.encoding = "utf-8-sig"
        return facts
    if cp1252_bad:
        raise InputFileError(
            path,
            _("the file is neither UTF-8 nor Windows-1252/Latin-1 text"),
            _("open it in a spreadsheet program and save as CSV UTF-8"),
        )
    facts.encoding = "cp1252"
    facts.encoding_note = _(
        "the file is not UTF-8; it was decoded as Windows-1252 (Latin-1) — check accented "
        "names such as 'São Paulo'"
    )
    return facts


def _sniff_delimiter(lines: list[str]) -> str:
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: Path, encoding: str) -> Generator[tuple[int, list[Any]], None, None]:
    with path.open("r", encoding=encoding, newline="") as fh:
        probe: list[str] = []
        for _row in range(HEADER_SEARCH_ROWS):
            line = fh.readline()
            if not line:
                break
            probe.append(line)
        delimiter = _sniff_delimiter(probe)
        source = chain(probe, fh)
        reader = csv.reader(source, delimiter=delimiter)
        last = 0
        for row, cells in enumerate(reader, start=1):
            first, last = last + 1, reader.line_num
            if last > first:
                _check_open_quote(path, row, first, last, cells, delimiter)
            yield row, cells


def _check_open_quote(
    path: Path, row: int, first: int, last: int, cells: list[str], delimiter: str
) -> None:
    """A record over several lines whose value holds whole rows: a quote never closed.

    A quoted value may hold a line break, but one that swallows later lines with
    delimiters in them is an unbalanced quote; the file would be misread, so it is refused.
    """
    for cell in cells:
        head, _nl, rest = cell.partition("\n")
        if _nl and delimiter in rest:
            raise ValidationError(
                _("{file}: a quote is never closed; nothing was imported").format(file=path.name),
                [
                    Finding(
                        _(
                            'the quote (") opened in this row is not closed: lines {first}–{last}'
                            " of the file were read as one value"
                        ).format(first=first, last=last),
                        file=path.name,
                        row=row,
                        value=(head[:40] + " …") if len(head) > 40 else head,
                        fix=_(
                            "close the quote or remove it; a quote inside a quoted value is "
                            'written twice ("")'
                        ),
                    )
                ],
            )


#: most a workbook may hold once unzipped, and the largest compression ratio of a big part
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200


def _check_zip(path: Path) -> None:
    """Refuse a workbook that is not a zip, or a zip bomb, before openpyxl opens it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise InputFileError(
            path,
            _("not a readable .xlsx workbook ({problem})").format(problem=err),
            _("open it in a spreadsheet program and save as .xlsx"),
        ) from None
    total = sum(p.file_size for p in parts)
    inflated = [
        p
        for p in parts
        if p.file_size > 16 * 1024 * 1024 and p.file_size > MAX_RATIO * max(p.compress_size, 1)
    ]
    if total > MAX_UNZIPPED_BYTES or inflated:
        raise InputFileError(
            path,
            _("the workbook unpacks to {size} MB, far more than its data can need").format(
                size=total // (1024 * 1024)
            ),
            _("save the sheet as CSV (UTF-8), or split it into smaller workbooks"),
        )


@contextmanager
def _excel_rows(
    path: Path, sheet: str | None
) -> Iterator[tuple[Iterator[tuple[int, list[Any]]], str]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as err:
        raise InputFileError(
            path,
            _("not a readable .xlsx workbook ({problem})").format(problem=err),
            _("open it in a spreadsheet program and save as .xlsx"),
        ) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise InputFileError(
                path,
                _("no sheet named {sheet}").format(sheet=repr(sheet)),
                _("use one of {sheets}").format(sheets=", ".join(map(repr, wb.sheetnames))),
            )

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for n, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                yield n, list(cells)

        yield rows(), ws.title
    finally:
        wb.close()


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


@contextmanager
def open_table(
    path: Path,
    *,
    encoding: str | None,
    sheet: str | None,
    header_score: Callable[[list[str]], int],
    required_score: int,
) -> Iterator[Table | list[tuple[int, list[str]]]]:
    """Open ``path`` and find its header row.

    ``header_score`` counts the required columns a candidate row holds; the first row
    in the first :data:`HEADER_SEARCH_ROWS` that reaches ``required_score`` is the
    header. When none does, the candidate rows are yielded instead (a list) so the
    caller can say which columns are missing.
    """
    kind = file_kind(path)
    if kind == "csv":
        if encoding is None:
            raise ValueError("encoding is required for CSV files")
        with _open_csv(path, encoding) as rows:
            yield _find_header(rows, header_score, required_score, encoding, None)
    else:
        with _excel_rows(path, sheet) as (rows, title):
            yield _find_header(rows, header_score, required_score, None, title)


@contextmanager
def _open_csv(path: Path, encoding: str) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    gen = _csv_rows(path, encoding)
    try:
        yield gen
    except UnicodeDecodeError as err:  # only if the file changed since inspect_file
        raise InputFileError(
            path,
            _("cannot decode the file as {encoding}: {problem}").format(
                encoding=encoding, problem=err
            ),
            _("save it as CSV UTF-8"),
        ) from None
    except csv.Error as err:
        raise InputFileError(
            path,
            _("malformed CSV ({problem})").format(problem=err),
            _("check quoting; save again as CSV from a spreadsheet"),
        ) from None
    finally:
        gen.close()


def _header_text(cells: list[Any]) -> list[str]:
    return ["" if c is None else str(c).strip().lstrip("\ufeff") for c in cells]


def _find_header(
    rows: Iterator[tuple[int, list[Any]]],
    header_score: Callable[[list[str]], int],
    required_score: int,
    encoding: str | None,
    sheet: str | None,
) -> Table | list[tuple[int, list[str]]]:
    seen: list[tuple[int, list[str]]] = []
    for n, cells in rows:
        text = _header_text(cells)
        if header_score(text) >= required_score:
            data = ((m, c) for m, c in rows if not _is_blank(c))
            return Table(text, n, data, encoding, sheet)
        if not _is_blank(cells):
            seen.append((n, text))
        if n >= HEADER_SEARCH_ROWS:
            break
    return seen


def read_mapping(source: dict[str, str] | Path | str) -> dict[str, str]:
    """A wide-sheet mapping ``{column name: indicator code}`` from a dict or YAML file.

    The YAML may be the mapping itself or hold it under ``columns:``; other top-level
    keys are ignored.
    """
    if isinstance(source, dict):
        raw: Any = source
        where = "mapping"
    else:
        import yaml

        path = Path(source)
        where = str(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, yaml.YAMLError) as err:
            raise InputFileError(
                path,
                _("cannot read the mapping ({problem})").format(problem=err),
                _("write it as YAML: `column name: indicator code`"),
            ) from None
        if isinstance(raw, dict) and isinstance(raw.get("columns"), dict):
            raw = raw["columns"]
    if not isinstance(raw, dict) or not raw:
        raise InputFileError(
            where,
            _("the mapping is empty or not a mapping"),
            _("write it as YAML: `column name: indicator code`"),
        )
    return {str(k).strip(): str(v).strip() for k, v in raw.items()}


def warning(message: str, *, file: str, fix: str | None = None) -> Finding:
    return Finding(message, file=file, fix=fix, severity="warning")


__all__ = ["FileFacts", "Table", "file_kind", "inspect_file", "open_table", "read_mapping"]
