"""Errors of the one-stop shop; each names the field, what was found and the fix."""

from __future__ import annotations

from sdgcities.errors import Finding, ValidationError


class CalendarError(ValidationError):
    """An office calendar (hours, time zone, country, closures) that cannot be used."""


def finding(message: str, fix: str, *, column: str, value: str | None = None) -> Finding:
    """A finding about one field of a calendar or a request (no file, no row)."""
    return Finding(message, column=column, value=value, fix=fix)
