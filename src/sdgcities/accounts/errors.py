"""Errors of the accounts package (on top of :mod:`sdgcities.errors`)."""

from __future__ import annotations

from sdgcities.errors import SdgCitiesError


class AuthenticationError(SdgCitiesError, PermissionError):
    """The credentials (password, session or API token) are missing or wrong."""

    code = "unauthorized"


class ThrottledError(SdgCitiesError, RuntimeError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
