"""One error shape for the JSON API, and the exception handlers that produce it.

Every error under ``/api/`` answers::

    {"error": {"status": 404, "code": "not_found", "message": "…", "details": […]}}

whatever raised it: an unknown route or resource, a wrong method, request validation
(Pydantic's errors become ``details``), a :class:`~sdgcities.errors.ValidationError`
(its findings become ``details``), missing or wrong credentials, a forbidden action, a
conflict, an upload that is too large, throttling, and — as a last resort — an
unexpected failure, reported with a safe message only (the traceback goes to the log).
Other paths (the HTML pages) get an HTML page: the template ``error.html`` when the
pages provide one (context: ``status``, ``code``, ``message``, ``details``), else a
minimal page.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.errors import (
    ConfigurationError,
    ConflictError,
    InputFileError,
    NotFoundError,
    PermissionDeniedError,
    SdgCitiesError,
    ValidationError,
)

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/api")

#: HTTP status -> machine code of the error shape
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "throttled",
    500: "internal_error",
    503: "unavailable",
}


class ErrorInfo(BaseModel):
    status: int = Field(description="the HTTP status, repeated")
    code: str = Field(description="machine-readable error code, e.g. not_found")
    message: str = Field(description="what went wrong and how to fix it")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="one entry per problem (field, row, column …)"
    )


class ErrorResponse(BaseModel):
    """The body of every JSON API error."""

    error: ErrorInfo


class ApiError(Exception):
    """Raise in an API endpoint to answer with the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.details = [dict(d) for d in details]
        self.headers = dict(headers or {})


#: the error responses to document on API routes (``responses=`` of a router)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


def error_body(
    status: int, code: str, message: str, details: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "details": [_json_safe(dict(d)) for d in details],
        }
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and infinities are not JSON
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    return str(value)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error response; falls back to a bare one rather than ever raising itself."""
    try:
        if is_api_path(request.url.path):
            return JSONResponse(
                error_body(status, code, message, details), status_code=status, headers=headers
            )
        return _html_error(request, status, code, message, details, headers)
    except Exception:
        logger.exception("building the error response failed; answering without details")
        body = error_body(status, code, message if isinstance(message, str) else _phrase(status))
        body["error"]["details"] = []
        return JSONResponse(body, status_code=status)


def _html_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Sequence[Mapping[str, Any]],
    headers: Mapping[str, str] | None,
) -> Response:
    try:
        from jinja2 import TemplateNotFound

        from sdgcities.web.templating import render

        try:
            return render(
                request,
                "error.html",
                {"status": status, "code": code, "message": message, "details": details},
                status_code=status,
                headers=headers,
            )
        except TemplateNotFound:
            pass
    except Exception:  # the error page itself must never fail
        logger.exception("rendering the HTML error page failed")
    title = f"{status} {_phrase(status)}"
    body = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
        f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        "<p><a href='/'>Home</a></p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        item: dict[str, Any] = {
            "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
            "location": loc[0] if loc else "",
            "message": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        value = err.get("input")
        if isinstance(value, str | int | float | bool) and len(str(value)) <= 200:
            item["value"] = _json_safe(value)
        details.append(item)
    return details


def _finding_details(err: ValidationError) -> list[dict[str, Any]]:
    return [f.as_dict() for f in err.findings[:1000]]


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = STATUS_CODES.get(status, "error")
    detail = exc.detail
    if status == 404 and (not isinstance(detail, str) or detail == "Not Found"):
        message = f"there is nothing at {request.url.path}; see /api/v1/docs for the routes"
    elif status == 405 and (not isinstance(detail, str) or detail == "Method Not Allowed"):
        allow = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        message = f"{request.method} is not allowed on {request.url.path}" + (
            f"; use {allow}" if allow else ""
        )
    elif isinstance(detail, str):
        message = detail
    else:
        message = _phrase(status)
    details: list[dict[str, Any]] = (
        [d if isinstance(d, dict) else {"message": str(d)} for d in detail]
        if isinstance(detail, list)
        else []
    )
    return _respond(request, status, code, message, details, exc.headers)


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    fields = ", ".join(sorted({d["field"] for d in details if d["field"]}))
    message = "the request is not valid" + (f": check {fields}" if fields else "")
    return _respond(request, 422, "validation_error", message, details)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _respond(request, exc.status, exc.code, exc.message, exc.details, exc.headers)


def status_of(exc: SdgCitiesError) -> int:
    """The HTTP status for one of our exceptions."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, ThrottledError):
        return 429
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, ConfigurationError):
        return 500
    return 400


async def _sdgcities_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SdgCitiesError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    details: list[dict[str, Any]] = []
    message = str(exc)
    if isinstance(exc, ValidationError):
        message = exc.summary
        details = _finding_details(exc)
    elif isinstance(exc, InputFileError):
        details = [{"file": exc.path, "message": exc.problem, "fix": exc.fix}]
    if isinstance(exc, ThrottledError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if status == 500:
        logger.error("configuration problem while serving %s: %s", request.url.path, exc)
        message = "the server is misconfigured; the administrator has been told in the log"
    code = exc.code if status != 500 else "internal_error"
    return _respond(request, status, code, message, details, headers or None)


async def _out_of_range(request: Request, exc: Exception) -> Response:
    # a number too large for the store's integers that slipped past the edge checks
    logger.warning("out-of-range number on %s: %s", request.url.path, exc)
    return _respond(
        request,
        404,
        "not_found",
        "a number in the request is out of range (ids are at most 2147483647), so there is "
        "nothing at it; check the id",
    )


#: what a store too busy to answer in time raises: the connection pool's wait ran out,
#: or SQLite's busy timeout (``database is locked``); PostgreSQL's lock timeouts
_BUSY_MARKERS = ("database is locked", "database table is locked", "lock timeout")


def store_is_busy(exc: BaseException) -> bool:
    """True when ``exc`` says the store was too busy, not that the request was wrong."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and any(
        m in str(exc.orig if exc.orig is not None else exc).lower() for m in _BUSY_MARKERS
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    if store_is_busy(exc):
        # overload, not a bug: say so with 503 and when to retry (nothing was written:
        # the request's transaction is rolled back with its session)
        logger.warning("store busy serving %s %s: %s", request.method, request.url.path, exc)
        return _respond(
            request,
            503,
            "store_busy",
            "the store is too busy to answer now; nothing was changed — try again in a few seconds",
            headers={"Retry-After": "5"},
        )
    logger.exception("unexpected error serving %s %s", request.method, request.url.path)
    return _respond(
        request,
        500,
        "internal_error",
        "an unexpected error occurred; it has been logged — please try again or report it",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every API error the one shape."""
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(SdgCitiesError, _sdgcities_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)
