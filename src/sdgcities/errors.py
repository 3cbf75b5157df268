"""The exception hierarchy of sdgcities.

Every error a user can cause derives from :class:`SdgCitiesError` and from the
builtin that fits it, so callers may catch either. Messages name the input (file,
row, column or field), say what was found and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class SdgCitiesError(Exception):
    """Base class of every error sdgcities raises on purpose."""

    #: machine-readable code, used by the JSON API error shape
    code: str = "error"


class ConfigurationError(SdgCitiesError, ValueError):
    """A setting or environment variable is invalid."""

    code = "configuration_error"


class NotFoundError(SdgCitiesError, LookupError):
    """A named thing (city, indicator, benchmark set, layer …) does not exist."""

    code = "not_found"


class ConflictError(SdgCitiesError, ValueError):
    """The request conflicts with what is already stored."""

    code = "conflict"


class PermissionDeniedError(SdgCitiesError, PermissionError):
    """The current user may not do this."""

    code = "forbidden"


@dataclass(frozen=True)
class Finding:
    """One problem found in an input file.

    ``row`` is the 1-based line (CSV) or sheet row (Excel) as the user sees it in
    a spreadsheet program; ``column`` is the header name.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    fix: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        if self.value is not None:
            text += f" (found {self.value!r})"
        if self.fix:
            text += f" — fix: {self.fix}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "fix": self.fix,
            "severity": self.severity,
        }


class ValidationError(SdgCitiesError, ValueError):
    """Input failed validation; ``findings`` lists every problem, not just the first."""

    code = "validation_error"

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        self.findings: list[Finding] = list(findings)
        detail = "\n".join(f"  - {f}" for f in self.findings[:50])
        more = len(self.findings) - 50
        if more > 0:
            detail += f"\n  … and {more} more"
        super().__init__(f"{message}\n{detail}" if detail else message)
        self.summary = message


class InputFileError(SdgCitiesError, ValueError):
    """An input file is missing, truncated, unreadable or of the wrong kind."""

    code = "input_file_error"

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. Fix: {fix}")


class SpatialInputError(InputFileError):
    """Spatial input that cannot yield an indicator (no walkable ways, CRS mismatch …)."""

    code = "spatial_input_error"


@dataclass
class Warnings:
    """Collects non-fatal notes to show alongside a result."""

    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.items.append(text)


def check_choice(value: str, allowed: Sequence[str], field: str) -> str:
    """``value`` when it is one of ``allowed``; else a :class:`ValidationError` whose
    finding names the field, the value found and the values allowed."""
    if value not in allowed:
        raise ValidationError(
            f"{field} {value!r} is not one of {', '.join(allowed)}",
            [
                Finding(
                    f"unknown {field} {value!r}",
                    column=field,
                    value=value,
                    fix=f"use one of {', '.join(allowed)}",
                )
            ],
        )
    return value
