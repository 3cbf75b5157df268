"""What the command line says when a command fails: every exception becomes findings.

:func:`sdgcities.cli._common.handle_errors` sends every exception a command raises
here. :func:`describe` turns it into a summary line and :class:`~sdgcities.errors.Finding`
rows (file, row, column, problem, fix) — the same table an import shows — and the exit
code: 1 for bad data, a missing file or an unreachable service, 2 for wrong usage. No
exception reaches the user as a traceback; one that sdgcities does not know is reported
as a bug with its type and message (``-vv`` logs the traceback).

Library modules are imported only when the exception comes from them (``sys.modules``),
so that this module costs nothing at start-up.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sdgcities.errors import Finding, InputFileError, SdgCitiesError, ValidationError

#: exit codes: 1 bad data / environment, 2 wrong usage (as click uses it)
EXIT_BAD_DATA = 1
EXIT_USAGE = 2

#: the first words of the line that marks an error sdgcities did not expect
BUG_MARK = "unexpected error"


@dataclass
class Failure:
    """What to print for an exception: a summary, findings and the exit code."""

    summary: str
    findings: list[Finding] = field(default_factory=list)
    exit_code: int = EXIT_BAD_DATA
    bug: bool = False


def _module(name: str) -> object | None:
    return sys.modules.get(name)


def _inputs(params: dict[str, object]) -> list[str]:
    """The file arguments of the failed command, to name them when an error does not."""
    out: list[str] = []
    for value in params.values():
        items: Iterable[object] = value if isinstance(value, list | tuple) else (value,)
        out.extend(str(v) for v in items if isinstance(v, Path))
    return out


def _where(inputs: list[str]) -> str | None:
    return inputs[0] if len(inputs) == 1 else (", ".join(inputs) or None)


def redact_url(url: str) -> str:
    """A database URL without its password: ``postgresql://u:pw@h/db`` → ``postgresql://u:***@h/db``."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    cred, host = rest.rsplit("@", 1)
    user = cred.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def _store_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return redact_url(url)
    return "the SQLite store in the data folder"


def _os_error(err: OSError, inputs: list[str]) -> Failure:
    # os.replace(tmp, dest) names dest second: the path the user gave
    named = err.filename2 if getattr(err, "filename2", None) is not None else err.filename
    name = named if named is not None else _where(inputs)
    file = None if name is None else str(name)
    what = err.strerror or str(err)
    if isinstance(err, FileNotFoundError):
        return Failure(
            f"file not found: {file}",
            [Finding("no such file or folder", file=file, fix="check the path and its spelling")],
        )
    if isinstance(err, IsADirectoryError):
        return Failure(
            f"{file} is a folder, a file is expected here",
            [Finding("a folder where a file is expected", file=file, fix="give the file's path")],
        )
    if isinstance(err, NotADirectoryError):
        return Failure(
            f"{file} is not a folder",
            [Finding("a file where a folder is expected", file=file, fix="give a folder")],
        )
    if isinstance(err, FileExistsError):
        return Failure(
            f"{file} exists already",
            [Finding("the output exists already", file=file, fix="remove it or give a new path")],
        )
    if isinstance(err, PermissionError):
        return Failure(
            f"permission denied: {file}",
            [Finding("permission denied", file=file, fix="check the file's owner and mode")],
        )
    if err.errno == errno.ENOSPC:
        return Failure(f"the disk is full while writing {file}")
    if (
        isinstance(err, ConnectionError | TimeoutError)
        or err.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ETIMEDOUT)
        or "connect" in what.lower()
    ):
        return Failure(
            f"cannot connect: {what}",
            [Finding(what, fix="check the address (--scheduler, DATABASE_URL) and that it runs")],
        )
    return Failure(
        f"cannot read or write {file}: {what}" if file else f"system error: {what}",
        [Finding(what, file=file, fix="check the file: is it complete and readable?")],
    )


def _database_error(err: Exception) -> Failure | None:
    exc = _module("sqlalchemy.exc")
    if exc is None:
        return None
    if isinstance(err, exc.ArgumentError | exc.NoSuchModuleError):  # type: ignore[attr-defined]
        return Failure(
            "DATABASE_URL is not a database URL",
            [
                Finding(
                    str(err).splitlines()[0],
                    column="DATABASE_URL",
                    value=_store_url(),
                    fix="use sqlite:///PATH or postgresql://USER@HOST/DB",
                )
            ],
        )
    if isinstance(err, exc.OperationalError | exc.InterfaceError):  # type: ignore[attr-defined]
        orig = getattr(err, "orig", None) or err
        detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return Failure(
            f"cannot use the store at {_store_url()}",
            [
                Finding(
                    detail,
                    column="DATABASE_URL",
                    fix="check DATABASE_URL, that the server runs and accepts you, "
                    "or unset it for the SQLite store",
                )
            ],
        )
    if isinstance(err, exc.IntegrityError):  # type: ignore[attr-defined]
        detail = str(getattr(err, "orig", err)).splitlines()[0]
        return Failure(
            "the store refused the change (it conflicts with what is stored)",
            [Finding(detail, fix="retry; if it persists, report it with -vv output")],
        )
    return None


def _format_error(err: Exception, inputs: list[str]) -> Failure | None:
    """Broken files: zip (xlsx, GTFS), YAML, text encoding, CSV, GIS and raster readers."""
    import zipfile

    file = _where(inputs)
    if isinstance(err, zipfile.BadZipFile | zipfile.LargeZipFile):
        return Failure(
            "a file is not a valid zip archive (.xlsx, .zip)",
            [
                Finding(
                    str(err),
                    file=file,
                    fix="give a real .xlsx / GTFS .zip (re-save or re-download it), "
                    "or a .csv for tables",
                )
            ],
        )
    if isinstance(err, UnicodeDecodeError):
        return Failure(
            "a file is not UTF-8 text",
            [
                Finding(
                    f"byte 0x{err.object[err.start]:02x} at position {err.start} "
                    f"is not {err.encoding}",
                    file=file,
                    fix="save the file as UTF-8 (CSV UTF-8 in a spreadsheet program)",
                )
            ],
        )
    yaml = _module("yaml")
    if yaml is not None and isinstance(err, yaml.YAMLError):  # type: ignore[attr-defined]
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        return Failure(
            "a YAML file cannot be read",
            [
                Finding(
                    str(problem),
                    file=getattr(mark, "name", None) or file,
                    row=None if mark is None else mark.line + 1,
                    column=None if mark is None else f"character {mark.column + 1}",
                    fix="correct the YAML syntax there (indentation, quotes, colons)",
                )
            ],
        )
    pandas_errors = _module("pandas.errors")
    if pandas_errors is not None and isinstance(
        err,
        pandas_errors.ParserError | pandas_errors.EmptyDataError,  # type: ignore[attr-defined]
    ):
        return Failure(
            "a table file cannot be read",
            [Finding(str(err).strip(), file=file, fix="check the file's delimiter and quotes")],
        )
    for mod, names in (
        ("pyogrio.errors", ("DataSourceError", "DataLayerError", "FieldError", "GeometryError")),
        ("rasterio.errors", ("RasterioIOError", "RasterioError", "CRSError")),
        ("fiona.errors", ("DriverError", "FionaError")),
        ("pyproj.exceptions", ("CRSError", "ProjError")),
        ("pyarrow.lib", ("ArrowInvalid",)),
        ("osmium", ("InvalidLocationError",)),
    ):
        m = _module(mod)
        if m is None:
            continue
        classes = tuple(c for n in names if isinstance(c := getattr(m, n, None), type))
        if classes and isinstance(err, classes):
            return Failure(
                "a file cannot be read",
                [
                    Finding(
                        str(err).strip().splitlines()[0]
                        if str(err).strip()
                        else type(err).__name__,
                        file=file,
                        fix="check that the file is complete and of the kind the option expects",
                    )
                ],
            )
    if isinstance(err, RuntimeError) and "osmium" in type(err).__module__ + str(err).lower():
        return Failure(
            "an OpenStreetMap file cannot be read",
            [Finding(str(err), file=file, fix="give a complete .osm.pbf extract")],
        )
    return None


def describe(err: BaseException, params: dict[str, object] | None = None) -> Failure:
    """The summary, findings and exit code of ``err`` raised by a command with ``params``."""
    inputs = _inputs(params or {})
    if isinstance(err, ValidationError):
        return Failure(err.summary, list(err.findings))
    if isinstance(err, InputFileError):
        return Failure(
            f"{err.path}: {err.problem}",
            [Finding(err.problem, file=err.path, fix=err.fix)],
        )
    if isinstance(err, SdgCitiesError):
        return Failure(str(err))
    if isinstance(err, Exception):
        db = _database_error(err)
        if db is not None:
            return db
    if isinstance(err, OSError) and type(err).__module__ == "builtins":
        return _os_error(err, inputs)
    if isinstance(err, Exception):
        fmt = _format_error(err, inputs)
        if fmt is not None:
            return fmt
    if isinstance(err, OSError):
        return _os_error(err, inputs)
    if type(err) is ValueError and str(err).strip():
        # the library's own checks raise a plain ValueError naming the value and the range
        return Failure(str(err).strip().splitlines()[0])
    if isinstance(err, MemoryError):
        return Failure(
            "out of memory",
            [Finding("the input is too large for this machine", fix="use a smaller extract")],
        )
    where = f" (inputs: {', '.join(inputs)})" if inputs else ""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return Failure(
        f"{BUG_MARK}: {type(err).__name__}{': ' + text if text else ''}{where}",
        [
            Finding(
                "sdgcities did not expect this",
                fix="run again with -vv to see the traceback, and report it with your input",
            )
        ],
        bug=True,
    )
